"""The effect dashboard's counting (enkater.counting, enkater.pending): response rate, reach per
workplace, the free-text rule, and the non-responder query agreeing with `pending_for_person`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enkater import counting
from enkater.defaults import UPPF_CHEF, UPPF_PERSONAL, ensure_default_surveys
from enkater.models import Answer, Question, QuestionKind, Response, Survey
from enkater.pending import FOLLOW_UP_AFTER_DAYS, follow_up_non_responders, pending_for_person
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

TODAY = dt.date(2020, 6, 1)
LONG_AGO = TODAY - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS)  # exactly the 30 days: due
RECENT = TODAY - dt.timedelta(days=FOLLOW_UP_AFTER_DAYS - 1)  # one day short: not yet


@pytest.fixture
def programme(ale, molndal):
    p = ProgrammeFactory(code="MODIG", municipalities=[ale, molndal])
    ensure_default_surveys(p)
    return p


def person_in(municipality, group=TargetGroup.OPERATIVE_MANAGER, workplace=None, **kw):
    workplace = workplace or WorkplaceFactory(municipality=municipality)
    return PersonFactory(workplace=workplace, target_group=group, **kw)


def attend(programme, person, day, status=AttendanceStatus.PRESENT):
    session = SessionFactory(programme=programme, municipality=person.municipality, date=day)
    AttendanceFactory(session=session, person=person, status=status)


def follow_up(programme, person, code=UPPF_CHEF, day=TODAY):
    return Response.objects.create(
        survey=Survey.objects.get(programme=programme, code=code),
        person=person,
        moment="uppföljning",
        answered_on=day,
    )


def test_response_rate_worked_example(programme, ale, molndal):
    """UPPF-CHEF in Ale: A answered and B did not, both first trained 30 days ago (expected);
    C trained 29 days ago and has not answered (not expected yet); D trained 29 days ago but
    answered anyway (imported: expected and respondent). E is base staff, F a temporary
    walk-in manager, G a manager who was only absent: none of them counts. In Mölndal, H
    (30 days ago) has not answered.

    Ale: 2 respondents (A, D) of 3 expected (A, B, D) = 0.667; Mölndal 0 of 1 = 0.0;
    the programme 2 of 4 = 0.5."""
    a, b, c, d = (person_in(ale) for _ in range(4))
    for p in (a, b):
        attend(programme, p, LONG_AGO)
    for p in (c, d):
        attend(programme, p, RECENT)
    e = person_in(ale, TargetGroup.BASE_STAFF)
    attend(programme, e, LONG_AGO)
    f = person_in(ale, personnummer=None, gender="", birth_date=None, temporary=True)
    attend(programme, f, LONG_AGO)
    g = person_in(ale)
    attend(programme, g, LONG_AGO, status=AttendanceStatus.ABSENT)
    h = person_in(molndal)
    attend(programme, h, LONG_AGO)
    for p in (a, d):
        follow_up(programme, p)

    chef = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    by_municipality = counting.response_rates(programme, today=TODAY, by="municipality")[chef.pk]
    assert by_municipality[ale.pk] == {"respondents": 2, "expected": 3, "rate": 0.667}
    assert by_municipality[molndal.pk] == {"respondents": 0, "expected": 1, "rate": 0.0}
    whole = counting.response_rates(programme, today=TODAY)[chef.pk][None]
    assert whole == {"respondents": 2, "expected": 4, "rate": 0.5}
    only_ale = counting.response_rates(programme, ale, today=TODAY)[chef.pk][None]
    assert only_ale == {"respondents": 2, "expected": 3, "rate": 0.667}
    # UPPF-PERSONAL: E was trained 30 days ago and has not answered.
    staff = Survey.objects.get(programme=programme, code=UPPF_PERSONAL)
    assert counting.response_rates(programme, today=TODAY)[staff.pk][None] == {
        "respondents": 0,
        "expected": 1,
        "rate": 0.0,
    }

    # Who is due and has not answered: B and H, as pending_for_person says person by person.
    assert set(follow_up_non_responders(chef, TODAY)) == {b, h}
    for person in (a, b, c, d, e, g, h):
        due = any(
            p.survey == chef and p.moment == "uppföljning"
            for p in pending_for_person(person=person, today=TODAY, programme_id=programme.pk)
        )
        assert due == (person in {b, h}), person


def test_response_rate_without_anyone_expected_is_none(programme):
    chef = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    assert counting.response_rates(programme, today=TODAY)[chef.pk][None] == {
        "respondents": 0,
        "expected": 0,
        "rate": None,
    }


def test_reach_per_workplace_worked_example(programme, ale):
    """A workplace with 6 people: 4 registered and live, of whom 3 took part in the programme
    (one of them only in another programme's session does not count, one only absent does
    not); an erased person and a temporary walk-in are no registered staff even though they
    attended. Reach: 3 of 4 = 0.75 (the 4th attended only another programme)."""
    from ombud.models import Workplace

    other = ProgrammeFactory(code="ANNAT", municipalities=[ale])
    place = WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge")
    trained = [person_in(ale, workplace=place) for _ in range(3)]
    for p in trained:
        attend(programme, p, LONG_AGO)
    elsewhere = person_in(ale, workplace=place)
    attend(other, elsewhere, LONG_AGO)
    attend(programme, elsewhere, LONG_AGO, status=AttendanceStatus.ABSENT)
    erased = person_in(ale, workplace=place, erased_at=timezone.now())
    attend(programme, erased, LONG_AGO)
    walk_in = person_in(ale, workplace=place, personnummer=None, gender="", birth_date=None, temporary=True)
    attend(programme, walk_in, LONG_AGO)
    empty = WorkplaceFactory(municipality=ale, name="Tom arbetsplats")

    rows = {w.pk: w for w in counting.workplace_reach(programme, Workplace.objects.filter(municipality=ale))}
    assert (rows[place.pk].staff, rows[place.pk].trained, counting.reach(rows[place.pk])) == (4, 3, 0.75)
    assert (rows[empty.pk].staff, rows[empty.pk].trained, counting.reach(rows[empty.pk])) == (0, 0, None)


def _text_question(programme):
    survey = Survey.objects.create(programme=programme, code="EGEN", name_sv="Egen", moments=["uppföljning"])
    return Question.objects.create(survey=survey, code="tankar", kind=QuestionKind.TEXT, text_sv="Tankar?")


def _free_text(programme, question, person, text):
    response = Response.objects.create(
        survey=question.survey, person=person, moment="uppföljning", answered_on=TODAY
    )
    Answer.objects.create(response=response, question=question, value=text)


def test_free_text_is_never_shown_for_fewer_than_five_respondents(programme, ale, molndal):
    question = _text_question(programme)
    for i in range(4):
        p = person_in(ale)
        attend(programme, p, LONG_AGO)
        _free_text(programme, question, p, f"Ale-svar {i}")
    # A text by someone who never took part counts nowhere.
    _free_text(programme, question, person_in(ale), "Ej deltagare")

    four = counting.free_texts(programme, question)
    assert four == {"respondents": 4, "texts": [], "suppressed": True}

    p = person_in(molndal)
    attend(programme, p, LONG_AGO)
    _free_text(programme, question, p, "Mölndal-svar")
    five = counting.free_texts(programme, question)
    assert five["suppressed"] is False
    assert five["respondents"] == 5
    assert sorted(five["texts"]) == sorted([f"Ale-svar {i}" for i in range(4)] + ["Mölndal-svar"])
    # The group is what is shown: Ale alone still has 4, Mölndal 1.
    assert counting.free_texts(programme, question, ale)["texts"] == []
    assert counting.free_texts(programme, question, molndal) == {
        "respondents": 1,
        "texts": [],
        "suppressed": True,
    }


def test_participation_uses_kurser_counting(programme, ale):
    p = person_in(ale)
    attend(programme, p, LONG_AGO)  # 60 minutes
    attend(programme, p, RECENT)
    q = person_in(ale)
    attend(programme, q, RECENT, status=AttendanceStatus.ABSENT)
    assert counting.participation(programme) == {ale.pk: {"participants": 1, "minutes": 120, "hours": 2.0}}
