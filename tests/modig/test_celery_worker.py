"""A real Celery worker (a separate process, not eager) takes a task from Redis and writes to
PostgreSQL. Runs in CI (.ci/run); skipped locally when PostgreSQL or Redis is absent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rapporter.models import Report
from tests.factories import ProgrammeFactory, UserFactory
from tests.services import database_url_for_subprocess, require_real_services

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings, tmp_path):
    require_real_services()
    from modig.celery import app

    queue = f"modig-test-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "modig.settings",
    }
    log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "modig",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    old_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            replies = app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=1)
            if replies:
                break
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail("Celery-arbetaren startade inte:\n" + log.read()[-3000:])
        else:
            log.seek(0)
            pytest.fail("Celery-arbetaren svarade inte inom 60 s:\n" + log.read()[-3000:])
        yield proc
    finally:
        app.conf.task_default_queue = old_queue
        app.conf.task_always_eager = True
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def wait_for(report: Report, statuses: set[str], seconds: float = 60) -> Report:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in statuses:
            return report
        time.sleep(0.2)
    raise AssertionError(f"rapporten fick aldrig status {statuses}, har {report.status}")


def test_real_worker_renders_a_report_into_postgresql(real_worker, settings):
    from rapporter.services import report_request

    programme = ProgrammeFactory(code="WORKER")
    user = UserFactory(role="samordnare")
    report = report_request(
        kind=Report.Kind.ESF_SUMMARY,
        format=Report.Format.PDF,
        programme=programme,
        period_from=programme.start_date,
        period_to=programme.end_date,
        by=user,
    )
    report = wait_for(report, {Report.Status.DONE, Report.Status.FAILED})
    assert report.status == Report.Status.DONE, report.error
    assert report.started_at and report.finished_at
    with report.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"
