"""Rollups (issue 14): summary rows per person that the dashboards read instead of aggregating
millions of attendance rows.

What is kept (models in `kurser.models`), for each programme:

- `ParticipantRollup`: per person — attended minutes (also per course type), rows, first and
  last session date;
- `ParticipantToolRollup`: per person × tool (as reported) — minutes, rows;
- `ParticipantMonthRollup`: per person × calendar month — minutes, rows;
- `ReachRollup`: per trainer × participant of workplace training — rows (cascade reach).

Every row is an aggregate of the person's attended rows in sessions that were not cancelled
(`counting.attended_not_cancelled`), whoever the person is: temporary walk-ins are kept too and
left out by the readers (`counting.counted` joins Person the same way), so completing a walk-in
(ombud, which may not import kurser) needs no hook. No person attribute is copied.

Maintained by the code that writes attendance, in the same transaction, after its write:
`refresh_people(person_ids=…)` recomputes those persons' rows (cheap: a person's rows), and
`refresh_sessions(session_ids=…)` does it for everyone with a row at those sessions (cancel,
move, import). `rebuild()` (the `rebuild_rollups` command, seed_demo, the data migration)
recomputes everything. Each recomputation is a DELETE and an INSERT … SELECT of the same ORM
aggregate, so the definitions stay those of `kurser.counting`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.apps import apps as global_apps
from django.db import connection, transaction
from django.db.models import Case, CharField, Count, F, Max, Min, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth

from kurser import counting
from kurser.models import CourseType

# Persons per statement: well under SQLite's parameter limit.
CHUNK = 500
# Above this many persons a refresh rebuilds the programmes instead (one statement per table).
REBUILD_ABOVE = 20_000

# A course without a tool is reported under this name (rapporter.queries.OTHER_TOOL, the word
# the import uses for it); the tool rollup stores the reported name.
OTHER_TOOL = "Övrigt"
# ParticipantRollup's minutes per course type.
TYPE_COLUMNS = {
    CourseType.OMBUD_TRAINING.value: "minutes_ombud_training",
    CourseType.WORKPLACE_TRAINING.value: "minutes_workplace_training",
    CourseType.MANAGER_TRAINING.value: "minutes_manager_training",
}

TABLES = ("ParticipantRollup", "ParticipantToolRollup", "ParticipantMonthRollup", "ReachRollup")


def covers(programme: Any, date_from: dt.date, date_to: dt.date) -> bool:
    """Do the rollups answer for this period? For the programme's own period, when nobody
    attended the programme outside it (such rows are in the rollups but not in the period's
    figures): two index probes. The one rule every reader of the rollups asks (the dashboards,
    the reports, the effect figures); otherwise they count live."""
    if (date_from, date_to) != (programme.start_date, programme.end_date):
        return False
    mine = _model("ParticipantRollup").objects.filter(programme=programme).order_by()
    return not (mine.filter(first_date__lt=date_from).exists() or mine.filter(last_date__gt=date_to).exists())


def _model(name: str, apps: Any = None) -> Any:
    return (apps or global_apps).get_model("kurser", name)


def _rows(apps: Any = None) -> QuerySet:
    """The rows a rollup holds: attended, session not cancelled (spec §2), any person."""
    return _model("Attendance", apps).objects.filter(counting.attended_not_cancelled()).order_by()


def _selects(rows: QuerySet) -> dict[str, tuple[list[str], QuerySet]]:
    """Per rollup table: its columns and the aggregate (in the same column order) over `rows`."""
    base = rows.values(programme_id_=F("session__programme_id"), person_id_=F("person_id"))
    return {
        "ParticipantRollup": (
            [
                "programme_id",
                "person_id",
                "minutes",
                "rows",
                "first_date",
                "last_date",
                *TYPE_COLUMNS.values(),
            ],
            base.annotate(
                minutes_=Sum("minutes"),
                rows_=Count("id"),
                first_date_=Min("session__date"),
                last_date_=Max("session__date"),
                **{
                    f"{column}_": Coalesce(Sum("minutes", filter=Q(session__course__type=ctype)), 0)
                    for ctype, column in TYPE_COLUMNS.items()
                },
            ),
        ),
        "ParticipantToolRollup": (
            ["programme_id", "person_id", "tool", "minutes", "rows"],
            rows.values(
                programme_id_=F("session__programme_id"),
                person_id_=F("person_id"),
                tool_=Case(
                    When(session__course__tool="", then=Value(OTHER_TOOL)),
                    default=F("session__course__tool"),
                    output_field=CharField(),
                ),
            ).annotate(minutes_=Sum("minutes"), rows_=Count("id")),
        ),
        "ParticipantMonthRollup": (
            ["programme_id", "person_id", "month", "minutes", "rows"],
            rows.values(
                programme_id_=F("session__programme_id"),
                person_id_=F("person_id"),
                month_=TruncMonth("session__date"),
            ).annotate(minutes_=Sum("minutes"), rows_=Count("id")),
        ),
        "ReachRollup": (
            ["programme_id", "trainer_id", "person_id", "rows"],
            rows.filter(session__course__type=CourseType.WORKPLACE_TRAINING, session__trainer__isnull=False)
            .values(
                programme_id_=F("session__programme_id"),
                trainer_id_=F("session__trainer_id"),
                person_id_=F("person_id"),
            )
            .annotate(rows_=Count("id")),
        ),
    }


def _insert_select(model: Any, columns: list[str], query: QuerySet) -> None:
    """INSERT INTO model (columns) SELECT … — the aggregate never leaves the database."""
    names = [f"{c}_" for c in columns]
    query = query.values_list(*names)
    sql, params = query.query.sql_with_params()
    quote = connection.ops.quote_name
    cols = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({cols}) {sql}", params)


def _recompute(rows: QuerySet, apps: Any = None, **delete_filter: Any) -> None:
    for name, (columns, query) in _selects(rows).items():
        model = _model(name, apps)
        model.objects.filter(**delete_filter).delete()
        _insert_select(model, columns, query)


@transaction.atomic
def rebuild(*, programme_id: int | None = None, apps: Any = None) -> None:
    """Recompute every rollup row (of one programme): the command, seed_demo, the migration."""
    rows = _rows(apps)
    if programme_id is None:
        _recompute(rows, apps)
    else:
        _recompute(rows.filter(session__programme_id=programme_id), apps, programme_id=programme_id)


@transaction.atomic
def refresh_people(*, person_ids: Iterable[int]) -> None:
    """Recompute the rollup rows of these persons (every programme). Call it after writing their
    attendance, inside the same transaction. Concurrent refreshes of one person wait for each
    other (the persons' rows are locked), so the last one sees every committed write."""
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return
    if len(ids) > REBUILD_ABOVE:
        for programme_id in _programmes_of(ids):
            rebuild(programme_id=programme_id)
        return
    Person = global_apps.get_model("ombud", "Person")
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        list(Person.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        _recompute(_rows().filter(person_id__in=chunk), person_id__in=chunk)
        # A person's rows as a trainer are refreshed with the participants' (person_id above).


def _programmes_of(person_ids: list[int]) -> list[int]:
    """Programmes where these persons have (or had) attendance or rollup rows."""
    Attendance = _model("Attendance")
    found: set[int] = set()
    for start in range(0, len(person_ids), CHUNK):
        chunk = person_ids[start : start + CHUNK]
        found.update(
            Attendance.objects.filter(person_id__in=chunk)
            .order_by()
            .values_list("session__programme_id", flat=True)
            .distinct()
        )
        found.update(
            _model("ParticipantRollup")
            .objects.filter(person_id__in=chunk)
            .order_by()
            .values_list("programme_id", flat=True)
            .distinct()
        )
    return sorted(found)


@transaction.atomic
def refresh_sessions(*, session_ids: Iterable[int]) -> None:
    """Recompute the rollup rows of everyone with a row at these sessions: after a session is
    cancelled, moved (its month changes) or imported. A large import rebuilds its programme."""
    ids = sorted({int(pk) for pk in session_ids})
    people: set[int] = set()
    programmes: set[int] = set()
    Attendance = _model("Attendance")
    for start in range(0, len(ids), CHUNK):
        for person_id, programme_id in (
            Attendance.objects.filter(session_id__in=ids[start : start + CHUNK])
            .order_by()
            .values_list("person_id", "session__programme_id")
            .distinct()
        ):
            people.add(person_id)
            programmes.add(programme_id)
    if len(people) > REBUILD_ABOVE:
        for programme_id in sorted(programmes):
            rebuild(programme_id=programme_id)
        return
    refresh_people(person_ids=people)


__all__ = ["TABLES", "covers", "rebuild", "refresh_people", "refresh_sessions"]
