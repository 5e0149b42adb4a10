"""The participant's own page (issue 12 item 5): a signed personal link, no account.

The token is the person's id signed with `TimestampSigner` under its own salt; it is valid for
`settings.PARTICIPANT_LINK_MAX_AGE_DAYS` days (90 unless the environment says otherwise). A
forged token, or one for a person who no longer has a page (erased, or a temporary walk-in),
reads as forged: the page then says so and nothing else.

`page_data` gathers what the page shows with a fixed number of queries, whatever the person's
history: their sessions, their counted hours per programme and month (kurser.counting, with the
month's confirmation state from enkater.confirmation), and their due surveys
(enkater.pending).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

from enkater import confirmation
from enkater.links import answer_url
from enkater.models import Moment, MonthConfirmation
from enkater.pending import Pending, pending_for_person
from kurser.counting import counted_rows, hours
from kurser.models import Attendance
from ombud.models import Person, Programme

SALT = "enkater.participant"
DEFAULT_MAX_AGE_DAYS = 90

LINK_FORGED = _(
    "Länken är inte giltig. Kontrollera att du har kopierat hela länken, eller be din samordnare om en ny."
)
LINK_NO_EMAIL = _(
    "%(name)s har ingen e-postadress i portalen. Skriv ut länken och lämna den, eller lägg till en "
    "adress på personens sida."
)
LINK_SENT_TODAY = _("Länken skickades redan i dag till %(email)s.")

LINK_EXPIRED = _("Länken har gått ut. Be din samordnare eller lokala projektledare om en ny länk.")


class LinkError(Exception):
    def __init__(self, message: Any, *, expired: bool = False) -> None:
        super().__init__(str(message))
        self.message = message
        self.expired = expired


def max_age() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "PARTICIPANT_LINK_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS)))


def participant_token(person: Person) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(person.pk))


def participant_url(person: Person) -> str:
    """The page's path (prefix settings.PORTAL_URL for a mail or a printout)."""
    return reverse("enkater:participant", args=[participant_token(person)])


def has_page(person: Person) -> bool:
    return not person.temporary and person.erased_at is None


def read_participant_token(token: str) -> Person:
    """The person a token is for, or LinkError (forged or expired)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        pk = int(signer.unsign(token, max_age=max_age()))
    except signing.SignatureExpired:
        raise LinkError(LINK_EXPIRED, expired=True) from None
    except (signing.BadSignature, ValueError):
        raise LinkError(LINK_FORGED) from None
    person = Person.objects.select_related("municipality", "workplace").filter(pk=pk).first()
    if person is None or not has_page(person):
        raise LinkError(LINK_FORGED)
    return person


@dataclass
class MonthRow:
    programme: Programme
    month: dt.date
    hours: float
    status: confirmation.Status
    confirmable: bool  # over (or closed) and not confirmed: "Bekräfta" is offered

    @property
    def key(self) -> str:
        return f"{self.programme.pk}-{self.month:%Y-%m}"


@dataclass
class PageData:
    person: Person
    sessions: list[Attendance]
    months: list[MonthRow]
    pending: list[Pending]
    links: dict[int, str] = field(default_factory=dict)  # index in `pending` → answer link

    @property
    def surveys(self) -> list[tuple[Pending, StrOrPromise, str | None]]:
        """(due survey, the moment's label, its answer link or None), for the template."""
        return [(p, Moment(p.moment).label, self.links.get(i)) for i, p in enumerate(self.pending)]


def month_rows(person: Person, today: dt.date | None = None) -> list[MonthRow]:
    """Counted hours per programme and month, newest first, each with its confirmation state.
    Three queries."""
    today = today or timezone.localdate()
    rows = list(
        counted_rows()
        .filter(person=person)
        .annotate(month=TruncMonth("session__date"))
        .values("session__programme_id", "month")
        .annotate(minutes=Sum("minutes"))
        .order_by("-month", "session__programme_id")
    )
    programme_ids = {r["session__programme_id"] for r in rows}
    programmes = Programme.objects.in_bulk(programme_ids)
    confirmations = {
        (c.programme_id, c.month): c
        for c in MonthConfirmation.objects.filter(person=person, programme_id__in=programme_ids)
    }
    closed = confirmation.closed_months(programme_ids) if programme_ids else {}
    out = []
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]
        pid = r["session__programme_id"]
        h = hours(r["minutes"])
        status = confirmation.status_of(confirmations.get((pid, month)), h)
        over = confirmation.month_is_over_or_closed(programmes[pid], month, today, closed.get(pid, set()))
        out.append(MonthRow(programmes[pid], month, h, status, over and not status.confirmed and h > 0))
    return out


def page_data(person: Person, today: dt.date | None = None) -> PageData:
    sessions = list(
        Attendance.objects.filter(person=person)
        .select_related("session__course", "session__programme")
        .order_by("-session__date", "-session__start_time", "-pk")
    )
    counted_ids = set(counted_rows().filter(person=person).values_list("pk", flat=True))
    for row in sessions:
        row.counted_hours = hours(row.minutes) if row.pk in counted_ids else None  # type: ignore[attr-defined]
    pending = pending_for_person(person=person, today=today)
    data = PageData(person, sessions, month_rows(person, today), pending)
    data.links = answer_links(person, pending)
    return data


def answer_links(person: Person, pending: list[Pending]) -> dict[int, str]:
    """The phone answer page of each due survey (enkater.links)."""
    return {i: answer_url(person, p.survey, p.moment) for i, p in enumerate(pending)}


def participant_link_send(*, person: Person, today: dt.date | None = None) -> str:
    """E-mail the person their personal link; returns the address. Sent in the request, never
    through the broker (the link is a key to the page, as the one-time code is), and at most once
    per person and day (`ombud.notifications.deliver`'s event key), so a double click sends one."""
    from django.core.exceptions import ValidationError

    from ombud.models import NotificationKind
    from ombud.notifications import deliver, portal_url, recipient_of_person

    recipient = recipient_of_person(person) if has_page(person) else None
    if recipient is None:
        raise ValidationError(LINK_NO_EMAIL, params={"name": person.full_name})
    today = today or timezone.localdate()
    context = {
        "first_name": person.first_name,
        "url": portal_url(participant_url(person)),
        "expires": today + max_age(),
    }
    sent = deliver(
        kind=NotificationKind.PARTICIPANT_LINK,
        event_key=f"{person.pk}:{today.isoformat()}",
        recipient=recipient,
        context=context,
        task_id=None,
    )
    if not sent:
        raise ValidationError(LINK_SENT_TODAY, params={"email": recipient.email})
    return recipient.email
