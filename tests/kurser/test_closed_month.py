"""Attendance dated in a closed reporting month changes only with a reason (issue 6, item 7)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kurser.models import Attendance, AttendanceStatus, ClosedMonth, Session
from kurser.services import MONTH_CLOSED_REASON, attendance_mark, session_mark_held
from ombud.models import AuditLog
from rapporter.closing import reports_needing_reissue
from rapporter.models import Report
from tests.factories import PersonFactory, ProgrammeFactory, ReportFactory, SessionFactory, WorkplaceFactory


@pytest.fixture
def closed_setup(molndal, programme_leader):
    programme = ProgrammeFactory(code="CLOSE", municipalities=[molndal])
    session = SessionFactory(programme=programme, municipality=molndal, date=dt.date(2020, 3, 12))
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    ClosedMonth.objects.create(programme=programme, month=dt.date(2020, 3, 1), closed_by=programme_leader)
    march = ReportFactory(
        programme=programme,
        status=Report.Status.DONE,
        period_to=dt.date(2020, 3, 31),
        finished_at=timezone.now(),
    )
    february = ReportFactory(
        programme=programme,
        status=Report.Status.DONE,
        period_to=dt.date(2020, 2, 29),
        finished_at=timezone.now(),
    )
    return session, person, march, february


@pytest.mark.django_db
def test_change_in_closed_month_without_reason_is_refused(closed_setup, programme_leader):
    session, person, _march, _february = closed_setup
    with pytest.raises(ValidationError) as err:
        attendance_mark(
            session=session,
            person=person,
            status=AttendanceStatus.PRESENT,
            minutes=None,
            by=programme_leader,
            client_id=uuid.uuid4(),
        )
    assert err.value.messages == [str(MONTH_CLOSED_REASON)]
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_change_in_closed_month_with_reason_is_audited_and_marks_reports(closed_setup, programme_leader):
    session, person, march, february = closed_setup
    attendance_mark(
        session=session,
        person=person,
        status=AttendanceStatus.PRESENT,
        minutes=None,
        by=programme_leader,
        client_id=uuid.uuid4(),
        reason="Glömd närvarolista hittad",
    )
    assert Attendance.objects.get().minutes == session.planned_minutes
    entry = AuditLog.objects.get(action=AuditLog.Action.CHANGE, reason="Glömd närvarolista hittad")
    assert entry.detail["closed_month"] == "2020-03"
    assert list(reports_needing_reissue(programme=session.programme)) == [march]
    assert february not in reports_needing_reissue(programme=session.programme)


@pytest.mark.django_db
def test_open_month_needs_no_reason(molndal, programme_leader):
    programme = ProgrammeFactory(code="OPEN", municipalities=[molndal])
    session = SessionFactory(programme=programme, municipality=molndal)
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    attendance_mark(
        session=session,
        person=person,
        status=AttendanceStatus.PRESENT,
        minutes=None,
        by=programme_leader,
        client_id=uuid.uuid4(),
    )
    assert Attendance.objects.count() == 1


@pytest.mark.django_db
def test_marking_a_session_held_in_a_closed_month_needs_a_reason(closed_setup, programme_leader):
    session, _person, march, _february = closed_setup
    Session.objects.filter(pk=session.pk).update(status=Session.Status.PLANNED)
    session.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        session_mark_held(session=session, by=programme_leader)
    assert err.value.messages == [str(MONTH_CLOSED_REASON)]
    session.refresh_from_db()
    assert session.status == Session.Status.PLANNED
    session_mark_held(session=session, by=programme_leader, reason="Hölls enligt lista")
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    entry = AuditLog.objects.get(reason="Hölls enligt lista")
    assert entry.detail["closed_month"] == "2020-03"
    assert list(reports_needing_reissue(programme=session.programme)) == [march]
