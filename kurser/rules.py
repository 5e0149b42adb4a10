"""The attendance rules (spec §1b), written once: pure functions, no database, no messages.

Every path that records attendance — the tablet submit, the QR check-in (both through
`kurser.services`) and the attendance import (`kurser.importing`) — asks these functions and
turns the answer (a `Refusal`) into its own wording: a sentence on the tablet, `rad N: kolumn:
fel` in the import. So the paths cannot disagree on *what* is refused, only on how it is said.

The caller gathers the facts (the session's status, whether it is approved, whether its
reporting month is closed) once per session — per batch in the import — and asks here.
Who may be marked at all is `ombud.access.people_markable` (it needs the database).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import Enum

from kurser.models import ATTENDED_STATUSES, MAX_SESSION_MINUTES, AttendanceStatus, Session

# What a mark may say: the outcomes of a session. `anmäld` (registered) is set by an invitation,
# never by a mark: the import does not know it (spec §1b) and neither does the tablet.
MARK_STATUSES = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.PARTIAL,
    AttendanceStatus.ABSENT,
    AttendanceStatus.EXCUSED,
)
NEEDS_MINUTES = (AttendanceStatus.LATE, AttendanceStatus.PARTIAL)
ZERO_MINUTES = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)

__all__ = [
    "MARK_STATUSES",
    "MAX_SESSION_MINUTES",
    "Refusal",
    "RuleError",
    "SessionFacts",
    "change_is_gated",
    "change_refusal",
    "mark_minutes",
    "month_end",
    "month_of",
    "parse_month",
    "planned_minutes_ok",
]


class Refusal(Enum):
    STATUS_UNKNOWN = "status_unknown"
    MINUTES_REQUIRED = "minutes_required"  # sen/delvis without minutes
    MINUTES_RANGE = "minutes_range"  # attended: 1..planned; never above planned
    MINUTES_NOT_ZERO = "minutes_not_zero"  # frånvarande/förhinder with minutes
    SESSION_CANCELLED = "session_cancelled"
    MONTH_CLOSED = "month_closed"  # change in a closed reporting month without a reason
    SESSION_APPROVED = "session_approved"  # change of an approved session without a reason


class RuleError(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


def planned_minutes_ok(minutes: int) -> bool:
    """A session is 1 to MAX_SESSION_MINUTES minutes long."""
    return 1 <= minutes <= MAX_SESSION_MINUTES


def mark_minutes(*, status: str, minutes: int | None, planned: int) -> int:
    """The attended minutes to store for one mark, or `RuleError`.

    `minutes` None means "not given". `närvarande` defaults to the planned minutes; `sen` and
    `delvis` need them; attended minutes are 1..planned; `frånvarande`/`förhinder` are 0.
    """
    if status not in MARK_STATUSES:
        raise RuleError(Refusal.STATUS_UNKNOWN)
    if status in ZERO_MINUTES:
        if minutes:
            raise RuleError(Refusal.MINUTES_NOT_ZERO)
        return 0
    if minutes is None:
        if status in NEEDS_MINUTES:
            raise RuleError(Refusal.MINUTES_REQUIRED)
        return planned
    if not 1 <= minutes <= planned:
        raise RuleError(Refusal.MINUTES_RANGE)
    return minutes


def is_attended(status: str) -> bool:
    return status in ATTENDED_STATUSES


def month_of(date: dt.date) -> dt.date:
    """The reporting month a date falls in, as its first day."""
    return date.replace(day=1)


def parse_month(text: str) -> dt.date | None:
    """`YYYY-MM` as the month's first day, or None."""
    parts = (text or "").strip().split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return dt.date(year, month, 1) if 1 <= month <= 12 and year >= 1900 else None


def month_end(date: dt.date) -> dt.date:
    """The last day of the month a date falls in (also for December 9999: no date arithmetic)."""
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


@dataclass(frozen=True)
class SessionFacts:
    """What the change rules need to know about one session, gathered once by the caller."""

    status: str
    approved: bool
    month_closed: bool


def change_refusal(facts: SessionFacts, *, reason: str) -> Refusal | None:
    """Whether attendance of this session may be added, changed or removed.

    Cancelled sessions take no attendance at all. A closed reporting month or an approved
    session needs a reason (and the change is then audited and reports marked for re-issue:
    see `change_is_gated`).
    """
    if facts.status == Session.Status.CANCELLED:
        return Refusal.SESSION_CANCELLED
    if (reason or "").strip():
        return None
    if facts.month_closed:
        return Refusal.MONTH_CLOSED
    if facts.approved:
        return Refusal.SESSION_APPROVED
    return None


def change_is_gated(facts: SessionFacts) -> bool:
    """A change that passed `change_refusal` here is audited with its reason."""
    return facts.month_closed or facts.approved
