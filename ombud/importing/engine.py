"""The one import engine: web upload, `import_people` and `import_attendance` all run through it.

Spec §1. The pipeline is

1. **open** the container (`ombud.importing.parsers`): `.xlsx` (first sheet) or `.csv` (UTF-8
   with or without BOM, else Windows-1252; `;`, `,` or tab detected from the header line). A
   file that is empty, too large, not CSV/XLSX or without a header gives one clear message
   (`ImportFileError`).
2. **map the header** to canonical column keys: case-insensitive, surrounding spaces ignored,
   with or without Swedish letters and hyphens (`kön` = `kon`, `e-post` = `epost`). Unknown
   columns are a warning; missing required columns are one error.
3. **stream rows** as `(row number, {key: text})` (spreadsheet numbering, header = row 1) in
   batches of `BATCH_SIZE`, so memory stays bounded whatever the file's size;
4. a **handler** (one per kind: `ombud.importing.people.PeopleImport`,
   `kurser.importing.AttendanceImport`) validates each batch, resolving references with a few
   bulk queries per batch (never one per row), and writes it with `bulk_update` /
   `ombud.importing.writer.insert_rows`. On PostgreSQL the COPY of a batch runs in a worker
   thread on the import's connection (`writer.background_copy`) while the next batch is read
   and checked; every other statement waits for it.

All or nothing: everything runs inside one `transaction.atomic()`. Batches are written as they
are validated while the file is clean so far; the first invalid row switches the handler to
validate-only for the rest of the file (every invalid row is still listed), and the transaction
is rolled back at the end. `dry_run` validates and counts without writing (and is rolled back
too, as a guard).
"""

from __future__ import annotations

import contextlib
import gc
import operator
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from ombud.datacache import data_changed
from ombud.importing.encodings import looks_garbled
from ombud.importing.parsers import FILE_UNREADABLE, ImportFileError, records
from ombud.importing.values import _normalised, header_key
from ombud.importing.writer import background_copy
from ombud.models import AuditLog

if TYPE_CHECKING:
    from ombud.models import User

BATCH_SIZE = 2000
PREVIEW_ROWS = 10
# A garbage file could yield millions of errors; past this many the rest are only counted.
MAX_ERRORS = 50_000


FILE_NO_HEADER = _("Filen saknar rubrikrad: första raden ska innehålla kolumnnamnen.")
FILE_NO_ROWS = _("Filen har inga rader under rubrikraden.")
FILE_MISSING_COLUMNS = _("Obligatoriska kolumner saknas: %(columns)s.")
FILE_DUPLICATE_COLUMN = _("Kolumnen %(column)s finns flera gånger i rubrikraden.")
FILE_UNKNOWN_COLUMNS = _("Okända kolumner hoppas över: %(columns)s.")
FILE_TOO_MANY_ERRORS = _("… och %(count)s fel till.")
FILE_DATABASE = _("Importen avbröts eftersom uppgifterna ändrades samtidigt av någon annan. Försök igen.")
ROW_ERROR = _("rad %(row)s: %(column)s: %(error)s")
# The whole file is refused: a garbled name is never the only one.
ROW_GARBLED = _(
    "rad %(row)s: %(column)s: %(value)s ser ut som felkodad text (å, ä och ö har blivit till exempel "
    'Ã¥, Ã¤ och Ã¶). Spara filen som "CSV UTF-8" och försök igen.'
)


@dataclass(frozen=True)
class Column:
    key: str  # canonical key, e.g. "fornamn"
    label: str  # the spec's column name, used in messages, e.g. "förnamn"
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass
class ImportResult:
    """What an import did or would do; shown by the web page and printed by the commands."""

    kind: str
    filename: str = ""
    dry_run: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # Attendance: distinct sessions in the file; people: unused.
    groups: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # labels of the recognised columns
    preview: list[dict[str, str]] = field(default_factory=list)  # first rows, label → text
    committed: bool = False
    extra_errors: int = 0  # errors beyond MAX_ERRORS, only counted
    _row_errors: list[tuple[int, int, str]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_count(self) -> int:
        return len(self.errors) + self.extra_errors


class ImportContext:
    """Handed to a handler: collects row errors and says whether this batch may be written."""

    def __init__(self, result: ImportResult, *, dry_run: bool, user: User | None) -> None:
        self.result = result
        self.dry_run = dry_run
        self.user = user
        self._seq = 0

    @property
    def has_errors(self) -> bool:
        return bool(self.result._row_errors) or bool(self.result.errors)

    @property
    def writing(self) -> bool:
        """Write this batch: not a dry run and no invalid row so far (else it is rolled back)."""
        return not self.dry_run and not self.has_errors

    def error(self, row: int, column: str, message: Any, /, **params: Any) -> None:
        if len(self.result._row_errors) >= MAX_ERRORS:
            self.result.extra_errors += 1
            return
        text = str(message) % params if params else str(message)
        self._seq += 1
        self.result._row_errors.append(
            (row, self._seq, str(ROW_ERROR) % {"row": row, "column": column, "error": text})
        )


class Handler(Protocol):
    kind: str
    columns: tuple[Column, ...]

    @property
    def written_models(self) -> tuple[type[Model], ...]:
        """The models a large import fills: their planner statistics are refreshed after it."""
        ...

    def handle_batch(self, batch: list[tuple[int, dict[str, str]]], ctx: ImportContext) -> None: ...

    def finish(self, ctx: ImportContext) -> None: ...


def _map_header(header: list[str], columns: tuple[Column, ...], result: ImportResult) -> dict[str, int]:
    by_key: dict[str, Column] = {}
    for column in columns:
        by_key[column.key] = column
        for alias in column.aliases:
            by_key[alias] = column
    mapping: dict[str, int] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        if not name:
            continue
        column = by_key.get(header_key(name))
        if column is None:
            unknown.append(name)
        elif column.key in mapping:
            raise ImportFileError(FILE_DUPLICATE_COLUMN, column=column.label)
        else:
            mapping[column.key] = index
    missing = [c.label for c in columns if c.required and c.key not in mapping]
    if missing:
        raise ImportFileError(FILE_MISSING_COLUMNS, columns=", ".join(missing))
    if unknown:
        result.warnings.append(str(FILE_UNKNOWN_COLUMNS) % {"columns": ", ".join(unknown)})
    result.columns = [c.label for c in columns if c.key in mapping]
    return mapping


def _rows(
    records: Iterator[list[str]], columns: tuple[Column, ...], result: ImportResult
) -> Iterator[tuple[int, dict[str, str]]]:
    header = next(records, None)
    if not header or not any(header):
        raise ImportFileError(FILE_NO_HEADER)
    mapping = _map_header(header, columns, result)
    absent = {c.key: "" for c in columns if c.key not in mapping}
    labels = {c.key: c.label for c in columns}
    items = list(mapping.items())
    keys = [key for key, _i in items]
    # The mapped cells of a full-width record in one C call (a file has millions of rows).
    width_needed = max(mapping.values()) + 1
    pick = operator.itemgetter(*mapping.values()) if len(mapping) > 1 else None
    for number, record in enumerate(records, start=2):
        if not any(record):
            continue  # Excel leaves empty rows at the end; they are not data
        if pick is not None and len(record) >= width_needed:
            values = pick(record)
        else:
            width = len(record)
            values = tuple(record[i] if i < width else "" for _key, i in items)
        # One check for the whole row: "\x00" is not in the garbled pattern, so nothing matches
        # across two cells, and the pattern starts with Â or Ã; only a suspicious row is looked
        # at cell by cell.
        joined = "\x00".join(values)
        if ("Ã" in joined or "Â" in joined) and looks_garbled(joined):
            for key, value in zip(keys, values, strict=True):
                if value and not value.isascii() and looks_garbled(value):
                    raise ImportFileError(ROW_GARBLED, row=number, column=labels[key], value=value)
        row = dict(zip(keys, values, strict=True))
        if absent:
            row.update(absent)
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append({labels[k]: row[k] for k in mapping})
        yield number, row


def _open(source: Any) -> tuple[IO[bytes], str, bool]:
    """(binary file, file name, whether we opened it and must close it)."""
    if isinstance(source, str | os.PathLike):
        return open(source, "rb"), os.fspath(source), True  # closed by run_import
    name = getattr(source, "name", "") or ""
    if hasattr(source, "seek"):
        source.seek(0)
    return source, str(name), False


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def _collector_spared() -> Iterator[None]:
    """Keep Python's cycle collector off everything that existed before the import.

    An import allocates millions of small container objects (a list per record, a dict and a
    tuple per row, a parsed row); each few hundred thousand of them trigger a full collection,
    which walks every object of the process again (Django, the apps, the import's own state) —
    measured at scale 10 (164,000 attendance rows) about 0.4 CPU s of 3.5. `gc.freeze()` moves
    the objects alive now into the permanent generation for the duration (collections still run
    and still free what the import leaves behind); `gc.unfreeze()` gives them back.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


SETTINGS_LIMIT = object()  # run_import's default: settings.IMPORT_MAX_BYTES


def command_max_bytes() -> int | None:
    """The size limit for the import commands.

    IMPORT_MAX_BYTES protects the web server from large uploads. An operator at the server's
    shell can read any file anyway, and a programme's attendance history at 100 × Modig
    (1.9 million rows) is a few hundred MB, so the commands apply the limit only when
    IMPORT_MAX_BYTES is set explicitly in the environment.
    """
    return settings.IMPORT_MAX_BYTES if os.environ.get("IMPORT_MAX_BYTES") else None


def run_import(
    handler: Handler,
    source: Any,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    user: User | None = None,
    max_bytes: int | object | None = SETTINGS_LIMIT,
) -> ImportResult:
    """Run `handler` over the file `source` (a path, or a binary file object such as an
    `UploadedFile`; `filename` overrides its name for type detection). Never raises for bad
    input: every problem ends up in `result.errors`.

    `max_bytes` defaults to settings.IMPORT_MAX_BYTES; None means no limit.
    """
    if max_bytes is SETTINGS_LIMIT:
        max_bytes = settings.IMPORT_MAX_BYTES
    _normalised.cache_clear()  # messages are in the language of this run
    try:
        fh, name, close = _open(source)
    except OSError:
        result = ImportResult(kind=handler.kind, filename=Path(filename or str(source)).name, dry_run=dry_run)
        result.errors.append(str(FILE_UNREADABLE))
        return result
    result = ImportResult(kind=handler.kind, filename=Path(filename or name).name, dry_run=dry_run)
    ctx = ImportContext(result, dry_run=dry_run, user=user)
    try:
        with _collector_spared(), transaction.atomic(), background_copy():
            rows = _rows(records(fh, filename or name, max_bytes), handler.columns, result)
            batch_seen = False
            while batch := list(islice(rows, BATCH_SIZE)):
                batch_seen = True
                result.total += len(batch)
                handler.handle_batch(batch, ctx)
            if not batch_seen:
                raise ImportFileError(FILE_NO_ROWS)
            handler.finish(ctx)
            if ctx.has_errors or dry_run:
                raise _Rollback
            result.committed = True
            data_changed()
    except _Rollback:
        pass
    except ImportFileError as exc:
        result.errors.append(exc.message)
    except IntegrityError:
        result.errors.append(str(FILE_DATABASE))
    finally:
        if close:
            fh.close()
    if result.committed and result.created + result.updated >= ANALYZE_ABOVE:
        analyze_after(handler.written_models)
    if result._row_errors:
        result.errors.extend(text for _row, _seq, text in sorted(result._row_errors))
        result._row_errors.clear()
    if result.extra_errors:
        result.errors.append(str(FILE_TOO_MANY_ERRORS) % {"count": result.extra_errors})
    if result.errors:
        result.committed = False
    return result


# Rows written by one import above which PostgreSQL's planner statistics are refreshed at once.
ANALYZE_ABOVE = 10_000


def analyze_after(models: tuple[type[Model], ...]) -> None:
    """`ANALYZE` the tables a large import filled (PostgreSQL). Until autovacuum gets to them the
    planner still sees the old row counts: measured at scale 10, the staff list's last page
    sorted all 38,983 people (357 ms) instead of walking its index (22 ms). A few hundred ms."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def audit_log_import(ctx: ImportContext, *, what: str, detail: dict[str, Any] | None = None) -> None:
    from ombud.services import audit_log

    r = ctx.result
    audit_log(
        user=ctx.user,
        action=AuditLog.Action.IMPORT,
        what=what,
        detail={
            "file": r.filename,
            "kind": r.kind,
            "rows": r.total,
            "created": r.created,
            "updated": r.updated,
            "unchanged": r.unchanged,
            **(detail or {}),
        },
    )


# --- rows that arrive as data, not as a file (the JSON API, issue 13) --------------------------


def run_import_records(
    handler: Handler,
    records: list[dict[str, str]],
    *,
    name: str,
    dry_run: bool = False,
    user: User | None = None,
    context: Callable[..., ImportContext] = ImportContext,
) -> ImportResult:
    """Run `handler` over `records` (dicts keyed by the handler's column keys), numbered 1, 2, …
    with the same all-or-nothing transaction, rules and row messages as a file. The caller has
    checked the keys and types; a missing key is an empty value."""
    _normalised.cache_clear()
    result = ImportResult(kind=handler.kind, filename=name, dry_run=dry_run)
    result.columns = [c.label for c in handler.columns]
    ctx = context(result, dry_run=dry_run, user=user)
    keys = [c.key for c in handler.columns]
    rows = [
        (number, {k: str(record.get(k) or "").strip() for k in keys})
        for number, record in enumerate(records, 1)
    ]
    try:
        with _collector_spared(), transaction.atomic(), background_copy():
            if not rows:
                raise ImportFileError(FILE_NO_ROWS)
            for start in range(0, len(rows), BATCH_SIZE):
                batch = rows[start : start + BATCH_SIZE]
                result.total += len(batch)
                handler.handle_batch(batch, ctx)
            handler.finish(ctx)
            if ctx.has_errors or dry_run:
                raise _Rollback
            result.committed = True
            data_changed()
    except _Rollback:
        pass
    except ImportFileError as exc:
        result.errors.append(exc.message)
    except IntegrityError:
        result.errors.append(str(FILE_DATABASE))
    if result._row_errors:
        result.errors.extend(text for _row, _seq, text in sorted(result._row_errors))
        result._row_errors.clear()
    if result.errors:
        result.committed = False
    return result
