"""The effect dashboard's pages: suppression on the page, scope (a local leader of Ale never sees
or reminds Mölndal people, whatever id is sent), reminders sent once, the card on the Lägesbild,
and query counts flat at two data sizes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enkater.defaults import UPPF_CHEF, ensure_default_surveys
from enkater.models import Answer, Question, Response, Survey
from kurser import rollups
from kurser.models import AttendanceStatus
from ombud.models import Notification, NotificationKind, TargetGroup
from tests.factories import (
    AttendanceFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

EFFECT = "enkater:effect"
LIST = "enkater:effect-non-responders"


@pytest.fixture
def programme(ale, molndal):
    today = timezone.localdate()
    p = ProgrammeFactory(
        code="MODIG",
        municipalities=[ale, molndal],
        start_date=today - dt.timedelta(days=400),
        end_date=today + dt.timedelta(days=100),
    )
    ensure_default_surveys(p)
    return p


def manager(programme, municipality, *, email="x@example.se", days_ago=40, last_name=None):
    workplace = WorkplaceFactory(municipality=municipality)
    extra = {"last_name": last_name} if last_name else {}
    person = PersonFactory(
        workplace=workplace, target_group=TargetGroup.OPERATIVE_MANAGER, email=email, **extra
    )
    session = SessionFactory(
        programme=programme,
        municipality=municipality,
        date=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
    return person


def answer_rutin(programme, person, value="ja"):
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    response = Response.objects.create(
        survey=survey, person=person, moment="uppföljning", answered_on=timezone.localdate()
    )
    Answer.objects.create(
        response=response, question=Question.objects.get(survey=survey, code="rutin"), value=value
    )


def cell(html: str, municipality_code: str, key: str) -> str:
    row = re.search(rf'<tr data-municipality="{municipality_code}">(.*?)</tr>', html, re.S)
    assert row, municipality_code
    found = re.search(rf'<td data-indicator="{key}">(.*?)</td>', row.group(1), re.S)
    assert found, key
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_a_group_of_four_shows_no_share_and_a_group_of_five_does(
    client_as, programme_leader, programme, ale, molndal
):
    for i in range(4):
        answer_rutin(programme, manager(programme, ale), "ja" if i < 3 else "nej")
    for i in range(5):
        answer_rutin(programme, manager(programme, molndal), "ja" if i < 4 else "nej")

    html = client_as(programme_leader).get(reverse(EFFECT)).content.decode()

    ale_cell = cell(html, "1440", "managers_changed_routine")
    assert "färre än 5 svar" in ale_cell and "4 svarande" in ale_cell
    assert "%" not in ale_cell and "ja" not in ale_cell.replace("svarande", "")
    molndal_cell = cell(html, "1481", "managers_changed_routine")
    assert molndal_cell == "80 % 4 ja av 5 svarande"
    # The programme-wide card: 9 respondents, 7 ja.
    assert "7 svarade ja av 9 svarande" in html


def test_local_leader_sees_only_their_municipality(client_as, local_leader_ale, programme, ale, molndal):
    manager(programme, ale, last_name="Alebo")
    manager(programme, molndal, last_name="Mölndalsbo")
    client = client_as(local_leader_ale)

    page = client.get(reverse(EFFECT))
    assert page.status_code == 200
    assert page.context["scope"].municipality == ale
    assert 'data-municipality="1481"' not in page.content.decode()

    # Asking for Mölndal by id: a clear 400, no Mölndal figures.
    forced = client.get(reverse(EFFECT), {"municipality": molndal.pk})
    assert forced.status_code == 400
    assert 'data-municipality="1481"' not in forced.content.decode()

    listed = client.get(reverse(LIST))
    assert "Alebo" in listed.content.decode()
    assert "Mölndalsbo" not in listed.content.decode()
    assert client.get(reverse(LIST), {"municipality": molndal.pk}).status_code == 400


def test_local_leader_cannot_remind_a_molndal_person_by_a_posted_id(
    client_as, local_leader_ale, programme, ale, molndal, django_capture_on_commit_callbacks
):
    ale_person = manager(programme, ale)
    stranger = manager(programme, molndal, last_name="Mölndalsbo")
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    client = client_as(local_leader_ale)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(LIST),
            {"programme": programme.pk, "survey": survey.pk, "person": [ale_person.pk, stranger.pk]},
        )
    assert response.status_code == 400
    assert (
        "1 av de markerade deltagarna finns inte bland dem som inte har svarat" in response.content.decode()
    )
    assert "Mölndalsbo" not in response.content.decode()
    assert mail.outbox == []
    assert not Notification.objects.exists()
    # "Påminn alla" reaches Ale only.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(LIST), {"programme": programme.pk, "survey": survey.pk, "everyone": "1"})
    assert [m.to for m in mail.outbox] == [[ale_person.email]]


def test_a_reminder_is_sent_once_per_person_survey_and_day(
    client_as, local_leader_ale, programme, ale, django_capture_on_commit_callbacks
):
    first = manager(programme, ale, email="forsta@example.se")
    manager(programme, ale, email="andra@example.se")
    without = manager(programme, ale, email="", last_name="Utanpost")
    answered = manager(programme, ale, email="svarat@example.se")
    answer_rutin(programme, answered)
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    client = client_as(local_leader_ale)
    data = {"programme": programme.pk, "survey": survey.pk, "person": [first.pk]}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(LIST), data, follow=True)
    assert response.status_code == 200
    assert "En påminnelse skickas till 1 deltagare." in response.content.decode()
    assert [m.to for m in mail.outbox] == [["forsta@example.se"]]
    assert mail.outbox[0].subject.startswith("Påminnelse: ")
    assert first.first_name in mail.outbox[0].body
    # The personal answer link (enkater.links), absolute, opens the follow-up without an account.
    link = re.search(r"https?://\S+/enkater/svar/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    from urllib.parse import urlsplit

    from django.test import Client

    phone = Client().get(urlsplit(link.group(0)).path)
    assert phone.status_code == 200
    assert survey.name_sv in phone.content.decode()

    # A double click (the same post again): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse(LIST), data, follow=True)
    assert len(mail.outbox) == 1
    assert "har redan fått en påminnelse om enkäten i dag" in again.content.decode()

    # Everyone: the second gets one, the one without e-mail is named, the one who answered is not listed.
    with django_capture_on_commit_callbacks(execute=True):
        everyone = client.post(reverse(LIST), {**data, "person": [], "everyone": "1"}, follow=True)
    assert sorted(m.to[0] for m in mail.outbox) == ["andra@example.se", "forsta@example.se"]
    text = everyone.content.decode()
    assert "Saknar e-post" in text and "Utanpost" in text
    assert (
        Notification.objects.filter(kind=NotificationKind.SURVEY_REMINDER, sent_at__isnull=False).count() == 2
    )
    assert answered.last_name not in client.get(reverse(LIST)).content.decode()
    assert without.last_name in client.get(reverse(LIST)).content.decode()


def test_nothing_chosen_is_a_clear_message(client_as, local_leader_ale, programme, ale):
    manager(programme, ale)
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    response = client_as(local_leader_ale).post(
        reverse(LIST), {"programme": programme.pk, "survey": survey.pk}
    )
    assert response.status_code == 400
    assert "Markera minst en deltagare" in response.content.decode()


def test_coordinator_reads_the_dashboard_but_cannot_list_or_remind(client_as, coordinator, programme):
    client = client_as(coordinator)
    assert client.get(reverse(EFFECT)).status_code == 200
    assert client.get(reverse(LIST)).status_code == 403
    assert client.post(reverse(LIST), {}).status_code == 403


def test_the_lagesbild_shows_the_indicators_with_a_link(client_as, programme_leader, programme, ale):
    for _ in range(5):
        answer_rutin(programme, manager(programme, ale))
    # The card comes after the page (rapporter.views.dashboard_effect_card), then inline.
    html = client_as(programme_leader).get(reverse("rapporter:dashboard-effect-card")).content.decode()
    assert "Resultatindikatorer" in html
    assert "5 svarade ja av 5 svarande" in html
    assert reverse(EFFECT) in html
    assert (
        "5 svarade ja av 5 svarande"
        in client_as(programme_leader).get(reverse("rapporter:dashboard")).content.decode()
    )


def _add(programme, municipality, n):
    for i in range(n):
        person = manager(programme, municipality)
        if i % 2:
            answer_rutin(programme, person)


@pytest.mark.parametrize("url", [EFFECT, LIST])
def test_query_counts_are_flat(
    client_as, programme_leader, programme, ale, molndal, django_assert_max_num_queries, url
):
    client = client_as(programme_leader)
    _add(programme, ale, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(reverse(url))  # warm: the session, the default surveys
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(url)).status_code == 200
    _add(programme, ale, 30)
    _add(programme, molndal, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(reverse(url)).status_code == 200


def test_free_text_on_the_page_only_from_five_respondents(
    client_as, programme_leader, coordinator, programme, ale
):
    from enkater.models import QuestionKind

    survey = Survey.objects.create(programme=programme, code="EGEN", name_sv="Egen", moments=["uppföljning"])
    question = Question.objects.create(
        survey=survey, code="tankar", kind=QuestionKind.TEXT, text_sv="Tankar?"
    )

    def text(value):
        person = manager(programme, ale)
        response = Response.objects.create(
            survey=survey, person=person, moment="uppföljning", answered_on=timezone.localdate()
        )
        Answer.objects.create(response=response, question=question, value=value)

    for i in range(4):
        text(f"Hemligt svar {i}")
    html = client_as(programme_leader).get(reverse(EFFECT)).content.decode()
    assert 'data-free-text="suppressed"' in html
    assert "Hemligt svar" not in html

    text("Hemligt svar 4")
    html = client_as(programme_leader).get(reverse(EFFECT)).content.decode()
    assert all(f"Hemligt svar {i}" in html for i in range(5))
    # Free text is for the programme leader who built the survey: never the coordinator.
    assert "Hemligt svar" not in client_as(coordinator).get(reverse(EFFECT)).content.decode()


def test_a_municipality_outside_the_programme_is_a_clear_message(client_as, programme_leader, programme):
    from tests.factories import MunicipalityFactory

    kungalv = MunicipalityFactory(code="1482", name="Kungälv")
    response = client_as(programme_leader).get(
        reverse(EFFECT), {"programme": programme.pk, "municipality": kungalv.pk}
    )
    assert response.status_code == 400
    assert "Kommunen deltar inte i det valda programmet" in response.content.decode()


def test_total_hours_are_rounded_once_as_in_every_report(
    client_as, programme_leader, programme, ale, molndal
):
    # 1 minute in each municipality: each shows 0,02 h, but the total is 2 min = 0,03 h (not 0,04),
    # the same figure as the ESF summary.
    from rapporter.queries import esf_summary

    for municipality in (ale, molndal):
        person = manager(programme, municipality)
        person.attendances.update(minutes=1)
        rollups.refresh_people(person_ids=[person.pk])  # as the services write attendance
    context = client_as(programme_leader).get(reverse(EFFECT)).context
    assert [row["hours"] for row in context["rows"]] == [0.02, 0.02]
    esf = esf_summary(programme=programme, date_from=programme.start_date, date_to=programme.end_date)
    assert context["totals"]["hours"] == esf["totals"]["participant_hours"] == 0.03


def test_the_lagesbild_card_is_cached_and_an_answer_shows_at_once(
    client_as, programme_leader, programme, ale, django_capture_on_commit_callbacks
):
    # The card costs seconds at 100 × Modig: cached like the dashboard's counts, and an answer
    # through the service (tablet, phone) starts a new data version, so it shows at once.
    from enkater.answering import response_submit

    people = [manager(programme, ale) for _ in range(5)]
    for person in people[:4]:
        answer_rutin(programme, person)
    client = client_as(programme_leader)
    url = reverse("rapporter:dashboard")
    first = client.get(reverse("rapporter:dashboard-effect-card")).content.decode()
    assert "färre än 5 svar" in first and "5 svarade ja" not in first
    with CaptureQueriesContext(connection) as warm:
        client.get(url)
    assert not [q for q in warm.captured_queries if "enkater_response" in q["sql"]]
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    with django_capture_on_commit_callbacks(execute=True):
        response_submit(
            survey=survey, person=people[4], moment="uppföljning", values={"rutin": "ja"}, source="länk"
        )
    assert "5 svarade ja" not in client.get(url).content.decode()  # a new version: not cached yet
    assert (
        "5 svarade ja av 5 svarande"
        in client.get(reverse("rapporter:dashboard-effect-card")).content.decode()
    )
