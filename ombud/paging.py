"""Pagination that stays fast at any depth: ids first, then the page's rows.

A deep page (`?page=2000`) read with the list's full query makes the database build, and throw
away, 100,000 full rows with their joins and per-row subqueries ("utbildad" runs 100,000 times)
before the 50 it shows. `IdsFirstPaginator` reads the page as ids only — the list's filters and
ordering, no joins it does not need, no annotations (an index-only walk over the ordering index)
— and then fetches those 50 ids with everything the page shows. The count is the narrow query's.

Page numbers are kept (not keyset "Föregående/Nästa"): users bookmark and type page numbers,
the count and "visar 101–150" stay, and the templates keep the one `_pagination.html`.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


class IdsFirstPaginator(Paginator):
    def __init__(self, object_list: QuerySet, per_page: int, **kwargs: Any) -> None:
        # values_list drops select_related and every annotation the filters and ordering do not
        # use, so the OFFSET walk reads the id and the ordering columns only.
        super().__init__(object_list.values_list("pk", flat=True), per_page, **kwargs)
        self.rows = object_list

    def _get_page(self, *args: Any, **kwargs: Any) -> Page:
        ids, number, paginator = args
        ids = list(ids)
        by_pk = {row.pk: row for row in self.rows.order_by().filter(pk__in=ids)}
        # A row deleted between the two reads is left out rather than failing the page.
        return Page([by_pk[pk] for pk in ids if pk in by_pk], number, paginator)


def ids_first_page(queryset: QuerySet, per_page: int, number: Any) -> Page:
    """The page `number` (anything the request sent; invalid → first or last, as get_page)."""
    return IdsFirstPaginator(queryset, per_page).get_page(number)
