"""enkater.answering: the answering service (tablet and phone) and its per-kind value check."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError

from enkater import answering
from enkater.answering import AnswerValueError, answer_value, response_submit
from enkater.defaults import DIGKOMP, UPPF_CHEF, UPPF_PERSONAL, ensure_default_surveys
from enkater.models import Answer, Question, QuestionKind, Response, Survey
from ombud.models import TargetGroup
from tests.factories import PersonFactory, ProgrammeFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

LINK = Response.Source.LINK
DAY = dt.date(2020, 3, 12)


@pytest.fixture
def programme(molndal):
    p = ProgrammeFactory(code="MODIG", municipalities=[molndal])
    ensure_default_surveys(p)
    return p


@pytest.fixture
def staff(molndal):
    return PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), target_group=TargetGroup.BASE_STAFF
    )


def survey(programme, code):
    return Survey.objects.get(programme=programme, code=code)


@pytest.fixture
def custom(programme):
    s = Survey.objects.create(programme=programme, code="EGEN", name_sv="Egen", moments=["efter"])
    Question.objects.create(survey=s, code="skala", position=1, kind=QuestionKind.LIKERT, text_sv="Skala")
    Question.objects.create(
        survey=s,
        code="verktyg",
        position=2,
        kind=QuestionKind.MULTIPLE,
        text_sv="Vilka verktyg?",
        choices=[{"code": "teams", "sv": "Teams", "en": "Teams"}, "outlook", "planner"],
    )
    Question.objects.create(
        survey=s,
        code="bast",
        position=3,
        kind=QuestionKind.SINGLE,
        text_sv="Bäst?",
        choices=["teams", "outlook"],
    )
    Question.objects.create(survey=s, code="fri", position=4, kind=QuestionKind.TEXT, text_sv="Övrigt")
    return s


def message(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def test_answers_are_stored_with_source_date_and_likert_number(programme, staff):
    response = response_submit(
        survey=survey(programme, DIGKOMP),
        person=staff,
        moment="före",
        values={"information": "4", "kommunikation": "", "sakerhet": "2"},
        source=LINK,
        answered_on=DAY,
    )
    assert (response.source, response.answered_on, response.moment) == (LINK, DAY, "före")
    stored = {a.question.code: (a.value, a.number) for a in response.answers.select_related("question")}
    # An empty answer is no row at all (spec §5c: not a respondent to that question).
    assert stored == {"information": ("4", 4), "sakerhet": ("2", 2)}


def test_every_kind_is_checked_and_stored_in_one_shape(programme, staff, custom):
    response = response_submit(
        survey=custom,
        person=staff,
        moment="efter",
        values={"skala": "5", "verktyg": ["planner", "Teams"], "bast": "outlook", "fri": "  Bra kurs  "},
        source=LINK,
    )
    stored = {a.question.code: a.value for a in response.answers.select_related("question")}
    assert stored == {"skala": "5", "verktyg": "teams;planner", "bast": "outlook", "fri": "Bra kurs"}


def test_a_value_not_allowed_says_which_question_and_stores_nothing(programme, staff, custom):
    with pytest.raises(ValidationError) as e:
        response_submit(
            survey=custom,
            person=staff,
            moment="efter",
            values={"skala": "4", "verktyg": ["teams", "word"]},
            source=LINK,
        )
    assert message(e) == "Fråga 2 (Vilka verktyg?): word är inte ett tillåtet värde (teams, outlook, planner)"
    assert not Response.objects.exists() and not Answer.objects.exists()
    with pytest.raises(ValidationError) as e:
        response_submit(survey=custom, person=staff, moment="efter", values={"skala": "7"}, source=LINK)
    assert message(e) == "Fråga 1 (Skala): 7 är inte ett svar på frågan (1–5)"
    with pytest.raises(ValidationError) as e:
        response_submit(
            survey=custom, person=staff, moment="efter", values={"bast": ["teams", "outlook"]}, source=LINK
        )
    assert message(e) == "Fråga 3 (Bäst?): välj ett alternativ, inte flera"
    with pytest.raises(ValidationError) as e:
        response_submit(survey=custom, person=staff, moment="efter", values={"fri": "x" * 5001}, source=LINK)
    assert message(e) == "Fråga 4 (Övrigt): får vara högst 5000 tecken"
    with pytest.raises(ValidationError) as e:
        response_submit(survey=custom, person=staff, moment="efter", values={"rutin": "ja"}, source=LINK)
    assert message(e) == "Frågan rutin finns inte i enkäten EGEN."
    assert not Response.objects.exists()


def test_an_empty_submission_is_refused(programme, staff, custom):
    for values in ({}, {"skala": "", "verktyg": [], "fri": "   "}):
        with pytest.raises(ValidationError) as e:
            response_submit(survey=custom, person=staff, moment="efter", values=values, source=LINK)
        assert message(e) == str(answering.RESPONSE_EMPTY)
    assert not Response.objects.exists()


def test_a_second_answer_is_refused_and_the_first_kept(programme, staff):
    digkomp = survey(programme, DIGKOMP)
    first = response_submit(
        survey=digkomp, person=staff, moment="före", values={"information": "2"}, source=LINK
    )
    with pytest.raises(ValidationError) as e:
        response_submit(survey=digkomp, person=staff, moment="före", values={"information": "5"}, source=LINK)
    assert message(e) == (
        "Du har redan svarat på Digital kompetens – självskattning (DigComp 2.2) (Före). "
        "Ett svar per person och tillfälle räcker."
    )
    assert list(Answer.objects.values_list("response_id", "value")) == [(first.pk, "2")]


def test_a_survey_not_meant_for_the_person_is_refused(programme, staff, molndal):
    with pytest.raises(ValidationError) as e:
        response_submit(
            survey=survey(programme, UPPF_CHEF),
            person=staff,
            moment="uppföljning",
            values={"rutin": "ja"},
            source=LINK,
        )
    assert message(e) == (
        "Enkäten Uppföljning – operativa chefer gäller inte dig: den är till för målgruppen operativ chef."
    )
    walk_in = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal),
        personnummer=None,
        birth_date=None,
        gender="",
        temporary=True,
    )
    with pytest.raises(ValidationError) as e:
        response_submit(
            survey=survey(programme, DIGKOMP),
            person=walk_in,
            moment="före",
            values={"information": "3"},
            source=LINK,
        )
    assert message(e) == str(answering.SURVEY_NOT_FOR_TEMPORARY) % {
        "survey": "Digital kompetens – självskattning (DigComp 2.2)",
        "moment": "Före",
    }
    assert not Response.objects.exists()


def test_a_moment_not_of_the_survey_is_refused(programme, staff):
    with pytest.raises(ValidationError) as e:
        response_submit(
            survey=survey(programme, UPPF_PERSONAL),
            person=staff,
            moment="före",
            values={"kompetens": "ja"},
            source=LINK,
        )
    assert message(e) == "före är inte ett moment i enkäten Uppföljning – baspersonal (Uppföljning)."


def test_the_same_client_id_again_returns_the_stored_response_unchanged(programme, staff):
    digkomp = survey(programme, DIGKOMP)
    client_id = uuid.uuid4()
    first = response_submit(
        survey=digkomp,
        person=staff,
        moment="före",
        values={"information": "2"},
        source=LINK,
        client_id=client_id,
    )
    again = response_submit(
        survey=digkomp,
        person=staff,
        moment="före",
        values={"information": "5"},
        source=LINK,
        client_id=client_id,
    )
    assert again.pk == first.pk
    assert list(Answer.objects.values_list("value", flat=True)) == ["2"]
    assert Response.objects.count() == 1


def test_a_client_id_reused_for_another_answer_is_refused(programme, staff, molndal):
    digkomp = survey(programme, DIGKOMP)
    client_id = uuid.uuid4()
    response_submit(
        survey=digkomp,
        person=staff,
        moment="före",
        values={"information": "2"},
        source=LINK,
        client_id=client_id,
    )
    other = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    with pytest.raises(ValidationError) as e:
        response_submit(
            survey=digkomp,
            person=other,
            moment="före",
            values={"information": "3"},
            source=LINK,
            client_id=client_id,
        )
    assert message(e) == str(answering.CLIENT_ID_REUSED)
    assert Response.objects.count() == 1


def test_answer_value_is_the_import_rule_too():
    likert = Question(kind=QuestionKind.LIKERT, text_sv="x")
    assert answer_value(likert, "4.0") == ("4", 4)
    assert answer_value(likert, " ") is None
    yes_no = Question(kind=QuestionKind.YES_NO, text_sv="x")
    assert answer_value(yes_no, "JA") == ("ja", None)
    multiple = Question(kind=QuestionKind.MULTIPLE, text_sv="x", choices=["a", "b"])
    assert answer_value(multiple, "b; a") == ("a;b", None)
    with pytest.raises(AnswerValueError) as e:
        answer_value(yes_no, "kanske")
    assert str(e.value) == "kanske är inte ett tillåtet värde (ja, nej)"


def test_a_race_lost_at_the_unique_constraint_is_a_second_answer_and_leaves_no_trace(
    programme, staff, monkeypatch
):
    """Two phones submit at once: both pass the check, the database lets one in. The other is
    told it already answered; the surrounding transaction stays usable (a savepoint)."""
    from django.db import transaction

    digkomp = survey(programme, DIGKOMP)
    response_submit(survey=digkomp, person=staff, moment="före", values={"information": "2"}, source=LINK)
    monkeypatch.setattr(answering, "response_check", lambda **kwargs: None)
    with transaction.atomic():
        with pytest.raises(ValidationError) as e:
            response_submit(
                survey=digkomp, person=staff, moment="före", values={"information": "5"}, source=LINK
            )
        assert e.value.code == "already_answered"
        assert Answer.objects.count() == 1  # still queryable: only the savepoint was rolled back


def test_a_replay_racing_its_original_returns_the_stored_response(programme, staff, monkeypatch):
    digkomp = survey(programme, DIGKOMP)
    client_id = uuid.uuid4()
    first = response_submit(
        survey=digkomp,
        person=staff,
        moment="före",
        values={"information": "2"},
        source=LINK,
        client_id=client_id,
    )
    # The replay's first look found nothing (the original had not committed yet).
    real = answering._replay
    calls = []

    def late(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(answering, "_replay", late)
    monkeypatch.setattr(answering, "response_check", lambda **kwargs: None)
    again = response_submit(
        survey=digkomp,
        person=staff,
        moment="före",
        values={"information": "5"},
        source=LINK,
        client_id=client_id,
    )
    assert again.pk == first.pk and len(calls) == 2
    assert list(Answer.objects.values_list("value", flat=True)) == ["2"]
