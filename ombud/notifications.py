"""E-mail notifications: who gets a mail, in which language, and sending each one exactly once.

The apps decide *when* (kurser: sessions and the approval digest, rapporter: reports) and queue a
thin Celery task after commit (`queue`); the task computes the recipients and calls `deliver` for
each. `deliver` records every mail in `Notification`, unique on (kind, event key, recipient):

1. the row is created (or found) and claimed by this task attempt before the mail is sent;
2. `sent_at` is set after the mail server accepted it.

A redelivered task (same Celery task id, after its worker was killed) takes its own claim over
and sends what is not marked sent; a sent row is never sent again. The one window left is a
worker killed after the server accepted the mail and before `sent_at` was written: then the mail
may go twice, which beats losing it. A claim older than `CLAIM_TIMEOUT` is taken over by anyone.

A mail server that is down raises (`OSError`/`SMTPException`): the claim is released and the
task's autoretry tries again with back-off. The page that caused the mail never sees it: `queue`
swallows and logs whatever `delay()` raises (a broker down, or the eager mode's last retry).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ombud.models import DUTY_KINDS, PARTICIPANT_KINDS, Notification, NotificationKind, NotificationSettings

if TYPE_CHECKING:
    from ombud.models import Person, User

logger = logging.getLogger(__name__)

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
CLAIM_TIMEOUT = dt.timedelta(minutes=15)

# Celery task options shared by every notification task: a mail server that is down is retried
# with exponential back-off (30 s, 1 min, 2 min … at most an hour apart, about a day in all).
RETRY_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": (OSError,),  # smtplib.SMTPException and refused connections are OSErrors
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 30,
}


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: int | None = None
    language: str = DEFAULT_LANGUAGE
    opted_out: frozenset[str] = frozenset()


def _settings_of(user: User) -> NotificationSettings | None:
    try:
        return user.notification_settings
    except ObjectDoesNotExist:
        return None


def recipient_of_user(user: User | None) -> Recipient | None:
    """The user's address, language and choices; None when they have no address or are inactive."""
    if user is None or not user.is_active or not (user.email or "").strip():
        return None
    choices = _settings_of(user)
    language = choices.language if choices is not None and choices.language in LANGUAGES else DEFAULT_LANGUAGE
    return Recipient(
        email=user.email.strip(),
        user_id=user.pk,
        language=language,
        opted_out=frozenset(choices.opted_out if choices is not None else ()),
    )


def recipient_of_person(person: Person | None) -> Recipient | None:
    """A member of staff: their own address (Person.email) or else their account's; the
    language and choices of their account if they have one (participants mostly do not: Swedish,
    and only the duty kinds and reminders they cannot turn off without an account)."""
    if person is None or person.erased_at is not None:
        return None
    try:
        user = person.user
    except ObjectDoesNotExist:
        user = None
    from_user = recipient_of_user(user) if user is not None else None
    email = (person.email or "").strip()
    if not email:
        return from_user
    if from_user is not None:
        return Recipient(email, from_user.user_id, from_user.language, from_user.opted_out)
    return Recipient(email)


def unique_recipients(recipients: list[Recipient | None]) -> list[Recipient]:
    """Each address once (the ombud may also be on the list), in the order given."""
    seen: dict[str, Recipient] = {}
    for r in recipients:
        if r is not None and r.email.lower() not in seen:
            seen[r.email.lower()] = r
    return list(seen.values())


def wants(kind: str, recipient: Recipient) -> bool:
    return kind in DUTY_KINDS or kind not in recipient.opted_out


def portal_url(path: str) -> str:
    """An absolute link for a mail (settings.PORTAL_URL + path)."""
    return settings.PORTAL_URL.rstrip("/") + path


def render_message(*, kind: str, language: str, context: dict[str, Any], to: str) -> EmailMultiAlternatives:
    """Plain text with an HTML alternative, from templates/notifications/<kind>.<language>.*"""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    context = {**context, "language": language}
    with translation.override(language):
        subject = render_to_string(f"notifications/{kind}_subject.{language}.txt", context)
        text = render_to_string(f"notifications/{kind}.{language}.txt", context)
        html = render_to_string(f"notifications/{kind}.{language}.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    return message


def deliver(
    *, kind: str, event_key: str, recipient: Recipient, context: dict[str, Any], task_id: str | None
) -> bool:
    """Send this event's mail to this recipient unless it was sent already or they opted out.
    Returns whether a mail was sent. Raises what the mail backend raises (the task retries)."""
    assert kind in NotificationKind.values, kind
    if not wants(kind, recipient):
        return False
    address = recipient.email.strip().lower()
    task_id = task_id or "direct"
    key = {"kind": kind, "event_key": event_key, "recipient": address}
    Notification.objects.get_or_create(**key, defaults={"user_id": recipient.user_id})
    now = timezone.now()
    claimable = Q(task_id="") | Q(task_id=task_id) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)
    claimed = Notification.objects.filter(claimable, sent_at__isnull=True, **key).update(
        task_id=task_id, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        logger.debug("notification %s %s to %s: sent or claimed already", kind, event_key, address)
        return False
    try:
        render_message(kind=kind, language=recipient.language, context=context, to=address).send()
    except Exception as exc:
        # Let the next attempt (the task's retry, or another worker) have it.
        Notification.objects.filter(task_id=task_id, sent_at__isnull=True, **key).update(
            task_id="", error=f"{type(exc).__name__}: {exc}"[:500]
        )
        raise
    Notification.objects.filter(task_id=task_id, **key).update(sent_at=timezone.now(), error="")
    return True


def queue(task: Any, *args: Any) -> None:
    """Hand a notification task to Celery after the transaction commits. Whatever happens there
    (a broker down, the eager mode giving up on a mail server) is logged and never reaches the
    page that caused the mail."""

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            logger.exception("notification task %s%r could not run", getattr(task, "name", task), args)

    transaction.on_commit(send)


def settings_for(user: User) -> NotificationSettings:
    return _settings_of(user) or NotificationSettings(user=user)


@transaction.atomic
def notification_settings_save(*, user: User, language: str, wanted: list[str]) -> NotificationSettings:
    """Store the user's choices. Duty kinds are never stored as turned off."""
    choices, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
    choices.language = language if language in LANGUAGES else ""
    choices.opted_out = sorted(k for k in optional_kinds() if k not in wanted)
    choices.full_clean()
    choices.save()
    return choices


def optional_kinds() -> list[str]:
    return [k for k in NotificationKind.values if k not in DUTY_KINDS and k not in PARTICIPANT_KINDS]
