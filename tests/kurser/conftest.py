"""Shared data for the kurser tests: the Modig programme in Ale and Mölndal, one session of the
Mölndal ombud with twelve colleagues invited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kurser.models import Attendance, AttendanceStatus, CourseType, Session
from tests.factories import CourseFactory, OmbudFactory, PersonFactory, SessionFactory


@pytest.fixture
def course(db):
    return CourseFactory(title="Teams grund", tool="Teams", type=CourseType.WORKPLACE_TRAINING)


@pytest.fixture
def ombud_person(ombud_molndal):
    person = ombud_molndal.person
    OmbudFactory(person=person).workplaces.add(person.workplace)
    return person


@pytest.fixture
def colleagues(ombud_person):
    return PersonFactory.create_batch(12, workplace=ombud_person.workplace)


def started_session(programme, course, trainer, **kw) -> Session:
    """A session that began five minutes ago (today, local time): check-ins are on time."""
    start = timezone.localtime() - dt.timedelta(minutes=5)
    defaults = {
        "programme": programme,
        "course": course,
        "trainer": trainer,
        "municipality": trainer.municipality,
        "workplace": trainer.workplace,
        "date": start.date(),
        "start_time": start.time().replace(second=0, microsecond=0),
        "planned_minutes": 60,
        "status": Session.Status.PLANNED,
    }
    defaults.update(kw)
    return SessionFactory(**defaults)


@pytest.fixture
def session(programme, course, ombud_person, colleagues):
    s = started_session(programme, course, ombud_person)
    Attendance.objects.bulk_create(
        [Attendance(session=s, person=p, status=AttendanceStatus.REGISTERED) for p in colleagues]
    )
    return s
