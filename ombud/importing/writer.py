"""The bulk writer: plain tuples straight into a table (PostgreSQL `COPY`, SQLite executemany)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db import connection
from django.db.models import Model

# Rows per executemany call on SQLite.
INSERT_BATCH = 2000


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def insert_rows(model: type[Model], fields: list[str], rows: list[tuple]) -> None:
    """Insert plain tuples (values for `fields`, by attribute name such as `session_id`).

    On PostgreSQL this is one `COPY … FROM STDIN` per call — several times faster than
    `bulk_create`, which builds a model instance and an `INSERT` parameter per value. Elsewhere
    (SQLite, the embedded mode) it is a prepared `INSERT` with executemany. Use it for rows whose ids are not needed
    afterwards; every field not named gets the database default, so name them all.
    """
    if not rows:
        return
    if connection.vendor == "postgresql":
        columns = [model._meta.get_field(f).column for f in fields]
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(map(_copy_text, row)))
            buffer.write("\n")
        buffer.seek(0)
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
        return
    # SQLite: one prepared INSERT run with executemany. Each value still goes through its field's
    # own conversion (dates, datetimes in UTC, booleans) exactly as the ORM would store it, but
    # without building model instances and compiling SQL per row (≈ 5× faster than bulk_create).
    model_fields = [model._meta.get_field(f) for f in fields]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(model_fields))})"  # noqa: S608 - names from the model
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(
                sql,
                [
                    tuple(f.get_db_prep_save(v, connection) for f, v in zip(model_fields, row, strict=True))
                    for row in rows[start : start + INSERT_BATCH]
                ],
            )
