"""A Redis cache that degrades: when Redis cannot be reached, every read is a miss and every write
is dropped, with a warning in the log, and the request goes on (issue 9 item 6).

The portal caches only what it can compute again (dashboard aggregates, the data version, the
check-in attempt counter), so a miss costs time, never correctness. After a failure the cache is
skipped for a few seconds, so a Redis that hangs does not add a timeout to every call.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# How long the cache is skipped after a failure before it is tried again.
RETRY_AFTER_SECONDS = 10.0


def _failure_types() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.RedisError, OSError)


class DegradingRedisCache(RedisCache):
    """RedisCache whose failures are misses. `incr`/`decr` of an unreachable counter answer
    `delta` (as if it started at zero) so that a throttle simply does not throttle."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params}
        options = {"socket_connect_timeout": 1, "socket_timeout": 2, **params.get("OPTIONS", {})}
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0

    def _guard(self, name: str, fallback: Any, call: Any) -> Any:
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except _failure_types() as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning(
                "cache unavailable (%s: %s); treated as a miss for %.0f s",
                name,
                exc,
                RETRY_AFTER_SECONDS,
            )
            return fallback


def _degrade(name: str, fallback: Any) -> Any:
    original = getattr(RedisCache, name)

    @functools.wraps(original)
    def method(self: DegradingRedisCache, *args: Any, **kwargs: Any) -> Any:
        value = fallback(*args, **kwargs) if callable(fallback) else fallback
        return self._guard(name, value, lambda: original(self, *args, **kwargs))

    return method


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _delta(key: Any, delta: int = 1, *args: Any, **kwargs: Any) -> int:
    return delta


for _name, _fallback in {
    "get": _default,
    "add": False,
    "set": False,
    "touch": False,
    "delete": False,
    "get_many": lambda *a, **k: {},
    "has_key": False,
    "incr": _delta,
    "decr": lambda key, delta=1, *a, **k: -delta,
    "set_many": lambda data, *a, **k: list(data),
    "delete_many": None,
    "clear": False,
}.items():
    setattr(DegradingRedisCache, _name, _degrade(_name, _fallback))
