"""Large PDFs in parallel chunks (issue 14 item 3): the monthly certificates of a big month.

One WeasyPrint document for 12,000 participants grows in time and memory with every page (past
the task limits and the worker's memory cap). Above `REPORT_CHUNK_PAGES` participants the report
task only plans: it splits the participants, in the document's order, into chunks of that many
pages, stores one `ReportChunk` row per chunk and queues one `report_chunk_render` task per
chunk, so the workers render them side by side, each with bounded time and memory. Every chunk
writes its part to the default storage and moves the report's progress; the last one to finish
joins the parts with pypdf into the report's single file (the same pages in the same order as an
unchunked run) and removes them.

Why chunks of N participants rather than a ZIP per workplace: the document is ordered by name
across the whole programme or municipality (the command's output must not change), a workplace
can itself hold thousands of people (no bound), and users and the command expect one PDF.

The tasks keep no results: they coordinate through the rows. The chunks of one run carry the
report's claim (`Report.task_id` when planned); a chunk renders only while the report is still
running under that claim, and the first failure fails the report with a reason (which part) and
removes the parts, so "Försök igen" plans afresh. A chunk's worker beats the report's heartbeat,
so the sweeper fails a run whose worker died, as for any report.
"""

from __future__ import annotations

import io
import logging
import tempfile
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from rapporter import queries
from rapporter.models import Report, ReportChunk

logger = logging.getLogger(__name__)

PLANNED_PROGRESS = 5  # the chunks are queued
JOIN_PROGRESS = 95  # every chunk is rendered; one of them joins (a claim: only one takes it)


def chunk_pages() -> int:
    return max(1, int(getattr(settings, "REPORT_CHUNK_PAGES", 250)))


def plan_and_send(
    report: Report,
    *,
    task_id: str,
    fail: Callable[..., None],
    heartbeat_thread: bool = False,
    queue: str | None = None,
) -> bool | None:
    """Split a claimed certificates report into chunks and queue them. None when the month is
    small enough to render in one piece (the caller does that); otherwise whether the report is
    still alive (eager mode: whether it finished)."""
    from rapporter import services

    try:
        ids = queries.certificate_people(
            report.programme, services.certificates_month(report), report.municipality
        )
    except Exception as exc:
        logger.exception("report %s: planning its chunks failed", report.id)
        fail(report, exc, task_id=task_id)
        return False
    size = chunk_pages()
    if len(ids) <= size:
        return None
    # An earlier run (a retry) or an earlier delivery of this same task: its parts are void.
    discard(ReportChunk.objects.filter(report=report))
    with transaction.atomic():
        planned = ReportChunk.objects.bulk_create(
            ReportChunk(
                report=report,
                claim=task_id,
                index=i,
                first_page=start + 1,
                pages=len(ids),
                person_ids=ids[start : start + size],
            )
            for i, start in enumerate(range(0, len(ids), size))
        )
    services._set_progress(report.id, PLANNED_PROGRESS, task_id=task_id)
    if not planned[0].pk:  # backends that do not return ids from bulk_create
        planned = list(ReportChunk.objects.filter(report=report, claim=task_id).order_by("index"))
    beat = services._Heartbeat(report.id, task_id) if heartbeat_thread else nullcontext()
    with beat:  # eager: the chunks render right here, one after the other
        _send([c.pk for c in planned], report, task_id, queue)
    status = Report.objects.filter(id=report.id).values_list("status", flat=True).first()
    return status not in (Report.Status.FAILED, None)


def _send(chunk_ids: list[int], report: Report, task_id: str, queue: str | None) -> None:
    from rapporter import services
    from rapporter.tasks import report_chunk_render

    for chunk_id in chunk_ids:
        try:
            if queue:
                report_chunk_render.apply_async(args=(chunk_id,), queue=queue)
            else:
                report_chunk_render.delay(chunk_id)
        except Exception:  # broker unreachable (kombu/redis raise several kinds)
            logger.exception("could not queue chunk %s of report %s", chunk_id, report.id)
            Report.objects.filter(id=report.id, status=Report.Status.RUNNING, task_id=task_id).update(
                status=Report.Status.FAILED, error=str(services.QUEUE_DOWN), finished_at=timezone.now()
            )
            discard(ReportChunk.objects.filter(report=report), keep_rows=True)
            return


def _running(report_id: int, claim: str) -> QuerySet[Report]:
    return Report.objects.filter(id=report_id, status=Report.Status.RUNNING, task_id=claim)


def render_chunk(chunk_id: int, *, task_id: str, heartbeat_thread: bool | None = None) -> bool:
    """Render one chunk (the Celery task `report_chunk_render`); the last chunk joins them all.
    False when there is nothing to do (the chunk is gone, done, taken by another live attempt, or
    its report no longer runs under the chunk's claim) or when it failed (recorded on the rows)."""
    from rapporter import services

    if heartbeat_thread is None:
        heartbeat_thread = not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    chunk = (
        ReportChunk.objects.select_related("report__programme", "report__municipality")
        .filter(id=chunk_id)
        .first()
    )
    if chunk is None or not _running(chunk.report_id, chunk.claim).exists():
        logger.debug("chunk %s has nothing to do", chunk_id)
        return False
    # A redelivery of the same task (its worker was killed) takes its own chunk over.
    claimed = (
        ReportChunk.objects.filter(
            id=chunk_id, status__in=[ReportChunk.Status.QUEUED, ReportChunk.Status.RUNNING]
        )
        .filter(task_id__in=["", task_id])
        .update(status=ReportChunk.Status.RUNNING, task_id=task_id)
    )
    if claimed != 1:
        return False
    report = chunk.report
    beat = services._Heartbeat(report.id, chunk.claim) if heartbeat_thread else nullcontext()
    try:
        with beat:
            return _render_and_maybe_join(chunk, task_id)
    except Exception as exc:  # recorded on the rows with a reason; the report fails as a whole
        if not services._is_soft_time_limit(exc):
            logger.exception("chunk %s of report %s failed", chunk.index, report.id)
        _fail(chunk, exc)
        return False


def _render_and_maybe_join(chunk: ReportChunk, task_id: str) -> bool:
    from rapporter import services

    report = chunk.report
    with translation.override(services.report_language(report)):
        content = services._build_certificates(
            report, lambda p: None, person_ids=chunk.person_ids, pages=(chunk.first_page, chunk.pages)
        )
    _check_one_page_each(chunk, content)
    name = default_storage.save(
        f"rapporter/delar/{report.id}/{chunk.claim[:12]}-{chunk.index:05d}.pdf", ContentFile(content)
    )
    del content
    ReportChunk.objects.filter(id=chunk.id, task_id=task_id).update(status=ReportChunk.Status.DONE, file=name)
    if not _running(report.id, chunk.claim).exists():  # failed or swept meanwhile
        _delete_files([name])
        return False
    parts = ReportChunk.objects.filter(report=report, claim=chunk.claim)
    total = parts.count()
    done = parts.filter(status=ReportChunk.Status.DONE).count()
    if done < total:
        progress = PLANNED_PROGRESS + (JOIN_PROGRESS - PLANNED_PROGRESS) * done // total
        _running(report.id, chunk.claim).filter(progress__lt=progress).update(
            progress=progress, heartbeat_at=timezone.now()
        )
        return True
    # Every part is there. Whoever sees that first takes the join (an update only one can win).
    if (
        not _running(report.id, chunk.claim)
        .filter(progress__lt=JOIN_PROGRESS)
        .update(progress=JOIN_PROGRESS, heartbeat_at=timezone.now())
    ):
        return True
    return _join(report, chunk.claim)


def _check_one_page_each(chunk: ReportChunk, content: bytes) -> None:
    """The chunks number their pages as if each participant had one page (the spec's layout; a
    chunk cannot know how many pages the chunks before it have). Say so in the log if a
    certificate ran over a page, since the joined document's page numbers are then off."""
    from pypdf import PdfReader

    rendered = len(PdfReader(io.BytesIO(content)).pages)
    if rendered != len(chunk.person_ids):
        logger.warning(
            "report %s chunk %s: %d pages for %d participants; page numbers after it are off",
            chunk.report_id,
            chunk.index,
            rendered,
            len(chunk.person_ids),
        )


def _join(report: Report, claim: str) -> bool:
    """Join the parts in order into the report's file (on disk, not in memory) and finish it."""
    from pypdf import PdfReader, PdfWriter

    from rapporter import services

    names = list(
        ReportChunk.objects.filter(report=report, claim=claim)
        .order_by("index")
        .values_list("file", flat=True)
    )
    writer = PdfWriter()
    for name in names:
        with default_storage.open(name, "rb") as f:
            writer.append(PdfReader(io.BytesIO(f.read())))
    with tempfile.TemporaryFile() as tmp:
        writer.write(tmp)
        del writer
        tmp.seek(0)
        report.file.save(services.report_filename(report), File(tmp), save=False)
    with transaction.atomic():
        finished = _running(report.id, claim).update(
            status=Report.Status.DONE,
            progress=100,
            file=report.file.name,
            finished_at=timezone.now(),
            error="",
        )
    if finished != 1:
        logger.warning("report %s lost its claim (%s) while joining", report.id, claim)
        services._remove_file(report)
        return False
    discard(ReportChunk.objects.filter(report=report))
    return True


def _fail(chunk: ReportChunk, exc: BaseException) -> None:
    from rapporter import services

    if services._is_soft_time_limit(exc):
        message = str(services.FAILED_TIMEOUT)
    elif isinstance(exc, ValidationError):
        message = " ".join(exc.messages)
    else:
        message = str(services.FAILED_CHUNK).format(
            part=chunk.index + 1,
            parts=ReportChunk.objects.filter(report_id=chunk.report_id, claim=chunk.claim).count(),
            first=chunk.first_page,
            last=chunk.last_page,
            error=type(exc).__name__,
        )
    ReportChunk.objects.filter(id=chunk.id).update(status=ReportChunk.Status.FAILED, error=message)
    # Only the run that planned this chunk fails with it (not a newer run after a retry).
    _running(chunk.report_id, chunk.claim).update(
        status=Report.Status.FAILED, error=message, finished_at=timezone.now(), file=""
    )
    # No half-written result: the parts rendered so far go (the rows stay until the next run).
    discard(ReportChunk.objects.filter(report_id=chunk.report_id, claim=chunk.claim), keep_rows=True)


def discard(chunks: QuerySet[ReportChunk], *, keep_rows: bool = False) -> None:
    """Remove the parts' files (and, unless `keep_rows`, the rows)."""
    _delete_files(n for n in chunks.exclude(file="").values_list("file", flat=True))
    if keep_rows:
        chunks.update(file="")
    else:
        chunks.delete()


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove the report part %s", name)


__all__: list[Any] = ["chunk_pages", "discard", "plan_and_send", "render_chunk"]
