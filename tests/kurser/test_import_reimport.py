"""Issue 14: the attendance import writes only the difference. A re-import of an unchanged file
writes nothing (on SQLite and on PostgreSQL: set DATABASE_URL), and what the import keeps between
rows and batches (a session's values parsed once, person ids, closed months) changes no answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kurser import importing
from kurser.importing import import_attendance
from kurser.models import Attendance, ClosedMonth, Session
from ombud.importing import engine
from ombud.models import Municipality, Programme
from tests.factories import CREATE_MODIG, PersonFactory, WorkplaceFactory
from tests.factories import SPEC_EXAMPLES as EXAMPLES

HEADER = "datum,starttid,minuter,kurs,verktyg,nivå,typ,form,kommun,arbetsplats,utbildare,deltagare,närvaro,närvarominuter"
STATUSES = ["närvarande", "sen", "frånvarande", "delvis", "förhinder"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def modig():
    call_command(*CREATE_MODIG, stdout=None)
    call_command("import_people", str(EXAMPLES / "people.csv"), stdout=None)
    return Programme.objects.get(code="MODIG")


@pytest.fixture
def history(modig, tmp_path):
    """A file of 12 sessions × 8 participants on 4 days (some trainers by name, some by
    personnummer, some sessions at a workplace), rows of a session next to each other."""
    ale = Municipality.objects.get(code="1440")
    people = PersonFactory.create_batch(8, workplace=WorkplaceFactory(municipality=ale))
    trainer = people[0].personnummer
    rows = [HEADER]
    for s in range(12):
        day = dt.date(2020, 2, 3) + dt.timedelta(days=s % 4)
        start = ["09:00", "13:00", "15:30"][s // 4]
        workplace = "Hemtjänst Nödinge" if s % 2 else ""
        who = trainer if s % 3 else f"Extern utbildare {s}"
        for i, person in enumerate(people):
            status = STATUSES[(s + i) % len(STATUSES)]
            attended = "30" if status in ("sen", "delvis") else ""
            rows.append(
                f"{day},{start},60,Teams grund,Teams,grund,,,Ale,{workplace},{who},{person.personnummer},{status},{attended}"
            )
    path = tmp_path / "historik.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def writes(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote to a table other than the audit log and the dashboards' rollups
    and their cells (kurser.rollups: recomputed for the people of the changed sessions, none when
    nothing changed)."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "COPY")
        and "ombud_auditlog" not in q["sql"]
        and "rollup" not in q["sql"].split("WHERE", 1)[0]
        and 'cell"' not in q["sql"].split("WHERE", 1)[0]
    ]


def stored() -> tuple[list, list]:
    return (
        list(Session.objects.order_by("pk").values()),
        list(Attendance.objects.order_by("pk").values()),
    )


def test_a_reimport_of_an_unchanged_file_writes_nothing(history, modig, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 10)  # sessions span batches
    first = import_attendance(history, programme=modig)
    assert first.errors == []
    assert (first.total, first.created, first.groups) == (96, 96, 12)
    before = stored()
    with CaptureQueriesContext(connection) as queries:
        again = import_attendance(history, programme=modig)
    assert again.errors == []
    assert again.committed
    assert (again.total, again.created, again.updated, again.unchanged, again.groups) == (96, 0, 0, 96, 12)
    assert writes(queries) == []
    # COPY does not go through the query log: the rows themselves are untouched, updated_at too.
    assert stored() == before


def test_a_reimport_writes_only_the_changed_rows(history, modig, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 10)
    import_attendance(history, programme=modig)
    with open(history, encoding="utf-8") as f:
        lines = f.read().splitlines()
    # Row 2: the first session (2020-02-03 09:00, an external trainer), its first participant.
    assert lines[1].endswith(",närvarande,")
    lines[1] = lines[1].removesuffix(",närvarande,") + ",frånvarande,"
    changed = tmp_path / "ändrad.csv"
    changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sessions_before = list(Session.objects.order_by("pk").values())
    with CaptureQueriesContext(connection) as queries:
        result = import_attendance(str(changed), programme=modig)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 95)
    assert len(writes(queries)) == 1, writes(queries)
    assert list(Session.objects.order_by("pk").values()) == sessions_before
    person = lines[1].split(",")[11]
    mark = Attendance.objects.get(
        person__personnummer=person.replace("-", ""),
        session__date=dt.date(2020, 2, 3),
        session__start_time=dt.time(9, 0),
    )
    assert (mark.status, mark.minutes) == ("frånvarande", 0)


def test_rows_that_repeat_a_refused_session_are_each_refused(modig, tmp_path):
    """A session's values are resolved once only when they resolved without an error: every
    row that repeats a conflicting course value gets its own message."""
    call_command("import_attendance", str(EXAMPLES / "attendance.csv"), "--programme", "MODIG", stdout=None)
    ale = Municipality.objects.get(code="1440")
    a, b = PersonFactory.create_batch(2, workplace=WorkplaceFactory(municipality=ale))
    base = "2020-03-02,10:00,60,Teams grund,Outlook,,,,Ale,,Ombud"
    path = tmp_path / "konflikt.csv"
    path.write_text(
        "\n".join([HEADER, f"{base},{a.personnummer},närvarande,", f"{base},{b.personnummer},närvarande,"])
        + "\n",
        encoding="utf-8",
    )
    result = import_attendance(str(path), programme=modig)
    assert result.errors == [
        "rad 2: verktyg: Outlook stämmer inte med kursen Teams grund (Teams)",
        "rad 3: verktyg: Outlook stämmer inte med kursen Teams grund (Teams)",
    ]


def test_person_ids_kept_between_batches_give_the_same_result(modig, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 10)
    monkeypatch.setattr(importing, "PEOPLE_CACHE", 5)  # the cache starts over again and again
    ale = Municipality.objects.get(code="1440")
    people = PersonFactory.create_batch(30, workplace=WorkplaceFactory(municipality=ale))
    trainer = people[0].personnummer
    rows = [HEADER]
    for s in range(12):  # sessions of 5, each with people the one before did not name
        group = [people[(s * 3 + i) % 30] for i in range(5)]
        rows += [
            f"2020-03-{s + 2:02d},10:00,60,Teams grund,,,,,Ale,,{trainer},{p.personnummer},närvarande,"
            for p in group
        ]
    path = tmp_path / "många.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_attendance(str(path), programme=modig)
    assert result.errors == []
    assert (result.created, result.groups) == (60, 12)
    assert set(Attendance.objects.values_list("session__date__day", "person__personnummer")) == {
        (s + 2, people[(s * 3 + i) % 30].personnummer) for s in range(12) for i in range(5)
    }


def test_a_month_first_seen_in_a_later_batch_is_looked_up(modig, tmp_path, monkeypatch):
    """Closed months are looked up once per import: a month that first appears in a later
    batch is still looked up, and its rows refused."""
    monkeypatch.setattr(engine, "BATCH_SIZE", 4)
    ClosedMonth.objects.create(programme=modig, month=dt.date(2020, 2, 1))
    ale = Municipality.objects.get(code="1440")
    people = PersonFactory.create_batch(6, workplace=WorkplaceFactory(municipality=ale))
    rows = [HEADER]
    for day in ("2020-01-15", "2020-02-12"):
        rows += [f"{day},10:00,60,Teams grund,,,,,Ale,,Ombud,{p.personnummer},närvarande," for p in people]
    path = tmp_path / "två-månader.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_attendance(str(path), programme=modig)
    # Rows 2–7 are January (open); rows 8–13 February: the first February batch (rows 8 and 9
    # share one with January's last rows) is refused, after which the file is only validated.
    assert result.errors == [f"rad {n}: närvaro: månaden 2020-02 är stängd" for n in (8, 9)]
    assert not Attendance.objects.exists()
