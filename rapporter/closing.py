"""Closed reporting months (issue 6 item 7).

Once a month's numbers are sent to ESF the coordinator closes it. Later changes to attendance
dated in a closed month need a reason, are written to the audit log, and mark every report that
covers that month or a later one as needing re-issue (`Report.needs_reissue`).

`kurser` cannot import `rapporter` (data flows ombud ← kurser ← rapporter), so kurser's
attendance service reaches this module through a hook named in settings, e.g.

    MODIG_CLOSED_MONTH_HOOK = "rapporter.closing.closed_month_change_record"

and `django.utils.module_loading.import_string(settings.MODIG_CLOSED_MONTH_HOOK)(...)`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ombud.models import AuditLog, Person, Programme
from ombud.services import audit_log
from rapporter.models import ClosedMonth, Report

if TYPE_CHECKING:
    from ombud.models import User

MONTH_ALREADY_CLOSED = _("Månaden är redan stängd.")
MONTH_OUTSIDE_PROGRAMME = _("Månaden ligger utanför programmets period.")
MONTH_NOT_ENDED = _("En månad kan stängas först när den är slut.")
REASON_REQUIRED = _("Ändringar av närvaro i en stängd månad kräver ett skäl.")


def month_start(date: dt.date) -> dt.date:
    return date.replace(day=1)


def month_end(date: dt.date) -> dt.date:
    first_next = (date.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first_next - dt.timedelta(days=1)


def month_is_closed(*, programme: Programme, date: dt.date) -> bool:
    """Whether the reporting month that `date` falls in is closed for `programme`."""
    return ClosedMonth.objects.filter(programme=programme, month=month_start(date)).exists()


@transaction.atomic
def month_close(*, programme: Programme, month: dt.date, by: User) -> ClosedMonth:
    """Close the reporting month starting on (or containing) `month` once its numbers are sent."""
    first = month_start(month)
    if month_end(first) < programme.start_date or first > programme.end_date:
        raise ValidationError(MONTH_OUTSIDE_PROGRAMME)
    if month_end(first) >= timezone.localdate():
        raise ValidationError(MONTH_NOT_ENDED)
    # Lock the programme row so two coordinators closing the same month at once get one row.
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    if ClosedMonth.objects.filter(programme=programme, month=first).exists():
        raise ValidationError(MONTH_ALREADY_CLOSED)
    closed = ClosedMonth(programme=programme, month=first, closed_by=by)
    closed.full_clean()
    closed.save()
    return closed


def reports_mark_reissue(*, programme: Programme, from_month: dt.date) -> int:
    """Mark the finished reports of `programme` that cover `from_month` or any later month as
    needing re-issue; returns how many were marked."""
    first = month_start(from_month)
    return (
        Report.objects.filter(programme=programme, status=Report.Status.DONE, period_to__gte=first)
        .exclude(needs_reissue=True)
        .update(needs_reissue=True)
    )


@transaction.atomic
def closed_month_change_record(
    *,
    programme: Programme,
    date: dt.date,
    by: User | None,
    reason: str,
    what: str,
    person: Person | None = None,
    detail: dict | None = None,
) -> bool:
    """To be called by the attendance service *before* it changes attendance dated `date`.

    Returns False (and does nothing) when the month is open. When it is closed: raises
    `ValidationError(REASON_REQUIRED)` without a reason; otherwise writes an audit entry and
    marks that month's and every later month's reports as needing re-issue, and returns True.
    """
    if not month_is_closed(programme=programme, date=date):
        return False
    if not (reason or "").strip():
        raise ValidationError(REASON_REQUIRED)
    marked = reports_mark_reissue(programme=programme, from_month=date)
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=what,
        reason=reason.strip(),
        person=person,
        detail={
            **(detail or {}),
            "programme": programme.code,
            "closed_month": f"{month_start(date):%Y-%m}",
            "reports_marked": marked,
        },
    )
    return True


def closed_months_for(*, programme: Programme) -> list[ClosedMonth]:
    return list(
        ClosedMonth.objects.filter(programme=programme).select_related("closed_by").order_by("-month")
    )


def report_needs_reissue_count(*, programme: Programme) -> int:
    return Report.objects.filter(programme=programme, needs_reissue=True).count()
