from __future__ import annotations

from rest_framework.pagination import CursorPagination


class KeysetPagination(CursorPagination):
    """Keyset pagination on the primary key: stable under inserts, no OFFSET at 350,000 people.
    `?page_size=` up to 500; follow `next` until it is null."""

    ordering = "pk"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
