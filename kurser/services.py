"""Every write in the kurser app: sessions, invitations, attendance, approval, QR check-in.

Keyword-only arguments; business rules raise `ValidationError` with the module-level message
constants below (tests assert the exact text); `full_clean()` before `save()`.

Attendance from the tablet arrives as *submissions*, each with a client-generated UUID. The
same UUID with the same content is answered with the stored answer (a replay over weak Wi-Fi
never duplicates anything); the same UUID with other content raises `SubmissionConflict`
(HTTP 409).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kurser import rollups, rules
from kurser.models import (
    ATTENDED_STATUSES,
    Attendance,
    AttendanceStatus,
    ClosedMonth,
    Course,
    Session,
    Submission,
)
from ombud import access, notifications
from ombud.datacache import data_changed
from ombud.models import AuditLog, Municipality, Person, Programme, Workplace
from ombud.services import audit_log

if TYPE_CHECKING:
    from ombud.models import User

SESSION_MUNICIPALITY_NOT_IN_PROGRAMME = _("Kommunen deltar inte i programmet.")
SESSION_WORKPLACE_MUNICIPALITY = _("Arbetsplatsen hör inte till kommunen.")
SESSION_TRAINER_REQUIRED = _("Ange utbildare: ett ombud eller namnet på en extern utbildare.")
SESSION_MINUTES_RANGE = _("Ett tillfälle är 1–%(max)s minuter.")
SESSION_SERIES_INTERVAL = _("En serie återkommer varje eller varannan vecka.")
SESSION_SERIES_COUNT = _("En serie har 1–26 tillfällen.")
SESSION_CANCELLED = _("Tillfället är inställt och tar inte emot närvaro.")
SESSION_IN_FUTURE = _("Tillfället har inte börjat än och kan inte markeras som genomfört.")
SESSION_MOVE_NOT_PLANNED = _("Bara planerade tillfällen kan flyttas.")
SESSION_ALREADY_HELD = _("Tillfället är redan genomfört och kan inte ställas in.")
SESSION_NOT_HELD = _("Bara genomförda tillfällen kan godkännas.")
SESSION_ALREADY_APPROVED = _("Tillfället är redan godkänt.")
SESSION_APPROVED_LOCKED = _("Tillfället är godkänt och låst. Be en lokal projektledare om en ändring.")
SESSION_APPROVED_REASON = _("Tillfället är godkänt: ange ett skäl till ändringen.")
SESSION_OPEN_REGISTRATIONS = _("Markera närvaro för alla anmälda innan tillfället godkänns.")
ATTENDANCE_STATUS_UNKNOWN = _("Okänd närvarostatus.")
ATTENDANCE_MINUTES_RANGE = _("Närvarominuterna ska vara minst 1 och högst tillfällets planerade minuter.")
ATTENDANCE_MINUTES_REQUIRED = _("Ange närvarominuter för sen och delvis närvaro.")
ATTENDANCE_MINUTES_ZERO = _("Frånvarande och förhinder har 0 närvarominuter.")
ATTENDANCE_FUTURE = _("Tillfället har inte börjat än: närvaro kan inte registreras.")
ATTENDANCE_PERSON_UNKNOWN = _("Okänd person.")
ATTENDANCE_DUPLICATE_PERSON = _("Samma person finns två gånger i inskicket.")
SUBMISSION_CONFLICT = _("Inskicket har samma id som ett tidigare men annat innehåll.")
MONTH_CLOSED_REASON = _("Ändringar av närvaro i en stängd månad kräver ett skäl.")
MONTH_ALREADY_CLOSED = _("Månaden är redan stängd.")
MONTH_NOT_CLOSED = _("Månaden är inte stängd.")
MONTH_OUTSIDE_PROGRAMME = _("Månaden ligger utanför programmets period.")
MONTH_NOT_ENDED = _("En månad kan stängas först när den är slut.")
MONTH_REOPEN_REASON = _("Ange ett skäl till att månaden öppnas igen.")
CHECKIN_NOT_FOUND = _("Vi hittar ingen med det namnet och de fyra sista siffrorna. Fråga utbildaren.")
CHECKIN_AMBIGUOUS = _("Flera personer matchar. Skriv hela namnet eller fråga utbildaren.")
CHECKIN_ALREADY = _("Du är redan incheckad på det här tillfället.")

SERIES_MAX = 26


class SubmissionConflict(Exception):
    """Same client id, other content: answered with HTTP 409."""

    def __init__(self, message: str = str(SUBMISSION_CONFLICT)):
        super().__init__(message)
        self.message = message


Conflict = SubmissionConflict  # the name the views and other apps may use


# --- sessions ---------------------------------------------------------------------------------


def _check_place(programme: Programme, municipality: Municipality, workplace: Workplace | None) -> None:
    if not programme.municipalities.filter(pk=municipality.pk).exists():
        raise ValidationError(SESSION_MUNICIPALITY_NOT_IN_PROGRAMME)
    if workplace is not None and workplace.municipality_id != municipality.pk:
        raise ValidationError(SESSION_WORKPLACE_MUNICIPALITY)


@transaction.atomic
def session_create(
    *,
    programme: Programme,
    course: Course,
    municipality: Municipality,
    workplace: Workplace | None = None,
    trainer: Person | None = None,
    trainer_name: str = "",
    date: dt.date,
    start_time: dt.time,
    planned_minutes: int,
    form: str = Session._meta.get_field("form").default,
    small_group: bool = False,
    by: User | None,
) -> Session:
    _check_place(programme, municipality, workplace)
    if trainer is None and not trainer_name.strip():
        raise ValidationError(SESSION_TRAINER_REQUIRED)
    if not rules.planned_minutes_ok(int(planned_minutes)):
        raise ValidationError(SESSION_MINUTES_RANGE, params={"max": rules.MAX_SESSION_MINUTES})
    session = Session(
        programme=programme,
        course=course,
        municipality=municipality,
        workplace=workplace,
        trainer=trainer,
        trainer_name="" if trainer else trainer_name.strip(),
        date=date,
        start_time=start_time,
        planned_minutes=planned_minutes,
        form=form,
        small_group=small_group,
        created_by=by if getattr(by, "pk", None) else None,
    )
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def session_series_create(*, every_weeks: int, count: int, date: dt.date, **fields: Any) -> list[Session]:
    """`count` sessions, the first on `date`, then every (or every other) week."""
    if every_weeks not in (1, 2):
        raise ValidationError(SESSION_SERIES_INTERVAL)
    if not 1 <= count <= SERIES_MAX:
        raise ValidationError(SESSION_SERIES_COUNT)
    return [session_create(date=date + dt.timedelta(weeks=every_weeks * i), **fields) for i in range(count)]


def _check_changeable(session: Session, by: User | None, reason: str) -> None:
    """An approved session is locked; an approver may still change it, with a reason (audited)."""
    if not session.is_approved:
        return
    if by is None or not access.can_approve(by):
        raise ValidationError(SESSION_APPROVED_LOCKED)
    if not reason.strip():
        raise ValidationError(SESSION_APPROVED_REASON)


@transaction.atomic
def session_cancel(*, session: Session, by: User | None, reason: str = "") -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status == Session.Status.HELD:
        raise ValidationError(SESSION_ALREADY_HELD)
    _check_changeable(session, by, reason)
    session.status = Session.Status.CANCELLED
    session.full_clean()
    session.save(update_fields=["status", "updated_at"])
    rollups.refresh_sessions(session_ids=[session.pk])
    data_changed()
    _notify_after_commit("session_cancelled", session.pk)
    return session


@transaction.atomic
def session_move(
    *, session: Session, date: dt.date, start_time: dt.time, by: User | None, reason: str = ""
) -> Session:
    """Move a planned session to another date or time; the invited and the ombud are told."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status != Session.Status.PLANNED:
        raise ValidationError(SESSION_MOVE_NOT_PLANNED)
    _check_changeable(session, by, reason)
    moved_from = f"{session.date:%Y-%m-%d}T{session.start_time:%H:%M}"
    if (session.date, session.start_time) == (date, start_time):
        return session
    session.date, session.start_time = date, start_time
    session.full_clean()
    session.save(update_fields=["date", "start_time", "updated_at"])
    rollups.refresh_sessions(session_ids=[session.pk])  # the month and first date may change
    data_changed()
    _notify_after_commit("session_moved", session.pk, moved_from)
    return session


def _notify_after_commit(task_name: str, *args: Any) -> None:
    from kurser import tasks

    notifications.queue(getattr(tasks, task_name), *args)


def _check_started(session: Session, message) -> None:
    if session.starts_at > timezone.now():
        raise ValidationError(message)


@transaction.atomic
def session_mark_held(*, session: Session, by: User | None, reason: str = "") -> Session:
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(SESSION_CANCELLED)
    _check_started(session, SESSION_IN_FUTURE)
    _check_changeable(session, by, reason)
    if session.status != Session.Status.HELD:
        # A held session's planned minutes count as session hours: a closed month's gate applies.
        months = reporting_months(programme_id=session.programme_id, dates=[session.date])
        facts = session_facts(
            status=session.status, approved=session.is_approved, date=session.date, months=months
        )
        refusal = rules.change_refusal(facts, reason=reason)
        if refusal is not None:
            raise ValidationError(REFUSAL_MESSAGES[refusal])
        before = session.status
        session.status = Session.Status.HELD
        session.save(update_fields=["status", "updated_at"])
        attendance_change_record(
            session_id=session.pk,
            label=str(session),
            date=session.date,
            facts=facts,
            months=months,
            by=by,
            reason=reason,
            changes=[{"session_status": [before, session.status]}],
        )
    data_changed()
    return session


@transaction.atomic
def session_invite(*, session: Session, people: Iterable[Person], by: User | None) -> int:
    """Register people (status anmäld) for a session; people already on the list are kept as
    they are. Returns how many were added."""
    if session.status == Session.Status.CANCELLED:
        raise ValidationError(SESSION_CANCELLED)
    _check_changeable(session, by, "")
    people = list(people)
    _check_markable(session, by, [p.pk for p in people])
    existing = set(session.attendances.values_list("person_id", flat=True))
    rows = [
        Attendance(
            session=session,
            person=p,
            status=AttendanceStatus.REGISTERED,
            minutes=0,
            recorded_by=by if getattr(by, "pk", None) else None,
        )
        for p in dict.fromkeys(people)
        if p.pk not in existing
    ]
    Attendance.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def session_approve(*, session: Session, by: User) -> Session:
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.is_approved:
        raise ValidationError(SESSION_ALREADY_APPROVED)
    if session.status != Session.Status.HELD:
        raise ValidationError(SESSION_NOT_HELD)
    if session.attendances.filter(status=AttendanceStatus.REGISTERED).exists():
        raise ValidationError(SESSION_OPEN_REGISTRATIONS)
    session.approved_by = by
    session.approved_at = timezone.now()
    session.save(update_fields=["approved_by", "approved_at", "updated_at"])
    audit_log(
        user=by, action=AuditLog.Action.APPROVE, what=f"Godkände {session}", detail={"session": session.pk}
    )
    return session


def sessions_approve(*, sessions: Iterable[Session], by: User) -> tuple[int, list[str]]:
    """Approve several sessions, each on its own; returns (approved, messages for the rest)."""
    approved, errors = 0, []
    for session in sessions:
        try:
            session_approve(session=session, by=by)
        except ValidationError as e:
            errors.append(f"{session}: {' '.join(e.messages)}")
        else:
            approved += 1
    return approved, errors


# --- attendance -------------------------------------------------------------------------------


def _check_markable(session: Session, by: User | None, ids: Iterable[int]) -> None:
    """Every person id must be one `by` may mark on `session` (`access.people_markable`).
    Unknown ids and ids outside the rule get the same answer, naming nobody."""
    wanted = set(ids)
    if not wanted:
        return
    found = access.people_markable(by, session).filter(pk__in=wanted).count()
    if found != len(wanted):
        raise ValidationError(ATTENDANCE_PERSON_UNKNOWN)


# The tablet's wording of each refusal of `kurser.rules` (the import has its own, per column).
REFUSAL_MESSAGES = {
    rules.Refusal.STATUS_UNKNOWN: ATTENDANCE_STATUS_UNKNOWN,
    rules.Refusal.MINUTES_REQUIRED: ATTENDANCE_MINUTES_REQUIRED,
    rules.Refusal.MINUTES_RANGE: ATTENDANCE_MINUTES_RANGE,
    rules.Refusal.MINUTES_NOT_ZERO: ATTENDANCE_MINUTES_ZERO,
    rules.Refusal.SESSION_CANCELLED: SESSION_CANCELLED,
    rules.Refusal.MONTH_CLOSED: MONTH_CLOSED_REASON,
    rules.Refusal.SESSION_APPROVED: SESSION_APPROVED_REASON,
}


def mark_clean(*, status: str, minutes: int | None, planned: int) -> int:
    """The minutes to store for one tablet mark, or ValidationError (`kurser.rules`)."""
    try:
        return rules.mark_minutes(status=status, minutes=minutes, planned=planned)
    except rules.RuleError as e:
        raise ValidationError(REFUSAL_MESSAGES[e.refusal]) from None


def _clean_mark(session: Session, status: str, minutes: int | None) -> int:
    return mark_clean(status=status, minutes=minutes, planned=session.planned_minutes)


def reporting_months(*, programme_id: int, dates: Iterable[dt.date]) -> dict[dt.date, ClosedMonth]:
    """The programme's closed (or reopened) reporting months among those of `dates`, by first
    day: one query for a whole batch."""
    months = {rules.month_of(d) for d in dates}
    if not months:
        return {}
    return {m.month: m for m in ClosedMonth.objects.filter(programme_id=programme_id, month__in=months)}


def session_facts(
    *, status: str, approved: bool, date: dt.date, months: dict[dt.date, ClosedMonth]
) -> rules.SessionFacts:
    month = months.get(rules.month_of(date))
    return rules.SessionFacts(status=status, approved=approved, month_closed=bool(month and month.is_closed))


def attendance_change_record(
    *,
    session_id: int,
    label: str,
    date: dt.date,
    facts: rules.SessionFacts,
    months: dict[dt.date, ClosedMonth],
    by: User | None,
    reason: str,
    changes: list[dict],
) -> None:
    """After attendance of one session changed (tablet, check-in or import alike): a change to
    an approved session or in a closed month is audited with its reason; a change in a month
    that was closed marks that month as changed now, from which rapporter derives that the
    reports covering it need re-issue."""
    if not changes:
        return
    month = months.get(rules.month_of(date))
    if month is not None:
        now = timezone.now()
        ClosedMonth.objects.filter(pk=month.pk).update(changed_at=now)
        month.changed_at = now
    if rules.change_is_gated(facts):
        detail: dict[str, Any] = {"session": session_id, "changes": changes}
        if facts.month_closed:
            detail["closed_month"] = f"{rules.month_of(date):%Y-%m}"
        if facts.approved:
            detail["approved"] = True
        audit_log(
            user=by if getattr(by, "pk", None) else None,
            action=AuditLog.Action.CHANGE,
            what=f"Ändrade närvaro: {label}",
            reason=reason.strip(),
            detail=detail,
        )


def _check_change_allowed(session: Session, facts: rules.SessionFacts, by: User | None, reason: str) -> None:
    """The tablet's gate: an approved session is locked to all but approvers (who may change
    it with a reason); then the attendance rules."""
    if facts.status != Session.Status.CANCELLED and facts.approved and not access.can_approve(by):
        raise ValidationError(SESSION_APPROVED_LOCKED)
    refusal = rules.change_refusal(facts, reason=reason)
    if refusal is not None:
        raise ValidationError(REFUSAL_MESSAGES[refusal])


def _apply_marks(
    *,
    session: Session,
    marks: list[tuple[int, str, int | None]],
    by: User | None,
    client_id: UUID | None,
    reason: str,
) -> list[Attendance]:
    """Validate and store marks (person_id, status, minutes) for one session, in bulk."""
    months = reporting_months(programme_id=session.programme_id, dates=[session.date])
    facts = session_facts(
        status=session.status, approved=session.is_approved, date=session.date, months=months
    )
    _check_change_allowed(session, facts, by, reason)
    ids = [pid for pid, _s, _m in marks]
    if len(set(ids)) != len(ids):
        raise ValidationError(ATTENDANCE_DUPLICATE_PERSON)
    cleaned = [(pid, status, _clean_mark(session, status, minutes)) for pid, status, minutes in marks]
    if any(status in ATTENDED_STATUSES for _p, status, _m in cleaned):
        _check_started(session, ATTENDANCE_FUTURE)
    _check_markable(session, by, ids)
    existing = {a.person_id: a for a in session.attendances.filter(person_id__in=ids)}
    now = timezone.now()
    recorder = by if getattr(by, "pk", None) else None
    changed, new, changes = [], [], []
    for pid, status, minutes in cleaned:
        row = existing.get(pid)
        if row is None:
            row = Attendance(session=session, person_id=pid)
            new.append(row)
            changes.append({"person": pid, "from": None, "to": [status, minutes]})
        elif row.status == status and row.minutes == minutes:
            continue
        else:
            changed.append(row)
            changes.append({"person": pid, "from": [row.status, row.minutes], "to": [status, minutes]})
        row.status, row.minutes, row.recorded_by, row.recorded_at, row.client_id = (
            status,
            minutes,
            recorder,
            now,
            client_id,
        )
    Attendance.objects.bulk_create(new)
    Attendance.objects.bulk_update(changed, ["status", "minutes", "recorded_by", "recorded_at", "client_id"])
    attendance_change_record(
        session_id=session.pk,
        label=str(session),
        date=session.date,
        facts=facts,
        months=months,
        by=by,
        reason=reason,
        changes=changes,
    )
    if new or changed:
        rollups.refresh_people(person_ids=[row.person_id for row in (*new, *changed)])
        data_changed()
    if session.status == Session.Status.PLANNED and any(s in ATTENDED_STATUSES for _p, s, _m in cleaned):
        # Someone attended: the session took place.
        session.status = Session.Status.HELD
        session.save(update_fields=["status", "updated_at"])
    return [*new, *changed]


@transaction.atomic
def attendance_mark(
    *,
    session: Session,
    person: Person,
    status: str,
    minutes: int | None = None,
    by: User | None,
    client_id: UUID | None = None,
    reason: str = "",
) -> Attendance:
    _apply_marks(
        session=session, marks=[(person.pk, status, minutes)], by=by, client_id=client_id, reason=reason
    )
    return Attendance.objects.get(session=session, person=person)


def _normalise_marks(marks: list[dict]) -> list[tuple[int, str, int | None]]:
    out = []
    for m in marks:
        try:
            pid = int(m["person_id"])
            status = str(m["status"])
            minutes = m.get("minutes")
            minutes = None if minutes is None or minutes == "" else int(minutes)
        except (KeyError, TypeError, ValueError):
            raise ValidationError(ATTENDANCE_STATUS_UNKNOWN) from None
        out.append((pid, status, minutes))
    return sorted(out)


def _content_hash(session: Session, marks: list[tuple[int, str, int | None]], reason: str) -> str:
    payload = json.dumps({"session": session.pk, "marks": marks, "reason": reason}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def _stored_answer(submission: Submission, content_hash: str, session: Session) -> dict:
    if submission.content_hash != content_hash or submission.session_id != session.pk:
        raise SubmissionConflict()
    return submission.response


def attendance_submit(
    *,
    session: Session,
    marks: list[dict],
    client_id: UUID,
    by: User | None,
    reason: str = "",
) -> tuple[dict, bool]:
    """Store one tablet submission; `(answer, created)`. Replays return the stored answer."""
    normalised = _normalise_marks(marks)
    content_hash = _content_hash(session, normalised, reason)
    previous = Submission.objects.filter(client_id=client_id).first()
    if previous is not None:
        return _stored_answer(previous, content_hash, session), False
    try:
        with transaction.atomic():
            locked = Session.objects.select_for_update().select_related("programme").get(pk=session.pk)
            _apply_marks(session=locked, marks=normalised, by=by, client_id=client_id, reason=reason)
            answer = {
                "client_id": str(client_id),
                "session": locked.pk,
                "session_status": locked.status,
                "marks": [
                    {"person_id": p, "status": s, "minutes": _clean_mark(locked, s, m)}
                    for p, s, m in normalised
                ],
                "saved_at": timezone.now().isoformat(),
            }
            Submission.objects.create(
                client_id=client_id,
                session=locked,
                content_hash=content_hash,
                response=answer,
                submitted_by=by if getattr(by, "pk", None) else None,
            )
    except IntegrityError:
        # The same id arrived twice at once (a retry racing the original): the first one won.
        previous = Submission.objects.filter(client_id=client_id).first()
        if previous is None:
            raise
        return _stored_answer(previous, content_hash, session), False
    return answer, True


# --- QR self check-in -------------------------------------------------------------------------


def _name_matches(person: Person, name: str) -> bool:
    typed = " ".join(name.lower().split())
    full = person.full_name.lower()
    return bool(typed) and (typed == full or typed == person.first_name.lower() or typed in full.split())


def checkin_identify(*, session: Session, name: str, last_four: str) -> Person:
    """Who a participant without an account is, on their own phone: name + the last four digits
    of the personnummer, among the people `access.people_markable` allows without a user. The
    QR check-in and the session's survey QR (enkater) identify the same way."""
    last_four = "".join(ch for ch in last_four if ch.isdigit())
    if len(last_four) != 4 or not name.strip():
        raise ValidationError(CHECKIN_NOT_FOUND)
    # The participant has no account: the people of the session's municipality and the invited.
    candidates = [
        p
        for p in access.people_markable(None, session).filter(
            personnummer__endswith=last_four, erased_at__isnull=True
        )
        if _name_matches(p, name)
    ]
    if not candidates:
        raise ValidationError(CHECKIN_NOT_FOUND)
    if len(candidates) > 1:
        invited = set(session.attendances.values_list("person_id", flat=True))
        candidates = [p for p in candidates if p.pk in invited] or candidates
        if len(candidates) > 1:
            raise ValidationError(CHECKIN_AMBIGUOUS)
    return candidates[0]


@transaction.atomic
def attendance_checkin(*, session: Session, name: str, last_four: str) -> Attendance:
    """A participant checks in on their own phone (`checkin_identify`). Marked present."""
    person = checkin_identify(session=session, name=name, last_four=last_four)
    row = session.attendances.filter(person=person).first()
    if row is not None and row.attended:
        raise ValidationError(CHECKIN_ALREADY)
    late_by = int((timezone.now() - session.starts_at).total_seconds() // 60)
    if late_by > 10:
        minutes = max(1, session.planned_minutes - late_by)
        return attendance_mark(
            session=session, person=person, status=AttendanceStatus.LATE, minutes=minutes, by=None
        )
    return attendance_mark(session=session, person=person, status=AttendanceStatus.PRESENT, by=None)


# --- reporting months (closed once their numbers are sent to ESF) -----------------------------


def month_in_programme(programme: Programme, month: dt.date) -> dt.date:
    """The reporting month (its first day) of `month`, or MONTH_OUTSIDE_PROGRAMME."""
    first = rules.month_of(month)
    if rules.month_end(first) < programme.start_date or first > programme.end_date:
        raise ValidationError(MONTH_OUTSIDE_PROGRAMME)
    return first


@transaction.atomic
def month_close(*, programme: Programme, month: dt.date, by: User | None) -> ClosedMonth:
    """Close the reporting month containing `month` (again, if it was reopened); audited.
    Who may is `access.can_close_months` (the views and the command ask it)."""
    first = month_in_programme(programme, month)
    if rules.month_end(first) >= timezone.localdate():
        raise ValidationError(MONTH_NOT_ENDED)
    # Lock the programme row so two leaders closing the same month at once get one row.
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    user = by if getattr(by, "pk", None) else None
    closed = ClosedMonth.objects.filter(programme=programme, month=first).first()
    if closed is not None and closed.is_closed:
        raise ValidationError(MONTH_ALREADY_CLOSED)
    if closed is None:
        closed = ClosedMonth(programme=programme, month=first)
    closed.closed_by, closed.closed_at = user, timezone.now()
    closed.reopened_by, closed.reopened_at, closed.reopen_reason = None, None, ""
    closed.full_clean()
    closed.save()
    audit_log(
        user=user,
        action=AuditLog.Action.CHANGE,
        what=f"Stängde månaden {first:%Y-%m} i {programme.code}",
        detail={"programme": programme.code, "month": f"{first:%Y-%m}", "closed": True},
    )
    return closed


@transaction.atomic
def month_reopen(*, programme: Programme, month: dt.date, by: User | None, reason: str) -> ClosedMonth:
    """Reopen a closed month, with a reason (audited). Reports covering it need re-issue from
    now on: the month counts as changed."""
    first = month_in_programme(programme, month)
    closed = ClosedMonth.objects.select_for_update().filter(programme=programme, month=first).first()
    if closed is None or not closed.is_closed:
        raise ValidationError(MONTH_NOT_CLOSED)
    if not (reason or "").strip():
        raise ValidationError(MONTH_REOPEN_REASON)
    user = by if getattr(by, "pk", None) else None
    now = timezone.now()
    closed.reopened_by, closed.reopened_at, closed.reopen_reason = user, now, reason.strip()[:500]
    closed.changed_at = now
    closed.full_clean()
    closed.save()
    audit_log(
        user=user,
        action=AuditLog.Action.CHANGE,
        what=f"Öppnade månaden {first:%Y-%m} i {programme.code} igen",
        reason=reason.strip(),
        detail={"programme": programme.code, "month": f"{first:%Y-%m}", "closed": False},
    )
    return closed
