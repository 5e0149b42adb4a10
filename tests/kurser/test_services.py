"""Every rule of kurser.services, asserting the message constants."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kurser import services
from kurser.models import Attendance, AttendanceStatus, Session, Submission
from ombud.models import AuditLog
from tests.factories import MunicipalityFactory, PersonFactory, WorkplaceFactory
from tests.kurser.conftest import started_session

pytestmark = pytest.mark.django_db


def marks_for(people, status="närvarande", minutes=None):
    return [{"person_id": p.pk, "status": status, "minutes": minutes} for p in people]


def message(exc) -> str:
    return exc.value.messages[0]


def test_session_create_checks_place_and_trainer(
    programme, course, ale, molndal, ombud_person, programme_leader
):
    other = MunicipalityFactory(code="1499", name="Annanstans")
    base = {
        "programme": programme,
        "course": course,
        "date": dt.date(2026, 1, 10),
        "start_time": dt.time(13),
        "planned_minutes": 60,
        "by": programme_leader,
    }
    with pytest.raises(ValidationError) as e:
        services.session_create(municipality=other, trainer=ombud_person, **base)
    assert message(e) == services.SESSION_MUNICIPALITY_NOT_IN_PROGRAMME
    with pytest.raises(ValidationError) as e:
        services.session_create(
            municipality=ale, workplace=ombud_person.workplace, trainer=ombud_person, **base
        )
    assert message(e) == services.SESSION_WORKPLACE_MUNICIPALITY
    with pytest.raises(ValidationError) as e:
        services.session_create(municipality=molndal, **base)
    assert message(e) == services.SESSION_TRAINER_REQUIRED
    s = services.session_create(municipality=molndal, trainer_name="Modig projektledning", **base)
    assert s.status == Session.Status.PLANNED and s.created_by == programme_leader


def test_series_is_weekly_or_fortnightly(programme, course, molndal, ombud_person, programme_leader):
    fields = {
        "programme": programme,
        "course": course,
        "municipality": molndal,
        "trainer": ombud_person,
        "start_time": dt.time(13),
        "planned_minutes": 60,
        "by": programme_leader,
    }
    sessions = services.session_series_create(every_weeks=2, count=4, date=dt.date(2026, 1, 5), **fields)
    assert [s.date for s in sessions] == [
        dt.date(2026, 1, 5),
        dt.date(2026, 1, 19),
        dt.date(2026, 2, 2),
        dt.date(2026, 2, 16),
    ]
    with pytest.raises(ValidationError) as e:
        services.session_series_create(every_weeks=3, count=4, date=dt.date(2026, 1, 5), **fields)
    assert message(e) == services.SESSION_SERIES_INTERVAL
    with pytest.raises(ValidationError) as e:
        services.session_series_create(every_weeks=1, count=40, date=dt.date(2026, 1, 5), **fields)
    assert message(e) == services.SESSION_SERIES_COUNT


def test_submit_stores_marks_and_marks_session_held(session, colleagues, ombud_molndal):
    answer, created = services.attendance_submit(
        session=session,
        marks=marks_for(colleagues[:10]) + marks_for(colleagues[10:], "sen", 45),
        client_id=uuid.uuid4(),
        by=ombud_molndal,
    )
    assert created
    assert Attendance.objects.filter(session=session, status="närvarande", minutes=60).count() == 10
    assert Attendance.objects.filter(session=session, status="sen", minutes=45).count() == 2
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    assert answer["marks"][0]["minutes"] in (60, 45)


def test_replayed_submission_is_stored_once(session, colleagues, ombud_molndal):
    cid = uuid.uuid4()
    first, created1 = services.attendance_submit(
        session=session, marks=marks_for(colleagues), client_id=cid, by=ombud_molndal
    )
    again, created2 = services.attendance_submit(
        session=session, marks=list(reversed(marks_for(colleagues))), client_id=cid, by=ombud_molndal
    )
    assert created1 and not created2
    assert first == again
    assert Submission.objects.count() == 1
    assert Attendance.objects.filter(session=session).count() == 12


def test_same_id_with_other_content_is_a_conflict(session, colleagues, ombud_molndal):
    cid = uuid.uuid4()
    services.attendance_submit(session=session, marks=marks_for(colleagues), client_id=cid, by=ombud_molndal)
    with pytest.raises(services.SubmissionConflict):
        services.attendance_submit(
            session=session, marks=marks_for(colleagues, "frånvarande", 0), client_id=cid, by=ombud_molndal
        )
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 12


@pytest.mark.parametrize(
    ("status", "minutes", "expected"),
    [
        ("närvarande", 61, services.ATTENDANCE_MINUTES_RANGE),
        ("närvarande", 0, services.ATTENDANCE_MINUTES_RANGE),
        ("sen", None, services.ATTENDANCE_MINUTES_REQUIRED),
        ("delvis", 0, services.ATTENDANCE_MINUTES_RANGE),
        ("anmäld", None, services.ATTENDANCE_STATUS_UNKNOWN),
        ("frånvarande", 30, services.ATTENDANCE_MINUTES_ZERO),
        ("förhinder", 5, services.ATTENDANCE_MINUTES_ZERO),
        ("borta", None, services.ATTENDANCE_STATUS_UNKNOWN),
    ],
)
def test_minutes_rules(session, colleagues, ombud_molndal, status, minutes, expected):
    with pytest.raises(ValidationError) as e:
        services.attendance_mark(
            session=session, person=colleagues[0], status=status, minutes=minutes, by=ombud_molndal
        )
    assert message(e) == expected


def test_absent_and_excused_are_zero_minutes(session, colleagues, ombud_molndal):
    row = services.attendance_mark(
        session=session, person=colleagues[0], status="förhinder", by=ombud_molndal
    )
    assert row.minutes == 0 and not row.attended


def test_future_session_takes_no_attended_rows(programme, course, ombud_person, colleagues, ombud_molndal):
    future = started_session(
        programme, course, ombud_person, date=timezone.localdate() + dt.timedelta(days=3)
    )
    with pytest.raises(ValidationError) as e:
        services.attendance_mark(session=future, person=colleagues[0], status="närvarande", by=ombud_molndal)
    assert message(e) == services.ATTENDANCE_FUTURE
    with pytest.raises(ValidationError) as e:
        services.session_mark_held(session=future, by=ombud_molndal)
    assert message(e) == services.SESSION_IN_FUTURE


def test_cancelled_session_takes_no_attendance(session, colleagues, ombud_molndal):
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    session.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        services.attendance_mark(session=session, person=colleagues[0], status="närvarande", by=ombud_molndal)
    assert message(e) == services.SESSION_CANCELLED


def test_person_must_belong_to_the_programme(session, ombud_molndal):
    stranger = PersonFactory(workplace=WorkplaceFactory(municipality=MunicipalityFactory(code="1499")))
    with pytest.raises(ValidationError) as e:
        services.attendance_mark(session=session, person=stranger, status="närvarande", by=ombud_molndal)
    assert message(e) == services.ATTENDANCE_PERSON_UNKNOWN


def test_approval_locks_and_later_changes_need_a_reason_and_are_audited(
    session, colleagues, ombud_molndal, programme_leader
):
    with pytest.raises(ValidationError) as e:
        services.session_approve(session=session, by=programme_leader)
    assert message(e) == services.SESSION_NOT_HELD
    services.attendance_submit(
        session=session, marks=marks_for(colleagues[:11]), client_id=uuid.uuid4(), by=ombud_molndal
    )
    with pytest.raises(ValidationError) as e:
        services.session_approve(session=session, by=programme_leader)
    assert message(e) == services.SESSION_OPEN_REGISTRATIONS
    services.attendance_mark(session=session, person=colleagues[11], status="frånvarande", by=ombud_molndal)
    services.session_approve(session=session, by=programme_leader)
    session.refresh_from_db()
    assert session.is_approved
    with pytest.raises(ValidationError) as e:
        services.attendance_mark(
            session=session, person=colleagues[11], status="närvarande", by=ombud_molndal
        )
    assert message(e) == services.SESSION_APPROVED_LOCKED
    with pytest.raises(ValidationError) as e:
        services.attendance_mark(
            session=session, person=colleagues[11], status="närvarande", by=programme_leader
        )
    assert message(e) == services.SESSION_APPROVED_REASON
    services.attendance_mark(
        session=session,
        person=colleagues[11],
        status="närvarande",
        by=programme_leader,
        reason="Kom efter lunch enligt lista",
    )
    entry = AuditLog.objects.filter(action=AuditLog.Action.CHANGE).get()
    assert entry.reason == "Kom efter lunch enligt lista"
    assert AuditLog.objects.filter(action=AuditLog.Action.APPROVE).count() == 1
    with pytest.raises(ValidationError) as e:
        services.session_approve(session=session, by=programme_leader)
    assert message(e) == services.SESSION_ALREADY_APPROVED


def test_invite_adds_registered_rows_once(session, ombud_person, ombud_molndal):
    newcomers = PersonFactory.create_batch(3, workplace=ombud_person.workplace)
    assert services.session_invite(session=session, people=newcomers, by=ombud_molndal) == 3
    assert services.session_invite(session=session, people=newcomers, by=ombud_molndal) == 0
    assert session.attendances.filter(status=AttendanceStatus.REGISTERED).count() == 15


def test_cancel_a_planned_session_but_not_a_held_one(session, colleagues, ombud_molndal):
    services.attendance_mark(session=session, person=colleagues[0], status="närvarande", by=ombud_molndal)
    session.refresh_from_db()
    with pytest.raises(ValidationError) as e:
        services.session_cancel(session=session, by=ombud_molndal)
    assert message(e) == services.SESSION_ALREADY_HELD
