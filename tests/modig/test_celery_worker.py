"""A real Celery worker (a separate process, not eager) takes a task from Redis and writes to
PostgreSQL. Runs in CI (.ci/run); skipped locally when PostgreSQL or Redis is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapporter.models import Report
from tests.factories import ProgrammeFactory, UserFactory
from tests.services import celery_worker, wait_for

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker(settings, tmp_path):
    """A real solo worker on a queue of its own (tests/services.py), for the test's tasks."""
    with celery_worker(settings, tmp_path, app="modig", pool="solo") as proc:
        yield proc


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
