"""Thin Celery tasks: they take ids and call the services (safe to run twice)."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.signals import worker_init
from django.utils import timezone

from ombud.notifications import RETRY_OPTIONS

logger = logging.getLogger(__name__)


@worker_init.connect
def _preload_renderer(**kwargs) -> None:
    """Import WeasyPrint once in the worker's main process (about a second): prefork children
    inherit it, so the first report of each child does not pay for it."""
    import weasyprint  # noqa: F401


# The Report row is the result: no result store is involved, so queueing with Redis down fails at
# once instead of retrying to subscribe to the result (about 20 s of a frozen page).
@shared_task(bind=True, acks_late=True, ignore_result=True)
def report_generate(self, report_id: int, heartbeat: bool | None = None) -> bool:
    from rapporter.services import report_render

    # The task id is the claim: a redelivery of this same task takes its report over. A chunked
    # report sends its chunks to the queue this task came from (the workers that render reports).
    queue = (self.request.delivery_info or {}).get("routing_key") or None
    return report_render(
        report_id=report_id, task_id=self.request.id, heartbeat_thread=heartbeat, queue=queue
    )


@shared_task(bind=True, acks_late=True)
def report_sweep(self) -> list[int]:
    """Celery beat, every minute: fail reports whose worker died or that were never started, so
    users can press "Försök igen"."""
    from rapporter.services import report_sweep as sweep

    return sweep()


@shared_task(bind=True, acks_late=True)
def monthly_certificates(self, month: str | None = None) -> list[int]:
    """Celery beat, on the 1st: queue last month's certificates (närvarorapporter) for every
    programme running that month. `month` ("YYYY-MM") for a manual run."""
    from rapporter.services import certificates_request_month

    if month is None:
        first_of_this = timezone.localdate().replace(day=1)
        month = (first_of_this - dt.timedelta(days=1)).strftime("%Y-%m")
    ids = certificates_request_month(month=month)
    logger.info("queued %d monthly certificate reports for %s", len(ids), month)
    return ids


@shared_task(**RETRY_OPTIONS)
def report_notify(self, report_id: int) -> int:
    """E-mail the requester that the report is ready or failed (queued by rapporter.services)."""
    from rapporter.notifications import notify_report

    return notify_report(report_id=report_id, task_id=self.request.id)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def report_chunk_render(self, chunk_id: int, heartbeat: bool | None = None) -> bool:
    """One chunk of a large report (rapporter.chunks); the last chunk to finish joins them."""
    from rapporter.chunks import render_chunk

    return render_chunk(chunk_id, task_id=self.request.id, heartbeat_thread=heartbeat)
