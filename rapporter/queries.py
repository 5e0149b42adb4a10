"""The reports' figures (spec §3) as pure functions: a programme, a period and optionally a
municipality in, plain data (dicts, lists, ints, floats) out. What counts (attended, participant,
held, cascade reach, ombud) is defined once in `kurser.counting`; this module only groups it.

Every figure is aggregated by the database (GROUP BY with Count/Sum/Min); each function runs a
fixed number of queries whatever the data size, and no Python loop ever walks attendance rows.
Minutes are summed as integers in SQL and turned into hours here, so SQLite and PostgreSQL give
the same numbers to the last decimal.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from kurser import counting, rules
from kurser.counting import hours
from kurser.models import Attendance, CourseType, Session
from ombud.formatting import sv_sort_key
from ombud.models import Gender, Municipality, Programme, TargetGroup, UnitCost

AGE_BANDS = counting.AGE_BANDS
# A course without a tool is reported under "Övrigt" (other), like the import's own word for it.
OTHER_TOOL = "Övrigt"
GENDER_KEYS = {Gender.WOMAN: "women", Gender.MAN: "men", Gender.OTHER: "other"}


# --- helpers -----------------------------------------------------------------------------------


def _period(programme: Programme, date_from: dt.date | None, date_to: dt.date | None):
    return date_from or programme.start_date, date_to or programme.end_date


def attended_rows(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> QuerySet[Attendance]:
    """Counted rows (kurser.counting) of the programme's sessions in the period (both ends
    included). With a municipality: only participants registered there."""
    date_from, date_to = _period(programme, date_from, date_to)
    return counting.in_period(counting.counted_rows(), programme, date_from, date_to, municipality)


def held_sessions(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> QuerySet[Session]:
    """Held (genomförd) sessions of the programme in the period; with a municipality, only those
    held there."""
    date_from, date_to = _period(programme, date_from, date_to)
    return counting.held_sessions(programme, date_from, date_to, municipality)


def _tool_expr(prefix: str) -> Case:
    return Case(
        When(**{f"{prefix}course__tool": ""}, then=Value(OTHER_TOOL)),
        default=F(f"{prefix}course__tool"),
        output_field=CharField(),
    )


_date_key = counting.date_key


def _gender_counts(rows: list[dict], key: str = "participants") -> dict[str, int]:
    out = {"women": 0, "men": 0, "other": 0}
    for row in rows:
        out[GENDER_KEYS.get(row["gender"], "other")] += row[key]
    return out


# --- the parts of the ESF summary --------------------------------------------------------------


def participant_groups(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """Participants and minutes per (person's municipality, gender, target group). Each person
    falls in exactly one group, so the groups' distinct counts add up to the total."""
    return list(
        attended_rows(programme, date_from, date_to, municipality)
        .values(
            municipality_id=F("person__municipality_id"),
            gender=F("person__gender"),
            group=F("person__target_group"),
        )
        .annotate(participants=Count("person_id", distinct=True), minutes=Sum("minutes"))
        .order_by()
    )


def age_bands(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """Participants per age band and gender; the age at the person's first attended session in
    the period, from the birth date (samordningsnummer already resolved on Person)."""
    # Grouped by person only; gender and birth date are the same on every row of a person, so
    # Min() of them is the value itself and nothing per row is added to the GROUP BY.
    per_person = (
        attended_rows(programme, date_from, date_to, municipality)
        .values("person_id")
        .annotate(
            sex=Min("person__gender"),
            age_key=_date_key(Min("session__date")) - _date_key(Min("person__birth_date")),
        )
        .order_by()
    )
    counts: dict[str, Any] = {}
    for band in AGE_BANDS:
        cond = counting.age_band_q("age_key", band)
        for gender, key in GENDER_KEYS.items():
            counts[f"{band}|{key}"] = Count("person_id", filter=cond & Q(sex=gender))
        counts[f"{band}|all"] = Count("person_id", filter=cond)
    result = per_person.aggregate(**counts)
    return [
        {
            "band": band,
            "participants": result[f"{band}|all"],
            "women": result[f"{band}|women"],
            "men": result[f"{band}|men"],
            "other": result[f"{band}|other"],
        }
        for band in AGE_BANDS
    ]


def session_groups(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """Held sessions and planned minutes per (course type, tool)."""
    return list(
        held_sessions(programme, date_from, date_to, municipality)
        .values(type=F("course__type"), tool=_tool_expr(""))
        .annotate(sessions=Count("id"), minutes=Sum("planned_minutes"))
        .order_by()
    )


def minutes_by_type(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> dict[str, int]:
    rows = (
        attended_rows(programme, date_from, date_to, municipality)
        .values(type=F("session__course__type"))
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    return {r["type"]: r["minutes"] or 0 for r in rows}


def tool_participation(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> dict[str, dict]:
    rows = (
        attended_rows(programme, date_from, date_to, municipality)
        .values(tool=_tool_expr("session__"))
        .annotate(participants=Count("person_id", distinct=True), minutes=Sum("minutes"))
        .order_by()
    )
    return {r["tool"]: r for r in rows}


def cascade(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """Cascade reach (spec §2): distinct participants in arbetsplatsutbildning sessions per
    trainer who is an ombud (target group digitaliseringsombud), by name."""
    rows = (
        counting.reach_rows(attended_rows(programme, date_from, date_to, municipality))
        .filter(counting.is_ombud("session__trainer__"))
        .values(
            trainer_id=F("session__trainer_id"),
            first_name=F("session__trainer__first_name"),
            last_name=F("session__trainer__last_name"),
            code=F("session__trainer__municipality__code"),
        )
        .annotate(reached=counting.reached_count())
        .order_by()
    )
    return cascade_rows(rows)


def cascade_rows(rows: Any) -> list[dict]:
    """Rows of (trainer_id, first_name, last_name, code, reached) as the cascade lists them."""
    out = [
        {
            "ombud": f"{r['first_name']} {r['last_name']}",
            "municipality": r["code"],
            "reached": r["reached"],
            "person_id": r["trainer_id"],
        }
        for r in rows
    ]
    out.sort(key=lambda r: (sv_sort_key(r["ombud"]), r["municipality"], r["person_id"]))
    return out


def reach_per_ombud(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """Cascade reach with each ombud's goal (Ombud.reach_goal, 36 when the person has no Ombud
    row), for the reach chart. Two queries."""
    return reach_goals(cascade(programme, date_from, date_to, municipality))


def reach_goals(rows: list[dict]) -> list[dict]:
    """The cascade's rows with each ombud's goal (one query)."""
    from ombud.models import Ombud

    goals = dict(
        Ombud.objects.filter(person_id__in=[r["person_id"] for r in rows]).values_list(
            "person_id", "reach_goal"
        )
    )
    default_goal = Ombud._meta.get_field("reach_goal").default
    return [{**r, "goal": goals.get(r["person_id"], default_goal)} for r in rows]


def cofinancing(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict] | None:
    """Co-financing per calendar year of the period (spec §3): the year's attended hours rounded
    to 2 decimals, × the year's unit cost (SEK, 2 decimals, half up). The value is computed from
    the rounded hours, not the exact minutes, so an auditor can reproduce every printed value from
    the printed hours and cost. None when the programme has no unit costs."""
    date_from, date_to = _period(programme, date_from, date_to)
    costs = dict(UnitCost.objects.filter(programme=programme).values_list("year", "amount"))
    if not costs:
        return None
    minutes = dict(
        attended_rows(programme, date_from, date_to, municipality)
        .values_list(ExtractYear("session__date"))
        .annotate(Sum("minutes"))
        .order_by()
    )
    return cofinancing_rows(date_from, date_to, costs, minutes)


def cofinancing_rows(date_from: dt.date, date_to: dt.date, costs: dict, minutes: dict) -> list[dict]:
    """Co-financing per year from unit costs {year: amount} and attended minutes {year: n}."""
    years = sorted(y for y in range(date_from.year, date_to.year + 1) if y in costs or minutes.get(y))
    out = []
    for year in years:
        cost = costs.get(year)
        year_hours = hours(minutes.get(year))
        value = (
            (Decimal(str(year_hours)) * cost).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if cost is not None
            else Decimal(0)
        )
        out.append(
            {
                "year": year,
                "participant_hours": year_hours,
                "unit_cost": _plain_number(cost),
                "value": float(value),
            }
        )
    return out


def _plain_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --- the ESF summary (spec §3) -----------------------------------------------------------------


def esf_summary(
    *,
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> dict:
    """The ESF summary in exactly the JSON shape of spec §3 (keys in the spec's order)."""
    date_from, date_to = _period(programme, date_from, date_to)
    args = (programme, date_from, date_to, municipality)
    return summary_from_parts(
        programme=programme,
        date_from=date_from,
        date_to=date_to,
        groups=participant_groups(*args),
        sessions=session_groups(*args),
        type_minutes=minutes_by_type(*args),
        tools=tool_participation(*args),
        reach=cascade(*args),
        bands=age_bands(*args),
        cofinancing=cofinancing(*args),
        temporary=counting.temporary_count(counting.in_period(counting.temporary_rows(), *args)),
    )


def summary_from_parts(
    *,
    programme: Programme,
    date_from: dt.date,
    date_to: dt.date,
    groups: list[dict],
    sessions: list[dict],
    type_minutes: dict[str, int],
    tools: dict[str, dict],
    reach: list[dict],
    bands: list[dict],
    cofinancing: list[dict] | None,
    temporary: int,
) -> dict:
    """The ESF summary's shape from its parts, however they were counted (live here, or from
    the rollups for the dashboards: `rapporter.rollup_queries`)."""
    municipalities = _municipalities(programme)

    totals = {
        "participants": sum(g["participants"] for g in groups),
        **_gender_counts(groups),
        "participant_hours": hours(sum(g["minutes"] or 0 for g in groups)),
        "sessions": sum(s["sessions"] for s in sessions),
        "session_hours": hours(sum(s["minutes"] or 0 for s in sessions)),
        "municipalities": len({g["municipality_id"] for g in groups}),
        "ombud": len(reach),
    }

    by_municipality = _by_municipality(municipalities, groups)

    by_target_group = []
    for group in TargetGroup.values:
        mine = [g for g in groups if g["group"] == group]
        by_target_group.append(
            {
                "group": group,
                "participants": sum(g["participants"] for g in mine),
                **_gender_counts(mine),
                "participant_hours": hours(sum(g["minutes"] or 0 for g in mine)),
            }
        )

    by_type = [
        {
            "type": t,
            "sessions": sum(s["sessions"] for s in sessions if s["type"] == t),
            "participant_hours": hours(type_minutes.get(t)),
        }
        for t in CourseType.values
    ]

    tool_names = sorted({s["tool"] for s in sessions} | set(tools), key=lambda t: (sv_sort_key(t), t))
    by_tool = [
        {
            "tool": tool,
            "sessions": sum(s["sessions"] for s in sessions if s["tool"] == tool),
            "participants": tools.get(tool, {}).get("participants", 0),
            "participant_hours": hours(tools.get(tool, {}).get("minutes")),
        }
        for tool in tool_names
    ]

    summary: dict[str, Any] = {
        "programme": {
            "code": programme.code,
            "name": programme.name,
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
        },
        "totals": totals,
        "by_municipality": by_municipality,
        "by_target_group": by_target_group,
        "by_age_band": bands,
        "by_type": by_type,
        "by_tool": by_tool,
        "cascade": [{k: r[k] for k in ("ombud", "municipality", "reached")} for r in reach],
    }
    cof = cofinancing
    if cof is not None:
        summary["cofinancing"] = cof
        summary["cofinancing_total"] = float(
            sum((Decimal(str(c["value"])) for c in cof), Decimal(0)).quantize(Decimal("0.01"))
        )
    # Walk-ins not yet merged or completed count nowhere above (kurser.counting); how many there
    # are is said apart, as an extra key only when there are any (the spec's shape is kept).
    if temporary:
        summary["temporary_participants"] = temporary
    return summary


# --- charts and other reports ------------------------------------------------------------------


def participants_by_municipality(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """by_municipality of the ESF summary alone (for the dashboard's chart): every municipality of
    the programme by code, with participants by gender and participant hours."""
    return _by_municipality(
        _municipalities(programme), participant_groups(programme, date_from, date_to, municipality)
    )


def _municipalities(programme: Programme) -> list[dict]:
    return [dict(m) for m in programme.municipalities.order_by("code").values("id", "code", "name")]


def _by_municipality(municipalities: list[dict], groups: list[dict]) -> list[dict]:
    out = []
    for m in municipalities:
        mine = [g for g in groups if g["municipality_id"] == m["id"]]
        out.append(
            {
                "code": m["code"],
                "name": m["name"],
                "participants": sum(g["participants"] for g in mine),
                **_gender_counts(mine),
                "participant_hours": hours(sum(g["minutes"] or 0 for g in mine)),
            }
        )
    return out


def _months(date_from: dt.date, date_to: dt.date) -> list[tuple[int, int]]:
    months = []
    y, m = date_from.year, date_from.month
    while (y, m) <= (date_to.year, date_to.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def hours_per_month(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """[{month: "2019-09", participant_hours, participants}] for every month of the period.
    `participants` are distinct within the month (a person counts in each month attended)."""
    date_from, date_to = _period(programme, date_from, date_to)
    rows = (
        attended_rows(programme, date_from, date_to, municipality)
        .values(year=ExtractYear("session__date"), month=ExtractMonth("session__date"))
        .annotate(minutes=Sum("minutes"), participants=Count("person_id", distinct=True))
        .order_by()
    )
    by_month = {(r["year"], r["month"]): r for r in rows}
    return [
        {
            "month": f"{y:04d}-{m:02d}",
            "participant_hours": hours(by_month.get((y, m), {}).get("minutes")),
            "participants": by_month.get((y, m), {}).get("participants", 0),
        }
        for y, m in _months(date_from, date_to)
    ]


def participant_list(
    programme: Programme,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> list[dict]:
    """Deltagarförteckning: one row per participant in the period, in Swedish name order."""
    rows = (
        attended_rows(programme, date_from, date_to, municipality)
        .values(
            "person_id",
            personnummer=F("person__personnummer"),
            first_name=F("person__first_name"),
            last_name=F("person__last_name"),
            gender=F("person__gender"),
            target_group=F("person__target_group"),
            municipality_code=F("person__municipality__code"),
            municipality_name=F("person__municipality__name"),
            workplace=Coalesce(F("person__workplace__name"), Value(""), output_field=CharField()),
        )
        .annotate(
            first_date=Min("session__date"),
            last_date=Max("session__date"),
            minutes=Sum("minutes"),
            sessions=Count("session_id", distinct=True),
        )
        .order_by()
    )
    out = [
        {
            "person_id": r["person_id"],
            "name": f"{r['first_name']} {r['last_name']}",
            "first_name": r["first_name"],
            "last_name": r["last_name"],
            "personnummer": r["personnummer"] or "",
            "gender": r["gender"],
            "target_group": r["target_group"],
            "municipality_code": r["municipality_code"],
            "municipality": r["municipality_name"],
            "workplace": r["workplace"],
            "first_date": r["first_date"],
            "last_date": r["last_date"],
            "sessions": r["sessions"],
            "participant_hours": hours(r["minutes"]),
        }
        for r in rows
    ]
    out.sort(key=_person_order)
    return out


def _person_order(r: dict) -> tuple:
    return (sv_sort_key(r["last_name"]), sv_sort_key(r["first_name"]), r["personnummer"], r["person_id"])


def month_bounds(month: str | dt.date) -> tuple[dt.date, dt.date]:
    """'2019-09' (or any date in it) → (2019-09-01, 2019-09-30)."""
    if isinstance(month, str):
        year, mon = (int(p) for p in month.split("-"))
        first = dt.date(year, mon, 1)
    else:
        first = month.replace(day=1)
    return first, rules.month_end(first)


def certificates(
    programme: Programme,
    month: str | dt.date,
    municipality: Municipality | None = None,
    person_ids: list[int] | None = None,
) -> list[dict]:
    """Monthly närvarorapport (spec §4): per participant with attended rows in the month, the
    person, employer, each session (date, course, attended hours) and the month's total.
    Two queries: the rows themselves (they are the content) and the totals per person.
    `person_ids`: only these participants (one chunk of `certificate_people`)."""
    first, last = month_bounds(month)
    base = attended_rows(programme, first, last, municipality)
    if person_ids is not None:
        base = base.filter(person_id__in=person_ids)
    totals = dict(base.values_list("person_id").annotate(Sum("minutes")).order_by())
    rows = base.values(
        "person_id",
        date=F("session__date"),
        start_time=F("session__start_time"),
        course=F("session__course__title"),
        minutes_=F("minutes"),
        personnummer=F("person__personnummer"),
        first_name=F("person__first_name"),
        last_name=F("person__last_name"),
        municipality_code=F("person__municipality__code"),
        municipality_name=F("person__municipality__name"),
        workplace=Coalesce(F("person__workplace__name"), Value(""), output_field=CharField()),
    ).order_by("person_id", "session__date", "session__start_time", "session_id")
    people: dict[int, dict] = {}
    for r in rows:  # the certificate lists each row; totals come from the database above
        person = people.get(r["person_id"])
        if person is None:
            person = people[r["person_id"]] = {
                "person_id": r["person_id"],
                "name": f"{r['first_name']} {r['last_name']}",
                "first_name": r["first_name"],
                "last_name": r["last_name"],
                "personnummer": r["personnummer"] or "",
                "municipality_code": r["municipality_code"],
                "municipality": r["municipality_name"],
                "workplace": r["workplace"],
                "month": first.strftime("%Y-%m"),
                "sessions": [],
                "total_hours": hours(totals.get(r["person_id"])),
            }
        person["sessions"].append({"date": r["date"], "course": r["course"], "hours": hours(r["minutes_"])})
    return sorted(people.values(), key=_person_order)


def certificate_people(
    programme: Programme, month: str | dt.date, municipality: Municipality | None = None
) -> list[int]:
    """The participants of `certificates`, as ids in the document's order (one query, one small
    row per person): what a chunked run splits into parts."""
    first, last = month_bounds(month)
    rows = (
        attended_rows(programme, first, last, municipality)
        .values("person_id")
        .annotate(
            first_name=F("person__first_name"),
            last_name=F("person__last_name"),
            personnummer=F("person__personnummer"),
        )
        .order_by()
        .distinct()
    )
    people = [{**r, "personnummer": r["personnummer"] or ""} for r in rows]
    return [p["person_id"] for p in sorted(people, key=_person_order)]


__all__ = [
    "AGE_BANDS",
    "age_bands",
    "attended_rows",
    "cascade",
    "certificate_people",
    "certificates",
    "cofinancing",
    "esf_summary",
    "held_sessions",
    "hours",
    "hours_per_month",
    "month_bounds",
    "participant_groups",
    "participant_list",
    "participants_by_municipality",
    "reach_per_ombud",
]
