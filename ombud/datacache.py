"""A data version for cached aggregates (dashboards).

Counting over millions of attendance rows takes seconds; pages that show such counts cache them
under a key that includes `data_version()`. Every service that changes what is counted calls
`data_changed()` after its transaction commits, so the next page view counts afresh. A cache
entry also expires by itself (see rapporter.selectors), and `single_flight` computes one
miss per key at a time (the dashboards, the effect page), which bounds the staleness of writes
made outside the services (a database restore, a manual fix).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar, cast

from django.core.cache import cache
from django.db import transaction

KEY = "modig:data-version"

T = TypeVar("T")


def data_version() -> int:
    return cast(int, cache.get_or_set(KEY, 1, timeout=None))


def data_changed() -> None:
    def bump() -> None:
        try:
            cache.incr(KEY)
        except ValueError:  # not in the cache (evicted or never read): start a new series
            cache.set(KEY, 2, timeout=None)

    transaction.on_commit(bump)


# A computation holds its lock at most this long (then another request may start one).
SINGLE_FLIGHT_LOCK_SECONDS = 60
# How long a request waits for another's computation before it counts by itself.
SINGLE_FLIGHT_WAIT_SECONDS = 30.0
SINGLE_FLIGHT_POLL_SECONDS = 0.05


def single_flight(key: str, compute: Callable[[], T], *, timeout: int) -> T:
    """`cache.get(key)`, or compute it — one computation per key at a time.

    The first request to miss takes a lock (`cache.add`, atomic in Redis and the other backends)
    and computes; the others poll for its result (at most SINGLE_FLIGHT_WAIT_SECONDS) instead of
    all counting at once. When the lock is gone without a result (the computation failed) a
    waiter takes the lock itself. When the cache is unreachable (DegradingRedisCache: every add
    fails, every get misses) nobody waits: each request computes, as without a cache.
    """
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:lock"
    deadline = time.monotonic() + SINGLE_FLIGHT_WAIT_SECONDS
    while True:
        if cache.add(lock, 1, timeout=SINGLE_FLIGHT_LOCK_SECONDS):
            try:
                value = compute()
                cache.set(key, value, timeout=timeout)
            finally:
                cache.delete(lock)
            return value
        if cache.get(lock) is None:
            # The lock was refused yet is not there: it was released just now (its result is
            # in the cache), or the holder failed, or the cache is down: count without waiting.
            value = cache.get(key)
            return value if value is not None else compute()
        if time.monotonic() >= deadline:
            return compute()
        time.sleep(SINGLE_FLIGHT_POLL_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value
