"""The counting rules of spec §2, each written once, as query expressions.

Every page, export and report counts through these: the ESF summary and the other reports
(`rapporter.queries`), the kurser pages (`kurser.selectors`: statistics, "Min räckvidd", the
untrained colleagues) and the ombud app's staff and ombud pages, which get `TRAINING` handed in
by their URLconf (`kurser.staff_urls`) because `ombud` may not import `kurser`.

What is defined here, and nowhere else:

- **attended status** (`ATTENDED`): `närvarande`, `sen` or `delvis`; its minutes count.
- **counted row** (`counted()`, `counted_rows()`): an attended row in a session that was not
  cancelled, of a person who is not temporary (a walk-in not yet merged or completed: their
  gender and age band come from a personnummer they do not have yet; `temporary_rows()` counts
  them apart, so the reports can say how many remain). A participant in a period is a person with a counted row dated in it; participant
  hours are those rows' minutes / 60 (`hours()`, 2 decimals).
- **held session** (`HELD`): status genomförd; session hours are its planned minutes / 60.
- **trained** (`trained()`): a person with at least one counted row, ever.
- **cascade reach** (`reach_rows()`, `reach()`): distinct participants with a counted row in
  workplace training (arbetsplatsutbildning) where the ombud is the trainer.
- **ombud** (`is_ombud()`): a person whose target group is digitaliseringsombud.
- **age band** (`AGE_BAND_RULES`, `age_band()`): <25, 25-54, >54 years at the person's first
  attended session of the period, from the birth date (`date_key()`); none without a birth date.
- **counted rollup row** (`counted_rollups()`): a person's row in `ParticipantRollup` (their
  attended rows of sessions not cancelled, `kurser.rollups`) that counts: the person is
  registered, as `counted()` requires. Whether the rollups answer a period is
  `kurser.rollups.covers`.

Narrowing by programme, period or municipality is a question of scope, not of definition: the
reports narrow (`in_period()`), the pages show a person's whole history.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThanOrEqual, LessThan

from kurser.models import ATTENDED_STATUSES, Attendance, CourseType, ParticipantRollup, Session
from ombud.models import TargetGroup

if TYPE_CHECKING:
    from ombud.models import Municipality, Programme

# Spec §2, as filters (and `Count(..., filter=ATTENDED)`) want them.
ATTENDED = Q(status__in=ATTENDED_STATUSES)
HELD = Q(status=Session.Status.HELD)


def is_ombud(prefix: str = "") -> Q:
    """A person who is an ombud; `prefix` for a related person, e.g. `"session__trainer__"`."""
    return Q(**{f"{prefix}target_group": TargetGroup.OMBUD})


def date_key(field: str | Any) -> Any:
    """yyyymmdd as an integer: two such keys differ by ≥ N·10000 exactly when N full years
    lie between the dates (the way age is counted, also for 29 February)."""
    return ExtractYear(field) * 10000 + ExtractMonth(field) * 100 + ExtractDay(field)


# Age bands (spec §3): (name, lowest age, first age above the band), in report order.
AGE_BAND_RULES: tuple[tuple[str, int | None, int | None], ...] = (
    ("<25", None, 25),
    ("25-54", 25, 55),
    (">54", 55, None),
)
AGE_BANDS = tuple(name for name, _low, _high in AGE_BAND_RULES)


def age_band_q(field: str, name: str) -> Q:
    """The band `name` as a filter on an age key (`date_key(first session) − date_key(birth)`)."""
    _name, low, high = next(rule for rule in AGE_BAND_RULES if rule[0] == name)
    q = Q()
    if low is not None:
        q &= Q(**{f"{field}__gte": low * 10000})
    if high is not None:
        q &= Q(**{f"{field}__lt": high * 10000})
    return q


def age_band(age_key: Any) -> Case:
    """The band's name for an age key expression ("" without a birth date)."""
    whens = []
    for name, low, high in AGE_BAND_RULES:
        conditions: list[Any] = []
        if low is not None:
            conditions.append(GreaterThanOrEqual(age_key, low * 10000))
        if high is not None:
            conditions.append(LessThan(age_key, high * 10000))
        condition = conditions[0] if len(conditions) == 1 else Q(*conditions)
        whens.append(When(condition, then=Value(name)))
    return Case(*whens, default=Value(""), output_field=CharField())


def hours(minutes: int | None) -> float:
    """Minutes → hours rounded to 2 decimals (spec §3). minutes/60 never ends in an exact half
    at the third decimal, so float rounding is exact here."""
    return round((minutes or 0) / 60, 2)


def attended_not_cancelled() -> Q:
    """An attended row in a session that was not cancelled, whoever the person is."""
    return ATTENDED & ~Q(session__status=Session.Status.CANCELLED)


def counted() -> Q:
    """An Attendance row that counts (spec §2): attended status, session not cancelled, and a
    registered person (not a temporary walk-in, issue 13)."""
    return attended_not_cancelled() & Q(person__temporary=False)


def temporary_rows() -> QuerySet[Attendance]:
    """Rows that would count but for the person being temporary (not yet merged or completed)."""
    return Attendance.objects.filter(attended_not_cancelled(), person__temporary=True).order_by()


def temporary_count(rows: QuerySet[Attendance]) -> int:
    """Distinct temporary participants among `rows` (e.g. `in_period(temporary_rows(), …)`)."""
    return rows.values("person").distinct().count()


def counted_rows() -> QuerySet[Attendance]:
    # The model's default ordering (by person name) would join and sort for nothing.
    return Attendance.objects.filter(counted()).order_by()


def counted_rollups() -> QuerySet[ParticipantRollup]:
    """Per-person rollup rows that count: `counted()`'s condition on the person (the rollups keep
    walk-ins too), read from the row's snapshot of the person (`kurser.rollups` keeps it current
    through `ombud.signals.people_changed`), so no join to Person. A programme's rows answer for
    its whole period when `rollups.covers` says so."""
    return ParticipantRollup.objects.filter(temporary=False).order_by()


def in_period(
    rows: QuerySet[Attendance],
    programme: Programme,
    date_from: dt.date,
    date_to: dt.date,
    municipality: Municipality | None = None,
) -> QuerySet[Attendance]:
    """Rows of the programme's sessions dated within the period (both ends included); with a
    municipality, only participants registered there (spec §3)."""
    rows = rows.filter(session__programme=programme, session__date__gte=date_from, session__date__lte=date_to)
    if municipality is not None:
        rows = rows.filter(person__municipality=municipality)
    return rows


def held_sessions(
    programme: Programme, date_from: dt.date, date_to: dt.date, municipality: Municipality | None = None
) -> QuerySet[Session]:
    """Held sessions of the programme in the period; with a municipality, those held there."""
    qs = Session.objects.filter(HELD, programme=programme, date__gte=date_from, date__lte=date_to)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs.order_by()


def trained() -> Exists:
    """For a Person queryset: has the person at least one counted row?"""
    return Exists(counted_rows().filter(person=OuterRef("pk")))


def reach_rows(rows: QuerySet[Attendance] | None = None) -> QuerySet[Attendance]:
    """Counted rows of workplace training: the rows cascade reach counts (per trainer)."""
    rows = counted_rows() if rows is None else rows
    return rows.filter(session__course__type=CourseType.WORKPLACE_TRAINING)


def reached_count() -> Count:
    """Cascade reach of a group of reach rows: distinct participants."""
    return Count("person", distinct=True)


def reach(trainer: str = "person_id") -> Coalesce:
    """Cascade reach as a correlated subquery on the outer row's trainer person (`person_id` on
    Ombud). A subquery rather than joins: it runs only for the rows a page shows, through the
    (trainer, date) and (session, status) indexes, however many rows the programme has."""
    reached = (
        reach_rows()
        .filter(session__trainer=OuterRef(trainer))
        .values("session__trainer")
        .annotate(n=reached_count())
        .values("n")
    )
    return Coalesce(Subquery(reached, output_field=IntegerField()), Value(0))


class TrainingCounts:
    """What the ombud app's pages show about training, as ombud's `selectors.TrainingCounts`
    asks for it: the annotations are built here, the ombud app only applies them."""

    def trained(self) -> Exists:
        return trained()

    def reach(self) -> Coalesce:
        return reach("person_id")


TRAINING = TrainingCounts()
