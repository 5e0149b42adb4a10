"""Answering on the ombud's tablet (enkater/views/tablet.py): the ombud's list, the answer
submission with its scope, idempotent replay and the rule that the ombud never sees an answer."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from enkater.defaults import ensure_default_surveys
from enkater.models import Answer, Question, QuestionKind, Response, Survey
from enkater.views import tablet
from kurser.models import Attendance, AttendanceStatus, Session
from ombud.models import TargetGroup
from tests.factories import (
    CourseFactory,
    OmbudFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Mitt hemliga svar om chefen"
DIGKOMP_VALUES = {"q-information": "4", "q-kommunikation": "3", "q-innehall": "2", "q-sakerhet": "5"}


def _session(trainer, municipality, *, programme=None, minutes_ago=5, **kwargs) -> Session:
    start = timezone.localtime() - dt.timedelta(minutes=minutes_ago)
    programme = programme or ProgrammeFactory(code="MODIG", municipalities=[municipality])
    ensure_default_surveys(programme)
    return SessionFactory(
        programme=programme,
        course=CourseFactory(title="Teams grund"),
        municipality=municipality,
        workplace=trainer.workplace,
        trainer=trainer,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        status=Session.Status.PLANNED,
        **kwargs,
    )


def _present(session, n, **person):
    people = PersonFactory.create_batch(
        n,
        workplace=session.workplace,
        target_group=person.pop("target_group", TargetGroup.BASE_STAFF),
        **person,
    )
    for p in people:
        Attendance.objects.create(session=session, person=p, status=AttendanceStatus.PRESENT, minutes=60)
    return people


@pytest.fixture
def session(ombud_molndal, molndal):
    s = _session(ombud_molndal.person, molndal)
    # A survey of the programme's own with free text, due at once ("efter" without a "före").
    own = Survey.objects.create(programme=s.programme, code="EGEN", name_sv="Egen enkät", moments=["efter"])
    Question.objects.create(survey=own, code="tankar", position=1, kind=QuestionKind.TEXT, text_sv="Tankar?")
    return s


def _post(client, session, **body):
    payload = {
        "client_id": str(uuid.uuid4()),
        "survey_id": Survey.objects.get(programme=session.programme, code="DIGKOMP").pk,
        "moment": "före",
        "values": DIGKOMP_VALUES,
        "answered_on": timezone.localdate().isoformat(),
        **body,
    }
    url = reverse("enkater:session-tablet-submit", args=[session.pk])
    return client.post(url, json.dumps(payload), content_type="application/json")


# --- the ombud's list ---------------------------------------------------------------------------


def test_list_shows_the_present_people_with_what_waits(client_as, ombud_molndal, session):
    anna, bertil = _present(session, 2)
    absent = PersonFactory(workplace=session.workplace)
    Attendance.objects.create(session=session, person=absent, status=AttendanceStatus.ABSENT)
    response = client_as(ombud_molndal).get(reverse("enkater:session-tablet", args=[session.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert anna.full_name in html and bertil.full_name in html
    assert absent.full_name not in html
    assert "Enkät väntar (2)" in html  # DIGKOMP före and EGEN efter
    assert "2 närvarande" in html
    assert "no-store" in response["Cache-Control"]


def test_answers_never_appear_on_the_list(client_as, ombud_molndal, session):
    anna, _bertil = _present(session, 2)
    client = client_as(ombud_molndal)
    own = Survey.objects.get(programme=session.programme, code="EGEN")
    answer = _post(
        client, session, person_id=anna.pk, survey_id=own.pk, moment="efter", values={"q-tankar": SECRET}
    )
    assert answer.status_code == 200, answer.content
    assert SECRET not in answer.content.decode()
    assert Answer.objects.filter(value=SECRET).count() == 1
    html = client.get(reverse("enkater:session-tablet", args=[session.pk])).content.decode()
    assert SECRET not in html
    # Anna has DIGKOMP före left; Bertil both.
    assert "Enkät väntar (1)" in html and "Enkät väntar (2)" in html


def test_a_person_with_everything_answered_is_klar(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    client = client_as(ombud_molndal)
    own = Survey.objects.get(programme=session.programme, code="EGEN")
    first = _post(client, session, person_id=anna.pk)
    assert first.json() == {"person_id": anna.pk, "pending": 1, "items": f"{own.pk}:efter"}
    second = _post(
        client, session, person_id=anna.pk, survey_id=own.pk, moment="efter", values={"q-tankar": "x"}
    )
    assert second.json() == {"person_id": anna.pk, "pending": 0, "items": ""}
    html = client.get(reverse("enkater:session-tablet", args=[session.pk])).content.decode()
    assert f'id="status-{anna.pk}" data-role="status">Klar<' in html
    assert "Enkät väntar (1)" not in html


def test_the_list_of_another_ombuds_session_is_not_found(client_as, ombud_molndal, molndal):
    other = OmbudFactory(person=PersonFactory(workplace=WorkplaceFactory(municipality=molndal))).person
    theirs = _session(other, molndal)
    (person,) = _present(theirs, 1)
    client = client_as(ombud_molndal)
    assert client.get(reverse("enkater:session-tablet", args=[theirs.pk])).status_code == 404
    assert _post(client, theirs, person_id=person.pk).status_code == 404
    assert not Response.objects.exists()


def test_the_list_is_flat_in_queries(client_as, ombud_molndal, session, django_assert_max_num_queries):
    client = client_as(ombud_molndal)
    url = reverse("enkater:session-tablet", args=[session.pk])
    _present(session, 2)
    client.get(url)  # warm the session and the translation catalogues
    with django_assert_max_num_queries(10) as small:
        assert client.get(url).status_code == 200
    _present(session, 25, target_group=TargetGroup.OPERATIVE_MANAGER)
    with django_assert_max_num_queries(10) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries), len(small.captured_queries)


# --- the answer: scope, bad input, replay -------------------------------------------------------


def test_an_answer_is_stored_from_the_tablet(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    response = _post(client_as(ombud_molndal), session, person_id=anna.pk)
    assert response.status_code == 200, response.content
    stored = Response.objects.get(person=anna)
    assert (stored.survey.code, stored.moment, stored.source) == ("DIGKOMP", "före", Response.Source.TABLET)
    assert stored.answers.count() == 4


def test_a_replayed_answer_is_stored_once(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    client = client_as(ombud_molndal)
    client_id = str(uuid.uuid4())
    first = _post(client, session, person_id=anna.pk, client_id=client_id)
    again = _post(client, session, person_id=anna.pk, client_id=client_id)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Response.objects.filter(person=anna).count() == 1
    assert Answer.objects.filter(response__person=anna).count() == 4


def test_a_second_answer_with_a_new_id_is_refused(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    client = client_as(ombud_molndal)
    assert _post(client, session, person_id=anna.pk).status_code == 200
    second = _post(client, session, person_id=anna.pk, values={"q-information": "1"})
    assert second.status_code == 400
    assert Response.objects.filter(person=anna).count() == 1
    assert Answer.objects.get(response__person=anna, question__code="information").value == "4"


@pytest.mark.parametrize("where", ["not on the list", "absent", "another municipality", "no such id"])
def test_an_answer_for_someone_not_present_is_refused(client_as, ombud_molndal, session, ale, where):
    if where == "not on the list":
        person = PersonFactory(workplace=session.workplace)
    elif where == "absent":
        person = PersonFactory(workplace=session.workplace)
        Attendance.objects.create(session=session, person=person, status=AttendanceStatus.ABSENT)
    else:
        person = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    person_id = 10**12 if where == "no such id" else person.pk
    response = _post(client_as(ombud_molndal), session, person_id=person_id)
    assert response.status_code == 400
    assert response.json() == {"error": str(tablet.NOT_ON_SESSION)}
    assert person.first_name not in response.content.decode()
    assert person.last_name not in response.content.decode()
    assert not Response.objects.exists()


def test_an_answer_to_another_programmes_survey_is_refused(client_as, ombud_molndal, session, molndal):
    (anna,) = _present(session, 1)
    other = ProgrammeFactory(code="ANNAT", municipalities=[molndal])
    ensure_default_surveys(other)
    foreign = Survey.objects.get(programme=other, code="DIGKOMP")
    response = _post(client_as(ombud_molndal), session, person_id=anna.pk, survey_id=foreign.pk)
    assert response.status_code == 400
    assert response.json() == {"error": str(tablet.SURVEY_NOT_IN_PROGRAMME)}
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"client_id": "nej"},
        {"person_id": "1; DROP TABLE"},
        {"person_id": 10**25},
        {"survey_id": None},
        {"moment": "sen"},
        {"values": ["4"]},
        {"values": {"q-information": 4}},
        {"answered_on": "igår"},
    ],
)
def test_a_malformed_answer_is_refused(client_as, ombud_molndal, session, change):
    (anna,) = _present(session, 1)
    response = _post(client_as(ombud_molndal), session, **{"person_id": anna.pk, **change})
    assert response.status_code == 400
    assert response.json() == {"error": str(tablet.BAD_SUBMISSION)}
    assert not Response.objects.exists()


def test_an_answer_dated_outside_the_session_and_today_is_refused(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    client = client_as(ombud_molndal)
    for day in (session.date - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=1)):
        response = _post(client, session, person_id=anna.pk, answered_on=day.isoformat())
        assert response.json() == {"error": str(tablet.ANSWERED_ON_OUT_OF_RANGE)}
    assert not Response.objects.exists()


def test_an_invalid_value_names_the_question_not_the_person(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    response = _post(client_as(ombud_molndal), session, person_id=anna.pk, values={"q-information": "9"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("Fråga 1:")
    assert anna.first_name not in response.content.decode()
    assert not Response.objects.exists()


def test_an_empty_answer_is_refused(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    response = _post(client_as(ombud_molndal), session, person_id=anna.pk, values={})
    assert response.status_code == 400
    assert not Response.objects.exists()


def test_a_cancelled_session_takes_no_answers(client_as, ombud_molndal, session):
    (anna,) = _present(session, 1)
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    response = _post(client_as(ombud_molndal), session, person_id=anna.pk)
    assert response.json() == {"error": str(tablet.SESSION_CANCELLED)}
    assert not Response.objects.exists()


# --- the way in: the attendance page --------------------------------------------------------------


def test_the_attendance_page_links_to_the_surveys_once_the_session_has_started(
    client_as, ombud_molndal, molndal
):
    client = client_as(ombud_molndal)
    started = _session(ombud_molndal.person, molndal)
    later = _session(ombud_molndal.person, molndal, programme=started.programme, minutes_ago=-120)
    link = reverse("enkater:session-tablet", args=[started.pk])
    assert link in client.get(reverse("kurser:session-attendance", args=[started.pk])).content.decode()
    html = client.get(reverse("kurser:session-attendance", args=[later.pk])).content.decode()
    assert reverse("enkater:session-tablet", args=[later.pk]) not in html


def test_a_walk_in_is_listed_without_a_survey(client_as, ombud_molndal, session):
    walk_in = PersonFactory(
        workplace=session.workplace, temporary=True, personnummer=None, gender="", birth_date=None
    )
    Attendance.objects.create(session=session, person=walk_in, status=AttendanceStatus.PRESENT, minutes=60)
    html = client_as(ombud_molndal).get(reverse("enkater:session-tablet", args=[session.pk])).content.decode()
    assert f'id="status-{walk_in.pk}" data-role="status">Ingen enkät (tillfällig deltagare)<' in html
    assert f'data-person="{walk_in.pk}" data-first-name' not in html  # nothing to hand over
