"""Rollups (issue 14): what the dashboards and the whole-period reports read instead of
aggregating millions of attendance rows.

Two layers (models in `kurser.models`), for each programme:

- **per person**: `ParticipantRollup` (attended minutes, also per course type; rows; first and
  last session date), `ParticipantToolRollup` (× tool as reported), `ParticipantMonthRollup`
  (× calendar month), `ReachRollup` (trainer × participant of workplace training). Each row
  carries a snapshot of the person's counted attributes (municipality, temporary; on
  ParticipantRollup also gender, target group, birth date and the age band at first_date).
- **cells**: their totals per programme × municipality × (temporary, gender, target group, age
  band) / × tool / × month / × trainer: `ParticipantCell`, `ToolCell`, `MonthCell`,
  `ReachCell`. A person is in exactly one cell of each table (per tool, month, trainer), so a
  cell's participants are an exact distinct count; the readers (`rapporter.rollup_queries`)
  read a few thousand cells, never the per-person rows.

Every per-person row aggregates the person's attended rows in sessions that were not cancelled
(`counting.attended_not_cancelled`), whoever the person is; ParticipantCell keeps temporary
walk-ins apart (their count), the other cells hold registered people only (`counting.counted`).

Maintained in the writer's transaction: `refresh_people(person_ids=…)` locks the persons (sorted),
reads their old contribution to the cells from the snapshot, recomputes their rows (DELETE +
INSERT … SELECT of the same ORM aggregate as the live count), reads the new contribution and
adds the difference to the cells (one upsert per table, keys sorted: no deadlock between two
refreshes). `refresh_sessions(session_ids=…)` does it for everyone with a row at those sessions
(cancel, move, import). Person attributes change in ombud, which may not import kurser: it
sends `ombud.signals.people_changed`, connected here (`KurserConfig.ready`) to
`people_changed()`, which refreshes only the persons whose snapshot differs.

Above REBUILD_ABOVE persons a refresh does not recompute in the writer's transaction: it marks
the programmes stale (`RollupState`, same transaction) and queues `kurser.tasks.rollups_rebuild`
after commit. While stale, `covers()` says no and every reader counts live; the task refreshes
every person of the programme in chunks (short transactions, the same locks as any refresh, so
a tablet submit never waits long) and clears the state if no other big write asked meanwhile.
A failed run leaves it stale; one run per programme at a time (a cache lock).

`rebuild()` (`rebuild_rollups`, seed_demo, the migration) recomputes everything in one
transaction; `differences()` (`rebuild_rollups --check`) compares the cells with such a fresh
computation, rolled back.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from functools import partial, reduce
from operator import or_
from typing import Any

from django.apps import apps as global_apps
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from kurser import counting
from kurser.models import CourseType

logger = logging.getLogger(__name__)

# Persons per statement: well under SQLite's parameter limit.
CHUNK = 500
# Above this many persons a refresh marks the programmes stale and rebuilds in the background.
REBUILD_ABOVE = 20_000
# Persons per transaction of a background rebuild.
BACKGROUND_CHUNK = 2_000
# A background rebuild holds its lock at most this long.
REBUILD_LOCK_SECONDS = 3 * 3600

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
CELLS = ("ParticipantCell", "ToolCell", "MonthCell", "ReachCell")
# The person attributes a snapshot holds (the signal's receiver compares them with Person).
SNAPSHOT_FIELDS = ("municipality_id", "temporary", "gender", "target_group", "birth_date")


def covers(programme: Any, date_from: dt.date, date_to: dt.date) -> bool:
    """Do the rollups answer for this period? For the programme's own period, when they are not
    being rebuilt (`RollupState`) and nobody attended the programme outside it (such rows are in
    the rollups but not in the period's figures): three index probes. The one rule every reader
    of the rollups asks (the dashboards, the reports, the effect figures); otherwise they count
    live."""
    if (date_from, date_to) != (programme.start_date, programme.end_date):
        return False
    if _model("RollupState").objects.filter(programme=programme, stale_since__isnull=False).exists():
        return False
    mine = _model("ParticipantRollup").objects.filter(programme=programme).order_by()
    return not (mine.filter(first_date__lt=date_from).exists() or mine.filter(last_date__gt=date_to).exists())


def _model(name: str, apps: Any = None) -> Any:
    return (apps or global_apps).get_model("kurser", name)


def _rows(apps: Any = None) -> QuerySet:
    """The rows a rollup holds: attended, session not cancelled (spec §2), any person."""
    return _model("Attendance", apps).objects.filter(counting.attended_not_cancelled()).order_by()


# --- what is stored: the per-person rows and the cells, as ORM aggregates -----------------------


def _snapshot() -> dict[str, Any]:
    return {"municipality_id_": F("person__municipality_id"), "temporary_": F("person__temporary")}


def _selects(rows: QuerySet) -> dict[str, tuple[list[str], QuerySet]]:
    """Per rollup table: its columns and the aggregate (in the same column order) over `rows`."""
    base = rows.values(
        programme_id_=F("session__programme_id"),
        person_id_=F("person_id"),
        **_snapshot(),
        gender_=F("person__gender"),
        target_group_=F("person__target_group"),
        birth_date_=F("person__birth_date"),
    )
    snapshot = ["municipality_id", "temporary"]
    return {
        "ParticipantRollup": (
            [
                "programme_id",
                "person_id",
                *snapshot,
                "gender",
                "target_group",
                "birth_date",
                "minutes",
                "rows",
                "first_date",
                "last_date",
                *TYPE_COLUMNS.values(),
                "age_band",
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
                age_band_=counting.age_band(
                    counting.date_key(Min("session__date")) - counting.date_key(Min("person__birth_date"))
                ),
            ),
        ),
        "ParticipantToolRollup": (
            ["programme_id", "person_id", *snapshot, "tool", "minutes", "rows"],
            rows.values(
                programme_id_=F("session__programme_id"),
                person_id_=F("person_id"),
                **_snapshot(),
                tool_=Case(
                    When(session__course__tool="", then=Value(OTHER_TOOL)),
                    default=F("session__course__tool"),
                    output_field=CharField(),
                ),
            ).annotate(minutes_=Sum("minutes"), rows_=Count("id")),
        ),
        "ParticipantMonthRollup": (
            ["programme_id", "person_id", *snapshot, "month", "minutes", "rows"],
            rows.values(
                programme_id_=F("session__programme_id"),
                person_id_=F("person_id"),
                **_snapshot(),
                month_=TruncMonth("session__date", output_field=DateField()),
            ).annotate(minutes_=Sum("minutes"), rows_=Count("id")),
        ),
        "ReachRollup": (
            ["programme_id", "trainer_id", "person_id", *snapshot, "rows"],
            rows.filter(session__course__type=CourseType.WORKPLACE_TRAINING, session__trainer__isnull=False)
            .values(
                programme_id_=F("session__programme_id"),
                trainer_id_=F("session__trainer_id"),
                person_id_=F("person_id"),
                **_snapshot(),
            )
            .annotate(rows_=Count("id")),
        ),
    }


# Per cell table: the per-person table it sums, its key and its values (column → aggregate).
def _cell_specs() -> dict[str, tuple[str, list[str], dict[str, Any]]]:
    people = {"participants": Count("id"), "minutes": Sum("minutes")}
    return {
        "ParticipantCell": (
            "ParticipantRollup",
            ["programme_id", "municipality_id", "temporary", "gender", "target_group", "age_band"],
            {**people, **{column: Sum(column) for column in TYPE_COLUMNS.values()}},
        ),
        "ToolCell": ("ParticipantToolRollup", ["programme_id", "municipality_id", "tool"], people),
        "MonthCell": ("ParticipantMonthRollup", ["programme_id", "municipality_id", "month"], people),
        "ReachCell": (
            "ReachRollup",
            ["programme_id", "municipality_id", "trainer_id"],
            {"reached": Count("id")},
        ),
    }


def _cell_selects(apps: Any = None, **source_filter: Any) -> dict[str, tuple[list[str], list[str], QuerySet]]:
    """Per cell table: key columns, value columns and the aggregate over the per-person rows
    (filtered by `source_filter`): ParticipantCell of everyone, the others of registered people."""
    out = {}
    for name, (source, keys, values) in _cell_specs().items():
        qs = _model(source, apps).objects.filter(**source_filter).order_by()
        if name != "ParticipantCell":
            qs = qs.filter(temporary=False)
        out[name] = (keys, list(values), qs.values(*keys).annotate(**{f"{k}_": v for k, v in values.items()}))
    return out


def _insert_select(model: Any, columns: list[str], query: QuerySet, names: list[str] | None = None) -> None:
    """INSERT INTO model (columns) SELECT … — the aggregate never leaves the database."""
    query = query.values_list(*(names or [f"{c}_" for c in columns]))
    sql, params = query.query.sql_with_params()
    quote = connection.ops.quote_name
    cols = ", ".join(quote(model._meta.get_field(c.removesuffix("_id")).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({cols}) {sql}", params)


def _recompute(rows: QuerySet, apps: Any = None, **delete_filter: Any) -> None:
    for name, (columns, query) in _selects(rows).items():
        model = _model(name, apps)
        model.objects.filter(**delete_filter).delete()
        _insert_select(model, columns, query)


def _rebuild_cells(apps: Any = None, **programme_filter: Any) -> None:
    for name, (keys, values, query) in _cell_selects(apps, **programme_filter).items():
        model = _model(name, apps)
        model.objects.filter(**programme_filter).delete()
        _insert_select(model, keys + values, query, names=keys + [f"{v}_" for v in values])


@transaction.atomic
def rebuild(*, programme_id: int | None = None, apps: Any = None) -> None:
    """Recompute every rollup row and cell (of one programme): the command, seed_demo, the
    migration. Clears the programme's stale state (a background rebuild's work is done)."""
    rows = _rows(apps)
    if programme_id is None:
        _recompute(rows, apps)
        _rebuild_cells(apps)
        _model("RollupState", apps).objects.update(stale_since=None, rebuilt_at=timezone.now())
    else:
        _recompute(rows.filter(session__programme_id=programme_id), apps, programme_id=programme_id)
        _rebuild_cells(apps, programme_id=programme_id)
        _model("RollupState", apps).objects.filter(programme_id=programme_id).update(
            stale_since=None, rebuilt_at=timezone.now()
        )


# --- incremental: a person's old and new contribution to the cells ------------------------------

Delta = dict[str, dict[tuple, list[int]]]


def _contributions(person_ids: list[int], into: Delta, sign: int) -> None:
    """Add (sign=1) or subtract (sign=-1) these persons' share of every cell to `into`."""
    for name, (keys, values, query) in _cell_selects(person_id__in=person_ids).items():
        cells = into[name]
        for row in query.values_list(*keys, *(f"{v}_" for v in values)):
            key, amounts = tuple(row[: len(keys)]), row[len(keys) :]
            total = cells.setdefault(key, [0] * len(values))
            for i, amount in enumerate(amounts):
                total[i] += sign * (amount or 0)


def _apply(delta: Delta) -> None:
    """Add the differences to the cells: one upsert per table and batch, keys sorted (two
    refreshes lock cells in the same order), then drop the cells left empty."""
    quote = connection.ops.quote_name
    specs = _cell_specs()
    for name in CELLS:
        _source, keys, aggregates = specs[name]
        values = list(aggregates)
        changed = sorted((k, v) for k, v in delta.get(name, {}).items() if any(v))
        if not changed:
            continue
        model = _model(name)
        table = quote(model._meta.db_table)
        key_cols = [quote(model._meta.get_field(k.removesuffix("_id")).column) for k in keys]
        value_cols = [quote(v) for v in values]
        for start in range(0, len(changed), CHUNK):
            batch = changed[start : start + CHUNK]
            row = "(" + ", ".join(["%s"] * (len(keys) + len(values))) + ")"
            # Identifiers from the models' meta, values as parameters.
            into = f"INSERT INTO {table} ({', '.join(key_cols + value_cols)})"
            adds = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in value_cols)
            sql = f"{into} VALUES {', '.join([row] * len(batch))} ON CONFLICT ({', '.join(key_cols)}) DO UPDATE SET {adds}"
            params = [p for key, amounts in batch for p in (*key, *amounts)]
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
            emptied = [key for key, amounts in batch if amounts[0] < 0]
            if emptied:
                match = reduce(or_, (Q(**dict(zip(keys, key, strict=True))) for key in emptied))
                model.objects.filter(match, **{f"{values[0]}__lte": 0}).delete()


@transaction.atomic
def refresh_people(*, person_ids: Iterable[int]) -> None:
    """Recompute the rollup rows of these persons (every programme) and move their share of the
    cells. Call it after writing their attendance or attributes, inside the same transaction.
    Concurrent refreshes of one person wait for each other (the persons' rows are locked), so
    the last one sees every committed write. Above REBUILD_ABOVE persons: `mark_stale`."""
    ids = sorted({int(pk) for pk in person_ids})
    if not ids:
        return
    if len(ids) > REBUILD_ABOVE:
        mark_stale(_programmes_of(ids))
        return
    _refresh(ids)


def _refresh(ids: list[int]) -> None:
    Person = global_apps.get_model("ombud", "Person")
    delta: Delta = defaultdict(dict)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        list(Person.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        _contributions(chunk, delta, -1)
        _recompute(_rows().filter(person_id__in=chunk), person_id__in=chunk)
        # A person's rows as a trainer are refreshed with the participants' (person_id above).
        _contributions(chunk, delta, 1)
    _apply(delta)


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
    cancelled, moved (its month changes) or imported. A large import marks its programme stale."""
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
        mark_stale(sorted(programmes))
        return
    refresh_people(person_ids=people)


def people_changed(*, person_ids: Iterable[int], **_kwargs: Any) -> None:
    """`ombud.signals.people_changed`: persons' attributes were written. Refreshes those whose
    snapshot no longer matches Person (municipality, temporary, gender, target group, birth
    date): a people import that changed only names or e-mail addresses costs a few index probes."""
    ids = sorted({int(pk) for pk in person_ids})
    never = dt.date(1, 1, 1)
    stale: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        stale.update(
            _model("ParticipantRollup")
            .objects.filter(person_id__in=ids[start : start + CHUNK])
            .annotate(
                born=Coalesce("birth_date", Value(never)),
                born_now=Coalesce("person__birth_date", Value(never)),
            )
            .exclude(
                municipality_id=F("person__municipality_id"),
                temporary=F("person__temporary"),
                gender=F("person__gender"),
                target_group=F("person__target_group"),
                born=F("born_now"),
            )
            .order_by()
            .values_list("person_id", flat=True)
        )
    refresh_people(person_ids=stale)


# --- big refreshes: stale, rebuilt in the background --------------------------------------------


def mark_stale(programme_ids: Iterable[int]) -> None:
    """The programmes' rollups do not answer until a background rebuild has run: written in the
    caller's transaction, the rebuild queued after its commit (eager without a broker)."""
    RollupState = _model("RollupState")
    now = timezone.now()
    for programme_id in sorted(set(programme_ids)):
        state, _created = RollupState.objects.select_for_update().get_or_create(programme_id=programme_id)
        RollupState.objects.filter(pk=state.pk).update(
            stale_since=Coalesce(F("stale_since"), Value(now)), marks=F("marks") + 1
        )
        transaction.on_commit(partial(_queue_rebuild, programme_id))


def _queue_rebuild(programme_id: int) -> None:
    from kurser.tasks import rollups_rebuild

    try:
        rollups_rebuild.delay(programme_id)
    except Exception:  # the broker is down: stays stale (counted live) until rebuild_rollups
        logger.exception("Could not queue the rollups rebuild of programme %s", programme_id)


def _lock_key(programme_id: int) -> str:
    return f"kurser:rollups-rebuild:{programme_id}"


def rebuild_stale(programme_id: int) -> bool | None:
    """The background rebuild of one stale programme: every person with attendance or rollup
    rows in it is refreshed, BACKGROUND_CHUNK at a time (each chunk its own transaction, the
    persons locked as by any refresh). Clears the state unless another big write marked it
    meanwhile (then its own queued run follows). None: not stale, nothing done; False: another
    run holds the lock (try later); True: done. An exception leaves it stale."""
    RollupState = _model("RollupState")
    state = RollupState.objects.filter(programme_id=programme_id, stale_since__isnull=False).first()
    if state is None:
        return None
    lock = _lock_key(programme_id)
    if not cache.add(lock, 1, timeout=REBUILD_LOCK_SECONDS):
        return False
    try:
        marks = state.marks
        ids = sorted(
            set(
                _model("Attendance")
                .objects.filter(session__programme_id=programme_id)
                .order_by()
                .values_list("person_id", flat=True)
                .distinct()
            )
            | set(
                _model("ParticipantRollup")
                .objects.filter(programme_id=programme_id)
                .order_by()
                .values_list("person_id", flat=True)
            )
        )
        for start in range(0, len(ids), BACKGROUND_CHUNK):
            with transaction.atomic():
                _refresh(ids[start : start + BACKGROUND_CHUNK])
        RollupState.objects.filter(programme_id=programme_id, marks=marks).update(
            stale_since=None, rebuilt_at=timezone.now()
        )
        return True
    finally:
        cache.delete(lock)


# --- the safety net: stored cells vs a fresh computation ----------------------------------------


class _RollBack(Exception):
    pass


def _cells(programme_id: int) -> dict[str, dict[tuple, tuple]]:
    out = {}
    for name, (_source, keys, values) in _cell_specs().items():
        out[name] = {
            tuple(row[: len(keys)]): tuple(row[len(keys) :])
            for row in _model(name).objects.filter(programme_id=programme_id).values_list(*keys, *values)
        }
    return out


def differences(programme_id: int) -> list[str]:
    """How the stored cells of a programme differ from a rebuild's (computed and rolled back):
    one line per cell, empty when they agree. The stale state is said too."""
    stored = _cells(programme_id)
    fresh: dict[str, dict[tuple, tuple]] = {}
    try:
        with transaction.atomic():
            rebuild(programme_id=programme_id)
            fresh = _cells(programme_id)
            raise _RollBack
    except _RollBack:
        pass
    lines = []
    for name in CELLS:
        mine, theirs = stored[name], fresh[name]
        for key in sorted(set(mine) | set(theirs), key=str):
            if mine.get(key) != theirs.get(key):
                lines.append(f"{name} {key}: {mine.get(key)} ≠ {theirs.get(key)}")
    return lines


def is_stale(programme_id: int) -> bool:
    return _model("RollupState").objects.filter(programme_id=programme_id, stale_since__isnull=False).exists()


__all__ = [
    "CELLS",
    "TABLES",
    "covers",
    "differences",
    "mark_stale",
    "people_changed",
    "rebuild",
    "rebuild_stale",
    "refresh_people",
    "refresh_sessions",
]
