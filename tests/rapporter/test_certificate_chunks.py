"""Monthly certificates (närvarorapporter) rendered in chunks of REPORT_CHUNK_PAGES participants,
each chunk its own Celery task, joined by the last chunk to finish (issue 14 item 3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from rapporter import render, services
from rapporter.models import Report, ReportChunk
from rapporter.services import report_render, report_request, report_retry
from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    PersonFactory,
    SessionFactory,
    WorkplaceFactory,
    modig_programme,
)
from tests.modig.test_celery_worker import real_worker  # noqa: F401 - the real-worker fixture

pytestmark = pytest.mark.django_db

NAMES = [
    ("Örjan", "Åberg"),
    ("Anna", "Ek"),
    ("Bo", "Andersson"),
    ("Cecilia", "Zorn"),
    ("Dan", "Ek"),
    ("Eva", "Ärlig"),
    ("Fia", "Berg"),
]


@pytest.fixture
def month_data():
    """Seven participants with attended rows in September 2019 (one absent person, one session in
    October that must not appear)."""
    prog = modig_programme()
    molndal = prog.municipalities.get(code="1481")
    workplace = WorkplaceFactory(municipality=molndal, name="Hemtjänst Centrum")
    s1 = SessionFactory(
        programme=prog,
        municipality=molndal,
        date=dt.date(2019, 9, 10),
        course=CourseFactory(title="Teams grund"),
    )
    s2 = SessionFactory(
        programme=prog, municipality=molndal, date=dt.date(2019, 9, 24), course=CourseFactory(title="Appar")
    )
    october = SessionFactory(programme=prog, municipality=molndal, date=dt.date(2019, 10, 1))
    for i, (first, last) in enumerate(NAMES):
        person = PersonFactory(first_name=first, last_name=last, workplace=workplace)
        AttendanceFactory(session=s1, person=person)
        if i % 2:
            AttendanceFactory(session=s2, person=person)
        AttendanceFactory(session=october, person=person)
    AttendanceFactory(
        session=s1, person=PersonFactory(first_name="Frånvarande", workplace=workplace), status="frånvarande"
    )
    return prog


def pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(str(path)).pages]


def certificates(tmp_path, name: str) -> Path:
    out = tmp_path / name
    call_command(
        "attendance_certificates", "--programme", "MODIG", "--month", "2019-09", "--output", str(out)
    )
    return out


def ask(prog) -> Report:
    return report_request(
        kind=Report.Kind.CERTIFICATES,
        format=Report.Format.PDF,
        programme=prog,
        period_from=dt.date(2019, 9, 1),
        period_to=dt.date(2019, 9, 30),
        params={"month": "2019-09"},
        by=None,
    )


def media_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_chunked_certificates_have_the_same_pages_in_the_same_order(month_data, tmp_path, settings):
    settings.REPORT_CHUNK_PAGES = 100
    whole = pages(certificates(tmp_path, "whole.pdf"))
    settings.REPORT_CHUNK_PAGES = 3
    chunked = pages(certificates(tmp_path, "chunked.pdf"))

    assert len(whole) == 7  # one page per participant with attended rows that month
    assert chunked == whole
    # Swedish order by last name, then first name: Andersson, Berg, Ek Anna, Ek Dan, Zorn, Åberg, Ärlig.
    firsts = [next(n for n, _ in NAMES if f"{n} " in text) for text in chunked]
    assert firsts == ["Bo", "Fia", "Anna", "Dan", "Cecilia", "Örjan", "Eva"]
    assert (
        list(Report.objects.values_list("status", "progress", "error")) == [(Report.Status.DONE, 100, "")] * 2
    )
    # The chunk rows and their partial files are gone once joined: only the two reports' files.
    assert not ReportChunk.objects.exists()
    assert len(media_files(settings)) == 2


def test_progress_moves_over_the_chunks(month_data, settings, monkeypatch):
    settings.REPORT_CHUNK_PAGES = 2
    report = ask(month_data)
    seen = []
    original = render.certificates_pdf

    def spy(people, *, meta):
        seen.append(Report.objects.get(id=report.id).progress)
        return original(people, meta=meta)

    monkeypatch.setattr(render, "certificates_pdf", spy)
    assert report_render(report_id=report.id) is True
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert len(seen) == 4  # 7 participants, 2 a chunk
    assert seen == sorted(seen) and len(set(seen)) == 4
    assert seen[0] > 0 and seen[-1] < 100


def test_a_failing_chunk_fails_the_report_with_a_reason_and_retry_works(month_data, settings, monkeypatch):
    settings.REPORT_CHUNK_PAGES = 3
    report = ask(month_data)
    original = render.certificates_pdf
    calls = []

    def second_fails(people, *, meta):
        calls.append(len(people))
        if len(calls) == 2:
            raise ZeroDivisionError
        return original(people, meta=meta)

    monkeypatch.setattr(render, "certificates_pdf", second_fails)
    assert report_render(report_id=report.id) is False
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.error == str(services.FAILED_CHUNK).format(
        part=2, parts=3, first=4, last=6, error="ZeroDivisionError"
    )
    assert not report.file
    assert calls == [3, 3]  # the third chunk saw the failed report and did not render
    assert media_files(settings) == []  # no partial chunk file left behind

    monkeypatch.undo()
    report_retry(report=report, by=None)
    assert report_render(report_id=report.id) is True
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert len(PdfReader(report.file.path).pages) == 7
    assert not ReportChunk.objects.exists()
    assert len(media_files(settings)) == 1


def test_a_chunk_of_a_report_that_is_no_longer_running_does_nothing(month_data, settings, monkeypatch):
    settings.REPORT_CHUNK_PAGES = 3
    report = ask(month_data)
    from rapporter.tasks import report_chunk_render

    sent = []
    monkeypatch.setattr(report_chunk_render, "delay", lambda chunk_id: sent.append(chunk_id))
    report_render(report_id=report.id, task_id="first")
    assert len(sent) == 3 and ReportChunk.objects.filter(report=report).count() == 3
    Report.objects.filter(id=report.id).update(status=Report.Status.FAILED, error="x")
    monkeypatch.undo()
    assert report_chunk_render.apply(args=(sent[0],)).get() is False
    assert media_files(settings) == []
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED and report.error == "x"


def test_a_redelivered_report_task_plans_its_chunks_once(month_data, settings, monkeypatch):
    settings.REPORT_CHUNK_PAGES = 3
    report = ask(month_data)
    from rapporter.tasks import report_chunk_render

    sent = []
    monkeypatch.setattr(report_chunk_render, "delay", lambda chunk_id: sent.append(chunk_id))
    report_render(report_id=report.id, task_id="first")
    report_render(report_id=report.id, task_id="first")  # the broker hands the same task out again
    assert ReportChunk.objects.filter(report=report).count() == 3
    monkeypatch.undo()
    for chunk_id in sorted(set(sent)):
        report_chunk_render.apply(args=(chunk_id,))
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert len(PdfReader(report.file.path).pages) == 7


def test_the_sweeper_fails_a_chunked_report_whose_worker_died_and_removes_its_parts(
    month_data, settings, monkeypatch
):
    settings.REPORT_CHUNK_PAGES = 3
    report = ask(month_data)
    from rapporter.tasks import report_chunk_render

    sent = []
    monkeypatch.setattr(report_chunk_render, "delay", lambda chunk_id: sent.append(chunk_id))
    report_render(report_id=report.id, task_id="first")
    monkeypatch.undo()
    assert report_chunk_render.apply(args=(sent[0],)).get() is True  # one part rendered ...
    assert len(media_files(settings)) == 1
    # ... then the workers of the other parts were killed: no heartbeat for longer than the timeout.
    ReportChunk.objects.filter(report=report, status=ReportChunk.Status.QUEUED).update(
        status=ReportChunk.Status.RUNNING, task_id="killed"
    )
    long_ago = timezone.now() - services.heartbeat_timeout() - dt.timedelta(seconds=1)
    Report.objects.filter(id=report.id).update(heartbeat_at=long_ago)
    assert services.report_sweep() == [report.id]
    report.refresh_from_db()
    assert (report.status, report.error) == (Report.Status.FAILED, str(services.FAILED_WORKER_LOST))
    assert media_files(settings) == []
    assert report_chunk_render.apply(args=(sent[1],), task_id="killed").get() is False  # redelivered late


# --- with a real broker and worker (CI; skipped locally without PostgreSQL and Redis) -----------


@pytest.fixture
def small_chunks(monkeypatch, settings):
    monkeypatch.setenv("REPORT_CHUNK_PAGES", "3")  # the worker process reads it at start
    settings.REPORT_CHUNK_PAGES = 3


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("small_chunks", "real_worker")
def test_a_real_worker_renders_the_chunks_and_joins_them(month_data, django_capture_on_commit_callbacks):
    from tests.services import wait_for

    report = ask(month_data)
    report = wait_for(report, {Report.Status.DONE, Report.Status.FAILED}, seconds=120)
    assert (report.status, report.error, report.progress) == (Report.Status.DONE, "", 100)
    texts = pages(report.file.path)
    firsts = [next(n for n, _ in NAMES if f"{n} " in text) for text in texts]
    assert firsts == ["Bo", "Fia", "Anna", "Dan", "Cecilia", "Örjan", "Eva"]
    assert "Sida 7 av 7" in texts[-1]
    assert not ReportChunk.objects.exists()


def test_a_chunked_report_waiting_for_free_workers_is_not_swept(month_data, settings, monkeypatch):
    """All workers busy with other reports: its chunks wait in the queue and nothing beats, yet
    the report is alive until the queue timeout (as a queued report is)."""
    settings.REPORT_CHUNK_PAGES = 3
    report = ask(month_data)
    from rapporter.tasks import report_chunk_render

    monkeypatch.setattr(report_chunk_render, "delay", lambda chunk_id: None)
    report_render(report_id=report.id, task_id="first")
    silent = timezone.now() - services.heartbeat_timeout() - dt.timedelta(seconds=1)
    Report.objects.filter(id=report.id).update(heartbeat_at=silent)
    assert services.report_sweep() == []
    lost = timezone.now() - services.queued_timeout() - dt.timedelta(seconds=1)
    Report.objects.filter(id=report.id).update(heartbeat_at=lost)
    assert services.report_sweep() == [report.id]
