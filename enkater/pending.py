"""Which surveys wait for a person's answer: the one rule that the tablet, the phone link, the
participant's own page and the effect dashboard's list of non-responders all follow.

A survey *applies* to a person who is registered (not a temporary walk-in) and in the survey's
target group (an empty target group: everyone). Among the programmes the person participates in
(a counted attendance row, `kurser.counting`), a moment of an applying survey is *due* when it
is not answered yet and:

- `före`: the person has not answered `efter` either (a "before" after the "after" is no before);
- `efter`: the survey has no `före`, or `före` was answered on an earlier day (so a person does
  not answer both at the same sitting);
- `uppföljning`: the person's first session in the programme was at least
  `FOLLOW_UP_AFTER_DAYS` days ago (a follow-up asks what changed at work since).

Answering itself (enkater.answering) only requires that the survey applies, that the moment is
one of the survey's and that it is not answered yet; "due" decides what is offered and listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from enkater.models import Moment, Response, Survey
from kurser import rollups
from kurser.counting import counted_rollups, counted_rows
from ombud.models import Person, Programme

FOLLOW_UP_AFTER_DAYS = 30


@dataclass(frozen=True)
class Pending:
    survey: Survey
    moment: str


def applies(survey: Survey, person: Person) -> bool:
    return not person.temporary and (not survey.target_group or survey.target_group == person.target_group)


def moment_due(
    survey: Survey, moment: str, answered: dict[str, dt.date], first_session: dt.date, today: dt.date
) -> bool:
    """Is `moment` of `survey` due, given the moments already answered (moment → date) and the
    date of the person's first counted session in the survey's programme?"""
    if moment not in survey.moments or moment in answered:
        return False
    if moment == Moment.BEFORE:
        return Moment.AFTER not in answered
    if moment == Moment.AFTER:
        before = answered.get(Moment.BEFORE)
        return Moment.BEFORE not in survey.moments or (before is not None and before < today)
    return first_session <= today - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)


def pending_for_person(
    *, person: Person, today: dt.date | None = None, programme_id: int | None = None
) -> list[Pending]:
    """The (survey, moment) pairs due for the person, in survey code and moment order; with
    `programme_id`, only that programme's. Three queries whatever the number of surveys."""
    if person.temporary:
        return []
    today = today or timezone.localdate()
    rows = counted_rows().filter(person=person)
    if programme_id is not None:
        rows = rows.filter(session__programme_id=programme_id)
    first = dict(
        rows.values_list("session__programme_id")
        .annotate(first=Min("session__date"))
        .values_list("session__programme_id", "first")
    )
    if not first:
        return []
    surveys = [
        s
        for s in Survey.objects.filter(programme_id__in=first).order_by("programme_id", "code")
        if applies(s, person)
    ]
    answered: dict[int, dict[str, dt.date]] = {}
    for survey_id, moment, day in Response.objects.filter(person=person, survey__in=surveys).values_list(
        "survey_id", "moment", "answered_on"
    ):
        answered.setdefault(survey_id, {})[moment] = day
    return [p for s in surveys for p in _due(s, answered.get(s.pk, {}), first[s.programme_id], today)]


def _due(
    survey: Survey, answered: dict[str, dt.date], first_session: dt.date, today: dt.date
) -> list[Pending]:
    """The survey's due moments, in Moment's order (one person, `moment_due` for each)."""
    order = list(Moment.values)
    return [
        Pending(survey, moment)
        for moment in sorted(survey.moments, key=order.index)
        if moment_due(survey, moment, answered, first_session, today)
    ]


def pending_for_people(
    *, people: list[Person], programme_id: int, today: dt.date | None = None
) -> dict[int, list[Pending]]:
    """`pending_for_person(person=p, programme_id=…)` for many people at once (the tablet's list
    of a session's participants): person id → the due (survey, moment) pairs, by the same rule
    (`applies`, `moment_due`). Three queries whatever the number of people."""
    today = today or timezone.localdate()
    registered = [p for p in people if not p.temporary]
    out: dict[int, list[Pending]] = {p.pk: [] for p in people}
    if not registered:
        return out
    first = dict(
        counted_rows()
        .filter(person__in=registered, session__programme_id=programme_id)
        .values_list("person_id")
        .annotate(first=Min("session__date"))
        .values_list("person_id", "first")
    )
    surveys = list(Survey.objects.filter(programme_id=programme_id).order_by("code"))
    answered: dict[tuple[int, int], dict[str, dt.date]] = {}
    for person_id, survey_id, moment, day in Response.objects.filter(
        person__in=registered, survey__in=surveys
    ).values_list("person_id", "survey_id", "moment", "answered_on"):
        answered.setdefault((person_id, survey_id), {})[moment] = day
    for person in registered:
        if person.pk not in first:
            continue
        out[person.pk] = [
            p
            for s in surveys
            if applies(s, person)
            for p in _due(s, answered.get((person.pk, s.pk), {}), first[person.pk], today)
        ]
    return out


# --- the same rule as queries, for many people at once (the effect dashboard) ----------------


def follow_up_cutoff(today: dt.date) -> dt.date:
    """A first session on or before this day makes a follow-up due (`moment_due`)."""
    return today - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)


def rollups_answer(programme: Programme) -> bool:
    """Do the per-person rollups answer the effect figures of the programme (its whole period)?
    `kurser.rollups.covers` decides; otherwise everything is counted from the attendance."""
    return rollups.covers(programme, programme.start_date, programme.end_date)


def follow_up_started(survey: Survey, today: dt.date, *, rolled: bool | None = None) -> QuerySet[Person]:
    """The people `survey`'s follow-up has come to, answered or not: registered participants of
    its programme (a counted row, `kurser.counting`) in its target group whose first counted
    session was at least FOLLOW_UP_AFTER_DAYS days ago. None if the survey has no follow-up.

    "The first session was on or before the cutoff" is "a counted row dated on or before it",
    so no per-person minimum is needed; from the rollups (`rolled`, by default when
    `rollups_answer`) it is the person's `first_date`, which holds every row of the programme."""
    if Moment.FOLLOW_UP not in survey.moments:
        return Person.objects.none()
    if rolled is None:
        rolled = rollups_answer(survey.programme)
    early = counted_rollups().filter(_started_rollup(survey, today)) if rolled else _early_rows(survey, today)
    people = Person.objects.filter(temporary=False, pk__in=early.values("person_id"))
    if survey.target_group:
        people = people.filter(target_group=survey.target_group)
    return people.order_by()


def _started_rollup(survey: Survey, today: dt.date) -> Q:
    return Q(programme_id=survey.programme_id, first_date__lte=follow_up_cutoff(today))


def follow_up_started_rollup_q(survey: Survey, today: dt.date) -> Q:
    """`follow_up_started` as a condition on a counted rollup row of the survey's programme
    (`kurser.counting.counted_rollups`): the person's first counted session (`first_date`) on
    or before the cutoff, and the person in the survey's target group."""
    if Moment.FOLLOW_UP not in survey.moments:
        return Q(pk__in=[])
    started = _started_rollup(survey, today)
    if survey.target_group:
        started &= Q(target_group=survey.target_group)  # the row's snapshot of the person
    return started


def _early_rows(survey: Survey, today: dt.date) -> QuerySet:
    return counted_rows().filter(
        session__programme_id=survey.programme_id, session__date__lte=follow_up_cutoff(today)
    )


def follow_up_started_q(survey: Survey, today: dt.date) -> Q:
    """`follow_up_started` as a condition on a Person row, for queries that OR it with another:
    PostgreSQL cannot turn an OR of two `IN (subquery)` into joins, and once the subquery's ids
    pass work_mem it re-reads the subquery for every person (minutes at 100 × Modig). EXISTS is
    one index probe per person instead."""
    if Moment.FOLLOW_UP not in survey.moments:
        return Q(pk__in=[])
    started = Q(temporary=False) & Q(Exists(_early_rows(survey, today).filter(person_id=OuterRef("pk"))))
    if survey.target_group:
        started &= Q(target_group=survey.target_group)
    return started


def follow_up_answered(survey: Survey) -> QuerySet[Response]:
    return Response.objects.filter(survey=survey, moment=Moment.FOLLOW_UP).order_by()


def follow_up_non_responders(
    survey: Survey, today: dt.date | None = None, *, rolled: bool | None = None
) -> QuerySet[Person]:
    """The people for whom `survey`'s follow-up is due and not answered: exactly those for whom
    `pending_for_person` lists (survey, uppföljning), as one query (erased people left out: they
    cannot be reminded). The caller narrows it to the user's scope."""
    today = today or timezone.localdate()
    return (
        follow_up_started(survey, today, rolled=rolled)
        .filter(erased_at__isnull=True)
        .exclude(pk__in=follow_up_answered(survey).values("person_id"))
    )
