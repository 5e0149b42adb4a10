"""Who may be marked on a session (issue 9 items 2 and 3): people of the session's municipality,
invited people, and the people the walk-in search may show — one rule (`access.people_markable`)
for the tablet submit, the invitation, the walk-in search and the QR check-in. Anyone else is
refused with 400, nothing stored and no name echoed."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from kurser import checkin, services
from kurser.models import Attendance, AttendanceStatus, Submission
from ombud import access
from tests.factories import PersonFactory, WorkplaceFactory
from tests.kurser.conftest import started_session

pytestmark = pytest.mark.django_db


def submit(client, session, people):
    body = {
        "client_id": str(uuid.uuid4()),
        "marks": [{"person_id": p.pk, "status": "närvarande", "minutes": None} for p in people],
    }
    return client.post(
        reverse("kurser:session-attendance-submit", args=[session.pk]),
        json.dumps(body),
        content_type="application/json",
    )


@pytest.fixture
def ale_person(ale):
    return PersonFactory(
        workplace=WorkplaceFactory(municipality=ale), first_name="Yasmin", last_name="Qvarnhjelm"
    )


@pytest.fixture
def ale_session(programme, course, ale):
    trainer = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    return started_session(programme, course, trainer)


def test_ombud_posting_a_person_of_another_municipality_gets_400_and_nothing_stored(
    client_as, ombud_molndal, session, colleagues, ale_person
):
    r = submit(client_as(ombud_molndal), session, [colleagues[0], ale_person])
    assert r.status_code == 400
    assert r.json() == {"error": str(services.ATTENDANCE_PERSON_UNKNOWN)}
    body = r.content.decode()
    assert ale_person.first_name not in body and ale_person.last_name not in body
    assert not Attendance.objects.filter(person=ale_person).exists()
    assert not Attendance.objects.filter(session=session).exclude(status=AttendanceStatus.REGISTERED).exists()
    assert not Submission.objects.exists()
    state = client_as(ombud_molndal).get(reverse("kurser:session-attendance-state", args=[session.pk]))
    assert ale_person.last_name not in state.content.decode()


def test_local_leader_posting_a_person_of_another_municipality_gets_400(
    client_as, local_leader_ale, ale_session, colleagues
):
    molndal_person = colleagues[0]
    r = submit(client_as(local_leader_ale), ale_session, [molndal_person])
    assert r.status_code == 400
    assert molndal_person.last_name not in r.content.decode()
    assert not Attendance.objects.filter(session=ale_session).exists()


def test_a_colleague_of_the_session_municipality_may_be_marked_as_a_walk_in(
    client_as, ombud_molndal, session, molndal
):
    walk_in = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    r = submit(client_as(ombud_molndal), session, [walk_in])
    assert r.status_code == 200
    assert Attendance.objects.get(session=session, person=walk_in).status == AttendanceStatus.PRESENT


def test_an_invited_person_of_another_municipality_may_be_marked(
    client_as, ombud_molndal, session, ale_person, programme_leader
):
    services.session_invite(session=session, people=[ale_person], by=programme_leader)
    r = submit(client_as(ombud_molndal), session, [ale_person])
    assert r.status_code == 200
    assert Attendance.objects.get(session=session, person=ale_person).status == AttendanceStatus.PRESENT


def test_the_programme_leader_may_mark_anyone_of_the_programme(
    client_as, programme_leader, session, ale_person
):
    r = submit(client_as(programme_leader), session, [ale_person])
    assert r.status_code == 200


def test_ombud_cannot_invite_a_person_of_another_municipality(session, ombud_molndal, ale_person):
    with pytest.raises(services.ValidationError) as e:
        services.session_invite(session=session, people=[ale_person], by=ombud_molndal)
    assert e.value.messages == [str(services.ATTENDANCE_PERSON_UNKNOWN)]
    assert not Attendance.objects.filter(person=ale_person).exists()


def test_walk_in_search_shows_exactly_the_markable_people(client_as, ombud_molndal, session, molndal, ale):
    here = PersonFactory(workplace=WorkplaceFactory(municipality=molndal), first_name="Zacharias")
    there = PersonFactory(workplace=WorkplaceFactory(municipality=ale), first_name="Zacharias")
    r = client_as(ombud_molndal).get(
        reverse("kurser:session-person-search", args=[session.pk]), {"q": "Zacharias"}
    )
    page = r.content.decode()
    assert f'data-add-person="{here.pk}"' in page
    assert f'data-add-person="{there.pk}"' not in page
    markable = access.people_markable(ombud_molndal, session)
    assert markable.filter(pk=here.pk).exists() and not markable.filter(pk=there.pk).exists()


def test_qr_check_in_of_a_person_of_another_municipality_is_not_found(client, session, ale_person):
    r = client.post(
        reverse("kurser:checkin", args=[checkin.make_token(session)]),
        {"name": ale_person.full_name, "last_four": ale_person.personnummer[-4:]},
    )
    assert r.status_code == 400
    assert str(services.CHECKIN_NOT_FOUND) in r.content.decode()
    assert not Attendance.objects.filter(person=ale_person).exists()


def test_qr_check_in_of_an_invited_person_of_another_municipality_works(
    client, session, ale_person, programme_leader
):
    services.session_invite(session=session, people=[ale_person], by=programme_leader)
    r = client.post(
        reverse("kurser:checkin", args=[checkin.make_token(session)]),
        {"name": ale_person.full_name, "last_four": ale_person.personnummer[-4:]},
    )
    assert r.status_code == 200
    assert Attendance.objects.get(person=ale_person).status == AttendanceStatus.PRESENT
