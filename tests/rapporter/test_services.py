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
    Report.objects.filter(id=first.id).update(created_at=timezone.now() - services.queued_timeout() * 2)
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

    def spy(report_id, progress, **kwargs):
        original(report_id, progress, **kwargs)
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


# --- worker attempts, heartbeat and the sweeper (issue 9 item 4) -------------------------------


def _running(report: Report, *, task_id: str, beat_ago: dt.timedelta, progress: int = 40) -> None:
    at = timezone.now() - beat_ago
    Report.objects.filter(id=report.id).update(
        status=Report.Status.RUNNING, task_id=task_id, started_at=at, heartbeat_at=at, progress=progress
    )


def test_the_claim_records_the_task_that_runs_the_report(prog, user):
    report = ask(prog, user)
    report_generate.apply(args=(report.id,), task_id="task-abc")
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.task_id == "task-abc"


def test_a_redelivery_of_the_same_task_takes_over_its_running_report(prog, user, settings):
    # The worker's pool process was killed at 40 %: the broker hands the same task out again.
    report = ask(prog, user)
    _running(report, task_id="task-1", beat_ago=dt.timedelta(seconds=1))
    assert report_render(report_id=report.id, task_id="task-1") is True
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.progress == 100
    assert len(media_files(settings)) == 1


def test_another_task_does_not_take_a_report_whose_worker_is_alive(prog, user, settings):
    report = ask(prog, user)
    _running(report, task_id="task-1", beat_ago=dt.timedelta(seconds=1))
    assert report_render(report_id=report.id, task_id="task-2") is False
    report.refresh_from_db()
    assert (report.status, report.task_id) == (Report.Status.RUNNING, "task-1")
    assert media_files(settings) == []


def test_progress_is_a_heartbeat(prog, user, monkeypatch):
    beats = []
    original = services._set_progress

    def spy(report_id, progress, **kwargs):
        before = Report.objects.get(id=report_id).heartbeat_at
        original(report_id, progress, **kwargs)
        beats.append((before, Report.objects.get(id=report_id).heartbeat_at))

    monkeypatch.setattr(services, "_set_progress", spy)
    report = ask(prog, user, format=Report.Format.PDF)
    assert report_render(report_id=report.id, task_id="t")
    assert beats and all(after is not None and after >= before for before, after in beats)


def test_the_sweeper_fails_a_running_report_without_heartbeat_so_it_can_be_retried(
    prog, user, django_capture_on_commit_callbacks
):
    dead = ask(prog, user)
    alive = ask(prog, user, format=Report.Format.XLSX)
    _running(dead, task_id="dead", beat_ago=services.heartbeat_timeout() + dt.timedelta(seconds=1))
    _running(alive, task_id="alive", beat_ago=dt.timedelta(seconds=5))
    assert services.report_sweep() == [dead.id]
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == Report.Status.FAILED
    assert dead.error == str(services.FAILED_WORKER_LOST)
    assert dead.finished_at is not None
    assert alive.status == Report.Status.RUNNING
    # "Försök igen" works on it, and the retry renders it.
    with django_capture_on_commit_callbacks(execute=True):
        report_retry(report=dead, by=user)
    dead.refresh_from_db()
    assert dead.status == Report.Status.DONE


def test_the_sweeper_fails_a_queued_report_that_no_worker_took(prog, user):
    lost = ask(prog, user)
    waiting = ask(prog, user, format=Report.Format.XLSX)
    Report.objects.filter(id=lost.id).update(
        created_at=timezone.now() - services.queued_timeout() - dt.timedelta(seconds=1)
    )
    assert services.report_sweep() == [lost.id]
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == Report.Status.FAILED
    assert lost.error == str(services.FAILED_NOT_STARTED)
    assert waiting.status == Report.Status.QUEUED


def test_a_worker_whose_report_was_swept_does_not_finish_it(prog, user, settings, monkeypatch):
    report = ask(prog, user)
    original = services._build

    def swept_meanwhile(r, **kwargs):
        content = original(r, **kwargs)
        Report.objects.filter(id=r.id).update(status=Report.Status.FAILED, error="swept")
        return content

    monkeypatch.setattr(services, "_build", swept_meanwhile)
    assert report_render(report_id=report.id, task_id="slow") is False
    report.refresh_from_db()
    assert (report.status, report.error) == (Report.Status.FAILED, "swept")
    assert media_files(settings) == []


def test_an_identical_request_does_not_reuse_a_report_whose_worker_died(prog, user):
    first = ask(prog, user)
    _running(first, task_id="dead", beat_ago=services.heartbeat_timeout() + dt.timedelta(seconds=1))
    assert ask(prog, user).pk != first.pk
    second = ask(prog, user)  # that one is queued and alive: reused
    assert ask(prog, user).pk == second.pk


def test_an_identical_request_reuses_a_running_report_with_a_heartbeat(prog, user):
    first = ask(prog, user)
    _running(first, task_id="alive", beat_ago=dt.timedelta(seconds=5))
    assert ask(prog, user).pk == first.pk


def test_the_sweeper_runs_every_minute_from_celery_beat(prog, user, settings):
    from rapporter.tasks import report_sweep

    entry = settings.CELERY_BEAT_SCHEDULE["report-sweep"]
    assert entry["task"] == "rapporter.tasks.report_sweep"
    assert entry["schedule"] <= 60
    dead = ask(prog, user)
    _running(dead, task_id="dead", beat_ago=services.heartbeat_timeout() * 2)
    assert report_sweep.apply().get() == [dead.id]


@pytest.mark.django_db(transaction=True)
def test_a_long_render_beats_from_a_background_thread(prog, user, settings, monkeypatch):
    import time

    settings.REPORT_HEARTBEAT_SECONDS = 0.05
    original = services._build
    seen = []

    def slow(r, **kwargs):
        first = Report.objects.get(id=r.id).heartbeat_at
        time.sleep(0.4)
        seen.append((first, Report.objects.get(id=r.id).heartbeat_at))
        return original(r, **kwargs)

    monkeypatch.setattr(services, "_build", slow)
    monkeypatch.setattr(services, "_queue", lambda report: None)  # rendered below, not on commit
    report = ask(prog, user)
    assert report_render(report_id=report.id, task_id="long", heartbeat_thread=True)
    ((first, later),) = seen
    assert later > first


# --- the embedded mode: the page does not freeze while the report renders (issue 11 item 7) ----


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_request_returns_at_once_and_the_list_polls_until_the_report_is_done(
    prog, user, client, settings, monkeypatch
):
    import threading

    from django.urls import reverse

    settings.REPORT_EAGER_IN_BACKGROUND = True
    entered, gate = threading.Event(), threading.Event()
    original = services._build

    def held(r, **kwargs):
        entered.set()
        gate.wait(10)
        return original(r, **kwargs)

    monkeypatch.setattr(services, "_build", held)
    client.force_login(user)
    data = {
        "kind": Report.Kind.ESF_SUMMARY,
        "format": Report.Format.JSON,
        "programme": prog.pk,
        "period_from": prog.start_date.isoformat(),
        "period_to": prog.end_date.isoformat(),
    }
    response = client.post(reverse("rapporter:report-list"), data)
    assert response.status_code == 302  # answered while the report is still being made
    assert entered.wait(10)
    report = Report.objects.get()
    assert report.status == Report.Status.RUNNING
    page = client.get(reverse("rapporter:report-list")).content.decode()
    assert 'hx-trigger="every 2s"' in page  # the list follows the progress
    assert "Skapas…" in page or "Pågår" in page
    gate.set()
    (worker,) = [t for t in threading.enumerate() if t.name == f"report-{report.id}"]
    worker.join(20)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert 'hx-trigger="every 2s"' not in client.get(reverse("rapporter:report-list")).content.decode()


def test_embedded_mode_has_no_beat_so_the_report_list_sweeps_dead_reports(prog, user, client, settings):
    from django.urls import reverse

    settings.CELERY_TASK_ALWAYS_EAGER = True
    dead = ask(prog, user)  # rendered at once in tests; make it look like a server killed mid-way
    _running(dead, task_id="killed", beat_ago=services.heartbeat_timeout() * 2)
    client.force_login(user)
    html = client.get(reverse("rapporter:report-list")).content.decode()
    dead.refresh_from_db()
    assert dead.status == Report.Status.FAILED
    assert str(services.FAILED_WORKER_LOST) in html
    assert "Försök igen" in html
