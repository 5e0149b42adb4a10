"""The register extract (GDPR art. 15) as a reader sees it: the data `services.person_export`
collects, as labelled rows in reading order with dates and yes/no in Swedish. No ORM here; the
view renders `sections()` with templates/ombud/person_gdpr_export.html."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The register extract's fields in reading order, with their Swedish labels; keys the service
# adds later and this list does not know are still shown, under their own name.
PERSON_FIELDS = [
    ("personnummer", gettext_lazy("Personnummer")),
    ("first_name", gettext_lazy("Förnamn")),
    ("last_name", gettext_lazy("Efternamn")),
    ("gender", gettext_lazy("Kön")),
    ("birth_date", gettext_lazy("Födelsedatum")),
    ("municipality", gettext_lazy("Kommun")),
    ("workplace", gettext_lazy("Arbetsplats")),
    ("target_group", gettext_lazy("Målgrupp")),
    ("email", gettext_lazy("E-post")),
    ("created_at", gettext_lazy("Registrerad")),
    ("updated_at", gettext_lazy("Senast ändrad")),
    ("erased_at", gettext_lazy("Raderad")),
]
OMBUD_FIELDS = [
    ("appointed_on", gettext_lazy("Utsedd")),
    ("trainer_training_completed_on", gettext_lazy("Ombudsutbildning klar")),
    ("reach_goal", gettext_lazy("Mål för antal nådda kollegor")),
    ("active", gettext_lazy("Aktiv")),
    ("workplaces", gettext_lazy("Arbetsplatser")),
]
ACCOUNT_FIELDS = [
    ("username", gettext_lazy("Användarnamn")),
    ("email", gettext_lazy("E-post")),
    ("role", gettext_lazy("Roll")),
]
TABLES = {"attendance", "audit"}


class ExtractSection(Protocol):
    """What an app built on ombud stores about a person (named in
    `settings.PERSON_EXTRACT_SECTIONS`, so ombud imports none of them): for the register extract
    its key in the JSON, a title and columns for the page, and the rows (JSON-able dicts) for one
    person; for erasure, `erase(person)` removes what would identify the person and keeps what
    reported totals need, as `ombud.services.person_erase` does with the person row itself."""

    key: str
    title: Any
    columns: Sequence[tuple[str, Any]]
    rows: Callable[[Any], list[dict[str, Any]]]
    erase: Callable[[Any], None]


@cache
def extract_sections() -> tuple[ExtractSection, ...]:
    return tuple(import_string(path) for path in settings.PERSON_EXTRACT_SECTIONS)


def _text(value) -> str:
    """One value of the extract as a reader expects it: dates and times without ISO clutter."""
    if value in (None, "", [], {}):
        return "–"
    if isinstance(value, bool):
        return _("ja") if value else _("nej")
    if isinstance(value, dict):
        return ", ".join(_text(v) for v in value.values())
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, str) and len(value) >= 19 and value[10] == "T":
        with contextlib.suppress(ValueError):
            return timezone.localtime(dt.datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _rows(data: dict, fields: list) -> list[tuple[str, str]]:
    known = {key for key, _label in fields}
    rows = [(label, _text(data.get(key))) for key, label in fields if key in data]
    return rows + [(key, _text(value)) for key, value in data.items() if key not in known]


def sections(data: dict) -> dict:
    """The extract's data (from `services.person_export`) as labelled rows and tables."""
    extra = extract_sections()
    tables = TABLES | {section.key for section in extra}
    person = {k: v for k, v in data.items() if k not in tables and k not in ("ombud", "account")}
    return {
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "columns": [label for _key, label in section.columns],
                "rows": [
                    [_text(row.get(key)) for key, _label in section.columns] for row in data[section.key]
                ],
            }
            for section in extra
            if section.key in data
        ],
        "person": _rows(person, PERSON_FIELDS),
        "ombud": _rows(data["ombud"], OMBUD_FIELDS) if data.get("ombud") else None,
        "account": _rows(data["account"], ACCOUNT_FIELDS) if data.get("account") else None,
        "attendance": [
            {**row, "recorded_at": _text(row.get("recorded_at"))} for row in data.get("attendance") or []
        ],
        "audit": [{**row, "at": _text(row.get("at"))} for row in data.get("audit") or []],
    }
