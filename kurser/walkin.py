"""Temporary participants (issue 13 item 3): walk-ins added on the tablet, then merged with a
registered person or completed by a local leader.

The person record itself is written by `ombud.services` (`person_create_temporary`,
`person_complete`); what touches attendance — the merge — is here, because attendance is
kurser's. Whom a user may see is `ombud.access` (`temporary_people_for`), what counts is
`kurser.counting` (a temporary person's rows count once they are merged or completed).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from kurser import rollups, services
from kurser.models import ATTENDED_STATUSES, Attendance
from ombud.datacache import data_changed
from ombud.models import AuditLog, Person
from ombud.services import TEMPORARY_NOT_TEMPORARY, audit_log

if TYPE_CHECKING:
    from ombud.models import User

MERGE_SAME_PERSON = _("Välj en annan medarbetare att slå ihop med.")
MERGE_TARGET_TEMPORARY = _("Det går bara att slå ihop med en registrerad medarbetare.")
MERGE_REASON = "Sammanslagning av tillfällig deltagare"


def _rank(row: Attendance) -> tuple[int, int]:
    """The better of two rows of one person at one session: attended before not attended,
    then more minutes."""
    return (1 if row.status in ATTENDED_STATUSES else 0, row.minutes or 0)


@transaction.atomic
def temporary_merge(*, temporary: Person, into: Person, by: User | None) -> dict[str, Any]:
    """Move every attendance row of `temporary` to `into`, then remove `temporary`.

    Where both have a row at the same session the better row is kept (`_rank`) and the other
    dropped; the answer lists those sessions so the page can say so. The audit log keeps both
    identities. Rows in a closed month or of an approved session are recorded as any change
    there is (`services.attendance_change_record`: audited, month marked for re-issue).
    """
    if not temporary.temporary:
        raise ValidationError(TEMPORARY_NOT_TEMPORARY)
    if into.pk == temporary.pk:
        raise ValidationError(MERGE_SAME_PERSON)
    if into.temporary or into.erased_at is not None:
        raise ValidationError(MERGE_TARGET_TEMPORARY)
    temporary = Person.objects.select_for_update().get(pk=temporary.pk)
    rows = list(Attendance.objects.filter(person=temporary).select_related("session"))
    theirs = {
        a.session_id: a
        for a in Attendance.objects.filter(person=into, session__in=[r.session_id for r in rows])
    }
    moved, kept_both = [], []
    changes: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        other = theirs.get(row.session_id)
        change = {"person": into.pk, "merged_from": temporary.pk, "to": [row.status, row.minutes]}
        if other is None:
            row.person = into
            moved.append(row)
            changes[row.session_id].append(change)
            continue
        better = row if _rank(row) > _rank(other) else other
        kept_both.append(
            {"session": str(row.session), "kept": [better.status, better.minutes], "temporary": row is better}
        )
        if better is row:
            # The temporary row is the better one: it replaces the registered person's row.
            change["from"] = [other.status, other.minutes]
            other.status, other.minutes = row.status, row.minutes
            other.recorded_by_id, other.recorded_at = row.recorded_by_id, row.recorded_at
            other.save(update_fields=["status", "minutes", "recorded_by", "recorded_at"])
            changes[row.session_id].append(change)
        row.delete()
    Attendance.objects.bulk_update(moved, ["person"])
    sessions = {r.session_id: r.session for r in rows}
    for session_id, session_changes in changes.items():
        session = sessions[session_id]
        months = services.reporting_months(programme_id=session.programme_id, dates=[session.date])
        facts = services.session_facts(
            status=session.status, approved=session.is_approved, date=session.date, months=months
        )
        if facts.status == session.Status.CANCELLED:
            continue
        services.attendance_change_record(
            session_id=session.pk,
            label=str(session),
            date=session.date,
            facts=facts,
            months=months,
            by=by,
            reason=MERGE_REASON,
            changes=session_changes,
        )
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Slog ihop tillfällig deltagare %(temp)s med %(person)s")
        % {"temp": temporary.full_name, "person": into.full_name},
        person=into,
        detail={
            "temporary": {
                "id": temporary.pk,
                "first_name": temporary.first_name,
                "last_name": temporary.last_name,
                "workplace": temporary.workplace.name if temporary.workplace else "",
                "personnummer": temporary.personnummer or "",
            },
            "into": {"id": into.pk, "first_name": into.first_name, "last_name": into.last_name},
            "moved": len(moved),
            "same_session": kept_both,
        },
    )
    # The audit rows that named the temporary person keep it by id in their detail.
    # Both refreshed before the temporary record goes: its share of the cells is taken away
    # (it has no rows left), the registered person's added.
    rollups.refresh_people(person_ids=[temporary.pk, into.pk])
    temporary.delete()
    data_changed()
    return {"moved": len(moved), "same_session": kept_both}
