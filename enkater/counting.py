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

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from enkater.defaults import DIGCOMP_AREAS, DIGKOMP, UPPF_CHEF, UPPF_PERSONAL
from enkater.models import YES, Answer, Moment, Question, Survey
from enkater.pending import follow_up_answered, follow_up_started_q
from kurser.counting import counted_rows, hours, in_period
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


def participants(programme: Programme, municipality: Municipality | None = None) -> QuerySet:
    """Person ids of the programme's participants over its whole period (spec §2, §5c); with a
    municipality, those registered there."""
    rows = in_period(counted_rows(), programme, programme.start_date, programme.end_date, municipality)
    return rows.values("person_id")


def answers(
    programme: Programme, survey: str, question: str, municipality: Municipality | None = None
) -> QuerySet[Answer]:
    """The counted answers to one question: non-empty (every Answer is) and by a participant."""
    return Answer.objects.filter(
        question__survey__programme=programme,
        question__survey__code=survey,
        question__code=question,
        response__person_id__in=participants(programme, municipality),
    ).order_by()


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


def _counts(qs: QuerySet[Answer], by: str | None) -> dict[Any, tuple[int, int]]:
    """(respondents, yes) per group value (`None` key for the whole set when `by` is None)."""
    person = "response__person_id"
    aggregates = {
        "respondents": Count(person, distinct=True),
        "yes": Count(person, filter=Q(value=YES), distinct=True),
    }
    if by is None:
        row = qs.aggregate(**aggregates)
        return {None: (row["respondents"], row["yes"])}
    return {
        r["group"]: (r["respondents"], r["yes"]) for r in qs.values(group=_field(by)).annotate(**aggregates)
    }


def _field(by: str) -> Any:
    return F(GROUPS[by])


def indicators(
    programme: Programme, municipality: Municipality | None = None, *, by: str | None = None
) -> dict[Any, list[dict[str, Any]]]:
    """The three indicators, per group value of `by` (or under the key None for the whole
    programme). Groups without respondents are absent: the caller lists its groups."""
    out: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    groups: set[Any] = set()
    counts = []
    for key, survey, question in INDICATORS:
        c = _counts(answers(programme, survey, question, municipality), by)
        counts.append((key, c))
        groups |= set(c)
    if by is None:
        groups = {None}
    for group in groups:
        for key, c in counts:
            out[group].append(indicator(key, *c.get(group, (0, 0))))
    return out


def empty_indicators() -> list[dict[str, Any]]:
    return [indicator(key, 0, 0) for key, _s, _q in INDICATORS]


def digcomp(programme: Programme, municipality: Municipality | None = None) -> list[dict[str, Any]]:
    """Per DigComp area (in the order of §5a): pairs, mean before, mean after."""
    out = []
    for area in DIGCOMP_AREAS:
        values: dict[int, dict[str, int]] = defaultdict(dict)
        rows = (
            answers(programme, DIGKOMP, area, municipality)
            .filter(response__moment__in=[Moment.BEFORE, Moment.AFTER], number__isnull=False)
            .values_list("response__person_id", "response__moment", "number")
        )
        for person_id, moment, number in rows:
            if number is not None:
                values[person_id][moment] = number
        pairs = [v for v in values.values() if Moment.BEFORE in v and Moment.AFTER in v]
        n = len(pairs)
        if suppressed(n):
            out.append({"area": area, "pairs": n, "before": None, "after": None, "suppressed": True})
            continue
        out.append(
            {
                "area": area,
                "pairs": n,
                "before": mean(sum(v[Moment.BEFORE] for v in pairs), n),
                "after": mean(sum(v[Moment.AFTER] for v in pairs), n),
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
) -> dict[int, dict[Any, dict[str, Any]]]:
    """Per follow-up survey id, per group value of `by` ("municipality", or None for the whole
    selection): `{"respondents", "expected", "rate"}`. One query per survey."""
    today = today or timezone.localdate()
    out: dict[int, dict[Any, dict[str, Any]]] = {}
    for survey in follow_up_surveys(programme) if surveys is None else surveys:
        # EXISTS, not IN: an OR of IN subqueries is re-read per person on PostgreSQL (pending.py).
        answered = Q(Exists(follow_up_answered(survey).filter(person_id=OuterRef("pk"))))
        people = Person.objects.filter(pk__in=participants(programme, municipality)).filter(
            follow_up_started_q(survey, today) | answered
        )
        aggregates = {"expected": Count("pk"), "respondents": Count("pk", filter=answered)}
        if by is None:
            row = people.order_by().aggregate(**aggregates)
            rows = {None: (row["respondents"], row["expected"])}
        else:
            rows = {
                r["group"]: (r["respondents"], r["expected"])
                for r in people.order_by()
                .values(group=F(GROUPS[by].removeprefix("response__person__")))
                .annotate(**aggregates)
            }
        out[survey.pk] = {
            group: {"respondents": n, "expected": expected, "rate": share(n, expected)}
            for group, (n, expected) in rows.items()
        }
    return out


def response_rate(rates: dict[Any, dict[str, Any]], group: Any) -> dict[str, Any]:
    """One group's entry of `response_rates(...)[survey_id]`, zeros when it has none."""
    return rates.get(group) or {"respondents": 0, "expected": 0, "rate": None}


def participation(
    programme: Programme, municipality: Municipality | None = None
) -> dict[int, dict[str, Any]]:
    """Per municipality id: participants and participant hours over the programme's whole
    period (`kurser.counting`: the same rows and rounding as every report). One query. A total
    over municipalities is `hours()` of their summed `minutes`, never a sum of rounded hours."""
    rows = in_period(counted_rows(), programme, programme.start_date, programme.end_date, municipality)
    return {
        r["person__municipality_id"]: {
            "participants": r["participants"],
            "minutes": r["minutes"] or 0,
            "hours": hours(r["minutes"]),
        }
        for r in rows.values("person__municipality_id").annotate(
            participants=Count("person", distinct=True), minutes=Sum("minutes")
        )
    }


def workplace_reach(programme: Programme, workplaces: QuerySet[Workplace]) -> QuerySet[Workplace]:
    """`workplaces` annotated with `staff` (registered people: not temporary, not erased) and
    `trained` (those of them who participated in the programme); `reach(w)` gives the share."""
    live = Q(people__temporary=False, people__erased_at__isnull=True)
    took_part = Q(people__in=participants(programme).values("person_id"))
    return workplaces.annotate(
        staff=Count("people", filter=live), trained=Count("people", filter=live & took_part)
    )


def reach(workplace: Any) -> float | None:
    """An annotated workplace's (or row's) trained / staff, 3 decimals; None without staff."""
    return share(workplace.trained, workplace.staff)


def free_texts(
    programme: Programme, question: Question, municipality: Municipality | None = None
) -> dict[str, Any]:
    """The free-text answers to `question` by the programme's participants (in a municipality):
    `{"respondents", "texts", "suppressed"}`; under SUPPRESS_BELOW respondents `texts` is empty
    and `suppressed` True. The texts carry no name, date or group: at most FREE_TEXT_LIMIT."""
    qs = Answer.objects.filter(
        question=question, response__person_id__in=participants(programme, municipality)
    ).order_by()
    respondents = qs.values("response__person_id").distinct().count()
    if suppressed(respondents):
        return {"respondents": respondents, "texts": [], "suppressed": True}
    texts = list(
        qs.order_by("-response__answered_on", "-pk").values_list("value", flat=True)[:FREE_TEXT_LIMIT]
    )
    return {"respondents": respondents, "texts": texts, "suppressed": False}
