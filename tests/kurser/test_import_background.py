"""Issue 14: what makes a large attendance import faster changes no answer. On PostgreSQL the
COPY of a batch runs in a worker thread while the next batch is checked
(`ombud.importing.writer.background_copy`); from the second batch on the whole register of
people is read once (`AttendanceImport._people`). Run on SQLite and on PostgreSQL (set
DATABASE_URL): the background path exists only on PostgreSQL, where it must give exactly what
the plain path gives."""

from __future__ import annotations

import contextlib

import pytest
from django.core.management import call_command
from django.db import transaction

from kurser import importing
from kurser.importing import import_attendance
from kurser.models import Attendance
from ombud.importing import engine
from ombud.importing.engine import FILE_DATABASE
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
def people():
    ale = Municipality.objects.get(code="1440")
    return PersonFactory.create_batch(30, workplace=WorkplaceFactory(municipality=ale))


def history(tmp_path, people, extra: list[str] = ()) -> str:
    """12 sessions × 5 participants over 12 days; trainers by personnummer (a person named only
    in later batches) or by name."""
    rows = [HEADER]
    for s in range(12):
        trainer = people[29].personnummer if s % 2 else f"Extern utbildare {s}"
        for i in range(5):
            person = people[(s * 3 + i) % 25]
            status = STATUSES[(s + i) % len(STATUSES)]
            attended = "30" if status in ("sen", "delvis") else ""
            rows.append(
                f"2020-03-{s + 2:02d},10:00,60,Teams grund,,,,,Ale,,{trainer},{person.personnummer},{status},{attended}"
            )
    rows += extra
    path = tmp_path / "historik.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def stored() -> set[tuple]:
    return set(
        Attendance.objects.values_list(
            "session__date",
            "session__start_time",
            "session__trainer__personnummer",
            "session__trainer_name",
            "person__personnummer",
            "status",
            "minutes",
        )
    )


def summary(result) -> tuple:
    return (result.errors, result.total, result.created, result.updated, result.unchanged, result.groups)


def test_the_background_copy_gives_what_the_plain_path_gives(modig, people, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 7)  # sessions and COPYs span batches
    path = history(tmp_path, people)
    outcomes = []
    for background in (True, False):
        if not background:
            monkeypatch.setattr(engine, "background_copy", contextlib.nullcontext)
        with contextlib.suppress(_Undo), transaction.atomic():
            first = import_attendance(path, programme=modig)
            again = import_attendance(path, programme=modig)
            outcomes.append((summary(first), summary(again), stored()))
            raise _Undo
    assert outcomes[0] == outcomes[1]
    first, again, rows = outcomes[0]
    assert first == ([], 60, 60, 0, 0, 12)
    assert again == ([], 60, 0, 0, 60, 12)
    assert len(rows) == 60
    assert ("2020-03-03", people[29].personnummer) in {(f"{r[0]}", r[2]) for r in rows}


class _Undo(Exception):
    pass


def test_people_read_whole_from_the_second_batch_still_refuse_the_unknown(
    modig, people, tmp_path, monkeypatch
):
    monkeypatch.setattr(engine, "BATCH_SIZE", 7)
    unknown = "19121212-1212"  # valid, not registered
    path = history(
        tmp_path, people, [f"2020-03-20,10:00,60,Teams grund,,,,,Ale,,Ombud,{unknown},närvarande,"]
    )
    result = import_attendance(path, programme=modig)
    assert result.errors == [
        f"rad 62: deltagare: ingen medarbetare med personnumret {unknown.replace('-', '')} är registrerad "
        "(importera personerna först)"
    ]
    assert not Attendance.objects.exists()


def test_people_read_whole_from_the_second_batch(modig, people, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 7)
    result = import_attendance(history(tmp_path, people), programme=modig)
    assert summary(result) == ([], 60, 60, 0, 0, 12)
    assert {r[4] for r in stored()} == {p.personnummer for p in people[:25]}
    assert {r[2] for r in stored()} == {people[29].personnummer, None}


def test_a_copy_that_fails_rejects_the_whole_file(modig, people, tmp_path, monkeypatch):
    """A COPY refused by the database (here a row written twice, as a concurrent import could
    cause) fails the import with the one message for it, and nothing is written, also when the
    COPY ran in the background."""
    monkeypatch.setattr(engine, "BATCH_SIZE", 7)
    real = importing.insert_rows

    def twice(model, fields, rows):
        real(model, fields, rows + rows[:1])

    monkeypatch.setattr(importing, "insert_rows", twice)
    result = import_attendance(history(tmp_path, people), programme=modig)
    assert result.errors == [str(FILE_DATABASE)]
    assert not result.committed
    assert not Attendance.objects.exists()
