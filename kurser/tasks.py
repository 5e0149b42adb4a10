"""Thin Celery tasks of the kurser app: session e-mails (scheduled in settings.CELERY_BEAT_SCHEDULE
or queued after commit by the services). Safe to run twice: each mail is recorded once."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from ombud.notifications import RETRY_OPTIONS


def _day(day: str | None, offset: int = 0) -> dt.date:
    return dt.date.fromisoformat(day) if day else timezone.localdate() + dt.timedelta(days=offset)


@shared_task(**RETRY_OPTIONS)
def session_reminders(self, day: str | None = None) -> int:
    """Celery beat, every afternoon: the reminder for tomorrow's sessions (`day`: "YYYY-MM-DD")."""
    from kurser.notifications import notify_session_reminders

    return notify_session_reminders(day=_day(day, offset=1), task_id=self.request.id)


@shared_task(**RETRY_OPTIONS)
def approval_digests(self, day: str | None = None) -> int:
    """Celery beat, every morning: each local leader's digest of sessions awaiting approval."""
    from kurser.notifications import notify_approval_digests

    return notify_approval_digests(day=_day(day), task_id=self.request.id)


@shared_task(**RETRY_OPTIONS)
def session_cancelled(self, session_id: int) -> int:
    from kurser.notifications import notify_session_cancelled

    return notify_session_cancelled(session_id=session_id, task_id=self.request.id)


@shared_task(**RETRY_OPTIONS)
def session_moved(self, session_id: int, moved_from: str) -> int:
    from kurser.notifications import notify_session_moved

    return notify_session_moved(session_id=session_id, moved_from=moved_from, task_id=self.request.id)


# A busy lock (another run of the same programme) is tried again after this long.
ROLLUPS_RETRY_SECONDS = 60


@shared_task(bind=True, max_retries=60)
def rollups_rebuild(self, programme_id: int) -> bool | None:
    """Rebuild one programme's stale rollups (kurser.rollups.rebuild_stale), queued after the
    commit of a big write. Another run holding the lock: try again later."""
    from kurser import rollups

    done = rollups.rebuild_stale(programme_id)
    if done is False and not self.request.is_eager:
        raise self.retry(countdown=ROLLUPS_RETRY_SECONDS)
    return done
