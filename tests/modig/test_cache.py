"""Redis down is a cache miss, never a failed request (issue 9 item 6).

The production settings choose the cache backend; these tests point that same backend at a port
where nothing listens and use the pages that failed with a 500: the start page, the report list,
the tablet's attendance submit and the person edit (whose write was committed before the cache
call failed).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import reverse

from kurser.models import Attendance, Session
from ombud.models import Person, Role
from tests.factories import (
    CourseFactory,
    OmbudFactory,
    PersonFactory,
    UserFactory,
    WorkplaceFactory,
    load_spec_example,
    modig_programme,
)
from tests.kurser.conftest import started_session

ROOT = Path(__file__).resolve().parents[2]
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1

pytestmark = pytest.mark.django_db


def production_cache_backend() -> str:
    """The cache backend the settings choose when the broker is Redis (read in a subprocess, as
    the settings are read once per process)."""
    env = {k: v for k, v in os.environ.items() if k not in {"CACHE_URL", "DEBUG", "DATABASE_URL"}}
    env["CELERY_BROKER_URL"] = DEAD_REDIS
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "modig.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def backend() -> str:
    return production_cache_backend()


@pytest.fixture
def dead_cache(settings, backend):
    # Django's setting_changed handler drops the cache connections when CACHES changes.
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": DEAD_REDIS, "KEY_PREFIX": "modig"}}


def test_production_settings_use_the_degrading_cache(backend):
    assert backend == "modig.cache.DegradingRedisCache"


def test_a_failing_cache_is_a_miss_and_is_logged(dead_cache, caplog):
    from django.core.cache import cache

    with caplog.at_level(logging.WARNING, logger="modig.cache"):
        assert cache.get("x", "default") == "default"
        assert cache.set("x", 1) is False
        assert cache.add("x", 1) is False
        assert cache.get_or_set("y", 7) == 7
        assert cache.incr("n") == 1
        assert cache.get_many(["a", "b"]) == {}
        cache.delete("x")
    assert any("cache" in r.getMessage().lower() for r in caplog.records)


@pytest.fixture
def leader_with_data():
    programme = modig_programme()
    load_spec_example(programme)
    return UserFactory(username="programledare", role=Role.PROGRAMME_LEADER)


def test_start_page_and_report_list_answer_200_with_redis_down(dead_cache, client_as, leader_with_data):
    client = client_as(leader_with_data)
    assert client.get("/").status_code == 200
    assert client.get(reverse("rapporter:report-list")).status_code == 200
    assert client.get(reverse("rapporter:dashboard")).status_code == 200


def test_person_edit_answers_with_its_redirect_with_redis_down(
    dead_cache, client_as, ale, django_capture_on_commit_callbacks
):
    leader = UserFactory(username="lokal.ale", role=Role.LOCAL_LEADER, municipalities=[ale])
    person = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    data = {
        "first_name": "Greta",
        "last_name": person.last_name,
        "municipality": ale.pk,
        "workplace": person.workplace_id,
        "target_group": "baspersonal",
        "gender": "kvinna",
        "email": "",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(leader).post(reverse("ombud:person-edit", args=[person.pk]), data)
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).first_name == "Greta"


def test_tablet_submit_answers_200_with_redis_down(
    dead_cache, client_as, ombud_molndal, molndal, django_capture_on_commit_callbacks
):
    programme = modig_programme(code="TAB")
    programme.municipalities.add(molndal)
    trainer = ombud_molndal.person
    OmbudFactory(person=trainer).workplaces.add(trainer.workplace)
    people = PersonFactory.create_batch(3, workplace=trainer.workplace)
    session = started_session(programme, CourseFactory(), trainer)
    body = {
        "client_id": str(uuid.uuid4()),
        "marks": [{"person_id": p.pk, "status": "närvarande", "minutes": None} for p in people],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(ombud_molndal).post(
            reverse("kurser:session-attendance-submit", args=[session.pk]),
            json.dumps(body),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content[:500]
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 3
    assert Session.objects.get(pk=session.pk).status == Session.Status.HELD
