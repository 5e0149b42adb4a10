"""Issue 9 item 8: XLSX bombs. The zip's declared sizes and the sheet's declared dimension are
read before anything is parsed; a file over the limits is refused with one message, at once."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from ombud.formatting import num
from ombud.importing import FILE_XLSX_TOO_BIG, import_people, parsers
from ombud.models import Person, Workplace

pytestmark = pytest.mark.django_db

HEADER = ["personnummer", "förnamn", "efternamn", "kön", "kommun", "arbetsplats", "verksamhet", "målgrupp"]
ROW = [
    "19780314-1121",
    "Anna",
    "Lindqvist",
    "kvinna",
    "Ale",
    "Hemtjänst Nödinge",
    "äldreomsorg",
    "baspersonal",
]
SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _workbook(rows=(HEADER, ROW)) -> bytes:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite(data: bytes, *, sheet=None, shared_strings: bytes | None = None) -> bytes:
    """The same workbook with its sheet XML edited and/or a sharedStrings part added."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml" and sheet:
                content = sheet(content)
            if info.filename == "[Content_Types].xml" and shared_strings is not None:
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/>'
                content = content.replace(b"</Types>", override.encode() + b"</Types>")
            dst.writestr(info.filename, content, compresslevel=9)
        if shared_strings is not None:
            dst.writestr("xl/sharedStrings.xml", shared_strings, compresslevel=9)
    return out.getvalue()


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Patch the central directory so that `name` claims `size` uncompressed bytes (what a
    real bomb declares; the test file stays small)."""
    raw = bytearray(data)
    encoded = name.encode()
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if bytes(raw[pos + 46 : pos + 46 + name_len]) == encoded:
            struct.pack_into("<I", raw, pos + 24, size)
            return bytes(raw)
        pos = raw.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(name)


def _upload(data: bytes) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = "personal.xlsx"
    return f


def _refused_fast(data: bytes) -> None:
    people, workplaces = Person.objects.count(), Workplace.objects.count()
    started = time.process_time()  # CPU time: other work on a shared machine does not count
    result = import_people(_upload(data))
    elapsed = time.process_time() - started
    expected = str(FILE_XLSX_TOO_BIG) % {
        "rows": num(parsers.xlsx_max_rows()),
        "columns": num(parsers.xlsx_max_columns()),
        "mb": num(parsers.xlsx_max_uncompressed() / (1024 * 1024)),
    }
    assert result.errors == [expected]
    assert elapsed < 1.0, elapsed
    assert (Person.objects.count(), Workplace.objects.count()) == (people, workplaces)


def test_a_normal_workbook_still_imports(ale):
    assert import_people(_upload(_workbook())).errors == []
    assert Person.objects.count() == 1


def test_a_huge_shared_strings_part_is_refused_before_it_is_read(ale, settings):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024
    entries = b"".join(b"<si><t>Hansson %d</t></si>" % (i % 10) for i in range(150_000))
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + entries + b"</sst>"
    data = _rewrite(_workbook(), shared_strings=sst)
    assert len(data) < 100_000  # small on disk, 3 MB unpacked
    _refused_fast(data)


def test_a_part_declaring_gigabytes_is_refused_with_the_default_limits(ale):
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"></sst>'
    data = _declare_size(_rewrite(_workbook(), shared_strings=sst), "xl/sharedStrings.xml", 2**32 - 1)
    _refused_fast(data)


def test_a_sheet_declaring_every_cell_of_excel_is_refused_at_once(ale):
    data = _rewrite(_workbook(), sheet=lambda xml: xml.replace(b'ref="A1:H2"', b'ref="A1:XFD1048576"'))
    assert len(data) < 10_000
    _refused_fast(data)


def test_a_sheet_declaring_too_many_rows_is_refused(ale):
    data = _rewrite(_workbook(), sheet=lambda xml: xml.replace(b'ref="A1:H2"', b'ref="A1:H1048576"'))
    _refused_fast(data)


def test_cells_beyond_the_column_limit_are_refused_even_without_a_dimension(ale):
    def far_cell(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:H2" />', b"")
        return xml.replace(
            b"</row></sheetData>", b'<c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        )

    _refused_fast(_rewrite(_workbook(), sheet=far_cell))


def test_rows_beyond_the_row_limit_are_refused_even_without_a_dimension(ale):
    def far_row(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:H2" />', b"")
        return xml.replace(
            b"</sheetData>",
            b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
        )

    _refused_fast(_rewrite(_workbook(), sheet=far_row))


def test_limits_can_be_raised_in_settings(settings):
    settings.IMPORT_XLSX_MAX_ROWS = 2_000_000
    settings.IMPORT_XLSX_MAX_COLUMNS = 20_000
    assert (parsers.xlsx_max_rows(), parsers.xlsx_max_columns()) == (2_000_000, 20_000)


def test_the_upload_page_refuses_a_bomb_with_the_message(client_as, local_leader_ale, ale, settings):
    data = _rewrite(_workbook(), sheet=lambda xml: xml.replace(b'ref="A1:H2"', b'ref="A1:XFD1048576"'))
    started = time.process_time()
    response = client_as(local_leader_ale).post(reverse("ombud:person-import"), {"file": _upload(data)})
    assert time.process_time() - started < 1.0
    assert response.status_code == 400
    assert "Excel-filen är för stor för att läsas in" in response.content.decode()
    folder = Path(settings.MEDIA_ROOT) / "imports"
    assert not folder.exists() or list(folder.iterdir()) == []  # the upload is not kept


def test_a_huge_styles_part_is_refused_too(ale):
    """openpyxl reads every part but the worksheets whole, so they share the smaller limit."""
    quarter_and_a_bit = parsers.xlsx_max_uncompressed() // 4 + 1
    _refused_fast(_declare_size(_workbook(), "xl/styles.xml", quarter_and_a_bit))


def test_a_sheet_packed_with_empty_cells_and_no_dimension_is_refused_at_once(ale):
    """Found in the hand re-run of the probes: without a `<dimension>`, openpyxl walks the whole
    sheet to size it before the first row is read. 3 million empty cells (12 MB unpacked, a few
    KB packed) took seconds of CPU; a sheet this much smaller packed than unpacked is refused
    from the zip's declared sizes, before any XML is parsed."""

    def packed(xml: bytes) -> bytes:
        xml = xml.replace(b'<dimension ref="A1:H2" />', b"")
        return xml.replace(b"</sheetData>", b'<row r="3">' + b"<c/>" * 3_000_000 + b"</row></sheetData>")

    data = _rewrite(_workbook(), sheet=packed)
    assert len(data) < 100_000
    _refused_fast(data)
