"""The phone pages: a personal link (/enkater/svar/<token>/) and the session's survey QR code
(/enkater/tillfalle/<token>/), plus the ombud's screen showing that QR code."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from enkater import answering, links
from enkater.defaults import DIGKOMP, UPPF_CHEF, ensure_default_surveys
from enkater.links import answer_token, answer_url
from enkater.models import Answer, Question, QuestionKind, Response, Survey
from kurser import checkin
from kurser import services as kurser_services
from kurser.models import Attendance, AttendanceStatus, Session
from ombud.models import TargetGroup
from tests.factories import (
    AttendanceFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(molndal):
    p = ProgrammeFactory(code="MODIG", name="Modig", municipalities=[molndal])
    ensure_default_surveys(p)
    return p


@pytest.fixture
def person(molndal):
    return PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal),
        first_name="Yasmin",
        last_name="Hansson",
        target_group=TargetGroup.BASE_STAFF,
    )


@pytest.fixture
def custom(programme):
    s = Survey.objects.create(programme=programme, code="EGEN", name_sv="Kursutvärdering", moments=["efter"])
    Question.objects.create(survey=s, code="nöjd", position=1, kind=QuestionKind.YES_NO, text_sv="Nöjd?")
    Question.objects.create(
        survey=s,
        code="verktyg",
        position=2,
        kind=QuestionKind.MULTIPLE,
        text_sv="Vilka verktyg?",
        text_en="Which tools?",
        choices=[{"code": "teams", "sv": "Teams-möten", "en": "Teams meetings"}, "outlook"],
    )
    Question.objects.create(
        survey=s,
        code="fri",
        position=3,
        kind=QuestionKind.TEXT,
        text_sv="Något mer?",
        text_en="Anything else?",
    )
    return s


def digkomp(programme):
    return Survey.objects.get(programme=programme, code=DIGKOMP)


def html(response) -> str:
    return response.content.decode()


# --- the personal link ------------------------------------------------------------------------


def test_the_form_has_a_fieldset_per_question_and_is_not_cached(client, programme, person, custom):
    response = client.get(answer_url(person, custom, "efter"))
    page = html(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert page.count("<fieldset") == 3 and page.count("<legend") == 3
    assert "1. Nöjd?" in page and "Teams-möten" in page
    assert len(re.findall(r'type="radio" name="q-nöjd"', page)) == 2
    assert len(re.findall(r'type="checkbox" name="q-verktyg"', page)) == 2
    assert '<textarea class="form-control" name="q-fri"' in page
    assert 'name="client_id"' in page


def test_labels_follow_the_users_language(client, programme, person, custom):
    response = client.get(answer_url(person, custom, "efter"), headers={"accept-language": "en"})
    page = html(response)
    assert "Which tools?" in page and "Teams meetings" in page and "Nöjd?" in page  # no English: Swedish


def test_the_language_switch_on_the_page_works_without_an_account(client, programme, person, custom):
    url = answer_url(person, custom, "efter")
    switched = client.post(reverse("set_language"), {"language": "en", "next": url}, follow=True)
    assert switched.redirect_chain[-1][0] == url
    assert "Which tools?" in html(switched) and '<html lang="en">' in html(switched)


def test_answering_thanks_and_never_shows_the_answers_again(client, programme, person, custom):
    url = answer_url(person, custom, "efter")
    response = client.post(url, {"q-nöjd": "ja", "q-verktyg": ["outlook", "teams"], "q-fri": "Hemligt svar"})
    assert response.status_code == 200
    assert "Tack för ditt svar" in html(response) and "Hemligt svar" not in html(response)
    stored = Response.objects.get()
    assert (stored.person, stored.survey, stored.moment, stored.source) == (person, custom, "efter", "länk")
    assert dict(Answer.objects.values_list("question__code", "value")) == {
        "nöjd": "ja",
        "verktyg": "teams;outlook",
        "fri": "Hemligt svar",
    }
    again = client.get(url)
    assert again.status_code == 200
    assert "Du har redan svarat" in html(again)
    assert "Hemligt svar" not in html(
        again
    ) and '<form method="post" novalidate class="answer-form"' not in html(again)
    second = client.post(url, {"q-nöjd": "nej"})
    assert "Du har redan svarat" in html(second)
    assert list(Answer.objects.filter(question__code="nöjd").values_list("value", flat=True)) == ["ja"]


def test_an_empty_submission_is_refused_with_the_message_and_nothing_stored(
    client, programme, person, custom
):
    response = client.post(answer_url(person, custom, "efter"), {"q-fri": "   "})
    assert response.status_code == 400
    page = html(response)
    assert str(answering.RESPONSE_EMPTY) in page
    assert 'role="alert" tabindex="-1" autofocus' in page
    assert not Response.objects.exists()


def test_a_value_not_offered_is_refused_at_its_question(client, programme, person, custom):
    response = client.post(answer_url(person, custom, "efter"), {"q-nöjd": "kanske", "q-fri": "x"})
    assert response.status_code == 400
    page = html(response)
    assert 'href="#q-1"' in page and 'aria-describedby="q-1-error"' in page
    assert "Välj ett giltigt alternativ" in page
    assert not Response.objects.exists()


def test_a_replayed_post_is_stored_once_and_thanked(client, programme, person, custom):
    """The same client_id twice (a double tap racing itself) stores one response."""
    url = answer_url(person, custom, "efter")
    client_id = "7f1c2c4e-7d8a-4c53-9d0c-2f1f6c3b9a10"
    answering.response_submit(
        survey=custom,
        person=person,
        moment="efter",
        values={"nöjd": "ja"},
        source="länk",
        client_id=client_id,
    )
    response = client.post(url, {"q-nöjd": "ja", "client_id": client_id})
    assert "Du har redan svarat" in html(response)
    assert Response.objects.count() == 1


def test_forged_and_expired_links_are_refused(client, programme, person, custom, settings, monkeypatch):
    token = answer_token(person, custom, "efter")
    forged = client.get(reverse("enkater:answer", args=[token[:-2] + "xx"]))
    assert forged.status_code == 404 and str(links.LINK_FORGED) in html(forged)
    assert (
        client.post(reverse("enkater:answer", args=[token[:-2] + "xx"]), {"q-nöjd": "ja"}).status_code == 404
    )
    now = timezone.now().timestamp()
    monkeypatch.setattr(
        "django.core.signing.time.time", lambda: now + (settings.SURVEY_LINK_MAX_AGE_DAYS + 1) * 86400
    )
    expired = client.post(reverse("enkater:answer", args=[token]), {"q-nöjd": "ja"})
    assert expired.status_code == 410 and str(links.LINK_EXPIRED) in html(expired)
    assert not Response.objects.exists()


def test_a_survey_not_meant_for_the_person_shows_why_and_no_form(client, programme, person):
    chef = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    url = answer_url(person, chef, "uppföljning")
    response = client.get(url)
    assert response.status_code == 403
    assert "gäller inte dig: den är till för målgruppen operativ chef" in html(response)
    assert "<fieldset" not in html(response)
    assert client.post(url, {"q-rutin": "ja"}).status_code == 403
    assert not Response.objects.exists()


@pytest.mark.parametrize("questions", [2, 12])
def test_the_form_page_takes_the_same_queries_whatever_the_number_of_questions(
    client, programme, person, django_assert_max_num_queries, questions
):
    survey = Survey.objects.create(programme=programme, code="STOR", name_sv="Stor", moments=["efter"])
    for n in range(questions):
        Question.objects.create(
            survey=survey,
            code=f"q{n}",
            position=n,
            kind=QuestionKind.SINGLE,
            text_sv=f"F{n}",
            choices=["a", "b"],
        )
    url = answer_url(person, survey, "efter")
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.post(url, {f"q-q{n}": "a" for n in range(questions)}).status_code == 200
    assert Answer.objects.count() == questions


# --- the session's survey QR code -----------------------------------------------------------


@pytest.fixture
def session(programme, molndal):
    start = timezone.localtime() - dt.timedelta(minutes=50)
    return SessionFactory(
        programme=programme,
        municipality=molndal,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        planned_minutes=60,
        status=Session.Status.PLANNED,
    )


def identify(client, session, person, last_four=None, name=None):
    return client.post(
        reverse("enkater:session", args=[checkin.make_token(session)]),
        {"name": name or person.full_name, "last_four": last_four or person.personnummer[-4:]},
    )


def test_a_present_participant_gets_their_due_surveys_as_personal_links(client, session, person, programme):
    AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
    response = identify(client, session, person)
    assert response.status_code == 200
    page = html(response)
    assert "Hej Yasmin! Du har en enkät att svara på." in page
    # The link is the personal link of the due survey (DIGKOMP före) and works.
    href = re.search(r'href="(/enkater/svar/[^"]+)"', page)[1]
    assert client.get(href).status_code == 200
    assert links.read_answer_token(href.split("/")[-2]) == (person, digkomp(programme), "före")


def test_a_participant_not_present_is_told_to_check_in_first(client, session, person):
    AttendanceFactory(session=session, person=person, status=AttendanceStatus.REGISTERED)
    response = identify(client, session, person)
    assert response.status_code == 400
    assert str(answering.SESSION_NOT_PRESENT) in html(response)
    assert "/enkater/svar/" not in html(response)


def test_identification_is_kurser_s_and_throttled_like_the_check_in(client, session, person):
    AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
    wrong = "0000" if person.personnummer[-4:] != "0000" else "1111"
    for _ in range(checkin.MAX_FAILED_ATTEMPTS):
        response = identify(client, session, person, last_four=wrong)
        assert response.status_code == 400
        assert str(kurser_services.CHECKIN_NOT_FOUND) in html(response)
    throttled = identify(client, session, person)
    assert str(checkin.CHECKIN_THROTTLED) in html(throttled)
    assert "/enkater/svar/" not in html(throttled)


def test_a_person_of_another_municipality_is_not_found(client, session, ale):
    stranger = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    # Even counted present on the session (an invitation across municipalities is a leader's act),
    # someone outside the session's people is not identified by name and digits alone.
    response = identify(client, session, stranger)
    assert response.status_code == 400
    assert str(kurser_services.CHECKIN_NOT_FOUND) in html(response)


def test_an_expired_session_code_is_refused(client, session, person):
    Session.objects.filter(pk=session.pk).update(date=session.date - dt.timedelta(days=1))
    session.refresh_from_db()
    response = client.get(reverse("enkater:session", args=[checkin.make_token(session)]))
    assert response.status_code == 410 and str(checkin.CHECKIN_EXPIRED) in html(response)


@pytest.mark.parametrize("extra_surveys", [0, 6])
def test_the_list_takes_the_same_queries_whatever_the_number_of_surveys(
    client, session, person, programme, django_assert_max_num_queries, extra_surveys
):
    for n in range(extra_surveys):
        Survey.objects.create(programme=programme, code=f"S{n}", name_sv=f"Enkät {n}", moments=["före"])
    AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
    with django_assert_max_num_queries(12):
        response = identify(client, session, person)
    assert html(response).count('href="/enkater/svar/') == 1 + extra_surveys


def test_the_ombud_shows_the_survey_qr_code_from_the_check_in_qr_page(
    client, ombud_molndal, molndal, programme
):
    start = timezone.localtime() - dt.timedelta(minutes=5)
    session = SessionFactory(
        programme=programme,
        municipality=molndal,
        trainer=ombud_molndal.person,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        status=Session.Status.PLANNED,
    )
    client.force_login(ombud_molndal)
    qr_page = html(client.get(reverse("kurser:session-qr", args=[session.pk])))
    assert f'href="{reverse("enkater:session-qr", args=[session.pk])}"' in qr_page
    response = client.get(reverse("enkater:session-qr", args=[session.pk]))
    assert response.status_code == 200
    assert "<svg" in html(response)
    shown = re.search(r'href="http://testserver(/enkater/tillfalle/[^"]+)"', html(response))[1]
    assert client.get(shown).status_code == 200


def test_checking_in_still_marks_present(client, session, person):
    """kurser's check-in after `checkin_identify` was extracted from it."""
    response = client.post(
        reverse("kurser:checkin", args=[checkin.make_token(session)]),
        {"name": person.full_name, "last_four": person.personnummer[-4:]},
    )
    assert response.status_code == 200
    assert Attendance.objects.get(session=session, person=person).status == AttendanceStatus.LATE
