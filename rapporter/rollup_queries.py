"""The dashboards' and the whole-period reports' figures from the rollups (`kurser.rollups`,
issue 14): the same shapes as `rapporter.queries` (`esf_summary`, `hours_per_month`,
`reach_per_ombud`), for a programme's whole period, with or without a municipality.

They read the cells (totals per programme × municipality × attributes / tool / month / trainer;
a few thousand rows at any scale), whose participant counts are exact distinct counts because
each person is in one cell per table. Held sessions are counted live (`queries.session_groups`:
one index range of the programme's sessions). A custom period is not in the rollups:
`available()` says when they answer, and the caller falls back to `rapporter.queries` otherwise.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, QuerySet, Sum

from kurser import rollups
from kurser.counting import hours, is_ombud
from kurser.models import MonthCell, ParticipantCell, ReachCell, ToolCell
from kurser.rollups import TYPE_COLUMNS
from ombud.models import Municipality, Programme, UnitCost
from rapporter import queries
from rapporter.queries import AGE_BANDS, GENDER_KEYS


def available(programme: Programme, date_from: dt.date, date_to: dt.date) -> bool:
    """The rollups answer for this period: `kurser.rollups.covers`, the one rule."""
    return rollups.covers(programme, date_from, date_to)


def _cells(qs: QuerySet, programme: Programme, municipality: Municipality | None) -> QuerySet:
    """The programme's cells, of the municipality if given (its registered people, spec §3)."""
    qs = qs.filter(programme=programme)
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    return qs.order_by()


def _participants(
    programme: Programme, municipality: Municipality | None
) -> tuple[list[dict], list[dict], dict[str, int], int]:
    """participant_groups, age_bands, minutes_by_type and the temporary count, in one query."""
    groups: dict[tuple, dict] = {}
    type_minutes = dict.fromkeys(TYPE_COLUMNS, 0)
    bands: dict[str, dict[str, int]] = {
        b: {"participants": 0, "women": 0, "men": 0, "other": 0} for b in AGE_BANDS
    }
    temporary = 0
    rows = _cells(ParticipantCell.objects.all(), programme, municipality).values(
        "municipality_id",
        "temporary",
        "gender",
        "target_group",
        "age_band",
        "participants",
        "minutes",
        *TYPE_COLUMNS.values(),
    )
    for r in rows:
        if r["temporary"]:
            temporary += r["participants"]
            continue
        key = (r["municipality_id"], r["gender"], r["target_group"])
        g = groups.setdefault(
            key,
            {"municipality_id": key[0], "gender": key[1], "group": key[2], "participants": 0, "minutes": 0},
        )
        g["participants"] += r["participants"]
        g["minutes"] += r["minutes"]
        for ctype, column in TYPE_COLUMNS.items():
            type_minutes[ctype] += r[column]
        if r["age_band"] in bands:
            bands[r["age_band"]]["participants"] += r["participants"]
            bands[r["age_band"]][GENDER_KEYS.get(r["gender"], "other")] += r["participants"]
    return list(groups.values()), [{"band": b, **bands[b]} for b in AGE_BANDS], type_minutes, temporary


def _tools(programme: Programme, municipality: Municipality | None) -> dict[str, dict]:
    """tool_participation of `rapporter.queries`: a person is in one cell per tool."""
    rows = (
        _cells(ToolCell.objects.all(), programme, municipality)
        .values("tool")
        .annotate(participants=Sum("participants"), minutes=Sum("minutes"))
    )
    return {r["tool"]: r for r in rows}


def _cascade(programme: Programme, municipality: Municipality | None) -> list[dict]:
    """Cascade reach per trainer who is an ombud now (`is_ombud`, read from Person)."""
    rows = (
        _cells(ReachCell.objects.all(), programme, municipality)
        .filter(is_ombud("trainer__"))
        .values(
            trainer_id_=F("trainer_id"),
            first_name=F("trainer__first_name"),
            last_name=F("trainer__last_name"),
            code=F("trainer__municipality__code"),
        )
        .annotate(reached=Sum("reached"))
        .values("first_name", "last_name", "code", "reached", trainer_id=F("trainer_id_"))
    )
    return queries.cascade_rows(rows)


def _months(programme: Programme, municipality: Municipality | None) -> dict[tuple[int, int], dict]:
    """{(year, month): {minutes, participants}}: a person is in one cell per month."""
    rows = (
        _cells(MonthCell.objects.all(), programme, municipality)
        .values("month")
        .annotate(minutes=Sum("minutes"), participants=Sum("participants"))
    )
    return {(r["month"].year, r["month"].month): r for r in rows}


def counted(programme: Programme, municipality: Municipality | None = None) -> tuple[dict, list, list]:
    """(esf_summary, hours_per_month, reach_per_ombud) for the programme's whole period, from the
    rollups: exactly what `rapporter.queries` gives for that period (a test compares them)."""
    date_from, date_to = programme.start_date, programme.end_date
    groups, bands, type_minutes, temporary = _participants(programme, municipality)
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
        temporary=temporary,
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
