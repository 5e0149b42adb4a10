"""A data version for cached aggregates (dashboards).

Counting over millions of attendance rows takes seconds; pages that show such counts cache them
under a key that includes `data_version()`. Every service that changes what is counted calls
`data_changed()` after its transaction commits, so the next page view counts afresh. A cache
entry also expires by itself (see rapporter.selectors), which bounds the staleness of writes
made outside the services (a database restore, a manual fix).
"""

from __future__ import annotations

from typing import cast

from django.core.cache import cache
from django.db import transaction

KEY = "modig:data-version"


def data_version() -> int:
    return cast(int, cache.get_or_set(KEY, 1, timeout=None))


def data_changed() -> None:
    def bump() -> None:
        try:
            cache.incr(KEY)
        except ValueError:  # not in the cache (evicted or never read): start a new series
            cache.set(KEY, 2, timeout=None)

    transaction.on_commit(bump)
