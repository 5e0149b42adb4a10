"""Settings come from the environment only; bad values stop start-up with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD = {
    "DEBUG": "false",
    "SECRET_KEY": "x7Kq2mZp9Lw4Rt8Yv1Bn6Hc3Jd5Fg0Sa-Ue7Io2Pk9Ml4Nb8Vc1Xz6Qw3Er5Ty0",
    "ALLOWED_HOSTS": "modig.example.se",
    "CSRF_TRUSTED_ORIGINS": "https://modig.example.se",
    "DATABASE_URL": "postgres://modig:secret@db.example.se:5432/modig",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
}


def manage(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    dropped = {*PROD, "EMAIL_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "kanske"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://root@localhost/modig"}, "DATABASE_URL"),
        ({"DATABASE_URL": "inte en url"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "localhost:6379"}, "CELERY_BROKER_URL"),
        ({"EMAIL_URL": "smtp://"}, "EMAIL_URL"),
        ({"AXES_FAILURE_LIMIT": "fem"}, "AXES_FAILURE_LIMIT"),
    ],
)
def test_bad_environment_value_stops_start_up_with_one_line_naming_it(override, variable):
    result = manage("check", env={**PROD, **override})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert lines[0].startswith("Konfigurationsfel:")


def test_embedded_mode_needs_no_environment_at_all():
    result = manage("check")
    assert result.returncode == 0, result.stderr


CELERY_MODE = (
    "from modig.celery import app; from django.conf import settings as s; "
    "print(s.CELERY_TASK_ALWAYS_EAGER, app.conf.task_always_eager, s.CELERY_BROKER_URL)"
)


def test_no_broker_means_eager_tasks():
    # In a fresh process: the autouse fixture of tests/conftest.py sets eager mode in this one.
    result = manage("shell", "--no-imports", "-c", CELERY_MODE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "memory://localhost/"]


def test_a_broker_means_tasks_go_to_the_worker():
    result = manage(
        "shell", "--no-imports", "-c", CELERY_MODE, env={"CELERY_BROKER_URL": "redis://redis:6379/0"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "redis://redis:6379/0"]


def test_celery_is_configured_for_reliability():
    from modig.celery import app

    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.worker_max_tasks_per_child >= 1
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.result_expires is not None
    assert conf.beat_schedule
