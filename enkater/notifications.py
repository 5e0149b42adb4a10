"""Reminders to answer a follow-up survey (issue 12 item 4): a local leader (or programme
leader) picks non-responders on the effect dashboard and the portal mails each their personal
answer link.

`survey_reminders_send` (the service the page calls) checks the choice against the user's scope
and queues `enkater.tasks.survey_reminders` after commit; the task re-reads who is still due and
sends through `ombud.notifications.deliver`, whose event key is (survey, person, day): a person
gets at most one reminder per survey and day, so a double click, a second leader or a retried
task sends nothing more.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enkater.links import answer_url
from enkater.models import Moment, Survey
from enkater.pending import follow_up_non_responders
from ombud.models import Notification, NotificationKind, Person
from ombud.notifications import deliver, portal_url, queue, recipient_of_person

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from enkater.selectors import EffectScope
    from ombud.models import User

logger = logging.getLogger(__name__)

KIND = NotificationKind.SURVEY_REMINDER

NOTHING_SELECTED = _("Markera minst en deltagare att påminna, eller välj ”Påminn alla”.")
NOT_LISTED = _(
    "%(n)s av de markerade deltagarna finns inte bland dem som inte har svarat på %(survey)s (de kan "
    "ha svarat under tiden). Ingen påminnelse skickades: ladda om listan och försök igen."
)
NOT_ALLOWED = _("Du kan inte skicka påminnelser.")


def event_key(survey_id: int, person_id: int, day: dt.date) -> str:
    """One reminder per survey, person and day."""
    return f"{survey_id}:{person_id}:{day.isoformat()}"


@dataclass(frozen=True)
class ReminderResult:
    queued: int  # mails handed to the worker
    without_email: list[Person]  # chosen, but no address to send to
    already: int  # reminded about this survey today already


def has_address(person: Person) -> bool:
    return recipient_of_person(person) is not None


@transaction.atomic
def survey_reminders_send(
    *,
    user: User | AnonymousUser,
    scope: EffectScope,
    survey: Survey,
    person_ids: list[int],
    everyone: bool = False,
    today: dt.date | None = None,
) -> ReminderResult:
    """Queue a reminder for the chosen non-responders (`everyone`: all of them in the user's
    scope). An id that is not a non-responder the user may see refuses the whole request."""
    from enkater import selectors
    from ombud import access

    if not access.can_remind_participants(user):
        raise ValidationError(NOT_ALLOWED)
    today = today or timezone.localdate()
    listed = selectors.non_responders(user=user, scope=scope, survey=survey, today=today)
    if everyone:
        people = list(listed)
    else:
        wanted = set(person_ids)
        if not wanted:
            raise ValidationError(NOTHING_SELECTED)
        people = list(listed.filter(pk__in=wanted))
        missing = len(wanted) - len(people)
        if missing:
            raise ValidationError(NOT_LISTED, params={"n": missing, "survey": survey.code})
    with_address = [p for p in people if has_address(p)]
    without = [p for p in people if not has_address(p)]
    keys = {event_key(survey.pk, p.pk, today): p.pk for p in with_address}
    done = set(
        Notification.objects.filter(kind=KIND, event_key__in=list(keys)).values_list("event_key", flat=True)
    )
    to_send = [pk for key, pk in keys.items() if key not in done]
    if to_send:
        from enkater.tasks import survey_reminders

        queue(survey_reminders, survey.pk, to_send, today.isoformat())
    return ReminderResult(queued=len(to_send), without_email=without, already=len(done))


def answer_link(person: Person, survey: Survey) -> str:
    """The person's signed answer link to the survey's follow-up (`enkater.links`), absolute."""
    return portal_url(answer_url(person, survey, Moment.FOLLOW_UP))


def notify_survey_reminders(
    *, survey_id: int, person_ids: list[int], day: dt.date, task_id: str | None = None
) -> int:
    """Send the reminders: to each of `person_ids` still due the follow-up on `day` (one who
    answered since is skipped). Returns how many mails went out."""
    survey = Survey.objects.select_related("programme").filter(pk=survey_id).first()
    if survey is None:
        return 0
    people = follow_up_non_responders(survey, day).filter(pk__in=person_ids).select_related("user")
    sent = 0
    for person in people:
        recipient = recipient_of_person(person)
        if recipient is None:
            continue
        context: dict[str, Any] = {
            "first_name": person.first_name,
            "survey": survey.name(recipient.language),
            "programme": survey.programme.name,
            "url": answer_link(person, survey),
        }
        sent += deliver(
            kind=KIND,
            event_key=event_key(survey.pk, person.pk, day),
            recipient=recipient,
            context=context,
            task_id=task_id,
        )
    return sent
