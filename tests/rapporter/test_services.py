"""Report jobs: request (validation, de-duplication, queueing on commit), render (atomic claim,
progress, file, failure), retry, and the monthly certificates task."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.utils import timezone

from ombud.models import AuditLog, Municipality
from rapporter import render, services
from rapporter.models import Report
from rapporter.services import report_render, report_request, report_retry
from rapporter.tasks import monthly_certificates, report_generate
from tests.factories import (
    MunicipalityFactory,
    ReportFactory,
    UserFactory,
    load_spec_example,
    modig_programme,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def prog():
    p = modig_programme()
    load_spec_example(p)
    return p


@pytest.fixture
def user():
    return UserFactory(role="samordnare")


def ask(prog, user, **kwargs) -> Report:
    args = {
        "kind": Report.Kind.ESF_SUMMARY,
        "format": Report.Format.JSON,
        "programme": prog,
        "period_from": prog.start_date,
        "period_to": prog.end_date,
        "by": user,
    }
    return report_request(**{**args, **kwargs})


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- request ---------------------------------------------------------------------------------


def test_request_queues_the_task_on_commit_and_the_eager_task_renders_it(
    prog, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = ask(prog, user)
    assert len(callbacks) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.progress == 100
    assert report.started_at and report.finished_at
    assert report.file.name.startswith("rapporter/")
    with report.file.open("rb") as f:
        assert json.loads(f.read())["totals"]["participants"] == 6


def test_nothing_is_queued_when_the_transaction_does_not_commit(
    prog, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = ask(prog, user)
    assert len(callbacks) == 1  # only runs after the commit
    report.refresh_from_db()
    assert report.status == Report.Status.QUEUED


def test_when_the_broker_is_down_the_report_fails_with_a_reason(
    prog, user, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(report_generate, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(prog, user)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == str(services.QUEUE_DOWN)


def test_an_identical_request_while_one_is_queued_returns_the_queued_one(prog, user):
    first = ask(prog, user)
    again = ask(prog, user)
    assert again.pk == first.pk
    other_format = ask(prog, user, format=Report.Format.PDF)
    assert other_format.pk != first.pk
    other_period = ask(prog, user, period_to=dt.date(2020, 12, 31))
    assert other_period.pk != first.pk
    assert Report.objects.count() == 3


def test_a_lost_queued_job_is_not_reused(prog, user):
    first = ask(prog, user)
    Report.objects.filter(id=first.id).update(created_at=timezone.now() - services.stale_after() * 2)
    assert ask(prog, user).pk != first.pk


def test_a_request_after_the_previous_one_finished_makes_a_new_report(prog, user):
    first = ask(prog, user)
    report_render(report_id=first.id)
    assert ask(prog, user).pk != first.pk


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period_from": dt.date(2020, 2, 1), "period_to": dt.date(2020, 1, 1)}, services.PERIOD_ORDER),
        ({"period_from": dt.date(2019, 3, 31)}, services.PERIOD_OUTSIDE),
        ({"period_to": dt.date(2021, 7, 1)}, services.PERIOD_OUTSIDE),
        ({"kind": Report.Kind.CERTIFICATES, "format": Report.Format.XLSX}, services.FORMAT_NOT_AVAILABLE),
        ({"kind": Report.Kind.MUNICIPALITY, "format": Report.Format.PDF}, services.MUNICIPALITY_REQUIRED),
    ],
)
def test_request_refuses_bad_input_with_a_swedish_message(prog, user, kwargs, message):
    with pytest.raises(ValidationError) as exc:
        ask(prog, user, **kwargs)
    first_words = str(message).split("{")[0]
    assert exc.value.messages[0].startswith(first_words)
    assert not Report.objects.exists()


def test_request_refuses_a_municipality_outside_the_programme(prog, user):
    outside = MunicipalityFactory(code="1480", name="Göteborg")
    with pytest.raises(ValidationError) as exc:
        ask(prog, user, municipality=outside)
    assert exc.value.messages == ["Kommunen Göteborg (1480) ingår inte i programmet MODIG."]


# --- render ----------------------------------------------------------------------------------


def test_render_twice_makes_one_file(prog, user, settings):
    report = ask(prog, user)
    assert report_render(report_id=report.id) is True
    assert report_render(report_id=report.id) is False  # a redelivered task: nothing to do
    report_generate.apply(args=(report.id,))  # and through the task, too
    assert len(media_files(settings)) == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_a_running_report_is_not_claimed_again(prog, user, settings):
    report = ask(prog, user)
    Report.objects.filter(id=report.id).update(status=Report.Status.RUNNING, started_at=timezone.now())
    assert report_render(report_id=report.id) is False
    assert media_files(settings) == []


def test_a_report_abandoned_by_a_dead_worker_is_claimed_by_the_redelivered_task(prog, user, settings):
    report = ask(prog, user)
    long_ago = timezone.now() - services.stale_after() - dt.timedelta(seconds=1)
    Report.objects.filter(id=report.id).update(status=Report.Status.RUNNING, started_at=long_ago)
    assert report_render(report_id=report.id) is True
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert len(media_files(settings)) == 1


def test_render_of_a_missing_report_does_nothing():
    assert report_render(report_id=987654) is False


def test_progress_is_recorded_while_rendering(prog, user, monkeypatch):
    seen = []
    original = services._set_progress

    def spy(report_id, progress):
        original(report_id, progress)
        seen.append(Report.objects.get(id=report_id).progress)

    monkeypatch.setattr(services, "_set_progress", spy)
    report = ask(prog, user, format=Report.Format.PDF)
    report_render(report_id=report.id)
    assert seen and seen == sorted(seen) and all(0 < p < 100 for p in seen)
    report.refresh_from_db()
    assert report.progress == 100


def test_a_failure_is_recorded_with_a_readable_reason_and_no_file(prog, user, settings, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint crashed")

    monkeypatch.setattr(render, "esf_pdf", broken)
    report = ask(prog, user, format=Report.Format.PDF)
    assert report_render(report_id=report.id) is False
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == str(services.FAILED_UNEXPECTED).format(error="RuntimeError")
    assert report.error.startswith("Rapporten kunde inte skapas")
    assert not report.file
    assert media_files(settings) == []


def test_a_failure_after_the_file_was_stored_removes_the_file(prog, user, settings, monkeypatch):
    from django.db.models.query import QuerySet

    original_update = QuerySet.update

    def failing_update(self, **kwargs):
        if kwargs.get("status") == Report.Status.DONE:
            raise RuntimeError("database went away")
        return original_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", failing_update)
    report = ask(prog, user)
    assert report_render(report_id=report.id) is False
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert media_files(settings) == []


def test_the_soft_time_limit_fails_the_report_with_a_message(prog, user, monkeypatch):
    def slow(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(render, "esf_xlsx", slow)
    report = ask(prog, user, format=Report.Format.XLSX)
    report_generate.apply(args=(report.id,))
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == str(services.FAILED_TIMEOUT)


# --- retry -----------------------------------------------------------------------------------


def test_retry_queues_a_failed_report_again_and_it_renders(
    prog, user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(render, "to_json", lambda data: 1 / 0)
    report = ask(prog, user)
    report_render(report_id=report.id)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    monkeypatch.undo()
    other = UserFactory(role="programledare")
    with django_capture_on_commit_callbacks(execute=True):
        again = report_retry(report=report, by=other)
    assert again.pk == report.pk
    again.refresh_from_db()
    assert again.status == Report.Status.DONE
    assert again.error == ""
    assert again.requested_by == other


def test_only_a_failed_report_can_be_retried(prog, user):
    report = ask(prog, user)
    with pytest.raises(ValidationError) as exc:
        report_retry(report=report, by=user)
    assert exc.value.messages == [str(services.RETRY_ONLY_FAILED)]


# --- other kinds -----------------------------------------------------------------------------


def test_only_coordinator_and_programme_leader_may_order_a_participant_list(prog, local_leader_ale):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied) as exc:
        ask(prog, local_leader_ale, kind=Report.Kind.PARTICIPANTS, format=Report.Format.PDF)
    assert str(exc.value) == str(services.PERSONNUMMER_EXPORT_DENIED)
    assert not Report.objects.exists()


def test_participant_list_export_is_audited(prog, user):
    report = ask(prog, user, kind=Report.Kind.PARTICIPANTS, format=Report.Format.XLSX)
    assert report_render(report_id=report.id)
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.user == user
    assert entry.what.startswith("Deltagarförteckning MODIG")
    assert entry.detail["participants"] == 6


def test_municipality_report_renders_for_one_municipality(prog, user):
    ale = Municipality.objects.get(code="1440")
    report = ask(prog, user, kind=Report.Kind.MUNICIPALITY, municipality=ale)
    assert report_render(report_id=report.id)
    report.refresh_from_db()
    with report.file.open("rb") as f:
        data = json.loads(f.read())
    assert data["totals"]["participants"] == 3
    assert "-1440-" in report.file.name


def test_monthly_certificates_queues_last_months_certificates_per_running_programme(prog, time_machine):
    time_machine.move_to(dt.datetime(2019, 10, 1, 5, 0, tzinfo=dt.UTC))
    modig_programme(code="LATER", start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31))
    ids = monthly_certificates.apply().get()
    reports = list(Report.objects.filter(id__in=ids))
    assert [(r.programme.code, r.kind, r.period_from, r.period_to) for r in reports] == [
        ("MODIG", Report.Kind.CERTIFICATES, dt.date(2019, 9, 1), dt.date(2019, 9, 30))
    ]
    assert reports[0].params == {"month": "2019-09"}


def test_report_factory_reports_render(user):
    report = ReportFactory(requested_by=user)
    assert report_render(report_id=report.id)
