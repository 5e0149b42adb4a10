"""enkater.pending.pending_for_people: the tablet's list asks for many people at once, by the same
rule as pending_for_person (one rule, asked two ways)."""

from __future__ import annotations

import datetime as dt

import pytest

from enkater.defaults import ensure_default_surveys
from enkater.models import Moment, Response, Survey
from enkater.pending import pending_for_people, pending_for_person
from kurser.models import AttendanceStatus
from ombud.models import TargetGroup
from tests.factories import (
    AttendanceFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

FIRST = dt.date(2020, 2, 3)


def _key(items):
    return [(p.survey.code, p.moment) for p in items]


def test_many_people_at_once_agree_with_one_at_a_time(molndal, django_assert_num_queries):
    programme = ProgrammeFactory(code="MODIG", municipalities=[molndal])
    other = ProgrammeFactory(code="ANNAT", municipalities=[molndal])
    ensure_default_surveys(programme)
    ensure_default_surveys(other)
    workplace = WorkplaceFactory(municipality=molndal)
    staff = PersonFactory(workplace=workplace, target_group=TargetGroup.BASE_STAFF)
    manager = PersonFactory(workplace=workplace, target_group=TargetGroup.OPERATIVE_MANAGER)
    answered_before = PersonFactory(workplace=workplace, target_group=TargetGroup.BASE_STAFF)
    absent = PersonFactory(workplace=workplace)
    walk_in = PersonFactory(
        workplace=workplace, temporary=True, personnummer=None, gender="", birth_date=None
    )
    elsewhere = PersonFactory(workplace=workplace)  # attends only another programme
    session = SessionFactory(programme=programme, municipality=molndal, date=FIRST)
    for p in (staff, manager, answered_before, walk_in):
        AttendanceFactory(session=session, person=p, status=AttendanceStatus.PRESENT)
    AttendanceFactory(session=session, person=absent, status=AttendanceStatus.ABSENT)
    AttendanceFactory(
        session=SessionFactory(programme=other, municipality=molndal, date=FIRST),
        person=elsewhere,
        status=AttendanceStatus.PRESENT,
    )
    Response.objects.create(
        survey=Survey.objects.get(programme=programme, code="DIGKOMP"),
        person=answered_before,
        moment=Moment.BEFORE,
        answered_on=FIRST - dt.timedelta(days=1),
    )
    people = [staff, manager, answered_before, absent, walk_in, elsewhere]
    for today in (FIRST, FIRST + dt.timedelta(days=40)):
        with django_assert_num_queries(3):
            many = pending_for_people(people=people, programme_id=programme.pk, today=today)
        for p in people:
            one = pending_for_person(person=p, today=today, programme_id=programme.pk)
            assert _key(many[p.pk]) == _key(one), p
    later = pending_for_people(people=people, programme_id=programme.pk, today=FIRST + dt.timedelta(days=40))
    assert _key(later[staff.pk]) == [("DIGKOMP", "före"), ("UPPF-PERSONAL", "uppföljning")]
    assert _key(later[manager.pk]) == [("DIGKOMP", "före"), ("UPPF-CHEF", "uppföljning")]
    assert _key(later[answered_before.pk]) == [("DIGKOMP", "efter"), ("UPPF-PERSONAL", "uppföljning")]
    assert later[absent.pk] == later[walk_in.pk] == later[elsewhere.pk] == []
