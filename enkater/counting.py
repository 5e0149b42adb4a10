"""The outcome counting rules of spec §5c, written once. Every page, export and report that
shows an indicator or a DigComp figure counts through here (the outcome report, its PDF, and
later the effect dashboard).

- **participant**: `kurser.counting` decides (a counted row in a session of the programme dated
  within the programme's whole period); nothing here re-defines it.
- **respondent** to a question: a participant with a non-empty answer to it (an empty answer is
  no `Answer` row). People are counted, distinct, so a person is one respondent however many
  responses they have.
- **indicator**: respondents answering `ja` / all respondents; `share` rounded half up to 3
  decimals (as Excel's AVRUNDA, so a coordinator can check it).
- **DigComp change** per area: over participants who answered the area both `före` and `efter`
  (`pairs`), the mean before and the mean after, rounded half up to 2 decimals.
- **anonymity**: a group (the programme, a municipality, a workplace, a target group) with
  fewer than `SUPPRESS_BELOW` respondents (pairs, for DigComp) shows its count only: `yes`,
  `share`, `before`, `after` are None and `suppressed` is True. Zero is fewer than five.
- A respondent is counted under the municipality, workplace and target group stored on the
  person (spec §2).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from enkater.defaults import DIGCOMP_AREAS, DIGKOMP, UPPF_CHEF, UPPF_PERSONAL
from enkater.models import YES, Answer, Moment, Question, Survey
from enkater.pending import (
    follow_up_answered,
    follow_up_started_q,
    follow_up_started_rollup_q,
    rollups_answer,
)
from kurser.counting import counted_rollups, counted_rows, hours, in_period
from ombud.models import Municipality, Person, Programme, Workplace

SUPPRESS_BELOW = 5

# (key, survey code, question code), in the order of spec §5d.
INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("managers_changed_routine", UPPF_CHEF, "rutin"),
    ("managers_lead_better", UPPF_CHEF, "leda"),
    ("staff_skills_improved", UPPF_PERSONAL, "kompetens"),
)

# What a respondent can be grouped by: a field path from Answer to the person's attribute.
GROUPS = {
    "municipality": "response__person__municipality_id",
    "workplace": "response__person__workplace_id",
    "target_group": "response__person__target_group",
}


def _half_up(value: Decimal, places: int) -> float:
    return float(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def share(yes: int, respondents: int) -> float | None:
    """yes / respondents rounded half up to 3 decimals; None without respondents."""
    if not respondents:
        return None
    return _half_up(Decimal(yes) / Decimal(respondents), 3)


def mean(total: int, count: int) -> float | None:
    """total / count rounded half up to 2 decimals; None for no values."""
    if not count:
        return None
    return _half_up(Decimal(total) / Decimal(count), 2)


def suppressed(respondents: int) -> bool:
    return respondents < SUPPRESS_BELOW


def participants(
    programme: Programme, municipality: Municipality | None = None, *, rolled: bool | None = None
) -> QuerySet:
    """Person ids of the programme's participants over its whole period (spec §2, §5c); with a
    municipality, those registered there. From the per-person rollups when they answer for the
    period (`rolled`; by default `pending.rollups_answer` asks `kurser.rollups.covers`): one row
    per participant instead of their attendance."""
    if rolled is None:
        rolled = rollups_answer(programme)
    if rolled:
        return _rollup_rows(programme, municipality).values("person_id")
    rows = in_period(counted_rows(), programme, programme.start_date, programme.end_date, municipality)
    return rows.values("person_id")


def _rollup_rows(programme: Programme, municipality: Municipality | None) -> QuerySet:
    """The programme's counted rollup rows (one per participant), in the municipality if given
    (`in_period`'s restriction: the municipality registered on the person, from the row's
    snapshot of the person)."""
    rows = counted_rollups().filter(programme=programme)
    if municipality is not None:
        rows = rows.filter(municipality=municipality)
    return rows


def answers(
    programme: Programme,
    survey: str,
    question: str,
    municipality: Municipality | None = None,
    *,
    rolled: bool | None = None,
) -> QuerySet[Answer]:
    """The counted answers to one question: non-empty (every Answer is) and by a participant."""
    ids = list(_question_ids(programme, [(survey, question)]).values())
    return counted_answers(programme, ids, municipality, rolled=rolled)


def counted_answers(
    programme: Programme,
    question_ids: list[int],
    municipality: Municipality | None = None,
    *,
    rolled: bool | None = None,
) -> QuerySet[Answer]:
    """`answers` to these questions (ids of the programme's): the question ids are looked up
    first, so PostgreSQL plans from the question's answers (with the survey and question codes
    joined in, it estimated one row and probed every participant's responses instead)."""
    return Answer.objects.filter(
        question_id__in=question_ids,
        response__person_id__in=participants(programme, municipality, rolled=rolled),
    ).order_by()


def _question_ids(programme: Programme, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The programme's questions given as (survey code, question code) → id, those that exist."""
    rows = Question.objects.filter(survey__programme=programme, survey__code__in={s for s, _q in wanted})
    return {(s, q): pk for s, q, pk in rows.values_list("survey__code", "code", "pk") if (s, q) in wanted}


def indicator(key: str, respondents: int, yes: int) -> dict[str, Any]:
    """One indicator as the JSON shows it, suppressed under five respondents."""
    if suppressed(respondents):
        return {"key": key, "respondents": respondents, "yes": None, "share": None, "suppressed": True}
    return {
        "key": key,
        "respondents": respondents,
        "yes": yes,
        "share": share(yes, respondents),
        "suppressed": False,
    }


def _counts(qs: QuerySet[Answer], by: str | None) -> dict[tuple[int, Any], tuple[int, int]]:
    """(respondents, yes) per question id and group value (`None` for the whole set when `by`
    is None); one query for all the questions of `qs`."""
    person = "response__person_id"
    aggregates = {
        "respondents": Count(person, distinct=True),
        "yes": Count(person, filter=Q(value=YES), distinct=True),
    }
    group = {"group": _field(by)} if by else {}
    return {
        (r["question_id"], r.get("group")): (r["respondents"], r["yes"])
        for r in qs.values("question_id", **group).annotate(**aggregates)
    }


def _field(by: str) -> Any:
    return F(GROUPS[by])


def indicators(
    programme: Programme,
    municipality: Municipality | None = None,
    *,
    by: str | None = None,
    rolled: bool | None = None,
) -> dict[Any, list[dict[str, Any]]]:
    """The three indicators, per group value of `by` (or under the key None for the whole
    programme). Groups without respondents are absent: the caller lists its groups."""
    return indicators_of(indicator_counts(programme, municipality, by=by, rolled=rolled))


IndicatorCounts = dict[str, dict[Any, tuple[int, int]]]


def indicator_counts(
    programme: Programme,
    municipality: Municipality | None = None,
    *,
    by: str | None = None,
    rolled: bool | None = None,
) -> IndicatorCounts:
    """Per indicator key, per group value of `by` (None: the whole selection): (respondents,
    yes). Two queries: the questions, then their counted answers."""
    if rolled is None:
        rolled = rollups_answer(programme)
    ids = _question_ids(programme, [(s, q) for _k, s, q in INDICATORS])
    counts = _counts(counted_answers(programme, list(ids.values()), municipality, rolled=rolled), by)
    out: IndicatorCounts = {key: {} for key, _s, _q in INDICATORS}
    if by is None:
        out = {key: {None: (0, 0)} for key, _s, _q in INDICATORS}
    for key, survey, question in INDICATORS:
        for (question_id, group), pair in counts.items():
            if question_id == ids.get((survey, question)):
                out[key][group] = pair
    return out


def total_counts(counts: IndicatorCounts) -> IndicatorCounts:
    """The whole selection's counts from counts per group: a person is in one group (the
    municipality stored on them), so respondents and yes add up."""
    return {
        key: {None: (sum(n for n, _y in groups.values()), sum(y for _n, y in groups.values()))}
        for key, groups in counts.items()
    }


def indicators_of(counts: IndicatorCounts) -> dict[Any, list[dict[str, Any]]]:
    """`indicators(...)` from `indicator_counts(...)`: each group with any respondent (or None)."""
    groups = {group for per_group in counts.values() for group in per_group}
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for group in groups:
        for key, _s, _q in INDICATORS:
            out[group].append(indicator(key, *counts[key].get(group, (0, 0))))
    return out


def empty_indicators() -> list[dict[str, Any]]:
    return [indicator(key, 0, 0) for key, _s, _q in INDICATORS]


def digcomp(
    programme: Programme, municipality: Municipality | None = None, *, rolled: bool | None = None
) -> list[dict[str, Any]]:
    """Per DigComp area (in the order of §5a): pairs, mean before, mean after. A person answers
    an area at most once per moment (one response per survey and moment, one answer per
    question), so the database pairs them: one query per area, whatever the number of people."""
    if rolled is None:
        rolled = rollups_answer(programme)
    out = []
    for area in DIGCOMP_AREAS:
        per_person = (
            answers(programme, DIGKOMP, area, municipality, rolled=rolled)
            .filter(response__moment__in=[Moment.BEFORE, Moment.AFTER], number__isnull=False)
            .values("response__person_id")
            .annotate(
                before_n=Max("number", filter=Q(response__moment=Moment.BEFORE)),
                after_n=Max("number", filter=Q(response__moment=Moment.AFTER)),
            )
            .filter(before_n__isnull=False, after_n__isnull=False)
        )
        row = per_person.aggregate(
            pairs=Count("response__person_id"), before=Sum("before_n"), after=Sum("after_n")
        )
        n = row["pairs"]
        if suppressed(n):
            out.append({"area": area, "pairs": n, "before": None, "after": None, "suppressed": True})
            continue
        out.append(
            {
                "area": area,
                "pairs": n,
                "before": mean(row["before"], n),
                "after": mean(row["after"], n),
                "suppressed": False,
            }
        )
    return out


def outcome_summary(programme: Programme, municipality: Municipality | None = None) -> dict[str, Any]:
    """The outcome report in exactly the JSON shape of spec §5d (keys in the spec's order).
    With a municipality every figure is restricted to respondents registered there;
    `by_municipality` lists every municipality of the programme by code either way."""
    from enkater.defaults import ensure_default_surveys

    ensure_default_surveys(programme)
    per_municipality = indicators(programme, municipality, by="municipality")
    return {
        "programme": {
            "code": programme.code,
            "name": programme.name,
            "from": programme.start_date.isoformat(),
            "to": programme.end_date.isoformat(),
        },
        "indicators": indicators(programme, municipality)[None],
        "by_municipality": [
            {"code": m.code, "name": m.name, "indicators": per_municipality.get(m.pk) or empty_indicators()}
            for m in programme.municipalities.order_by("code")
        ],
        "digcomp": digcomp(programme, municipality),
    }


# --- the effect dashboard (issue 12 item 4) ------------------------------------------------------
#
# - **response rate** of a follow-up survey: its respondents / its expected respondents, where
#   *expected* = the programme's participants whose follow-up has come (`enkater.pending`: in
#   the survey's target group, first counted session at least FOLLOW_UP_AFTER_DAYS days ago)
#   plus those who answered it anyway, and a *respondent* = a participant with a follow-up
#   response to the survey. Rounded half up to 3 decimals; None when nobody is expected. It
#   counts people, never answers, so it is shown for groups of any size.
# - **reach of a workplace**: its registered staff (not temporary, not erased) who participated
#   in the programme (`participants`) / all its registered staff, 3 decimals.
# - **free text** (`QuestionKind.TEXT`) is shown for a group only from SUPPRESS_BELOW
#   respondents to the question: below that, its count only.

FREE_TEXT_LIMIT = 50  # at most this many texts on a page (the newest)


def follow_up_surveys(programme: Programme) -> list[Survey]:
    """The programme's surveys asked at `uppföljning`, in code order (the defaults among them)."""
    return [
        s
        for s in Survey.objects.filter(programme=programme).order_by("code")
        if Moment.FOLLOW_UP in s.moments
    ]


def response_rates(
    programme: Programme,
    municipality: Municipality | None = None,
    *,
    today: dt.date | None = None,
    by: str | None = None,
    surveys: list[Survey] | None = None,
    rolled: bool | None = None,
) -> dict[int, dict[Any, dict[str, Any]]]:
    """Per follow-up survey id, per group value of `by` ("municipality", or None for the whole
    selection): `{"respondents", "expected", "rate"}`. From the rollups (`rolled`, by default
    when they answer): two queries whatever the number of surveys; otherwise one per survey."""
    today = today or timezone.localdate()
    surveys = follow_up_surveys(programme) if surveys is None else surveys
    if rolled is None:
        rolled = rollups_answer(programme)
    counts = (_rolled_rate_counts if rolled else _live_rate_counts)(
        programme, municipality, today, by, surveys
    )
    return {
        survey.pk: {
            group: {"respondents": n, "expected": expected, "rate": share(n, expected)}
            for group, (n, expected) in counts.get(survey.pk, {}).items()
        }
        for survey in surveys
    }


def _live_rate_counts(
    programme: Programme,
    municipality: Municipality | None,
    today: dt.date,
    by: str | None,
    surveys: list[Survey],
) -> dict[int, dict[Any, tuple[int, int]]]:
    """Per survey, per group: (respondents, expected) counted from the attendance, per person."""
    out: dict[int, dict[Any, tuple[int, int]]] = {}
    for survey in surveys:
        # EXISTS, not IN: an OR of IN subqueries is re-read per person on PostgreSQL (pending.py).
        answered = Q(Exists(follow_up_answered(survey).filter(person_id=OuterRef("pk"))))
        people = Person.objects.filter(pk__in=participants(programme, municipality, rolled=False)).filter(
            follow_up_started_q(survey, today) | answered
        )
        aggregates = {"expected": Count("pk"), "respondents": Count("pk", filter=answered)}
        if by is None:
            row = people.order_by().aggregate(**aggregates)
            out[survey.pk] = {None: (row["respondents"], row["expected"])}
        else:
            out[survey.pk] = {
                r["group"]: (r["respondents"], r["expected"])
                for r in people.order_by()
                .values(group=F(GROUPS[by].removeprefix("response__person__")))
                .annotate(**aggregates)
            }
    return out


def _rolled_rate_counts(
    programme: Programme,
    municipality: Municipality | None,
    today: dt.date,
    by: str | None,
    surveys: list[Survey],
) -> dict[int, dict[Any, tuple[int, int]]]:
    """The same counts from the programme's rollup rows (one per participant), as sets:
    expected = started + respondents - respondents already started, where *started* is
    `pending.follow_up_started_rollup_q` and a respondent a participant with a follow-up
    response. Two queries for all the surveys: one pass over the rows, one over the responses
    joined to them (a person has at most one follow-up response per survey)."""
    if not surveys:
        return {}
    rows = _rollup_rows(programme, municipality)
    group = {"group": F(GROUPS[by].removeprefix("response__"))} if by else {}
    started_q = {s.pk: follow_up_started_rollup_q(s, today) for s in surveys}
    started: dict[int, dict[Any, int]] = defaultdict(dict)
    aggregates = {f"s{pk}": Count("pk", filter=q) for pk, q in started_q.items()}
    for r in rows.values(**group).annotate(**aggregates) if by else [rows.aggregate(**aggregates)]:
        for pk in started_q:
            started[pk][r.get("group")] = r[f"s{pk}"]
    answered = rows.filter(
        person__survey_responses__survey__in=surveys, person__survey_responses__moment=Moment.FOLLOW_UP
    )
    both = Q()
    for pk, q in started_q.items():
        both |= Q(person__survey_responses__survey_id=pk) & q
    out: dict[int, dict[Any, tuple[int, int]]] = defaultdict(dict)
    for r in answered.values(survey_id_=F("person__survey_responses__survey_id"), **group).annotate(
        respondents=Count("pk"), started=Count("pk", filter=both)
    ):
        pk, key = r["survey_id_"], r.get("group")
        out[pk][key] = (r["respondents"], started[pk].get(key, 0) + r["respondents"] - r["started"])
    for pk, per_group in started.items():
        for key, n in per_group.items():
            if key not in out[pk] and (n or by is None):
                out[pk][key] = (0, n)
    return out


def total_rates(rates: dict[int, dict[Any, dict[str, Any]]]) -> dict[int, dict[Any, dict[str, Any]]]:
    """`response_rates(...)` for the whole selection from the rates per group: a person is in
    one group, so respondents and expected add up (the rate is computed from the sums)."""
    out = {}
    for survey_id, groups in rates.items():
        n = sum(r["respondents"] for r in groups.values())
        expected = sum(r["expected"] for r in groups.values())
        out[survey_id] = {None: {"respondents": n, "expected": expected, "rate": share(n, expected)}}
    return out


def response_rate(rates: dict[Any, dict[str, Any]], group: Any) -> dict[str, Any]:
    """One group's entry of `response_rates(...)[survey_id]`, zeros when it has none."""
    return rates.get(group) or {"respondents": 0, "expected": 0, "rate": None}


def participation(
    programme: Programme, municipality: Municipality | None = None, *, rolled: bool | None = None
) -> dict[int, dict[str, Any]]:
    """Per municipality id: participants and participant hours over the programme's whole
    period (`kurser.counting`: the same rows and rounding as every report). One query, over the
    rollup rows when they answer (one per participant, their minutes summed). A total over
    municipalities is `hours()` of their summed `minutes`, never a sum of rounded hours."""
    if rolled is None:
        rolled = rollups_answer(programme)
    if rolled:
        per_person = _rollup_rows(programme, municipality).values(municipality_key=F("municipality_id"))
        rows = per_person.annotate(participants=Count("pk"), minutes=Sum("minutes"))
    else:
        attended = in_period(
            counted_rows(), programme, programme.start_date, programme.end_date, municipality
        )
        rows = attended.values(municipality_key=F("person__municipality_id")).annotate(
            participants=Count("person", distinct=True), minutes=Sum("minutes")
        )
    return {
        r["municipality_key"]: {
            "participants": r["participants"],
            "minutes": r["minutes"] or 0,
            "hours": hours(r["minutes"]),
        }
        for r in rows
    }


def workplace_reach(
    programme: Programme, workplaces: QuerySet[Workplace], *, rolled: bool | None = None
) -> QuerySet[Workplace]:
    """`workplaces` annotated with `staff` (registered people: not temporary, not erased) and
    `trained` (those of them who participated in the programme); `reach(w)` gives the share.

    Counted per workplace in correlated subqueries, so PostgreSQL counts only the workplaces a
    page shows (after its ORDER BY … LIMIT), each person with one probe for "took part" (a
    join counting every workplace's staff against an IN of all participants ran for minutes at
    100 × Modig)."""
    if rolled is None:
        rolled = rollups_answer(programme)
    staff = Person.objects.filter(workplace=OuterRef("pk"), temporary=False, erased_at__isnull=True)
    took_part = participants(programme, rolled=rolled).filter(person_id=OuterRef("pk"))
    return workplaces.annotate(staff=_count_of(staff), trained=_count_of(staff.filter(Exists(took_part))))


def _count_of(people: QuerySet[Person]) -> Coalesce:
    """The number of `people` (filtered on an OuterRef to the row) as a subquery, 0 for none."""
    n = people.order_by().values("workplace").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(n, output_field=IntegerField()), Value(0))


def reach(workplace: Any) -> float | None:
    """An annotated workplace's (or row's) trained / staff, 3 decimals; None without staff."""
    return share(workplace.trained, workplace.staff)


def free_texts(
    programme: Programme,
    question: Question,
    municipality: Municipality | None = None,
    *,
    rolled: bool | None = None,
) -> dict[str, Any]:
    """The free-text answers to `question` by the programme's participants (in a municipality):
    `{"respondents", "texts", "suppressed"}`; under SUPPRESS_BELOW respondents `texts` is empty
    and `suppressed` True. The texts carry no name, date or group: at most FREE_TEXT_LIMIT."""
    qs = Answer.objects.filter(
        question=question, response__person_id__in=participants(programme, municipality, rolled=rolled)
    ).order_by()
    respondents = qs.values("response__person_id").distinct().count()
    if suppressed(respondents):
        return {"respondents": respondents, "texts": [], "suppressed": True}
    texts = list(
        qs.order_by("-response__answered_on", "-pk").values_list("value", flat=True)[:FREE_TEXT_LIMIT]
    )
    return {"respondents": respondents, "texts": texts, "suppressed": False}
