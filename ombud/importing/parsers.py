"""Reading the container: `.xlsx` (first sheet, openpyxl read-only) or `.csv` into rows of
stripped strings. Anything that makes the whole file unreadable raises `ImportFileError`."""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext_lazy as _

from ombud.importing.encodings import decoded_lines, detect_encoding

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


def _csv_records(fh: IO[bytes]) -> Iterator[list[str]]:
    head = fh.read(65536)
    fh.seek(0)
    if b"\x00" in head:
        raise ImportFileError(FILE_BINARY)
    encoding = detect_encoding(fh)
    lines = decoded_lines(fh, encoding)
    first = next(lines, "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    delimiter = max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(chained(), delimiter=delimiter)
    try:
        for record in reader:
            yield [cell.strip() for cell in record]
    except csv.Error as exc:  # a NUL byte further down, a runaway quoted field
        raise ImportFileError(FILE_CSV_BROKEN, row=reader.line_num, reason=exc) from exc


def _xlsx_records(fh: IO[bytes]) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(fh, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # zipfile, XML and openpyxl raise many kinds
        raise ImportFileError(FILE_XLSX_BROKEN) from exc
    try:
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
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
