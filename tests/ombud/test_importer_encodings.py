"""Issue 9 item 12: a file mixing UTF-8 and Windows-1252, or text already garbled ("Ã…sa"), is
refused whole, naming the first bad row; nothing is written."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from ombud.importing import import_people
from ombud.models import Person, Workplace

pytestmark = pytest.mark.django_db

HEADER = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post"
ASCII_HEADER = "personnummer;fornamn;efternamn;kon;kommun;arbetsplats;verksamhet;malgrupp;epost"
MIXED = (
    "rad %s: filen blandar teckenkodningar (UTF-8 och Windows-1252), så å, ä och ö skulle bli fel. "
    'Spara filen som "CSV UTF-8" och försök igen.'
)
GARBLED = (
    "rad %s: %s: %s ser ut som felkodad text (å, ä och ö har blivit till exempel Ã¥, Ã¤ och Ã¶). "
    'Spara filen som "CSV UTF-8" och försök igen.'
)


def _row(n: int, first: str = "Anna", workplace: str = "Hemtjänst Nödinge") -> str:
    numbers = ["19780314-1121", "851102-2355", "9901094525", "19670416-1006"]
    return f"{numbers[n]};{first};Lindqvist;;Ale;{workplace};äldreomsorg;baspersonal;"


def _file(*lines: bytes, name: str = "personal.csv") -> io.BytesIO:
    f = io.BytesIO(b"\r\n".join(lines) + b"\r\n")
    f.name = name
    return f


def _refused(upload, message: str) -> None:
    before = Person.objects.count(), Workplace.objects.count()
    result = import_people(upload)
    assert result.errors == [message]
    assert (Person.objects.count(), Workplace.objects.count()) == before


def test_one_windows_1252_row_in_a_utf8_file_is_refused(ale):
    """The issue's case: ASCII header, UTF-8 rows, one row saved by another program."""
    _refused(
        _file(
            ASCII_HEADER.encode(),
            _row(0, first="Åsa").encode("utf-8"),
            _row(1).encode("utf-8"),
            _row(2, first="Sjöberg").encode("cp1252"),
            _row(3, first="Märta").encode("utf-8"),
        ),
        MIXED % 4,
    )


def test_one_utf8_row_in_a_windows_1252_file_is_refused(ale):
    _refused(
        _file(
            HEADER.encode("cp1252"), _row(0, first="Åsa").encode("cp1252"), _row(1, first="Örjan").encode()
        ),
        MIXED % 3,
    )


def test_the_row_number_counts_rows_not_lines(ale):
    """A quoted cell with a line break is one spreadsheet row."""
    two_line = '19780314-1121;"Anna\r\nMaria";Lindqvist;;Ale;Hemtjänst Nödinge;äldreomsorg;baspersonal;'
    _refused(
        _file(HEADER.encode(), two_line.encode(), _row(1, first="Sjöberg").encode("cp1252")),
        MIXED % 3,
    )


def test_text_that_was_already_garbled_is_refused(ale):
    _refused(
        _file(HEADER.encode(), _row(0).encode(), _row(1, first="Ã…sa").encode()),
        GARBLED % (3, "förnamn", "Ã…sa"),
    )


@pytest.mark.parametrize("garbled", ["BjÃ¶rk", "Ã„ngen", "LÃ¥ngÃ¤ng", "HÃ–GSBO", "Ã–rjan"])
def test_every_swedish_letter_garbled_is_recognised(ale, garbled):
    _refused(
        _file(HEADER.encode(), _row(0, workplace=garbled).encode()),
        GARBLED % (2, "arbetsplats", garbled),
    )


def test_garbled_text_in_a_workbook_is_refused_too(ale):
    wb = Workbook()
    wb.active.append(HEADER.split(";"))
    wb.active.append(_row(0).split(";"))
    wb.active.append(_row(1, first="Ã…sa").split(";"))
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "personal.xlsx"
    _refused(out, GARBLED % (3, "förnamn", "Ã…sa"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_clean_files_in_either_encoding_import(ale, encoding):
    rows = [HEADER, _row(0, first="Åsa"), _row(1, first="Örjan", workplace="Äldreboende Ängen")]
    result = import_people(_file("\r\n".join(rows).encode(encoding)))  # one BOM at most
    assert result.errors == []
    assert Person.objects.get(personnummer="197803141121").first_name == "Åsa"
    assert Workplace.objects.filter(name="Äldreboende Ängen").exists()


def test_names_from_other_languages_are_not_mistaken_for_garbled_text(ale):
    rows = [
        HEADER,
        _row(0, first="João"),
        _row(1, first="Zoë"),
        _row(2, first="Øystein"),
        _row(3, first="ÂNGELA"),
    ]
    result = import_people(_file(*(r.encode() for r in rows)))
    assert result.errors == []
