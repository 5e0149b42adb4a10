"""Personas (one fixture per role, defined once) and shared test settings."""

from __future__ import annotations

import os

import pytest

from ombud.models import Role
from tests.factories import MunicipalityFactory, PersonFactory, UserFactory, WorkplaceFactory

IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # No collectstatic in tests: plain static storage. Media into a temporary folder.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # ops: eager reports render in the calling thread in tests (the embedded server uses a thread).
    settings.REPORT_EAGER_IN_BACKGROUND = False
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Tasks run in the test's process, even in CI where CELERY_BROKER_URL is set. The tests that
    start a real worker (tests/modig/test_celery_worker.py) switch this off for themselves."""
    from modig.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def ale(db):
    return MunicipalityFactory(code="1440", name="Ale")


@pytest.fixture
def molndal(db):
    return MunicipalityFactory(code="1481", name="Mölndal")


@pytest.fixture
def programme_leader(db):
    return UserFactory(username="programledare", role=Role.PROGRAMME_LEADER)


@pytest.fixture
def local_leader_ale(ale):
    return UserFactory(username="lokal.ale", role=Role.LOCAL_LEADER, municipalities=[ale])


@pytest.fixture
def ombud_molndal(molndal):
    workplace = WorkplaceFactory(municipality=molndal, name="Hemtjänst Centrum")
    person = PersonFactory(workplace=workplace, target_group="digitaliseringsombud")
    return UserFactory(username="ombud.molndal", role=Role.OMBUD, person=person)


@pytest.fixture
def coordinator(db):
    return UserFactory(username="samordnare", role=Role.COORDINATOR)


@pytest.fixture
def outsider(db):
    """Logged in, but with no role: sees nothing."""
    return UserFactory(username="utomstaende", role="")


@pytest.fixture
def programme(request, ale, molndal):
    """The Modig programme over Ale and Mölndal, defined once. A module that needs held sessions
    in it declares them once, in the order they are added (`add_activity`'s arguments):
    `pytest.mark.programme_activity(ale={"sessions": 2, "per_session": 3}, molndal={...})`."""
    from tests.rapporter.web_data import add_activity, modig

    p = modig(ale, molndal)
    marker = request.node.get_closest_marker("programme_activity")
    if marker is not None:
        places = {"ale": ale, "molndal": molndal}
        for place, activity in marker.kwargs.items():
            add_activity(p, places[place], **activity)
    return p


@pytest.fixture
def client_as(client):
    """`client_as(user)` logs the test client in as that user and returns it."""

    def login(user):
        client.force_login(user)
        return client

    return login


def pytest_collection_modifyitems(config, items):
    """Under `pytest -n 2 --dist loadgroup` (make test), the tests that start a real Celery worker
    run one after another on one xdist worker: a Celery worker started for one test database
    must not take the tasks another test queued on the same broker."""
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.xdist_group("services"))
