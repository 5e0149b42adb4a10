"""Writing through the API: the people import's rules, the tablet's idempotent submission."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from api.messages import API_NOT_FOUND, API_UNKNOWN_FIELD
from kurser.models import Attendance, Session
from kurser.services import ATTENDANCE_PERSON_UNKNOWN, SUBMISSION_CONFLICT
from ombud.importing import MUNICIPALITY_OUTSIDE_SCOPE, PERSON_OUTSIDE_SCOPE, VALUE_REQUIRED
from ombud.models import AuditLog, Person
from tests.factories import (
    CourseFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkplaceFactory,
    make_personnummer,
)

URL = "/api/v1/people/"


def _person(n: int, **over) -> dict:
    return {
        "personnummer": make_personnummer(n),
        "first_name": "Anna",
        "last_name": f"Andersson{n}",
        "municipality": "Ale",
        "workplace": "Hemtjänst Alafors",
        "sector": "äldreomsorg",
        "target_group": "baspersonal",
        "email": "",
        **over,
    }


@pytest.mark.django_db
def test_hr_upsert_is_idempotent(key_ale, ale):
    people = [_person(1), _person(2, gender="annat")]
    first = key_ale.post(URL, people, format="json")
    assert first.status_code == 200, first.content
    assert first.json() == {"total": 2, "created": 2, "updated": 0, "unchanged": 0}
    again = key_ale.post(URL, people, format="json")
    assert again.json() == {"total": 2, "created": 0, "updated": 0, "unchanged": 2}
    assert Person.objects.filter(municipality=ale).count() == 2
    changed = key_ale.post(URL, [_person(1, last_name="Berg")], format="json")
    assert changed.json() == {"total": 1, "created": 0, "updated": 1, "unchanged": 0}
    assert Person.objects.get(personnummer=make_personnummer(1)).last_name == "Berg"


@pytest.mark.django_db
def test_every_upsert_is_audited_under_the_key(key_ale, ale):
    key_ale.post(URL, [_person(1)], format="json")
    entry = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert entry.user == key_ale.key.user
    assert entry.detail["created"] == 1


@pytest.mark.django_db
def test_upsert_row_errors_are_the_importers_and_name_the_field(key_ale, ale):
    response = key_ale.post(URL, [_person(1), _person(2, first_name="")], format="json")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"row": 2, "field": "first_name", "message": f"rad 2: förnamn: {VALUE_REQUIRED}"}]
    }
    assert not Person.objects.exists()  # all or nothing


@pytest.mark.django_db
def test_a_key_of_ale_cannot_write_molndal(key_ale, ale, molndal):
    stranger = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    response = key_ale.post(
        URL,
        [_person(1, municipality="Mölndal"), _person(2, personnummer=stranger.personnummer)],
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "row": 1,
            "field": "municipality",
            "message": "rad 1: kommun: " + str(MUNICIPALITY_OUTSIDE_SCOPE) % {"value": "Mölndal"},
        },
        {"row": 2, "field": "personnummer", "message": f"rad 2: personnummer: {PERSON_OUTSIDE_SCOPE}"},
    ]
    stranger.refresh_from_db()
    assert stranger.municipality == molndal


@pytest.mark.django_db
def test_unknown_fields_and_wrong_types_are_400_naming_the_field(key_ale, ale):
    unknown = key_ale.post(URL, [{**_person(1), "lön": 1}], format="json")
    assert unknown.status_code == 400
    # DRF names the item by its position in the list (from 0) and the field inside it.
    assert unknown.json() == {"0": {"lön": [str(API_UNKNOWN_FIELD)]}}
    wrong = key_ale.post(URL, [_person(1, first_name=["Anna"])], format="json")
    assert wrong.status_code == 400 and "first_name" in wrong.json()["0"]
    not_a_list = key_ale.post(URL, {"people": 1}, format="json")
    assert not_a_list.status_code == 400
    malformed = key_ale.post(URL, "[{", content_type="application/json")
    assert malformed.status_code == 400 and "detail" in malformed.json()
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_read_only_key_may_not_write(key_coordinator, ale):
    assert key_coordinator.post(URL, [_person(1)], format="json").status_code == 403
    assert not Person.objects.exists()


# --- sessions with attendance -------------------------------------------------------------------


@pytest.fixture
def setup(ale, molndal):
    programme = ProgrammeFactory(code="MODIG", municipalities=[ale, molndal])
    workplace = WorkplaceFactory(municipality=ale)
    return {
        "programme": programme,
        "course": CourseFactory(title="Teams grund"),
        "workplace": workplace,
        "trainer": PersonFactory(workplace=workplace, target_group="digitaliseringsombud"),
        "colleague": PersonFactory(workplace=workplace),
        "stranger": PersonFactory(workplace=WorkplaceFactory(municipality=molndal)),
        "ale": ale,
        "molndal": molndal,
    }


def _session(setup, client_id, marks, **over) -> dict:
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    return {
        "client_id": str(client_id),
        "programme": setup["programme"].pk,
        "course": setup["course"].pk,
        "municipality": setup["ale"].pk,
        "workplace": setup["workplace"].pk,
        "trainer": setup["trainer"].pk,
        "date": yesterday.isoformat(),
        "start_time": "10:00",
        "planned_minutes": 60,
        "marks": marks,
        **over,
    }


@pytest.mark.django_db
def test_a_session_with_attendance_is_stored_once_per_client_id(key_ale, setup):
    client_id = uuid.uuid4()
    body = _session(setup, client_id, [{"person": setup["colleague"].pk, "status": "närvarande"}])
    first = key_ale.post("/api/v1/sessions/", body, format="json")
    assert first.status_code == 201, first.content
    replay = key_ale.post("/api/v1/sessions/", body, format="json")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    session = Session.objects.get()
    assert session.status == Session.Status.HELD
    assert Attendance.objects.get().person == setup["colleague"]
    assert session.created_by == key_ale.key.user
    assert AuditLog.objects.filter(user=key_ale.key.user, detail__session=session.pk).count() == 1
    other = key_ale.post("/api/v1/sessions/", {**body, "planned_minutes": 90}, format="json")
    assert other.status_code == 409 and other.json() == {"detail": str(SUBMISSION_CONFLICT)}
    assert Session.objects.count() == 1


@pytest.mark.django_db
def test_a_session_out_of_scope_is_refused(key_ale, setup):
    body = _session(setup, uuid.uuid4(), [], municipality=setup["molndal"].pk, workplace=None)
    response = key_ale.post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"municipality": [str(API_NOT_FOUND)]}
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_a_person_of_another_municipality_cannot_be_marked(key_ale, setup):
    body = _session(setup, uuid.uuid4(), [{"person": setup["stranger"].pk, "status": "närvarande"}])
    response = key_ale.post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": str(ATTENDANCE_PERSON_UNKNOWN)}
    assert not Session.objects.exists() and not Attendance.objects.exists()


@pytest.mark.django_db
def test_attendance_on_an_existing_session_is_the_tablets(key_ale, setup):
    created = key_ale.post("/api/v1/sessions/", _session(setup, uuid.uuid4(), []), format="json").json()
    url = f"/api/v1/sessions/{created['session']}/attendance/"
    body = {
        "client_id": str(uuid.uuid4()),
        "marks": [{"person": setup["colleague"].pk, "status": "sen", "minutes": 40}],
    }
    first = key_ale.post(url, body, format="json")
    assert first.status_code == 201, first.content
    assert key_ale.post(url, body, format="json").json() == first.json()
    assert Attendance.objects.get().minutes == 40
    wrong = key_ale.post(url, {**body, "marks": [{"person": "x", "status": "sen"}]}, format="json")
    assert wrong.status_code == 400 and "marks" in wrong.json()


@pytest.mark.django_db
def test_a_read_only_key_may_not_create_sessions(key_coordinator, setup):
    response = key_coordinator.post("/api/v1/sessions/", _session(setup, uuid.uuid4(), []), format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_unknown_fields_in_a_session_body_are_named(key_ale, setup):
    body = {**_session(setup, uuid.uuid4(), []), "room": "A1"}
    response = key_ale.post("/api/v1/sessions/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"room": [str(API_UNKNOWN_FIELD)]}
    body.pop("room")
    wrong = key_ale.post("/api/v1/sessions/", {**body, "planned_minutes": "lång"}, format="json")
    assert wrong.status_code == 400 and "planned_minutes" in wrong.json()


@pytest.mark.django_db
def test_the_readme_curl_example_works(key_ale, ale):
    import json
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = re.search(r"POST https://modig\.example\.se/api/v1/people/.*?-d '(.*?)'", readme, re.S)
    assert example, "the README's curl example is missing"
    response = key_ale.post(URL, json.loads(example.group(1)), format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"total": 1, "created": 1, "updated": 0, "unchanged": 0}


@pytest.mark.django_db
def test_protocol_errors_answer_in_the_portals_words(key_ale):
    """DRF's own parse, media-type and method errors come in English; the API answers with the
    portal's messages (Swedish by default) instead."""
    from api.messages import API_MALFORMED_JSON, API_METHOD_NOT_ALLOWED, API_UNSUPPORTED_MEDIA

    broken = key_ale.generic("POST", URL, "{bad json", content_type="application/json")
    assert broken.status_code == 400
    assert broken.json() == {"detail": str(API_MALFORMED_JSON)}
    form = key_ale.generic("POST", URL, "a=b", content_type="text/plain")
    assert form.status_code == 415
    assert form.json() == {"detail": str(API_UNSUPPORTED_MEDIA)}
    wrong_method = key_ale.delete(URL)
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"detail": str(API_METHOD_NOT_ALLOWED) % {"method": "DELETE"}}
