"""The key page: a programme leader creates (shown once), lists and revokes keys."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from ombud.models import ApiKey, AuditLog, Role
from ombud.services import USER_LOCAL_LEADER_MUNICIPALITIES

PAGE = "/api/nycklar/"


def _key_in(html: str) -> str:
    match = re.search(r'id="new-key">([^<]+)<', html)
    assert match, "the new key is not shown"
    return match.group(1)


@pytest.mark.django_db
def test_programme_leader_creates_a_key_shown_once(client_as, programme_leader, ale):
    client = client_as(programme_leader)
    response = client.post(PAGE, {"name": "HR Ale", "role": Role.LOCAL_LEADER, "municipalities": [ale.pk]})
    assert response.status_code == 200
    raw = _key_in(response.content.decode())
    key = ApiKey.objects.get()
    assert key.user.role == Role.LOCAL_LEADER and list(key.user.municipalities.all()) == [ale]
    assert raw not in client.get(PAGE).content.decode()  # never again
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/municipalities/").status_code == 200
    assert AuditLog.objects.filter(user=programme_leader, what__contains=key.prefix).exists()


@pytest.mark.django_db
def test_a_local_key_needs_a_municipality(client_as, programme_leader):
    response = client_as(programme_leader).post(PAGE, {"name": "HR", "role": Role.LOCAL_LEADER})
    assert response.status_code == 400
    assert str(USER_LOCAL_LEADER_MUNICIPALITIES) in response.content.decode()
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_revoking_a_key_answers_401_from_then_on(client_as, programme_leader, key_programme):
    response = client_as(programme_leader).post(reverse("api:key-revoke", args=[key_programme.key.pk]))
    assert response.status_code == 302
    assert key_programme.get("/api/v1/municipalities/").status_code == 401
    assert "återkallad" in client_as(programme_leader).get(PAGE).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["local_leader_ale", "coordinator", "ombud_molndal"])
def test_only_programme_leaders_manage_keys(client_as, request, persona, key_programme):
    client = client_as(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403
    assert client.post(reverse("api:key-revoke", args=[key_programme.key.pk])).status_code == 403
    assert ApiKey.objects.get().active


@pytest.mark.django_db
def test_key_accounts_are_not_in_the_user_list(client_as, programme_leader, key_programme):
    html = client_as(programme_leader).get(reverse("ombud:user-list")).content.decode()
    assert key_programme.key.user.username not in html
    account = key_programme.key.user.pk
    assert client_as(programme_leader).get(reverse("ombud:user-edit", args=[account])).status_code == 404
