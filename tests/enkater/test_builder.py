"""The survey builder (issue 12 item 1): services (rules and messages), pages (access, forms,
query counts) and the one "allowed values" helper."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.shortcuts import resolve_url
from django.urls import reverse

from enkater import services
from enkater.answering import AnswerValueError, answer_value
from enkater.defaults import DIGKOMP, UPPF_CHEF, ensure_default_surveys
from enkater.models import Answer, Question, QuestionKind, Response, Survey
from tests.factories import PersonFactory, ProgrammeFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def modig(molndal):
    p = ProgrammeFactory(code="MODIG", municipalities=[molndal])
    ensure_default_surveys(p)
    return p


@pytest.fixture
def own(modig):
    """A programme leader's own survey with a Likert and a multiple-choice question."""
    survey = services.survey_create(
        programme=modig, code="nojd", name_sv="Nöjdhet", name_en="Satisfaction", moments=["efter"], by=None
    )
    services.question_create(
        survey=survey, code="betyg", kind=QuestionKind.LIKERT, text_sv="Hur nöjd?", by=None
    )
    services.question_create(
        survey=survey,
        code="verktyg",
        kind=QuestionKind.MULTIPLE,
        text_sv="Vilka verktyg?",
        options=[{"code": "teams", "sv": "Teams", "en": "Teams"}, {"code": "outlook", "sv": "Outlook"}],
        by=None,
    )
    return survey


def answer(survey, question_code, value, molndal, moment="efter"):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    response = Response.objects.create(
        survey=survey, person=person, moment=moment, answered_on=dt.date(2020, 5, 4)
    )
    Answer.objects.create(response=response, question=survey.questions.get(code=question_code), value=value)
    return response


def messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


# --- services ----------------------------------------------------------------------------------


def test_create_survey_normalises_code_and_orders_moments(modig):
    s = services.survey_create(
        programme=modig,
        code=" egen-2 ",
        name_sv="Egen",
        moments=["uppföljning", "före"],
        target_group="baspersonal",
        by=None,
    )
    assert (s.code, s.moments, s.target_group, s.fixed) == (
        "EGEN-2",
        ["före", "uppföljning"],
        "baspersonal",
        False,
    )


@pytest.mark.parametrize(
    ("code", "moments", "field", "message"),
    [
        (
            "NÖJD",
            ["efter"],
            "code",
            "Koden får bara innehålla A–Z, 0–9 och bindestreck, till exempel NOJD-2.",
        ),
        ("a b", ["efter"], "code", "Koden får bara innehålla A–Z, 0–9 och bindestreck, till exempel NOJD-2."),
        ("digkomp", ["efter"], "code", "Programmet har redan en enkät med koden DIGKOMP."),
        ("NY", [], "moments", "Välj minst ett moment (före, efter eller uppföljning)."),
        ("NY", ["sedan"], "moments", "Okänt moment: sedan."),
    ],
)
def test_survey_validation_messages(modig, code, moments, field, message):
    with pytest.raises(ValidationError) as e:
        services.survey_create(programme=modig, code=code, name_sv="X", moments=moments, by=None)
    assert messages_of(ValidationError(e.value.error_dict[field])) == [message]
    assert Survey.objects.filter(programme=modig).count() == 3


def test_same_code_in_another_programme_is_fine(modig, ale):
    other = ProgrammeFactory(code="ANNAT", municipalities=[ale])
    services.survey_create(programme=other, code="NOJD", name_sv="X", moments=["efter"], by=None)
    services.survey_create(programme=modig, code="NOJD", name_sv="X", moments=["efter"], by=None)


def test_question_options_carry_labels_and_the_answers_they_allow(own):
    likert, multi = own.questions.order_by("position")
    assert [likert.position, multi.position] == [1, 2]
    assert multi.choices == [
        {"code": "teams", "sv": "Teams", "en": "Teams"},
        {"code": "outlook", "sv": "Outlook", "en": ""},
    ]
    assert multi.options("en") == [("teams", "Teams"), ("outlook", "Outlook")]
    # What an answer may be is decided once, by enkater.answering.answer_value.
    assert answer_value(likert, "5") == ("5", 5)
    assert answer_value(multi, ["outlook", "teams"]) == ("teams;outlook", None)
    with pytest.raises(AnswerValueError):
        answer_value(multi, "word")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"code": "Betyg"}, "code", "Enkäten har redan en fråga med koden betyg."),
        ({"code": "datum"}, "code", "datum är en kolumn i importfilen och kan inte vara en frågekod."),
        (
            {"code": "å"},
            "code",
            "Frågans kod får bara innehålla a–z, 0–9, bindestreck och understreck, till exempel nojd_1.",
        ),
        ({"text_sv": " "}, "text_sv", "Skriv frågan på svenska."),
        (
            {"options": [{"code": "a", "sv": "A"}]},
            "options",
            "En flervalsfråga behöver minst två svarsalternativ.",
        ),
        (
            {"options": [{"code": "a", "sv": "A"}, {"code": "A", "sv": ""}]},
            "options",
            "Svarsalternativ 2: koden a finns redan. Svarsalternativ 2: ange en svensk text.",
        ),
        (
            {"kind": QuestionKind.LIKERT, "options": [{"code": "a", "sv": "A"}]},
            "options",
            "Bara frågor av typen ett val eller flera val har svarsalternativ.",
        ),
    ],
)
def test_question_validation_messages(own, kwargs, field, message):
    data = {
        "code": "ny",
        "kind": QuestionKind.SINGLE,
        "text_sv": "Ny?",
        "options": [{"code": "a", "sv": "A"}, {"code": "b", "sv": "B"}],
        **kwargs,
    }
    with pytest.raises(ValidationError) as e:
        services.question_create(survey=own, **data, by=None)
    assert " ".join(messages_of(ValidationError(e.value.error_dict[field]))) == message
    assert own.questions.count() == 2


def test_fixed_survey_keeps_code_moments_and_questions_but_texts_may_change(modig):
    chef = Survey.objects.get(programme=modig, code=UPPF_CHEF)
    with pytest.raises(ValidationError) as e:
        services.survey_update(
            survey=chef,
            code="CHEF",
            name_sv="X",
            target_group=chef.target_group,
            moments=chef.moments,
            by=None,
        )
    assert messages_of(e.value) == [
        "UPPF-CHEF är en standardenkät: koden, målgruppen, momenten och frågorna kan inte ändras, bara texterna."
    ]
    with pytest.raises(ValidationError) as e:
        services.survey_delete(survey=chef, by=None)
    assert messages_of(e.value) == ["UPPF-CHEF är en standardenkät och kan inte tas bort."]
    with pytest.raises(ValidationError) as e:
        services.question_create(survey=chef, code="ny", kind=QuestionKind.YES_NO, text_sv="Ny?", by=None)
    assert messages_of(e.value) == [
        "UPPF-CHEF är en standardenkät: frågor kan inte läggas till eller tas bort."
    ]
    rutin = chef.questions.get(code="rutin")
    with pytest.raises(ValidationError) as e:
        services.question_update(question=rutin, code="rutin", kind=QuestionKind.LIKERT, text_sv="X", by=None)
    assert messages_of(e.value) == ["Frågan hör till standardenkäten UPPF-CHEF: bara texterna kan ändras."]
    with pytest.raises(ValidationError):
        services.question_delete(question=rutin, by=None)
    services.survey_update(
        survey=chef,
        code=UPPF_CHEF,
        name_sv="Chefsuppföljning",
        target_group=chef.target_group,
        moments=chef.moments,
        by=None,
    )
    services.question_update(
        question=rutin, code="rutin", kind=QuestionKind.YES_NO, text_sv="Ny text?", text_en="New?", by=None
    )
    rutin.refresh_from_db()
    chef.refresh_from_db()
    assert (chef.code, chef.name_sv, rutin.text_sv, rutin.text_en, rutin.kind) == (
        UPPF_CHEF,
        "Chefsuppföljning",
        "Ny text?",
        "New?",
        "ja/nej",
    )


def test_answered_question_keeps_code_kind_and_used_options(own, molndal):
    answer(own, "verktyg", "teams;outlook", molndal)
    multi = own.questions.get(code="verktyg")
    with pytest.raises(ValidationError) as e:
        services.question_update(
            question=multi,
            code="verktyg",
            kind=QuestionKind.SINGLE,
            text_sv="X",
            options=multi.choices,
            by=None,
        )
    assert messages_of(e.value) == ["Frågan verktyg har svar: koden och typen kan inte ändras."]
    with pytest.raises(ValidationError) as e:
        services.question_update(
            question=multi,
            code="verktyg",
            kind=QuestionKind.MULTIPLE,
            text_sv="X",
            options=[{"code": "teams", "sv": "T"}, {"code": "ny", "sv": "N"}],
            by=None,
        )
    assert messages_of(e.value) == ["Svarsalternativet outlook har svar och kan inte tas bort."]
    with pytest.raises(ValidationError) as e:
        services.question_delete(question=multi, by=None)
    assert messages_of(e.value) == ["Frågan verktyg har svar och kan inte tas bort."]
    with pytest.raises(ValidationError) as e:
        services.survey_delete(survey=own, by=None)
    assert messages_of(e.value) == ["Enkäten NOJD har svar och kan inte tas bort."]
    with pytest.raises(ValidationError) as e:
        services.survey_update(survey=own, code="NOJD", name_sv="N", moments=["före"], by=None)
    assert messages_of(e.value) == ["Momentet Efter har svar och kan inte tas bort från enkäten."]
    # Texts, labels and new options may change.
    services.question_update(
        question=multi,
        code="verktyg",
        kind=QuestionKind.MULTIPLE,
        text_sv="Vilka digitala verktyg?",
        options=[
            {"code": "teams", "sv": "Teams"},
            {"code": "outlook", "sv": "Outlook (e-post)"},
            {"code": "ny", "sv": "Ny"},
        ],
        by=None,
    )
    assert Question.objects.get(pk=multi.pk).option_codes() == ["teams", "outlook", "ny"]


def test_unanswered_question_and_survey_can_be_deleted(own):
    services.question_delete(question=own.questions.get(code="betyg"), by=None)
    assert [(q.code, q.position) for q in own.questions.all()] == [("verktyg", 1)]
    services.survey_delete(survey=own, by=None)
    assert not Survey.objects.filter(pk=own.pk).exists()


def test_move_up_and_down(own):
    third = services.question_create(survey=own, code="tre", kind=QuestionKind.TEXT, text_sv="Tre?", by=None)

    def order():
        return list(own.questions.order_by("position").values_list("code", flat=True))

    services.question_move(question=third, direction="up", by=None)
    assert order() == ["betyg", "tre", "verktyg"]
    services.question_move(question=own.questions.get(code="betyg"), direction="up", by=None)  # already first
    assert order() == ["betyg", "tre", "verktyg"]
    services.question_move(question=own.questions.get(code="betyg"), direction="down", by=None)
    assert order() == ["tre", "betyg", "verktyg"]
    with pytest.raises(ValidationError):
        services.question_move(question=third, direction="sideways", by=None)


def test_migration_gives_bare_option_codes_labels(own):
    multi = own.questions.get(code="verktyg")
    Question.objects.filter(pk=multi.pk).update(choices=["teams", {"code": "x", "sv": "X", "en": ""}])
    module = importlib.import_module("enkater.migrations.0005_question_choice_labels")
    module.forwards(apps, None)
    multi.refresh_from_db()
    assert multi.choices == [{"code": "teams", "sv": "teams", "en": ""}, {"code": "x", "sv": "X", "en": ""}]


# --- pages -------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["local_leader_ale", "ombud_molndal", "coordinator", "outsider"])
def test_only_programme_leaders_reach_the_builder(request, client, modig, own, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in (
        reverse("enkater:builder"),
        reverse("enkater:builder-programme", args=[modig.pk]),
        reverse("enkater:builder-survey", args=[own.pk]),
        reverse("enkater:builder-question", args=[own.questions.first().pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("enkater:builder-survey-delete", args=[own.pk])).status_code == 403
    assert Survey.objects.filter(pk=own.pk).exists()


def test_anonymous_goes_to_login(client, modig, settings):
    response = client.get(reverse("enkater:builder"))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_programme_page_lists_defaults_with_badge_and_gives_a_new_programme_its_defaults(
    client, programme_leader, ale
):
    fresh = ProgrammeFactory(code="NYTT", municipalities=[ale])
    client.force_login(programme_leader)
    response = client.get(reverse("enkater:builder-programme", args=[fresh.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert set(Survey.objects.filter(programme=fresh).values_list("code", flat=True)) == {
        "DIGKOMP",
        "UPPF-CHEF",
        "UPPF-PERSONAL",
    }
    assert html.count(">standard</span>") == 3


def test_build_a_survey_through_the_pages(client, programme_leader, modig):
    client.force_login(programme_leader)
    response = client.post(
        reverse("enkater:builder-survey-create", args=[modig.pk]),
        {"code": "nojd", "name_sv": "Nöjdhet", "target_group": "", "moments": ["efter"]},
    )
    survey = Survey.objects.get(programme=modig, code="NOJD")
    assert response.status_code == 302 and response["Location"] == reverse(
        "enkater:builder-survey", args=[survey.pk]
    )
    response = client.post(
        reverse("enkater:builder-question-create", args=[survey.pk]),
        {
            "code": "verktyg",
            "kind": "ett val",
            "text_sv": "Vilket verktyg?",
            "options": "teams; Teams; Teams\n\noutlook; Outlook",
        },
    )
    assert response.status_code == 302
    q = survey.questions.get()
    assert q.options("sv") == [("teams", "Teams"), ("outlook", "Outlook")]
    response = client.post(
        reverse("enkater:builder-question", args=[q.pk]),
        {
            "code": "verktyg",
            "kind": "ett val",
            "text_sv": "Vilket verktyg använder du mest?",
            "options": "teams; Teams",
        },
    )
    assert response.status_code == 400
    assert "En flervalsfråga behöver minst två svarsalternativ." in response.content.decode()
    response = client.post(
        reverse("enkater:builder-question-create", args=[survey.pk]),
        {"code": "datum", "kind": "fritext", "text_sv": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "datum är en kolumn i importfilen och kan inte vara en frågekod." in html
    assert "Skriv frågan på svenska." in html
    assert survey.questions.count() == 1


def test_fixed_survey_page_disables_code_and_refuses_new_questions(client, programme_leader, modig):
    client.force_login(programme_leader)
    digkomp = Survey.objects.get(programme=modig, code=DIGKOMP)
    html = client.get(reverse("enkater:builder-survey", args=[digkomp.pk])).content.decode()
    assert 'name="code"' in html and "disabled" in html
    assert reverse("enkater:builder-question-create", args=[digkomp.pk]) not in html
    assert reverse("enkater:builder-survey-delete", args=[digkomp.pk]) not in html
    response = client.get(reverse("enkater:builder-question-create", args=[digkomp.pk]), follow=True)
    assert (
        "DIGKOMP är en standardenkät: frågor kan inte läggas till eller tas bort."
        in response.content.decode()
    )
    # A posted code change on a disabled field is ignored: the names still save.
    response = client.post(
        reverse("enkater:builder-survey", args=[digkomp.pk]),
        {"code": "ANNAN", "name_sv": "Digital kompetens", "moments": ["före"]},
    )
    digkomp.refresh_from_db()
    assert response.status_code == 302
    assert (digkomp.code, digkomp.name_sv, digkomp.moments) == (
        DIGKOMP,
        "Digital kompetens",
        ["före", "efter"],
    )


def test_move_needs_a_direction(client, programme_leader, own):
    client.force_login(programme_leader)
    second = own.questions.get(code="verktyg")
    url = reverse("enkater:builder-question-move", args=[second.pk])
    assert client.post(url, {"direction": "x"}).status_code == 400
    assert client.post(url, {"direction": "up"}).status_code == 302
    assert list(own.questions.order_by("position").values_list("code", flat=True)) == ["verktyg", "betyg"]


def _grow(survey, modig, n):
    for i in range(n):
        services.question_create(
            survey=survey,
            code=f"extra{i}",
            kind=QuestionKind.SINGLE,
            text_sv=f"Fråga {i}?",
            options=[{"code": "a", "sv": "A"}, {"code": "b", "sv": "B"}],
            by=None,
        )
        services.survey_create(
            programme=modig, code=f"E{i}", name_sv=f"Enkät {i}", moments=["efter"], by=None
        )


@pytest.mark.parametrize("name", ["enkater:builder-survey", "enkater:builder-programme"])
def test_query_counts_are_flat(
    client, programme_leader, modig, own, molndal, django_assert_max_num_queries, name
):
    client.force_login(programme_leader)
    url = reverse(name, args=[own.pk if name.endswith("survey") else modig.pk])
    answer(own, "betyg", "4", molndal)
    with django_assert_max_num_queries(14) as small:
        assert client.get(url).status_code == 200
    _grow(own, modig, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
