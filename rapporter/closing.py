"""Closed reporting months, as the reports see them.

The months themselves and the rule that guards them live in kurser (`kurser.models.ClosedMonth`,
`kurser.rules`, `kurser.services.month_close` / `month_reopen`): kurser cannot import rapporter
(data flows ombud ← kurser ← rapporter), so instead of calling up into this app, kurser records
*when* attendance of a closed month last changed (`ClosedMonth.changed_at`) and this module
derives from that which reports need re-issue: a finished report whose period reaches a month
that changed after the report was made.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from kurser.models import ClosedMonth
from kurser.rules import month_end, month_of
from ombud.models import Programme
from rapporter.models import Report

__all__ = [
    "closed_months_for",
    "month_end",
    "month_of",
    "report_needs_reissue_count",
    "reports_needing_reissue",
    "with_needs_reissue",
]


def changed_after(report_finished: OuterRef | Coalesce) -> Exists:
    """True for a report (the outer row) when a month it covers changed after `report_finished`."""
    return Exists(
        ClosedMonth.objects.filter(
            programme=OuterRef("programme"),
            month__lte=OuterRef("period_to"),
            changed_at__gt=report_finished,
        )
    )


def with_needs_reissue(qs: QuerySet[Report]) -> QuerySet[Report]:
    """Annotate `needs_reissue`: a finished report covering a closed month whose attendance
    changed after the report was finished (with a reason, audited; see kurser.services)."""
    finished = Coalesce(OuterRef("finished_at"), OuterRef("created_at"))
    return qs.annotate(needs_reissue=changed_after(finished))


def reports_needing_reissue(*, programme: Programme) -> QuerySet[Report]:
    finished = Coalesce(OuterRef("finished_at"), OuterRef("created_at"))
    return Report.objects.filter(programme=programme, status=Report.Status.DONE).filter(
        changed_after(finished)
    )


def closed_months_for(*, programme: Programme) -> list[ClosedMonth]:
    return list(
        ClosedMonth.objects.filter(programme=programme).select_related("closed_by").order_by("-month")
    )


def report_needs_reissue_count(*, programme: Programme) -> int:
    return reports_needing_reissue(programme=programme).count()
