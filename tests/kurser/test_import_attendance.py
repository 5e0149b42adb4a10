"""Attendance history import (spec §1b) through the shared engine."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from kurser import importing
from kurser.importing import attendance_summary, import_attendance
from kurser.models import Attendance, Course, Session
from ombud.importing import engine
from ombud.models import Municipality, Person
from tests.factories import (
    CREATE_MODIG,
    CourseFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)
from tests.factories import SPEC_EXAMPLES as EXAMPLES

HEADER = "datum,starttid,minuter,kurs,verktyg,nivå,typ,form,kommun,arbetsplats,utbildare,deltagare,närvaro,närvarominuter"
ANNA, KIM, BIRGITTA, MOHAMMED = "19780314-1121", "19940217-8942", "196106303487", "851102-2355"
SESSION = "2019-09-17,13:00,90,Teams grund,Teams,grund,arbetsplatsutbildning,på plats,Ale,Hemtjänst Nödinge,851102-2355"

pytestmark = pytest.mark.django_db


@pytest.fixture
def modig():
    call_command(*CREATE_MODIG, stdout=None)
    call_command("import_people", str(EXAMPLES / "people.csv"), stdout=None)
    from ombud.models import Programme

    return Programme.objects.get(code="MODIG")


def write(tmp_path, rows, *, header=HEADER, name="attendance.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def rows_for(*people_status):
    return [f"{SESSION},{p},{status}" for p, status in people_status]


def test_the_spec_example_gives_three_held_sessions_with_the_spec_minutes(modig):
    result = import_attendance(str(EXAMPLES / "attendance.csv"), programme=modig)
    assert result.errors == []
    assert attendance_summary(result) == "Importerade 8 närvarorader i 3 utbildningstillfällen"
    teams = Session.objects.get(course__title="Teams grund")
    assert teams.trainer.personnummer == "198511022355"
    assert teams.workplace.name == "Hemtjänst Nödinge"
    assert (teams.planned_minutes, teams.form, teams.status) == (90, "på plats", Session.Status.HELD)
    assert (teams.course.tool, teams.course.level, teams.course.type) == (
        "Teams",
        "grund",
        "arbetsplatsutbildning",
    )
    remote = Session.objects.get(course__title="Ombudsutbildning steg 1")
    assert (remote.trainer, remote.trainer_name, remote.form) == (None, "Modig projektledning", "fjärr")
    assert remote.workplace is None
    minutes = dict(Attendance.objects.values_list("person__first_name", "minutes"))
    assert minutes == {
        "Anna": 90,  # närvarande defaults to the session's minutes
        "Kim": 60,
        "Birgitta": 0,
        "Mohammed": 120,
        "Erik": 75,
        "Sara": 60,
        "Fatima": 0,
        "Lars": 60,
    }
    attended = Attendance.objects.filter(status__in=["närvarande", "sen", "delvis"])
    assert sum(attended.values_list("minutes", flat=True)) / 60 == 7.75


def test_importing_the_same_file_twice_changes_nothing(modig):
    import_attendance(str(EXAMPLES / "attendance.csv"), programme=modig)
    before = list(
        Attendance.objects.order_by("pk").values("pk", "session_id", "person_id", "status", "minutes")
    )
    result = import_attendance(str(EXAMPLES / "attendance.csv"), programme=modig)
    assert (result.created, result.updated, result.unchanged, result.groups) == (0, 0, 8, 3)
    assert (
        list(Attendance.objects.order_by("pk").values("pk", "session_id", "person_id", "status", "minutes"))
        == before
    )
    assert Session.objects.count() == 3
    assert Course.objects.count() == 3


def test_a_changed_row_updates_the_attendance_of_the_matched_session(modig, tmp_path):
    import_attendance(write(tmp_path, rows_for((ANNA, "närvarande,"), (KIM, "sen,60"))), programme=modig)
    result = import_attendance(
        write(tmp_path, rows_for((ANNA, "delvis,45"), (KIM, "sen,60")), name="v2.csv"), programme=modig
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Attendance.objects.get(person__first_name="Anna").minutes == 45
    assert Session.objects.count() == 1


def test_an_existing_session_with_the_same_key_is_reused(modig, tmp_path):
    ale = Municipality.objects.get(code="1440")
    course = CourseFactory(title="Teams grund", tool="Teams", level="grund")
    workplace = ale.workplaces.get(name="Hemtjänst Nödinge")
    trainer = Person.objects.get(personnummer="198511022355")
    existing = SessionFactory(
        programme=modig,
        course=course,
        municipality=ale,
        workplace=workplace,
        trainer=trainer,
        date=dt.date(2019, 9, 17),
        start_time=dt.time(13, 0),
        planned_minutes=90,
        status=Session.Status.PLANNED,
    )
    result = import_attendance(write(tmp_path, rows_for((ANNA, "närvarande,"))), programme=modig)
    assert result.errors == []
    assert Session.objects.get() == existing
    existing.refresh_from_db()
    assert existing.status == Session.Status.HELD


def test_sessions_differ_by_trainer(modig, tmp_path):
    rows = [
        *rows_for((ANNA, "närvarande,")),
        SESSION.replace("851102-2355", "Extern Konsult") + f",{KIM},närvarande,",
    ]
    result = import_attendance(write(tmp_path, rows), programme=modig)
    assert result.groups == 2
    assert Session.objects.count() == 2


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (f"{SESSION},{KIM},sen,", "rad 2: närvarominuter: krävs när närvaron är sen"),
        (f"{SESSION},{KIM},delvis,91", "rad 2: närvarominuter: ska vara 1–90 (tillfällets minuter)"),
        (
            f"{SESSION},{KIM},frånvarande,30",
            "rad 2: närvarominuter: ska vara 0 eller tom när närvaron är frånvarande",
        ),
        (f"{SESSION},{KIM},närvarande,x", "rad 2: närvarominuter: x är inte ett heltal"),
        (
            f"{SESSION},{KIM},anmäld,",
            "rad 2: närvaro: anmäld är inte ett tillåtet värde "
            "(närvarande, sen, delvis, frånvarande, förhinder)",
        ),
        (f"{SESSION},19780314-1122,närvarande,", "rad 2: deltagare: fel kontrollsiffra i personnumret"),
        (
            f"{SESSION},19800101-0019,närvarande,",
            "rad 2: deltagare: ingen medarbetare med personnumret "
            "198001010019 är registrerad (importera personerna först)",
        ),
        (SESSION.replace("90,Teams", "0,Teams") + f",{KIM},närvarande,", "rad 2: minuter: ska vara 1–600"),
        (SESSION.replace("90,Teams", "601,Teams") + f",{KIM},närvarande,", "rad 2: minuter: ska vara 1–600"),
        (
            SESSION.replace("2019-09-17", "2019-02-30") + f",{KIM},närvarande,",
            "rad 2: datum: 2019-02-30 är inte ett datum (ÅÅÅÅ-MM-DD)",
        ),
        (
            SESSION.replace("13:00", "25:00") + f",{KIM},närvarande,",
            "rad 2: starttid: 25:00 är inte en tid (TT:MM)",
        ),
        (SESSION.replace(",Ale,", ",Tjörn,") + f",{KIM},närvarande,", None),
        (
            SESSION.replace(",Ale,", ",Göteborg,") + f",{KIM},närvarande,",
            "rad 2: kommun: Göteborg är inte en registrerad kommun (namn eller fyrsiffrig kommunkod)",
        ),
        (
            SESSION.replace("851102-2355", "851102-2356") + f",{KIM},närvarande,",
            "rad 2: utbildare: fel kontrollsiffra i personnumret",
        ),
        (
            SESSION.replace("851102-2355", "19800101-0019") + f",{KIM},närvarande,",
            "rad 2: utbildare: ingen medarbetare med personnumret 198001010019 är registrerad",
        ),
        (
            SESSION.replace("på plats", "hemma") + f",{KIM},närvarande,",
            "rad 2: form: hemma är inte ett tillåtet värde (på plats, fjärr, distans)",
        ),
        (
            SESSION.replace(",grund,", ",medel,") + f",{KIM},närvarande,",
            "rad 2: nivå: medel är inte ett tillåtet värde (grund, fördjupning)",
        ),
    ],
)
def test_invalid_rows_are_rejected_with_the_column_and_reason(modig, tmp_path, row, error):
    result = import_attendance(write(tmp_path, [row]), programme=modig)
    if error is None:
        assert result.errors == []
        return
    assert result.errors == [error]
    assert not Session.objects.exists()
    assert not Attendance.objects.exists()


def test_the_session_municipality_must_belong_to_the_programme(modig, tmp_path):
    Municipality.objects.create(code="1480", name="Göteborg")
    row = SESSION.replace(",Ale,", ",Göteborg,").replace("Hemtjänst Nödinge", "") + f",{KIM},närvarande,"
    result = import_attendance(write(tmp_path, [row]), programme=modig)
    assert result.errors == ["rad 2: kommun: Göteborg ingår inte i programmet MODIG"]


def test_rows_of_one_session_must_agree_and_a_participant_appears_once(modig, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    rows = [
        f"{SESSION},{ANNA},närvarande,",
        SESSION.replace("på plats", "fjärr")
        + f",{KIM},närvarande,",  # other form, other session? no: same key
        SESSION.replace("90,Teams", "60,Teams") + f",{BIRGITTA},närvarande,",
        f"{SESSION},{ANNA.replace('-', '')},sen,30",
        SESSION.replace("arbetsplatsutbildning", "chefsutbildning") + f",{KIM},närvarande,",
    ]
    result = import_attendance(write(tmp_path, rows), programme=modig)
    assert result.errors == [
        "rad 3: form: fjärr skiljer sig från rad 2 (på plats) för samma utbildningstillfälle",
        "rad 4: minuter: 60 skiljer sig från rad 2 (90) för samma utbildningstillfälle",
        "rad 5: deltagare: deltagaren finns redan tidigare i filen för samma utbildningstillfälle",
        "rad 6: typ: chefsutbildning stämmer inte med kursen Teams grund (arbetsplatsutbildning)",
        "rad 6: deltagare: deltagaren finns redan tidigare i filen för samma utbildningstillfälle",
    ]
    assert not Session.objects.exists()


def test_a_new_course_gets_its_values_from_its_first_row_with_defaults(modig, tmp_path):
    row = "2020-01-10,08:30,45,Outlook kalender,Outlook,,,,Mölndal,,,19581205-7817,närvarande,"
    result = import_attendance(write(tmp_path, [row]), programme=modig)
    assert result.errors == []
    course = Course.objects.get(title="Outlook kalender")
    assert (course.tool, course.level, course.type) == ("Outlook", "", "arbetsplatsutbildning")
    session = Session.objects.get()
    assert (session.form, session.trainer, session.trainer_name) == ("på plats", None, "")


def test_an_existing_course_is_matched_case_insensitively_and_its_type_checked(modig, tmp_path):
    CourseFactory(title="Teams Grund", type="chefsutbildning")
    result = import_attendance(write(tmp_path, rows_for((ANNA, "närvarande,"))), programme=modig)
    assert result.errors == [
        "rad 2: typ: arbetsplatsutbildning stämmer inte med kursen Teams Grund (chefsutbildning)"
    ]


def test_dates_outside_the_programme_are_a_warning(modig, tmp_path):
    row = SESSION.replace("2019-09-17", "2022-01-10") + f",{KIM},närvarande,"
    result = import_attendance(write(tmp_path, [row]), programme=modig)
    assert result.errors == []
    assert result.warnings == ["1 rader har ett datum utanför programmets period (2019-04-01 – 2021-06-30)."]


def test_xlsx_with_real_date_and_time_cells(modig, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(
        [
            dt.datetime(2019, 9, 17),
            dt.time(13, 0),
            90,
            "Teams grund",
            "Teams",
            "grund",
            None,
            None,
            1440,
            "Hemtjänst Nödinge",
            "851102-2355",
            197803141121,
            "Närvarande",
            None,
        ]
    )
    path = tmp_path / "närvaro.xlsx"
    wb.save(path)
    result = import_attendance(str(path), programme=modig)
    assert result.errors == []
    assert Session.objects.get().start_time == dt.time(13, 0)


def test_query_count_does_not_grow_with_rows(modig, tmp_path):
    ale = Municipality.objects.get(code="1440")
    people = PersonFactory.create_batch(60, workplace=WorkplaceFactory(municipality=ale))

    def file(n_sessions: int, name: str) -> str:
        rows = []
        for s in range(n_sessions):
            day = dt.date(2020, 1, 1) + dt.timedelta(days=s)
            for p in people[:10]:
                rows.append(f"{day},10:00,60,Teams grund,,,,,Ale,,Ombud,{p.personnummer},närvarande,")
        return write(tmp_path, rows, name=name)

    small, large = file(1, "small.csv"), file(100, "large.csv")
    with CaptureQueriesContext(connection) as q_small:
        assert import_attendance(small, programme=modig).errors == []
    with CaptureQueriesContext(connection) as q_large:
        result = import_attendance(large, programme=modig)
    assert result.errors == []
    assert (result.total, result.groups) == (1000, 100)
    assert len(q_large) <= len(q_small) + 15, [q["sql"][:80] for q in q_large.captured_queries]


def test_the_dry_run_counts_new_sessions_without_writing(modig, tmp_path):
    result = import_attendance(str(EXAMPLES / "attendance.csv"), programme=modig, dry_run=True)
    assert (result.total, result.created, result.groups) == (8, 8, 3)
    assert not Session.objects.exists()
    assert not Course.objects.exists()


def test_programme_from_factory_without_the_municipality(tmp_path):
    programme = ProgrammeFactory(code="EMPTY")
    PersonFactory(personnummer="197803141121")
    Municipality.objects.get_or_create(code="1440", defaults={"name": "Ale"})
    result = import_attendance(write(tmp_path, rows_for((ANNA, "närvarande,"))), programme=programme)
    assert any("ingår inte i programmet EMPTY" in e for e in result.errors)
    assert importing.attendance_summary(result)  # still renders


def test_a_repeated_mark_or_number_is_refused_on_every_row_that_has_it(modig, tmp_path, monkeypatch):
    # The mark (närvaro, närvarominuter) and the personnummer are checked once per distinct
    # value; each repeat must still be reported on its own row, in later batches too, and the
    # same mark may be valid in one session and not in a shorter one.
    monkeypatch.setattr(engine, "BATCH_SIZE", 3)
    short = SESSION.replace("2019-09-17", "2019-09-18").replace("90,Teams", "60,Teams")
    later = SESSION.replace("2019-09-17", "2019-09-19")
    sara, erik = "9901094525", "19720821-5652"
    rows = [
        f"{SESSION},{ANNA},sen,",
        f"{SESSION},{KIM},närvarande,",
        f"{SESSION},{BIRGITTA},sen,",
        f"{short},{ANNA},sen,75",
        f"{SESSION},{sara},sen,75",
        f"{short},{KIM},borta,",
        f"{short},{BIRGITTA},borta,",
        f"{later},{sara},sen,",
        f"{later},851102-2356,närvarande,",
        f"{later},{erik},sen,75",
        f"{later},851102-2356,närvarande,",
    ]
    result = import_attendance(write(tmp_path, rows), programme=modig)
    choices = "närvarande, sen, delvis, frånvarande, förhinder"
    assert result.errors == [
        "rad 2: närvarominuter: krävs när närvaron är sen",
        "rad 4: närvarominuter: krävs när närvaron är sen",
        "rad 5: närvarominuter: ska vara 1–60 (tillfällets minuter)",
        f"rad 7: närvaro: borta är inte ett tillåtet värde ({choices})",
        f"rad 8: närvaro: borta är inte ett tillåtet värde ({choices})",
        "rad 9: närvarominuter: krävs när närvaron är sen",
        "rad 10: deltagare: fel kontrollsiffra i personnumret",
        "rad 12: deltagare: fel kontrollsiffra i personnumret",
    ]
    assert not Attendance.objects.exists()


def test_a_trainer_name_with_quotes_commas_braces_and_backslashes_is_stored_as_written(modig, tmp_path):
    # On PostgreSQL new sessions go in as array literals (`writer.insert_returning`).
    name = 'Extern "AB", {Göteborg} \\ väst NULL'
    cell = '"' + name.replace('"', '""') + '"'
    session = SESSION.rsplit(",", 1)[0] + f",{cell}"
    result = import_attendance(write(tmp_path, [f"{session},{KIM},närvarande,"]), programme=modig)
    assert result.errors == []
    assert Session.objects.get().trainer_name == name
