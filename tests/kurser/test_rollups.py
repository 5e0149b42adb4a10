"""Rollups (issue 14): the dashboards' figures from `kurser.rollups` equal the live ESF summary —
on the spec example, on the demo data, and after every kind of write that changes attendance.

Three checks after each write: the figures (`rollup_queries.counted` against `rapporter.queries`
for the whole programme and each municipality), `rebuild_rollups --check` (the cells against a
fresh computation) and the stored rows and cells themselves (the same as a rebuild from scratch
would make), so a refresh that was forgotten shows even when the figures happen to agree.
"""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kurser import rollups, services, tasks, walkin
from kurser.models import (
    Attendance,
    AttendanceStatus,
    MonthCell,
    ParticipantCell,
    ParticipantMonthRollup,
    ParticipantRollup,
    ParticipantToolRollup,
    ReachCell,
    ReachRollup,
    RollupState,
    Session,
    ToolCell,
)
from ombud import services as ombud_services
from ombud.models import Municipality, Person, Programme
from rapporter import queries, rollup_queries
from tests.factories import (
    SPEC_EXAMPLES,
    AttendanceFactory,
    CourseFactory,
    PersonFactory,
    SessionFactory,
    UserFactory,
    WorkplaceFactory,
    import_spec_example,
    load_spec_example,
    make_personnummer,
    modig_programme,
)

pytestmark = pytest.mark.django_db

MODELS = (
    ParticipantRollup,
    ParticipantToolRollup,
    ParticipantMonthRollup,
    ReachRollup,
    ParticipantCell,
    ToolCell,
    MonthCell,
    ReachCell,
)


def stored() -> dict[str, set]:
    return {
        m.__name__: {tuple(v for k, v in row.items() if k != "id") for row in m.objects.values()}
        for m in MODELS
    }


def assert_exact(programme: Programme) -> None:
    """Rollup figures == live figures, for every key the dashboard shows (the whole summary,
    hours per month, reach with goals), whole programme and per municipality; and the stored
    rows are what a rebuild makes."""
    programme.refresh_from_db()
    assert rollup_queries.available(programme, programme.start_date, programme.end_date)
    for municipality in [None, *Municipality.objects.all()]:
        live = (
            queries.esf_summary(programme=programme, municipality=municipality),
            queries.hours_per_month(programme, municipality=municipality),
            queries.reach_per_ombud(programme, municipality=municipality),
        )
        assert rollup_queries.counted(programme, municipality) == live, municipality
    call_command("rebuild_rollups", "--check", stdout=StringIO())
    kept = stored()
    rollups.rebuild()
    assert stored() == kept


@pytest.fixture
def spec():
    programme = modig_programme()
    load_spec_example(programme)
    return programme


@pytest.fixture
def leader():
    return UserFactory(username="pl", role="programledare")


def test_spec_example_through_the_spec_commands():
    """import_people + import_attendance (the import's own refresh; nothing rebuilt by hand)."""
    programme = import_spec_example()
    participants = queries.esf_summary(programme=programme)["totals"]["participants"]
    assert participants > 0
    assert ParticipantRollup.objects.filter(programme=programme).count() == participants
    assert_exact(programme)


def test_spec_example_figures(spec):
    summary, _monthly, _reach = rollup_queries.counted(spec)
    assert summary == queries.esf_summary(programme=spec)
    assert summary["totals"]["participants"] > 0
    assert_exact(spec)


def test_seed_demo_leaves_rollups_exact():
    call_command("seed_demo", "--scale", "0.2", stdout=StringIO())
    programme = Programme.objects.get(code="MODIG")
    assert ParticipantRollup.objects.filter(programme=programme).exists()
    for municipality in [None, *programme.municipalities.all()]:
        assert rollup_queries.counted(programme, municipality) == (
            queries.esf_summary(programme=programme, municipality=municipality),
            queries.hours_per_month(programme, municipality=municipality),
            queries.reach_per_ombud(programme, municipality=municipality),
        )
    # seed_demo's upcoming sessions lie after the programme; nobody has attended them yet.
    assert rollup_queries.available(programme, programme.start_date, programme.end_date)
    kept = stored()
    rollups.rebuild()
    assert stored() == kept


def _held(programme, **kw) -> Session:
    muni = programme.municipalities.get(code="1481")
    defaults = {
        "programme": programme,
        "municipality": muni,
        "workplace": WorkplaceFactory(municipality=muni),
        "course": CourseFactory(title="Outlook fördjupning", tool="Outlook", type="arbetsplatsutbildning"),
        "date": dt.date(2020, 2, 11),
        "start_time": dt.time(9, 0),
        "planned_minutes": 90,
        "status": Session.Status.HELD,
    }
    return SessionFactory(**{**defaults, **kw})


def _newcomer(programme, **kw) -> Person:
    muni = programme.municipalities.get(code="1481")
    return PersonFactory(workplace=WorkplaceFactory(municipality=muni), **kw)


def test_tablet_submit_new_and_changed_marks(spec, leader):
    session = Session.objects.filter(programme=spec).order_by("date").first()
    present = Attendance.objects.filter(session=session, status=AttendanceStatus.PRESENT).first()
    newcomer = _newcomer(spec)
    services.attendance_submit(
        session=session,
        marks=[
            {"person_id": present.person_id, "status": AttendanceStatus.ABSENT, "minutes": None},
            {"person_id": newcomer.pk, "status": AttendanceStatus.PRESENT, "minutes": None},
        ],
        client_id=uuid.uuid4(),
        by=leader,
    )
    assert ParticipantRollup.objects.filter(person=newcomer).exists()
    assert_exact(spec)


def test_mark_with_an_ombud_trainer_counts_reach(spec, leader):
    ombud = _newcomer(spec, target_group="digitaliseringsombud")
    session = _held(spec, trainer=ombud)
    colleague = _newcomer(spec)
    services.attendance_mark(
        session=session, person=colleague, status=AttendanceStatus.LATE, minutes=45, by=leader
    )
    assert ReachRollup.objects.filter(trainer=ombud, person=colleague).exists()
    assert_exact(spec)


def test_qr_checkin(spec):
    muni = spec.municipalities.get(code="1481")
    start = timezone.localtime() - dt.timedelta(minutes=5)
    session = _held(spec, date=start.date(), start_time=start.time().replace(microsecond=0))
    spec.end_date = max(spec.end_date, start.date())
    spec.save()
    pnr = make_personnummer(4711, born=dt.date(1970, 5, 5))
    person = PersonFactory(
        workplace=session.workplace, municipality=muni, first_name="Qia", last_name="Kod", personnummer=pnr
    )
    services.attendance_checkin(session=session, name="Qia Kod", last_four=pnr[-4:])
    assert ParticipantRollup.objects.filter(person=person).exists()
    assert_exact(spec)


def test_session_cancel(spec, leader):
    # A planned session with attended rows (written as an import may write them): cancelled,
    # they count no more.
    session = _held(spec, status=Session.Status.PLANNED)
    AttendanceFactory(session=session, person=_newcomer(spec))
    before = rollup_queries.counted(spec)[0]["totals"]["participants"]
    services.session_cancel(session=session, by=leader)
    assert rollup_queries.counted(spec)[0]["totals"]["participants"] == before - 1
    assert_exact(spec)


def test_session_move_to_another_month(spec, leader):
    session = _held(spec, status=Session.Status.PLANNED, date=dt.date(2020, 2, 11))
    AttendanceFactory(session=session, person=_newcomer(spec, birth_date=dt.date(1995, 3, 1)))
    services.session_move(session=session, date=dt.date(2020, 4, 2), start_time=dt.time(9, 0), by=leader)
    assert ParticipantMonthRollup.objects.filter(month=dt.date(2020, 4, 1)).exists()
    assert not ParticipantMonthRollup.objects.filter(month=dt.date(2020, 2, 1)).exists()
    assert_exact(spec)


def test_walk_in_merge_and_complete(spec, leader):
    session = _held(spec)
    muni = spec.municipalities.get(code="1481")
    temporary = PersonFactory(
        workplace=session.workplace,
        municipality=muni,
        personnummer=None,
        gender="",
        birth_date=None,
        temporary=True,
    )
    other = PersonFactory(
        workplace=session.workplace,
        municipality=muni,
        personnummer=None,
        gender="",
        birth_date=None,
        temporary=True,
    )
    AttendanceFactory(session=session, person=temporary)
    AttendanceFactory(session=session, person=other)
    into = _newcomer(spec)
    summary = rollup_queries.counted(spec)[0]
    assert summary["temporary_participants"] == 2
    assert_exact(spec)
    walkin.temporary_merge(temporary=temporary, into=into, by=leader)
    assert ParticipantRollup.objects.filter(person=into).exists()
    assert_exact(spec)
    # Completing a walk-in is ombud's write: its signal moves the person out of the walk-ins.
    ombud_services.person_complete(
        person=other, personnummer=make_personnummer(99, born=dt.date(1960, 1, 1)), target_group="baspersonal"
    )
    assert "temporary_participants" not in rollup_queries.counted(spec)[0]
    assert_exact(spec)


def _participant(spec, **filters) -> Person:
    """A registered participant of the spec example (with rollup rows)."""
    return (
        Person.objects.filter(
            pk__in=ParticipantRollup.objects.values("person_id"), temporary=False, **filters
        )
        .order_by("pk")
        .first()
    )


def test_person_moved_to_another_municipality(spec):
    person = _participant(spec)
    other = spec.municipalities.exclude(pk=person.municipality_id).order_by("code").first()
    ombud_services.person_update(
        person=person, municipality=other, workplace=WorkplaceFactory(municipality=other)
    )
    assert ParticipantRollup.objects.get(person=person).municipality_id == other.pk
    assert_exact(spec)


def test_person_gender_and_birth_date_changed(spec):
    person = _participant(spec, gender="kvinna")
    ombud_services.person_update(person=person, gender="man")
    assert_exact(spec)
    # A new personnummer re-derives the birth date, and with it the age band.
    ombud_services.person_update(person=person, personnummer=make_personnummer(41, born=dt.date(2001, 5, 5)))
    assert ParticipantRollup.objects.get(person=person).age_band == "<25"
    assert_exact(spec)


def test_target_group_via_ombud_appointment(spec):
    person = _participant(spec, target_group="baspersonal")
    ombud_services.ombud_appoint(person=person, appointed_on=dt.date(2020, 1, 1))
    assert ParticipantRollup.objects.get(person=person).target_group == "digitaliseringsombud"
    assert_exact(spec)


def test_person_erased_keeps_the_figures(spec, leader):
    person = _participant(spec)
    before = rollup_queries.counted(spec)
    ombud_services.person_erase(person=person, user=leader, reason="Begäran om radering")
    assert rollup_queries.counted(spec)[0]["totals"] == before[0]["totals"]
    assert_exact(spec)


def test_people_import_moves_only_the_changed(spec, tmp_path):
    text = (SPEC_EXAMPLES / "people.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    cells = lines[1].split(";")
    assert cells[4] == "Ale"
    cells[4], cells[5], cells[7] = "Mölndal", "Hemtjänst Centrum", "operativ chef"
    path = tmp_path / "personal.csv"
    path.write_text("\n".join([lines[0], ";".join(cells)]) + "\n", encoding="utf-8")
    person = Person.objects.get(first_name=cells[1], last_name=cells[2])
    assert ParticipantRollup.objects.filter(person=person).exists()
    call_command("import_people", str(path), stdout=StringIO())
    person.refresh_from_db()
    assert person.target_group == "operativ chef"
    assert ParticipantRollup.objects.get(person=person).municipality_id == person.municipality_id
    assert_exact(spec)


def test_people_changed_refreshes_only_changed_snapshots(spec, monkeypatch):
    refreshed = []
    monkeypatch.setattr(rollups, "_refresh", lambda ids: refreshed.append(ids))
    person = _participant(spec)
    ombud_services.person_update(person=person, email="ny.adress@example.se")
    assert refreshed == []
    ombud_services.person_update(person=person, target_group="operativ chef")
    assert refreshed == [[person.pk]]


def test_check_finds_a_write_past_the_services(spec):
    """The safety net: a person changed with a bare UPDATE (no signal) shows in --check."""
    person = _participant(spec)
    Person.objects.filter(pk=person.pk).update(
        municipality=spec.municipalities.get(code="1440"), target_group="chef", birth_date=dt.date(2001, 1, 1)
    )
    out = StringIO()
    with pytest.raises(CommandError, match="stämmer inte för: MODIG"):
        call_command("rebuild_rollups", "--check", stdout=out)
    assert "ParticipantCell" in out.getvalue()
    call_command("rebuild_rollups", stdout=StringIO())
    assert_exact(spec)


def test_re_import_with_changes(spec, tmp_path):
    text = (SPEC_EXAMPLES / "attendance.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    changed = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[12] in ("närvarande", "sen", "delvis"):
            cells[12], cells[13] = "frånvarande", ""
            changed.append(",".join(cells))
            break
    path = tmp_path / "andring.csv"
    path.write_text("\n".join(changed) + "\n", encoding="utf-8")
    call_command("import_attendance", str(path), "--programme", spec.code, stdout=StringIO())
    assert_exact(spec)


def test_rebuild_command(spec):
    ParticipantRollup.objects.all().delete()
    out = StringIO()
    call_command("rebuild_rollups", "--programme", "modig", stdout=out)
    assert "MODIG" in out.getvalue()
    assert_exact(spec)
    with pytest.raises(CommandError, match="Programmet NOPE finns inte"):
        call_command("rebuild_rollups", "--programme", "NOPE", stdout=StringIO())


def test_rows_outside_the_period_fall_back_to_live(spec):
    session = _held(spec, date=spec.end_date + dt.timedelta(days=3))
    AttendanceFactory(session=session, person=_newcomer(spec))
    assert not rollup_queries.available(spec, spec.start_date, spec.end_date)
    assert not rollup_queries.available(spec, spec.start_date, dt.date(2020, 12, 31))


@pytest.fixture
def background(monkeypatch):
    """The queued rebuild runs here (as the worker would), whatever the broker setting."""
    monkeypatch.setattr(rollups, "REBUILD_ABOVE", 1)
    monkeypatch.setattr(rollups, "BACKGROUND_CHUNK", 2)
    monkeypatch.setattr(
        tasks.rollups_rebuild, "delay", lambda pk: tasks.rollups_rebuild.apply(args=[pk]).get()
    )


def _big_write(spec) -> tuple[Session, list[int]]:
    session = Session.objects.filter(programme=spec).order_by("date").first()
    people = list(Attendance.objects.filter(session=session).values_list("person_id", flat=True))
    assert len(people) > 1
    Attendance.objects.filter(session=session).update(status=AttendanceStatus.ABSENT, minutes=0)
    return session, people


def test_large_refreshes_mark_stale_and_rebuild_in_the_background(
    spec, leader, background, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        session, people = _big_write(spec)
        rollups.refresh_sessions(session_ids=[session.pk])
    # Stale until the rebuild ran: nothing refreshed in the writer's transaction, every reader
    # counts live (the dashboard too).
    assert not rollup_queries.available(spec, spec.start_date, spec.end_date)
    assert RollupState.objects.get(programme=spec).stale_since is not None
    assert len(queued) == 1
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--check", stdout=StringIO())
    queued[0]()
    assert RollupState.objects.get(programme=spec).stale_since is None
    assert_exact(spec)
    with django_capture_on_commit_callbacks(execute=True):
        Attendance.objects.filter(session=session).update(status=AttendanceStatus.PRESENT, minutes=30)
        rollups.refresh_people(person_ids=people)
    assert_exact(spec)


def test_a_failed_rebuild_stays_stale(spec, background, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        session, _people = _big_write(spec)
        rollups.refresh_sessions(session_ids=[session.pk])

    def broken(ids):
        raise RuntimeError("databasen försvann")

    monkeypatch.setattr(rollups, "_refresh", broken)
    queued[0]()  # the failure is logged; the writer's commit is done
    assert RollupState.objects.get(programme=spec).stale_since is not None
    assert not rollup_queries.available(spec, spec.start_date, spec.end_date)
    monkeypatch.undo()
    call_command("rebuild_rollups", "--programme", spec.code, stdout=StringIO())
    assert_exact(spec)


def test_one_rebuild_of_a_programme_at_a_time(spec, background, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        session, _people = _big_write(spec)
        rollups.refresh_sessions(session_ids=[session.pk])
    assert cache.add(rollups._lock_key(spec.pk), 1)
    try:
        assert rollups.rebuild_stale(spec.pk) is False
        assert RollupState.objects.get(programme=spec).stale_since is not None
    finally:
        cache.delete(rollups._lock_key(spec.pk))
    assert rollups.rebuild_stale(spec.pk) is True
    assert rollups.rebuild_stale(spec.pk) is None  # nothing stale: nothing done
    assert_exact(spec)


def test_a_big_write_during_the_rebuild_keeps_it_stale(spec, background, monkeypatch):
    with transaction.atomic():
        _big_write(spec)
        rollups.mark_stale([spec.pk])
    refresh = rollups._refresh

    def meanwhile(ids):
        refresh(ids)
        RollupState.objects.filter(programme=spec).update(marks=F("marks") + 1)

    monkeypatch.setattr(rollups, "_refresh", meanwhile)
    assert rollups.rebuild_stale(spec.pk) is True
    assert RollupState.objects.get(programme=spec).stale_since is not None
    monkeypatch.setattr(rollups, "_refresh", refresh)
    assert rollups.rebuild_stale(spec.pk) is True
    assert RollupState.objects.get(programme=spec).stale_since is None
    assert_exact(spec)


def test_a_course_without_a_tool_is_reported_as_ovrigt(spec, leader):
    assert rollups.OTHER_TOOL == queries.OTHER_TOOL
    session = _held(spec, course=CourseFactory(title="Utan verktyg", tool="", type="chefsutbildning"))
    services.attendance_mark(
        session=session, person=_newcomer(spec), status=AttendanceStatus.PRESENT, by=leader
    )
    tools = {row["tool"] for row in rollup_queries.counted(spec)[0]["by_tool"]}
    assert queries.OTHER_TOOL in tools
    assert_exact(spec)
