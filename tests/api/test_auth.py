"""Keys: Bearer only, one 401 for every failure, revocation, throttling (issue 13)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.messages import API_KEY_INVALID
from ombud.apikeys import api_key_revoke
from ombud.models import ApiKey

URL = "/api/v1/municipalities/"


def _answers(client) -> tuple[int, dict]:
    response = client.get(URL)
    return response.status_code, response.json()


@pytest.mark.django_db
def test_a_valid_key_is_answered(key_programme, ale):
    status, body = _answers(key_programme)
    assert status == 200
    assert [m["code"] for m in body["results"]] == ["1440"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [None, "Bearer modig_00000000_wrong", "Bearer", "Token abc", "Basic dXNlcjpwYXNz", "Bearer a b"],
)
def test_missing_or_wrong_key_is_401_and_nothing_else(header, ale):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    status, body = _answers(client)
    assert status == 401
    assert body == {"detail": str(API_KEY_INVALID)}


@pytest.mark.django_db
def test_revoked_key_is_401_like_an_unknown_one(key_programme, programme_leader, ale):
    api_key_revoke(key=key_programme.key, by=programme_leader)
    status, body = _answers(key_programme)
    assert (status, body) == (401, {"detail": str(API_KEY_INVALID)})


@pytest.mark.django_db
def test_a_key_is_stored_only_as_its_hash(key_programme):
    stored = ApiKey.objects.get(pk=key_programme.key.pk)
    assert key_programme.raw not in (stored.key_hash, stored.prefix)
    assert key_programme.raw.startswith(f"modig_{stored.prefix}_")


@pytest.mark.django_db
def test_use_is_recorded_on_the_key(key_programme):
    assert ApiKey.objects.get(pk=key_programme.key.pk).last_used_at is None
    _answers(key_programme)
    assert ApiKey.objects.get(pk=key_programme.key.pk).last_used_at is not None


@pytest.mark.django_db
def test_a_signed_in_user_is_not_a_key(client, programme_leader):
    client.force_login(programme_leader)
    response = client.get(URL)
    assert response.status_code == 401


@pytest.mark.django_db
def test_the_key_account_cannot_sign_in_to_the_pages(client, key_programme):
    account = key_programme.key.user
    assert not account.has_usable_password()


@pytest.mark.django_db
def test_requests_are_throttled_per_key(settings, make_key, ale):
    from ombud.models import Role

    settings.API_THROTTLE_RATE = "2/min"
    first, second = make_key(Role.PROGRAMME_LEADER), make_key(Role.PROGRAMME_LEADER)
    assert [first.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(URL).status_code == 200  # another key has its own count
