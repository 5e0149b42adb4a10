"""The one XLSX writer of the project: every spreadsheet the portal hands out is written here.

Why one place: an exported cell is data typed by a user (a name, a workplace), and Excel and
LibreOffice run a cell that is stored as a formula. openpyxl stores any string starting with `=`
as a formula (`<f>` in the sheet XML), so a first name `=HYPERLINK("http://…"&A2,"Klicka")`
would become a live link built from the personnummer beside it. Here every text cell is stored
as a string (`t="inlineStr"`, never `<f>`), and a text that starts with a character a
spreadsheet reads as the start of a formula (`= + - @`, tab, CR) also gets the `quotePrefix`
style: Excel and LibreOffice then show it as text and keep it text when the user edits the
cell — the same as typing `'` before it, without changing the value (a re-import reads back
exactly what was exported).

Workbooks are written in openpyxl's write-only mode: rows stream to disk, so a list of 350,000
people never sits in memory as cell objects. Column widths and frozen panes are therefore set
when a sheet is created, and a row's style (bold, size, number formats) when it is appended.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

# A text starting with one of these is read as a formula (or DDE) by some spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Above this size an export spools to a temporary file instead of memory.
SPOOL_BYTES = 20 * 1024 * 1024


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


class Sheet:
    """One worksheet; `append` writes one row, values only (never formulas)."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def cell(
        self, value: Any, *, bold: bool = False, size: float | None = None, number_format: str | None = None
    ):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        cell = WriteOnlyCell(self._ws, value=value)
        if isinstance(value, str):
            # openpyxl made a string starting with "=" a formula: it is text.
            cell.data_type = "s"
            if is_formula_like(value):
                cell.quotePrefix = True
        if bold or size:
            cell.font = Font(bold=bold, size=size)
        if number_format and not isinstance(value, str):
            cell.number_format = number_format
        return cell

    def append(
        self,
        values: Sequence[Any],
        *,
        bold: bool = False,
        size: float | None = None,
        formats: Sequence[str | None] = (),
    ) -> None:
        """One row. `formats[i]` is the number format of column i (None: general); `bold`/`size`
        style the whole row (headers, totals)."""
        from openpyxl.cell import Cell

        row = []
        for i, value in enumerate(values):
            if isinstance(value, Cell):  # made by `cell()` with its own style
                row.append(value)
                continue
            number_format = formats[i] if i < len(formats) else None
            row.append(self.cell(value, bold=bold, size=size, number_format=number_format))
        self._ws.append(row)

    def extend(self, rows: Iterable[Sequence[Any]], *, formats: Sequence[str | None] = ()) -> int:
        """Append every row; returns how many (rows may be a lazy iterator)."""
        n = 0
        for values in rows:
            self.append(values, formats=formats)
            n += 1
        return n


class Workbook:
    def __init__(self) -> None:
        from openpyxl import Workbook as OpenpyxlWorkbook

        self._wb = OpenpyxlWorkbook(write_only=True)

    def sheet(self, title: str, *, widths: Sequence[float | None] = (), freeze: str | None = None) -> Sheet:
        """A new sheet (title cut to Excel's 31 characters); `widths` by column, `freeze` a cell
        such as "A2" to keep the header row visible."""
        from openpyxl.utils import get_column_letter

        ws = self._wb.create_sheet(title=str(title)[:31])
        for i, width in enumerate(widths, start=1):
            if width:
                ws.column_dimensions[get_column_letter(i)].width = width
        if freeze:
            ws.freeze_panes = freeze
        return Sheet(ws)

    def table(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        formats: Sequence[str | None] = (),
        widths: Sequence[float | None] = (),
    ) -> tuple[Sheet, int]:
        """One table on its own sheet: bold frozen header row, then the rows with their number
        formats. Returns the sheet (to add e.g. a total row) and the number of rows written."""
        sheet = self.sheet(title, widths=widths, freeze="A2")
        sheet.append(list(headers), bold=True)
        return sheet, sheet.extend(rows, formats=formats)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        self._wb.save(buf)
        return buf.getvalue()

    def to_file(self):
        """The workbook in a rewound temporary file (for a FileResponse, which closes it)."""
        out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
        self._wb.save(out)
        out.seek(0)
        return out


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, sample: int = 200) -> list[float]:
    """Widths that fit the header and the first `sample` rows' values, between 10 and 50."""
    widths: list[float] = []
    for col, header in enumerate(headers):
        longest = max([len(str(header))] + [len(str(r[col])) for r in rows[:sample] if r[col] is not None])
        widths.append(min(max(longest + 2, 10), 50))
    return widths
