"""Who is told about sessions, and what: the day-before reminder, cancelled and moved sessions
(invited participants and the session's ombud), and each local leader's daily approval digest.

The services queue these after commit (`ombud.notifications.queue`), Celery beat runs the daily
ones (`kurser.tasks`), and `manage.py send_notifications` runs the same functions without beat.
Every function is safe to run twice: `deliver` records each mail once.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import reverse

from kurser import selectors
from kurser.models import Form, Session
from ombud.models import NotificationKind, Role
from ombud.notifications import Recipient, deliver, portal_url, recipient_of_person, recipient_of_user
from ombud.notifications import unique_recipients as _unique

logger = logging.getLogger(__name__)


def session_recipients(session: Session) -> list[Recipient]:
    """The session's ombud (its trainer) and everyone on its list, each address once."""
    people = [a.person for a in session.attendances.select_related("person__user__notification_settings")]
    return _unique([recipient_of_person(session.trainer), *(recipient_of_person(p) for p in people)])


def _session_context(session: Session, recipient: Recipient) -> dict[str, Any]:
    place = ", ".join(x for x in (getattr(session.workplace, "name", ""), session.municipality.name) if x)
    return {
        "session": session,
        "course": session.course.title,
        "date": session.date,
        "start_time": session.start_time,
        "end_time": session.ends_at.time(),
        "remote": session.form != Form.ON_SITE,
        "form": session.get_form_display(),
        "place": place,
        "trainer": session.trainer_display,
        # Participants without an account cannot open the portal: the link is for users only.
        "url": portal_url(reverse("kurser:session-detail", args=[session.pk])) if recipient.user_id else "",
    }


def _session(session_id: int) -> Session | None:
    return (
        Session.objects.select_related("course", "municipality", "workplace", "trainer__user")
        .filter(pk=session_id)
        .first()
    )


def _send_about(session: Session, kind: str, event_key: str, task_id: str | None, **extra: Any) -> int:
    sent = 0
    for recipient in session_recipients(session):
        context = {**_session_context(session, recipient), **extra}
        sent += deliver(kind=kind, event_key=event_key, recipient=recipient, context=context, task_id=task_id)
    return sent


def notify_session_reminders(*, day: dt.date, task_id: str | None = None) -> int:
    """The day before: every planned session on `day`. Returns how many mails went out."""
    sent = 0
    for session in Session.objects.filter(date=day, status=Session.Status.PLANNED).select_related(
        "course", "municipality", "workplace", "trainer__user"
    ):
        key = f"session:{session.pk}:reminder:{session.date:%Y-%m-%d}"
        sent += _send_about(session, NotificationKind.SESSION_REMINDER, key, task_id)
    return sent


def notify_session_cancelled(*, session_id: int, task_id: str | None = None) -> int:
    session = _session(session_id)
    if session is None or session.status != Session.Status.CANCELLED:
        return 0
    return _send_about(
        session, NotificationKind.SESSION_CANCELLED, f"session:{session.pk}:cancelled", task_id
    )


def notify_session_moved(*, session_id: int, moved_from: str, task_id: str | None = None) -> int:
    """`moved_from`: the old start as "YYYY-MM-DDTHH:MM". One mail per new date and time."""
    session = _session(session_id)
    if session is None or session.status == Session.Status.CANCELLED:
        return 0
    old = dt.datetime.fromisoformat(moved_from)
    if (old.date(), old.time()) == (session.date, session.start_time.replace(second=0, microsecond=0)):
        return 0
    # The new time and when it was written: moving back and forth again is a new event each time,
    # while a redelivery (or two moves before the worker ran) finds the same key.
    key = (
        f"session:{session.pk}:moved:{session.date:%Y-%m-%d}T{session.start_time:%H:%M}"
        f"@{session.updated_at:%Y%m%d%H%M%S%f}"
    )
    return _send_about(
        session,
        NotificationKind.SESSION_MOVED,
        key,
        task_id,
        old_date=old.date(),
        old_start_time=old.time(),
    )


def notify_approval_digests(*, day: dt.date, task_id: str | None = None) -> int:
    """ONE mail per local leader with the sessions of their municipalities waiting for approval
    (the same queue as their "Att godkänna" page); nothing when the queue is empty."""
    sent = 0
    leaders = get_user_model().objects.filter(role=Role.LOCAL_LEADER, is_active=True).exclude(email="")
    for leader in leaders.select_related("notification_settings"):
        recipient = recipient_of_user(leader)
        if recipient is None:
            continue
        waiting = list(selectors.approval_queue(user=leader, oldest_first=True))
        if not waiting:
            continue
        context = {
            "sessions": waiting,
            "count": len(waiting),
            "day": day,
            "url": portal_url(reverse("kurser:approval-list")),
        }
        sent += deliver(
            kind=NotificationKind.APPROVAL_DIGEST,
            event_key=f"approval-digest:{day:%Y-%m-%d}",
            recipient=recipient,
            context=context,
            task_id=task_id,
        )
    return sent
