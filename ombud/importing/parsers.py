"""Reading the container: `.xlsx` (first sheet, openpyxl read-only) or `.csv` into rows of
stripped strings. Anything that makes the whole file unreadable raises `ImportFileError`."""

from __future__ import annotations

import csv
import datetime as dt
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ombud.formatting import num
from ombud.importing.encodings import decoded_lines, detect_encoding

if TYPE_CHECKING:
    import _csv

# --- messages: the container ------------------------------------------------------------------
FILE_EMPTY = _("Filen är tom.")
FILE_TOO_LARGE = _("Filen är för stor: högst %(max)s MB kan läsas in.")
FILE_TYPE = _("Filen måste vara en Excel-fil (.xlsx) eller en CSV-fil (.csv).")
FILE_OLD_EXCEL = _(
    "Filen är i det gamla Excel-formatet (.xls). Spara den som .xlsx eller CSV och försök igen."
)
FILE_XLSX_BROKEN = _("Excel-filen kunde inte läsas. Öppna den i Excel, spara som .xlsx och försök igen.")
FILE_BINARY = _("Filen är inte en CSV-fil (den innehåller binära data).")
FILE_CSV_BROKEN = _("CSV-filen kunde inte läsas efter rad %(row)s: %(reason)s")
FILE_UNREADABLE = _("Filen kunde inte öppnas.")
FILE_MIXED_ENCODING = _(
    "rad %(row)s: filen blandar teckenkodningar (UTF-8 och Windows-1252), så å, ä och ö skulle bli "
    'fel. Spara filen som "CSV UTF-8" och försök igen.'
)
FILE_XLSX_TOO_BIG = _(
    "Excel-filen är för stor för att läsas in: högst %(rows)s rader, %(columns)s kolumner och "
    "%(mb)s MB uppackad data. Dela upp filen eller spara den som CSV."
)

# XLSX limits, checked before parsing (issue 9: a 972 KB file with a huge sharedStrings part grew
# a worker to 1.2 GB; a 2 KB file declaring `A1:XFD1048576` ran into the 60 s timeout).
# Each can be raised in settings (`IMPORT_XLSX_MAX_ROWS` …); larger histories go in as CSV.
XLSX_MAX_ROWS = 250_000
XLSX_MAX_COLUMNS = 100
XLSX_MAX_UNCOMPRESSED_BYTES = 128 * 1024 * 1024
# openpyxl streams the worksheets but reads every other part whole into Python objects (a str
# per shared string, an object per style: several times the XML), so together those parts get
# a quarter of the byte limit.
READ_WHOLE_SHARE = 4
# A part that unpacks to far more than it packs is not data but repeated markup (millions of
# empty `<c/>`): without a `<dimension>` openpyxl walks all of it before the first row. Sheets
# of real people pack 5–30 times; past a few megabytes, more than this ratio is refused.
XLSX_MAX_PACKING_RATIO = 100
XLSX_RATIO_FROM_BYTES = 2 * 1024 * 1024


class ImportFileError(Exception):
    """The container cannot be read at all; one message, no row errors."""

    def __init__(self, message: Any, **params: Any) -> None:
        self.message = str(message) % params if params else str(message)
        super().__init__(self.message)


def _size_of(fh: IO[bytes]) -> int:
    size = getattr(fh, "size", None)
    if isinstance(size, int):
        return size
    pos = fh.tell()
    fh.seek(0, os.SEEK_END)
    end = fh.tell()
    fh.seek(pos)
    return end


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_reader(fh: IO[bytes], encoding: str) -> _csv.Reader:
    lines = decoded_lines(fh, encoding)
    first = next(lines, "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    delimiter = max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    return csv.reader(chained(), delimiter=delimiter)


def _row_of_line(fh: IO[bytes], encoding: str, line: int) -> int:
    """The spreadsheet row (record) that contains the file's `line`: a quoted cell may span lines."""
    reader = _csv_reader(fh, encoding)
    row = 0
    try:
        for row, _record in enumerate(reader, start=1):  # noqa: B007 - the last one is the answer
            if reader.line_num >= line:
                break
    except csv.Error:
        pass
    return max(row, 1)


def _csv_records(fh: IO[bytes]) -> Iterator[list[str]]:
    head = fh.read(65536)
    fh.seek(0)
    if b"\x00" in head:
        raise ImportFileError(FILE_BINARY)
    encoding, mixed_line = detect_encoding(fh)
    if mixed_line is not None:
        row = _row_of_line(fh, encoding, mixed_line)
        raise ImportFileError(FILE_MIXED_ENCODING, row=row)
    reader = _csv_reader(fh, encoding)
    try:
        for record in reader:
            yield list(map(str.strip, record))
    except csv.Error as exc:  # a NUL byte further down, a runaway quoted field
        raise ImportFileError(FILE_CSV_BROKEN, row=reader.line_num, reason=exc) from exc


def xlsx_max_rows() -> int:
    return getattr(settings, "IMPORT_XLSX_MAX_ROWS", XLSX_MAX_ROWS)


def xlsx_max_columns() -> int:
    return getattr(settings, "IMPORT_XLSX_MAX_COLUMNS", XLSX_MAX_COLUMNS)


def xlsx_max_uncompressed() -> int:
    return getattr(settings, "IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", XLSX_MAX_UNCOMPRESSED_BYTES)


def _too_big() -> ImportFileError:
    return ImportFileError(
        FILE_XLSX_TOO_BIG,
        rows=num(xlsx_max_rows()),
        columns=num(xlsx_max_columns()),
        mb=num(xlsx_max_uncompressed() / (1024 * 1024)),
    )


def _check_zip(fh: IO[bytes]) -> None:
    """Refuse a workbook whose parts declare more than the limits, before anything is unpacked.

    The sizes come from the zip's central directory. They are a real bound: Python's zipfile
    stops at the declared size (and fails the CRC check) when a part unpacks to more.
    """
    try:
        with zipfile.ZipFile(fh) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(FILE_XLSX_BROKEN) from exc
    finally:
        fh.seek(0)
    limit = xlsx_max_uncompressed()
    total = sum(part.file_size for part in parts)
    whole = sum(part.file_size for part in parts if not part.filename.startswith("xl/worksheets/"))
    if total > limit or whole > limit // READ_WHOLE_SHARE:
        raise _too_big()
    if any(
        part.file_size > XLSX_RATIO_FROM_BYTES
        and part.file_size > XLSX_MAX_PACKING_RATIO * max(part.compress_size, 1)
        for part in parts
    ):
        raise _too_big()


def _xlsx_records(fh: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    _check_zip(fh)
    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # zipfile, XML and openpyxl raise many kinds
        raise ImportFileError(FILE_XLSX_BROKEN) from exc
    max_rows, max_columns = xlsx_max_rows(), xlsx_max_columns()
    try:
        # The declared dimension (`A1:XFD1048576`) is what openpyxl would pad every row to.
        if (sheet.max_row or 0) > max_rows or (sheet.max_column or 0) > max_columns:
            raise _too_big()
        # Read the cells that are there, not the declared box (which may also be wrong).
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > max_rows:
                raise _too_big()
            if len(values) > max_columns and any(_cell_text(v) for v in values[max_columns:]):
                raise _too_big()  # empty formatted cells far to the right are harmless
            yield [_cell_text(v) for v in values[:max_columns]]
    except ImportFileError:
        raise
    except Exception as exc:  # a broken sheet part surfaces only while reading
        raise ImportFileError(FILE_XLSX_BROKEN) from exc
    finally:
        workbook.close()


def records(fh: IO[bytes], filename: str, max_bytes: int | None) -> Iterator[list[str]]:
    """The file's rows as lists of stripped strings, for either container."""
    size = _size_of(fh)
    if size == 0:
        raise ImportFileError(FILE_EMPTY)
    if max_bytes is not None and size > max_bytes:
        raise ImportFileError(FILE_TOO_LARGE, max=f"{max_bytes / (1024 * 1024):.0f}")
    fh.seek(0)
    magic = fh.read(8)
    fh.seek(0)
    ext = Path(filename).suffix.lower()
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(FILE_OLD_EXCEL)
    if ext not in ("", ".csv", ".txt", ".xlsx", ".xlsm"):
        raise ImportFileError(FILE_OLD_EXCEL if ext == ".xls" else FILE_TYPE)
    if magic.startswith(b"PK\x03\x04"):
        if ext in ("", ".xlsx", ".xlsm"):
            return _xlsx_records(fh)
        raise ImportFileError(FILE_TYPE)
    if ext in (".xlsx", ".xlsm"):
        raise ImportFileError(FILE_XLSX_BROKEN)
    return _csv_records(fh)
