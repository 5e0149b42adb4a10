"""Thin Celery tasks of the enkater app. Safe to run twice: each mail is recorded once."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from ombud.notifications import RETRY_OPTIONS


@shared_task(**RETRY_OPTIONS)
def survey_reminders(self, survey_id: int, person_ids: list[int], day: str) -> int:
    """Reminders to answer a follow-up survey, queued from the effect dashboard."""
    from enkater.notifications import notify_survey_reminders

    return notify_survey_reminders(
        survey_id=survey_id, person_ids=person_ids, day=dt.date.fromisoformat(day), task_id=self.request.id
    )
