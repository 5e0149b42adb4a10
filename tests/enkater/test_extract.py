"""Survey responses in the register extract (GDPR art. 15) and on erasure (art. 17): the extract
lists which surveys the person answered, never the answers (no page shows a person's answers to
anyone but that person); erasure removes free-text answers and keeps the rest for the totals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from enkater.defaults import DIGKOMP, ensure_default_surveys
from enkater.models import Answer, Question, QuestionKind, Response, Survey
from ombud import services
from tests.factories import AttendanceFactory, PersonFactory, ProgrammeFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(ale):
    programme = ProgrammeFactory(code="MODIG", municipalities=[ale])
    ensure_default_surveys(programme)
    person = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    AttendanceFactory(person=person)
    survey = Survey.objects.get(programme=programme, code=DIGKOMP)
    note = Question.objects.create(
        survey=survey, code="ovrigt", position=9, kind=QuestionKind.TEXT, text_sv="Övrigt?"
    )
    response = Response.objects.create(
        survey=survey,
        person=person,
        moment="före",
        answered_on=dt.date(2020, 2, 3),
        source=Response.Source.TABLET,
    )
    Answer.objects.create(
        response=response, question=survey.questions.get(code="information"), value="4", number=4
    )
    Answer.objects.create(response=response, question=note, value="Min chef Kim hjälper mig aldrig")
    return person


def test_extract_lists_the_responses_but_not_the_answers(client_as, programme_leader, answered):
    url = reverse("ombud:person-gdpr-export", args=[answered.pk])
    client = client_as(programme_leader)
    data = json.loads(client.get(url).content)
    assert data["survey_responses"] == [
        {
            "programme": "MODIG",
            "survey": data["survey_responses"][0]["survey"],
            "moment": "Före",
            "answered_on": "2020-02-03",
            "source": "Surfplatta",
            "questions_answered": 2,
        }
    ]
    assert data["survey_responses"][0]["survey"].startswith("DIGKOMP")
    page = client.get(url, {"format": "html"}).content.decode()
    assert "Enkätsvar" in page and "2020-02-03" in page and "Surfplatta" in page
    assert "Kim hjälper" not in page and "Kim hjälper" not in json.dumps(data)


def test_attendance_status_shown_with_its_label(client_as, programme_leader, answered):
    page = client_as(programme_leader).get(
        reverse("ombud:person-gdpr-export", args=[answered.pk]), {"format": "html"}
    )
    assert "<td>Närvarande</td>" in page.content.decode()


def test_erasure_removes_free_text_and_keeps_scale_answers(programme_leader, answered):
    services.person_erase(person=answered, user=programme_leader, reason="Begäran från personen")
    values = list(Answer.objects.filter(response__person=answered).values_list("value", flat=True))
    assert values == ["4"]


def test_extract_lists_confirmed_months(client_as, programme_leader, answered):
    from django.utils import timezone

    from enkater.models import MonthConfirmation

    MonthConfirmation.objects.create(
        person=answered,
        programme=answered.survey_responses.get().survey.programme,
        month=dt.date(2020, 2, 1),
        hours="1.50",
        confirmed_at=timezone.now(),
    )
    data = json.loads(
        client_as(programme_leader).get(reverse("ombud:person-gdpr-export", args=[answered.pk])).content
    )
    assert [(c["programme"], c["month"], c["hours"]) for c in data["month_confirmations"]] == [
        ("MODIG", "2020-02", "1.50")
    ]
