from __future__ import annotations

import pytest

from ombud.apikeys import api_key_create
from ombud.models import Role


@pytest.fixture
def make_key(db, programme_leader):
    """`make_key(role, municipalities=())` → an API client with that key in its header."""
    from rest_framework.test import APIClient

    def make(role: str, municipalities=()):
        key, raw = api_key_create(
            name=f"HR {role}", role=role, municipalities=municipalities, by=programme_leader
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.key = key
        client.raw = raw
        return client

    return make


@pytest.fixture
def key_ale(make_key, ale):
    return make_key(Role.LOCAL_LEADER, [ale])


@pytest.fixture
def key_programme(make_key):
    return make_key(Role.PROGRAMME_LEADER)


@pytest.fixture
def key_coordinator(make_key):
    return make_key(Role.COORDINATOR)
