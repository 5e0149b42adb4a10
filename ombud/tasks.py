"""Thin Celery tasks of the ombud app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def retention_sweep() -> int:
    """List (log) the people whose retention period has ended; erasure is a deliberate act
    (`manage.py retention --erase`), never automatic. Returns how many are due."""
    from ombud.selectors import people_due_for_retention

    due = people_due_for_retention().count()
    if due:
        logger.warning("Gallring: %d personer har passerat lagringstiden (kör manage.py retention).", due)
    else:
        logger.info("Gallring: ingen har passerat lagringstiden.")
    return due
