"""Helpers for tests that need the real PostgreSQL and Redis (CI runs them; locally they skip
when the services are absent, in CI a missing service fails the run)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_real_services() -> None:
    problems = []
    if connection.vendor != "postgresql":
        problems.append("DATABASE_URL pekar inte på PostgreSQL")
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        problems.append("CELERY_BROKER_URL pekar inte på Redis")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
        except Exception as exc:  # noqa: BLE001
            problems.append(f"Redis svarar inte ({exc})")
    if problems:
        message = "; ".join(problems)
        if IN_CI:
            pytest.fail(f"CI kräver riktiga tjänster: {message}")
        pytest.skip(message)


def database_url_for_subprocess() -> str:
    s = connection.settings_dict
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


@contextlib.contextmanager
def celery_worker(settings, tmp_path, *, app: str, pool: str, extra_env: dict[str, str] | None = None):
    """A real worker process on a queue of its own; the test's tasks are routed to it."""
    require_real_services()
    from modig.celery import app as celery_app

    queue = f"modig-fail-{os.getpid()}-{pool}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "modig.settings",
        "DEBUG": "true",
        **(extra_env or {}),
    }
    log = open(tmp_path / f"worker-{pool}.log", "w+")  # noqa: SIM115 - closed below
    command = [sys.executable, "-m", "celery", "-A", app, "worker", f"--pool={pool}", "--loglevel=INFO"]
    command += [
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    if pool == "prefork":
        command += ["--concurrency=1"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    celery_app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    old_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue

    def tail() -> str:
        log.seek(0)
        return log.read()[-4000:]

    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Celery-arbetaren startade inte:\n" + tail())
        proc.log_tail = tail  # type: ignore[attr-defined]
        yield proc
    finally:
        celery_app.conf.task_default_queue = old_queue
        celery_app.conf.task_always_eager = True
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(report, statuses: set[str], seconds: float = 60):
    """The report once its status is one of `statuses` (polled), or an AssertionError."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in statuses:
            return report
        time.sleep(0.2)
    raise AssertionError(f"rapporten fick aldrig status {statuses}, har {report.status}")
