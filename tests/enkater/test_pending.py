"""enkater.pending: which survey moments are due for a person (the one rule for tablet, link,
participant page and non-responders)."""

from __future__ import annotations

import datetime as dt

import pytest

from enkater.defaults import DIGKOMP, UPPF_CHEF, UPPF_PERSONAL, ensure_default_surveys
from enkater.models import Question, QuestionKind, Response, Survey
from enkater.pending import pending_for_person
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


@pytest.fixture
def programme(molndal):
    p = ProgrammeFactory(code="MODIG", municipalities=[molndal])
    ensure_default_surveys(p)
    return p


def attend(programme, person, *, day=FIRST, status=AttendanceStatus.PRESENT):
    session = SessionFactory(programme=programme, municipality=person.municipality, date=day)
    AttendanceFactory(session=session, person=person, status=status)


def due(person, today):
    return [(p.survey.code, p.moment) for p in pending_for_person(person=person, today=today)]


def answer(programme, person, code, moment, day):
    Response.objects.create(
        survey=Survey.objects.get(programme=programme, code=code),
        person=person,
        moment=moment,
        answered_on=day,
    )


def test_nothing_is_due_before_a_person_participates(programme, molndal):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    assert due(person, FIRST) == []
    attend(programme, person, status=AttendanceStatus.ABSENT)
    assert due(person, FIRST) == []


def test_before_then_after_on_a_later_day_then_follow_up_after_30_days(programme, molndal):
    person = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), target_group=TargetGroup.BASE_STAFF
    )
    attend(programme, person)
    assert due(person, FIRST) == [(DIGKOMP, "före")]
    answer(programme, person, DIGKOMP, "före", FIRST)
    assert due(person, FIRST) == []  # not "efter" at the same sitting
    assert due(person, FIRST + dt.timedelta(days=1)) == [(DIGKOMP, "efter")]
    answer(programme, person, DIGKOMP, "efter", FIRST + dt.timedelta(days=1))
    assert due(person, FIRST + dt.timedelta(days=29)) == []
    assert due(person, FIRST + dt.timedelta(days=30)) == [(UPPF_PERSONAL, "uppföljning")]
    answer(programme, person, UPPF_PERSONAL, "uppföljning", FIRST + dt.timedelta(days=30))
    assert due(person, FIRST + dt.timedelta(days=300)) == []


def test_follow_up_goes_by_target_group_and_temporary_people_get_nothing(programme, molndal):
    manager = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), target_group=TargetGroup.OPERATIVE_MANAGER
    )
    attend(programme, manager)
    later = FIRST + dt.timedelta(days=60)
    assert due(manager, later) == [(DIGKOMP, "före"), (UPPF_CHEF, "uppföljning")]
    walkin = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal),
        personnummer=None,
        gender="",
        birth_date=None,
        temporary=True,
    )
    attend(programme, walkin)
    assert due(walkin, later) == []


def test_options_carry_labels_in_the_users_language_and_accept_bare_codes(programme):
    survey = Survey.objects.get(programme=programme, code=DIGKOMP)
    q = Question(
        survey=survey,
        code="verktyg",
        kind=QuestionKind.SINGLE,
        text_sv="Vilket verktyg?",
        text_en="Which tool?",
        choices=[{"code": "teams", "sv": "Teams (video)", "en": "Teams (video) EN"}, "outlook"],
    )
    assert q.options("sv") == [("teams", "Teams (video)"), ("outlook", "outlook")]
    assert q.options("en") == [("teams", "Teams (video) EN"), ("outlook", "outlook")]
    assert q.option_codes() == ["teams", "outlook"]
    assert q.text("en") == "Which tool?"
