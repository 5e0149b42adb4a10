"""What a user reads for a counted thing: one label source for the dashboard, the PDF and the XLSX.

The ESF summary (spec §3) carries the import files' words (`baspersonal`, `ombudsutbildning`)
and municipality codes, as machines want them; people read the models' own labels ("Baspersonal")
and municipality names. Every page and file turns the one into the other here, never by itself.
"""

from __future__ import annotations

from kurser.models import CourseType
from ombud.models import Gender, TargetGroup


def target_group(value: str) -> str:
    return str(dict(TargetGroup.choices).get(value, value))


def course_type(value: str) -> str:
    return str(dict(CourseType.choices).get(value, value))


def gender(value: str) -> str:
    return str(dict(Gender.choices).get(value, value))


def municipality_names(summary: dict) -> dict[str, str]:
    """Code → name of the programme's municipalities, from the summary itself."""
    return {row["code"]: row["name"] for row in summary["by_municipality"]}


def cascade_rows(summary: dict) -> list[dict]:
    """The cascade with each ombud's municipality name beside its code (the code alone when the
    ombud is registered in a municipality outside the programme)."""
    names = municipality_names(summary)
    return [
        {**row, "municipality_name": names.get(row["municipality"], row["municipality"])}
        for row in summary["cascade"]
    ]


def cascade_by_municipality(summary: dict) -> list[dict]:
    """The cascade grouped per municipality (the programme's, by code, then any other), each
    with its ombud in the cascade's order: the ESF PDF lists them compactly, not as a table."""
    names = municipality_names(summary)
    groups: dict[str, list[dict]] = {}
    for row in summary["cascade"]:
        groups.setdefault(row["municipality"], []).append(row)
    order = [code for code in names if code in groups] + sorted(c for c in groups if c not in names)
    return [
        {"code": code, "name": names.get(code, code), "ombud": len(groups[code]), "rows": groups[code]}
        for code in order
    ]


def target_group_rows(summary: dict) -> list[dict]:
    return [{**row, "label": target_group(row["group"])} for row in summary["by_target_group"]]


def type_rows(summary: dict) -> list[dict]:
    return [{**row, "label": course_type(row["type"])} for row in summary["by_type"]]
