"""Reading through the API: the key's role and municipalities, by the same access rules."""

from __future__ import annotations

import pytest

from kurser.models import Attendance, AttendanceStatus
from ombud.models import AuditLog, Role
from rapporter.queries import esf_summary
from tests.factories import PersonFactory, SessionFactory, UserFactory, WorkplaceFactory


@pytest.fixture
def places(ale, molndal):
    out = {}
    for key, municipality in (("ale", ale), ("molndal", molndal)):
        workplace = WorkplaceFactory(municipality=municipality, name=f"Hemtjänst {municipality.name}")
        person = PersonFactory(workplace=workplace, last_name=f"{municipality.name}bo")
        session = SessionFactory(municipality=municipality, workplace=workplace)
        Attendance.objects.create(session=session, person=person, status=AttendanceStatus.PRESENT, minutes=60)
        out[key] = {
            "workplace": workplace,
            "person": person,
            "session": session,
            "municipality": municipality,
        }
    return out


def _ids(client, url) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


LISTS = [
    ("/api/v1/municipalities/", "municipality"),
    ("/api/v1/workplaces/", "workplace"),
    ("/api/v1/people/", "person"),
    ("/api/v1/sessions/", "session"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "kind"), LISTS)
def test_a_key_of_ale_never_sees_molndal(key_ale, places, url, kind):
    assert _ids(key_ale, url) == {places["ale"][kind].pk}
    other = places["molndal"][kind].pk
    assert key_ale.get(f"{url}{other}/").status_code == 404
    assert key_ale.get(f"{url}{places['ale'][kind].pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["key_programme", "key_coordinator"])
@pytest.mark.parametrize(("url", "kind"), LISTS)
def test_whole_programme_keys_see_every_municipality(request, places, key, url, kind):
    client = request.getfixturevalue(key)
    assert _ids(client, url) == {places["ale"][kind].pk, places["molndal"][kind].pk}


@pytest.mark.django_db
def test_attendance_of_a_session_out_of_scope_is_404(key_ale, places):
    own = places["ale"]["session"]
    rows = key_ale.get(f"/api/v1/sessions/{own.pk}/attendance/").json()["results"]
    assert [r["person"] for r in rows] == [places["ale"]["person"].pk]
    assert key_ale.get(f"/api/v1/sessions/{places['molndal']['session'].pk}/attendance/").status_code == 404
    assert key_ale.get("/api/v1/sessions/99999999999999999999999/").status_code == 404


@pytest.mark.django_db
def test_programmes_follow_the_scope(key_ale, places, ale, molndal):
    from tests.factories import ProgrammeFactory

    own = ProgrammeFactory(code="ALE", municipalities=[ale])
    other = ProgrammeFactory(code="MOL", municipalities=[molndal])
    assert _ids(key_ale, "/api/v1/programmes/") == {own.pk}
    assert key_ale.get(f"/api/v1/programmes/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_personnummer_shown_to_a_role_that_may_see_it_and_audited(key_ale, places):
    person = places["ale"]["person"]
    row = key_ale.get(f"/api/v1/people/{person.pk}/").json()
    assert row["personnummer"] == person.personnummer_display
    entry = AuditLog.objects.get(action=AuditLog.Action.VIEW_PERSONNUMMER)
    assert entry.user == key_ale.key.user and entry.person == person


@pytest.mark.django_db
def test_personnummer_masked_when_the_role_may_not_see_it(key_ale, places):
    # The account of a key acts with the key's role: were it an ombud's, the number is masked.
    account = key_ale.key.user
    account.role = Role.OMBUD
    account.person = PersonFactory(workplace=places["ale"]["workplace"])
    account.save()
    person = places["ale"]["person"]
    row = key_ale.get("/api/v1/people/").json()["results"]
    shown = {r["id"]: r["personnummer"] for r in row}
    assert shown[person.pk] == person.personnummer_masked
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONNUMMER).exists()


@pytest.mark.django_db
def test_lists_are_keyset_paginated(key_programme, places):
    first = key_programme.get("/api/v1/people/", {"page_size": 1}).json()
    assert len(first["results"]) == 1 and first["next"]
    second = key_programme.get(first["next"]).json()
    assert second["results"][0]["id"] > first["results"][0]["id"]
    assert "count" not in first  # no COUNT(*) over 350,000 rows


@pytest.mark.django_db
def test_esf_summary_is_the_commands_json(key_programme, programme):
    response = key_programme.get(f"/api/v1/programmes/{programme.pk}/esf-summary/")
    assert response.status_code == 200
    assert response.json() == _jsonable(esf_summary(programme=programme))


@pytest.mark.django_db
def test_esf_summary_of_a_local_key_is_its_municipality(key_ale, programme, ale, molndal):
    response = key_ale.get(f"/api/v1/programmes/{programme.pk}/esf-summary/")
    assert response.json() == _jsonable(esf_summary(programme=programme, municipality=ale))
    refused = key_ale.get(f"/api/v1/programmes/{programme.pk}/esf-summary/", {"municipality": molndal.code})
    assert refused.status_code == 400 and "municipality" in refused.json()


@pytest.mark.django_db
def test_esf_summary_refused_to_a_role_without_reports(make_key, programme, ale):
    client = make_key(Role.LOCAL_LEADER, [ale])
    account = client.key.user
    account.role = Role.OMBUD
    account.save()
    assert client.get(f"/api/v1/programmes/{programme.pk}/esf-summary/").status_code in (403, 404)


def _jsonable(data):
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return json.loads(json.dumps(data, cls=JSONEncoder))


@pytest.mark.django_db
def test_a_user_account_is_not_a_key(places):
    UserFactory(username="someone", role=Role.PROGRAMME_LEADER)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer someone")
    assert client.get("/api/v1/people/").status_code == 401
