"""Dates read as Swedish dates whatever the browser's language (ÅÅÅÅ-MM-DD text fields, not the
browser's own date field, which Chrome shows as mm/dd/yyyy on an English system), and
municipality drop-downs are sorted by name."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from ombud.widgets import DATE_PLACEHOLDER
from tests.factories import MunicipalityFactory, ProgrammeFactory

DATE_PAGES = [
    ("programme_leader", "/kurser/tillfallen/nytt/", ["date"]),
    ("programme_leader", "/kurser/tillfallen/", ["date_from", "date_to"]),
    ("programme_leader", "/kurser/att-godkanna/", ["date_from", "date_to"]),
    ("programme_leader", "/personal/program/nytt/", ["start_date", "end_date"]),
    ("coordinator", "/rapporter/", ["date_from", "date_to"]),
    ("coordinator", "/rapporter/rapporter/", ["period_from", "period_to"]),
]


def _input(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "path", "fields"), DATE_PAGES)
def test_date_fields_are_iso_text_fields_with_a_swedish_hint(request, client, role, path, fields, ale):
    ProgrammeFactory(code="MODIG", municipalities=[ale])
    client.force_login(request.getfixturevalue(role))
    html = client.get(path).content.decode()
    assert 'type="date"' not in html
    for name in fields:
        field = _input(html, name)
        assert 'type="text"' in field
        assert f'placeholder="{DATE_PLACEHOLDER}"' in field
        assert r'pattern="\d{4}-\d{2}-\d{2}"' in field


@pytest.mark.django_db
def test_a_date_shows_as_iso_also_in_english(client, programme_leader, ale):
    ProgrammeFactory(code="MODIG", municipalities=[ale])
    client.force_login(programme_leader)
    client.post("/sprak/", {"language": "en", "next": "/"})
    html = client.get("/kurser/tillfallen/nytt/").content.decode()
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in _input(html, "date")


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return [o.strip() for o in re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1)) if o.strip()]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/kurser/tillfallen/", "/kurser/tillfallen/nytt/", "/rapporter/", "/rapporter/rapporter/", "/personal/"],
)
def test_municipality_drop_downs_are_sorted_by_name(client, programme_leader, path):
    # Codes in the opposite order of the names.
    munis = [
        MunicipalityFactory(code=c, name=n)
        for c, n in [("1401", "Partille"), ("1440", "Ale"), ("1481", "Mölndal")]
    ]
    ProgrammeFactory(code="MODIG", municipalities=munis)
    client.force_login(programme_leader)
    options = _options(client.get(path).content.decode(), "municipality")
    names = [o for o in options if not o.startswith(("Alla", "Välj"))]
    assert [n.split(" (")[0] for n in names] == ["Ale", "Mölndal", "Partille"], names
