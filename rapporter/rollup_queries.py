"""The dashboards' figures from the rollups (`kurser.rollups`, issue 14): the same shapes as
`rapporter.queries` (`esf_summary`, `hours_per_month`, `reach_per_ombud`), for a programme's
whole period, with or without a municipality.

The rollups hold per-person rows, so every distinct count stays exact; person attributes are
read from Person here (municipality, gender, target group, birth date, temporary), as the live
queries do. A custom period is not in the rollups: `available()` says when they answer, and
the caller falls back to `rapporter.queries` otherwise.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, Count, F, QuerySet, Sum, Value, When

from kurser import rollups
from kurser.counting import hours, is_ombud
from kurser.models import (
    ParticipantMonthRollup,
    ParticipantRollup,
    ParticipantToolRollup,
    ReachRollup,
)
from kurser.rollups import TYPE_COLUMNS
from ombud.models import Municipality, Programme, UnitCost
from rapporter import queries
from rapporter.queries import AGE_BANDS, GENDER_KEYS


def available(programme: Programme, date_from: dt.date, date_to: dt.date) -> bool:
    """The rollups answer for this period: `kurser.rollups.covers`, the one rule."""
    return rollups.covers(programme, date_from, date_to)


def _people(qs: QuerySet, programme: Programme, municipality: Municipality | None, temporary: bool = False):
    """Rollup rows of the programme's participants (registered people; or the temporary walk-ins
    with `temporary`), in the municipality if given: the reports' restriction (spec §3)."""
    qs = qs.filter(programme=programme, person__temporary=temporary)
    if municipality is not None:
        qs = qs.filter(person__municipality=municipality)
    return qs.order_by()


def _band() -> Case:
    return Case(
        When(age_key__lt=250000, then=Value("<25")),
        When(age_key__gte=250000, age_key__lt=550000, then=Value("25-54")),
        When(age_key__gte=550000, then=Value(">54")),
        default=Value(""),
        output_field=CharField(),
    )


def _participants(
    programme: Programme, municipality: Municipality | None
) -> tuple[list[dict], list[dict], dict[str, int]]:
    """participant_groups, age_bands and minutes_by_type of `rapporter.queries`, in one query."""
    rows = (
        _people(ParticipantRollup.objects.all(), programme, municipality)
        .annotate(age_key=queries._date_key("first_date") - queries._date_key("person__birth_date"))
        .values(
            municipality_id=F("person__municipality_id"),
            gender=F("person__gender"),
            group=F("person__target_group"),
            band=_band(),
        )
        .annotate(
            participants=Count("id"),
            minutes=Sum("minutes"),
            **{ctype: Sum(column) for ctype, column in TYPE_COLUMNS.items()},
        )
    )
    groups: dict[tuple, dict] = {}
    type_minutes = dict.fromkeys(TYPE_COLUMNS, 0)
    bands: dict[str, dict[str, int]] = {
        b: {"participants": 0, "women": 0, "men": 0, "other": 0} for b in AGE_BANDS
    }
    for r in rows:
        key = (r["municipality_id"], r["gender"], r["group"])
        g = groups.setdefault(
            key,
            {"municipality_id": key[0], "gender": key[1], "group": key[2], "participants": 0, "minutes": 0},
        )
        g["participants"] += r["participants"]
        g["minutes"] += r["minutes"] or 0
        for ctype in TYPE_COLUMNS:
            type_minutes[ctype] += r[ctype] or 0
        if r["band"] in bands:
            bands[r["band"]]["participants"] += r["participants"]
            bands[r["band"]][GENDER_KEYS.get(r["gender"], "other")] += r["participants"]
    return list(groups.values()), [{"band": b, **bands[b]} for b in AGE_BANDS], type_minutes


def _tools(programme: Programme, municipality: Municipality | None) -> dict[str, dict]:
    """tool_participation of `rapporter.queries`: one rollup row is one person with one tool."""
    rows = (
        _people(ParticipantToolRollup.objects.all(), programme, municipality)
        .values("tool")
        .annotate(participants=Count("id"), minutes=Sum("minutes"))
    )
    return {r["tool"]: r for r in rows}


def _cascade(programme: Programme, municipality: Municipality | None) -> list[dict]:
    rows = (
        _people(ReachRollup.objects.all(), programme, municipality)
        .filter(is_ombud("trainer__"))
        .values(
            trainer_id_=F("trainer_id"),
            first_name=F("trainer__first_name"),
            last_name=F("trainer__last_name"),
            code=F("trainer__municipality__code"),
        )
        .annotate(reached=Count("id"))
        .values("first_name", "last_name", "code", "reached", trainer_id=F("trainer_id_"))
    )
    return queries.cascade_rows(rows)


def _months(programme: Programme, municipality: Municipality | None) -> dict[tuple[int, int], dict]:
    """{(year, month): {minutes, participants}}: one rollup row is one person in one month, so
    the rows are the month's distinct participants."""
    rows = (
        _people(ParticipantMonthRollup.objects.all(), programme, municipality)
        .values("month")
        .annotate(minutes=Sum("minutes"), participants=Count("id"))
    )
    return {(r["month"].year, r["month"].month): r for r in rows}


def counted(programme: Programme, municipality: Municipality | None = None) -> tuple[dict, list, list]:
    """(esf_summary, hours_per_month, reach_per_ombud) for the programme's whole period, from the
    rollups: exactly what `rapporter.queries` gives for that period (a test compares them)."""
    date_from, date_to = programme.start_date, programme.end_date
    groups, bands, type_minutes = _participants(programme, municipality)
    tools = _tools(programme, municipality)
    reach = _cascade(programme, municipality)
    months = _months(programme, municipality)
    costs = dict(UnitCost.objects.filter(programme=programme).values_list("year", "amount"))
    cofinancing = None
    if costs:
        by_year: dict[int, int] = {}
        for (year, _m), month in months.items():
            by_year[year] = by_year.get(year, 0) + (month["minutes"] or 0)
        cofinancing = queries.cofinancing_rows(date_from, date_to, costs, by_year)
    summary = queries.summary_from_parts(
        programme=programme,
        date_from=date_from,
        date_to=date_to,
        groups=groups,
        sessions=queries.session_groups(programme, date_from, date_to, municipality),
        type_minutes=type_minutes,
        tools=tools,
        reach=reach,
        bands=bands,
        cofinancing=cofinancing,
        temporary=_people(ParticipantRollup.objects.all(), programme, municipality, temporary=True).count(),
    )
    monthly = [
        {
            "month": f"{y:04d}-{m:02d}",
            "participant_hours": hours(months.get((y, m), {}).get("minutes")),
            "participants": months.get((y, m), {}).get("participants", 0),
        }
        for y, m in queries._months(date_from, date_to)
    ]
    return summary, monthly, queries.reach_goals(reach)


__all__ = ["available", "counted"]
