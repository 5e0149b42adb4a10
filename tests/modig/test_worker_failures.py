"""Failure tests against the real services (CI; skipped locally when PostgreSQL or Redis is
absent): a real prefork Celery worker whose pool process is killed with SIGKILL in the middle of
a report, and the sweeper run by a real worker (issue 9 item 4 and "failure tests")."""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from pathlib import Path

import pytest
from django.utils import timezone

from rapporter import services
from rapporter.models import Report
from tests.factories import ProgrammeFactory, UserFactory
from tests.services import celery_worker, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def pool_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def order(programme, user, fmt=Report.Format.PDF) -> Report:
    return services.report_request(
        kind=Report.Kind.ESF_SUMMARY,
        format=fmt,
        programme=programme,
        period_from=programme.start_date,
        period_to=programme.end_date,
        by=user,
    )


def test_sigkill_of_the_pool_process_mid_report_finishes_the_report_exactly_once(settings, tmp_path):
    hold = tmp_path / "hold"
    hold.touch()
    extra = {"MODIG_TEST_HOLD_MARKER": str(hold), "REPORT_HEARTBEAT_SECONDS": "1"}
    with celery_worker(
        settings, tmp_path, app="tests.modig.slow_worker", pool="prefork", extra_env=extra
    ) as proc:
        report = order(ProgrammeFactory(code="KILL"), UserFactory(role="samordnare"))
        report = wait_for(report, {Report.Status.RUNNING}, seconds=30)
        first_task = report.task_id
        assert first_task
        # The worker beats while it renders (held here): the heartbeat moves on.
        deadline = time.monotonic() + 10
        while report.heartbeat_at <= report.started_at + dt.timedelta(seconds=1):
            assert time.monotonic() < deadline, "ingen heartbeat från arbetaren"
            time.sleep(0.3)
            report.refresh_from_db()
        children = pool_children(proc.pid)
        assert len(children) == 1, children
        os.kill(children[0], signal.SIGKILL)
        hold.unlink()  # the redelivered attempt renders at once
        report = wait_for(report, {Report.Status.DONE, Report.Status.FAILED}, seconds=50)
        assert report.status == Report.Status.DONE, (report.error, proc.log_tail())
        assert report.task_id == first_task  # the same task, delivered again, took its claim over
        files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
        assert len(files) == 1, files
        with report.file.open("rb") as f:
            assert f.read(5) == b"%PDF-"


def test_the_sweeper_run_by_a_real_worker_fails_a_stuck_report(settings, tmp_path):
    from rapporter.tasks import report_sweep

    with celery_worker(settings, tmp_path, app="modig", pool="solo"):
        programme = ProgrammeFactory(code="SWEEP")
        user = UserFactory(role="samordnare")
        stuck = Report.objects.create(
            kind=Report.Kind.ESF_SUMMARY,
            format=Report.Format.PDF,
            programme=programme,
            period_from=programme.start_date,
            period_to=programme.end_date,
            requested_by=user,
            status=Report.Status.RUNNING,
            task_id="killed-long-ago",
            started_at=timezone.now() - dt.timedelta(hours=1),
            heartbeat_at=timezone.now() - services.heartbeat_timeout() * 2,
            progress=40,
        )
        report_sweep.delay()
        stuck = wait_for(stuck, {Report.Status.FAILED}, seconds=30)
        assert stuck.error == str(services.FAILED_WORKER_LOST)
