"""The monthly confirmation (issue 12 item 5): a participant confirms a month's counted hours
with a one-time code sent by e-mail.

Rules, each written here once:

- a month is *confirmable* for a person and a programme when the person has counted hours
  (kurser.counting) in it and the month is over (or closed by the programme leader), and it is
  not confirmed yet;
- `code_send` makes a 6-digit code, stores only its HMAC (keyed with SECRET_KEY, so a copy of
  the database does not give the codes away), valid `CODE_VALID` and used once; a new code
  spends the month's earlier ones. Sending is throttled per person (`SEND_PER_MINUTE`,
  `SEND_PER_HOUR`, counted from the stored codes, so it holds across processes);
- `code_verify` allows `MAX_WRONG_TRIES` wrong tries per code and `MAX_WRONG_PER_IP` wrong tries
  per client address per hour (the cache, as the QR check-in does); success stores a
  `MonthConfirmation` with the hours counted at that moment;
- `status_of` compares stored hours with the current count: a month whose count changed after
  the confirmation is "ändrad efter bekräftelse" wherever it is shown (the participant's page,
  the coordinators' list, the monthly certificate).

The code mail is sent within the request, not through a Celery task: the code in clear must
not pass through the broker and the result store. A mail server that is down leaves nothing
behind (the code row is rolled back) and the participant is asked to try again.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

from enkater.models import ConfirmationCode, MonthConfirmation
from kurser import rules
from kurser.counting import counted_rows, hours
from kurser.models import ClosedMonth
from ombud import formatting
from ombud.models import NotificationKind, Person, Programme
from ombud.notifications import deliver, recipient_of_person

if TYPE_CHECKING:
    from collections.abc import Iterable

CODE_DIGITS = 6
CODE_VALID = dt.timedelta(minutes=15)
MAX_WRONG_TRIES = 5
SEND_PER_MINUTE = 1
SEND_PER_HOUR = 5
MAX_WRONG_PER_IP = 20
IP_WINDOW = dt.timedelta(hours=1)
HMAC_SALT = "enkater.confirmation.code"

NOT_CONFIRMABLE = _("Den här månaden kan inte bekräftas: den har inga räknade timmar eller är inte slut än.")
ALREADY_CONFIRMED = _("Månaden är redan bekräftad.")
NO_EMAIL = _(
    "Vi har ingen e-postadress till dig, så vi kan inte skicka någon kod. Be din samordnare eller "
    "lokala projektledare att lägga in din e-postadress."
)
TEMPORARY = _("Du är inte registrerad än. Be din lokala projektledare att registrera dig.")
SEND_TOO_SOON = _("Vi skickade nyss en kod. Vänta en minut innan du ber om en ny.")
SEND_TOO_MANY = _("Du har bett om många koder den senaste timmen. Försök igen senare.")
NOT_SENT = _("Koden kunde inte skickas just nu. Försök igen om en stund.")
NO_CODE = _("Ingen kod är skickad för den här månaden. Tryck på ”Bekräfta” för att få en kod.")
CODE_FORMAT = _("Koden är sex siffror. Skriv den som den står i e-postmeddelandet.")
WRONG_CODE = _("Fel kod. Du har %(left)s försök kvar med den här koden.")
CODE_SPENT = _("För många felaktiga försök med den här koden. Be om en ny kod.")
CODE_EXPIRED = _("Koden har gått ut (den gäller i 15 minuter). Be om en ny kod.")
CODE_USED = _("Koden är redan använd. Be om en ny kod.")
IP_THROTTLED = _("För många felaktiga koder från den här enheten. Försök igen om en timme.")


# --- counting (through kurser.counting only) ----------------------------------------------------


def month_minutes(*, person: Person, programme: Programme, month: dt.date) -> int:
    first = rules.month_of(month)
    return (
        counted_rows()
        .filter(
            person=person,
            session__programme=programme,
            session__date__gte=first,
            session__date__lte=rules.month_end(first),
        )
        .aggregate(m=Sum("minutes"))["m"]
        or 0
    )


def as_decimal(value: float | int | Decimal | None) -> Decimal:
    """Hours as stored (2 decimals), for comparing a count with a confirmation."""
    return Decimal(f"{float(value or 0):.2f}")


@dataclass(frozen=True)
class Status:
    """How a month stands: `confirmed_at` None = not confirmed; `changed`: the counted hours now
    differ from the hours confirmed."""

    confirmed_at: dt.datetime | None
    confirmed_hours: Decimal | None
    changed: bool

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


NOT_CONFIRMED = Status(None, None, False)


def status_of(confirmation: MonthConfirmation | None, current_hours: float | Decimal) -> Status:
    if confirmation is None:
        return NOT_CONFIRMED
    return Status(
        confirmation.confirmed_at,
        confirmation.hours,
        as_decimal(confirmation.hours) != as_decimal(current_hours),
    )


def confirmations_by_person(
    *, programme: Programme, month: dt.date, person_ids: Iterable[int] | None = None
) -> dict[int, MonthConfirmation]:
    """The month's confirmations of a programme, by person id (one query)."""
    qs = MonthConfirmation.objects.filter(programme=programme, month=rules.month_of(month))
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    return {c.person_id: c for c in qs}


def month_is_over_or_closed(
    programme: Programme, month: dt.date, today: dt.date, closed: set[dt.date]
) -> bool:
    return rules.month_end(month) < today or rules.month_of(month) in closed


def closed_months(programme_ids: Iterable[int]) -> dict[int, set[dt.date]]:
    """Closed (not reopened) months per programme id: one query."""
    out: dict[int, set[dt.date]] = {}
    for pid, month in ClosedMonth.objects.filter(
        programme_id__in=list(programme_ids), reopened_at__isnull=True
    ).values_list("programme_id", "month"):
        out.setdefault(pid, set()).add(month)
    return out


def _check_confirmable(*, person: Person, programme: Programme, month: dt.date, today: dt.date) -> int:
    """The month's counted minutes, or ValidationError with the reason it cannot be confirmed."""
    if person.temporary:
        raise ValidationError(TEMPORARY)
    if MonthConfirmation.objects.filter(person=person, programme=programme, month=month).exists():
        raise ValidationError(ALREADY_CONFIRMED)
    minutes = month_minutes(person=person, programme=programme, month=month)
    closed = closed_months([programme.pk]).get(programme.pk, set())
    if minutes <= 0 or not month_is_over_or_closed(programme, month, today, closed):
        raise ValidationError(NOT_CONFIRMABLE)
    return minutes


# --- the code -------------------------------------------------------------------------------------


def _hash(person: Person, code: str) -> str:
    return salted_hmac(HMAC_SALT, f"{person.pk}:{code}", algorithm="sha256").hexdigest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_send(
    *, person: Person, programme: Programme, month: dt.date, now: dt.datetime | None = None
) -> ConfirmationCode:
    """Send a one-time code for confirming `month` to the person's e-mail. Raises ValidationError
    (NOT_CONFIRMABLE, ALREADY_CONFIRMED, NO_EMAIL, SEND_TOO_SOON, SEND_TOO_MANY, NOT_SENT)."""
    try:
        return _code_send(person=person, programme=programme, month=rules.month_of(month), now=now)
    except OSError:  # the mail server: the transaction is rolled back, no code is left behind
        raise ValidationError(NOT_SENT) from None


@transaction.atomic
def _code_send(
    *, person: Person, programme: Programme, month: dt.date, now: dt.datetime | None
) -> ConfirmationCode:
    now = now or timezone.now()
    # One sender at a time per person: the throttle below reads the rows this writes.
    person = Person.objects.select_for_update().get(pk=person.pk)
    minutes = _check_confirmable(
        person=person, programme=programme, month=month, today=timezone.localdate(now)
    )
    recipient = recipient_of_person(person)
    if recipient is None:
        raise ValidationError(NO_EMAIL)
    sent = ConfirmationCode.objects.filter(person=person)
    if sent.filter(created_at__gt=now - dt.timedelta(hours=1)).count() >= SEND_PER_HOUR:
        raise ValidationError(SEND_TOO_MANY)
    if sent.filter(created_at__gt=now - dt.timedelta(minutes=1)).count() >= SEND_PER_MINUTE:
        raise ValidationError(SEND_TOO_SOON)
    # Only the newest code of a month works.
    ConfirmationCode.objects.filter(
        person=person, programme=programme, month=month, used_at__isnull=True
    ).update(expires_at=now)
    code = new_code()
    row = ConfirmationCode(
        person=person,
        programme=programme,
        month=month,
        code_hash=_hash(person, code),
        created_at=now,
        expires_at=now + CODE_VALID,
    )
    row.full_clean()
    row.save()
    deliver(
        kind=NotificationKind.CONFIRMATION_CODE,
        event_key=f"code:{row.pk}",
        recipient=recipient,
        context={
            "code": code,
            "person": person,
            "programme": programme,
            "month": month,
            "hours": formatting.hours(hours(minutes)),
            "valid_minutes": int(CODE_VALID.total_seconds() // 60),
        },
        task_id=None,
    )
    return row


def _ip_key(client_ip: str) -> str:
    return f"enkater:confirm-wrong:{client_ip}"


def _record_wrong_ip(client_ip: str) -> None:
    key = _ip_key(client_ip)
    cache.add(key, 0, timeout=int(IP_WINDOW.total_seconds()))
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=int(IP_WINDOW.total_seconds()))


def code_verify(
    *,
    person: Person,
    programme: Programme,
    month: dt.date,
    code: str,
    client_ip: str,
    now: dt.datetime | None = None,
) -> MonthConfirmation:
    """Check the code and store the month's confirmation. A wrong code is counted on the code
    and on the client address (both kept, though the call raises)."""
    now = now or timezone.now()
    month = rules.month_of(month)
    if cache.get(_ip_key(client_ip), 0) >= MAX_WRONG_PER_IP:
        raise ValidationError(IP_THROTTLED)
    code = (code or "").strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        raise ValidationError(CODE_FORMAT)
    if MonthConfirmation.objects.filter(person=person, programme=programme, month=month).exists():
        raise ValidationError(ALREADY_CONFIRMED)
    row = (
        ConfirmationCode.objects.filter(person=person, programme=programme, month=month)
        .order_by("-created_at", "-pk")
        .first()
    )
    if row is None:
        raise ValidationError(NO_CODE)
    if row.used_at is not None:
        raise ValidationError(CODE_USED)
    if row.wrong_tries >= MAX_WRONG_TRIES:
        raise ValidationError(CODE_SPENT)
    if row.expires_at <= now:
        raise ValidationError(CODE_EXPIRED)
    if not constant_time_compare(row.code_hash, _hash(person, code)):
        ConfirmationCode.objects.filter(pk=row.pk).update(wrong_tries=row.wrong_tries + 1)
        _record_wrong_ip(client_ip)
        left = MAX_WRONG_TRIES - row.wrong_tries - 1
        if left <= 0:
            raise ValidationError(CODE_SPENT)
        raise ValidationError(WRONG_CODE, params={"left": left})
    return _confirm(person=person, programme=programme, month=month, code_row=row, now=now)


@transaction.atomic
def _confirm(
    *, person: Person, programme: Programme, month: dt.date, code_row: ConfirmationCode, now: dt.datetime
) -> MonthConfirmation:
    # Single use, also against two requests with the same code at once.
    if not ConfirmationCode.objects.filter(pk=code_row.pk, used_at__isnull=True).update(used_at=now):
        raise ValidationError(CODE_USED)
    minutes = _check_confirmable(
        person=person, programme=programme, month=month, today=timezone.localdate(now)
    )
    confirmation = MonthConfirmation(
        person=person, programme=programme, month=month, hours=as_decimal(hours(minutes)), confirmed_at=now
    )
    confirmation.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            confirmation.save()
    except IntegrityError:
        raise ValidationError(ALREADY_CONFIRMED) from None
    return confirmation


# --- the coordinators' list -------------------------------------------------------------------


def month_overview(*, people: QuerySet[Person], programme: Programme, month: dt.date) -> QuerySet[Person]:
    """`people` (already scoped by ombud.access) who have counted hours in the programme's
    month, each annotated with `minutes`, `confirmed_at` and `confirmed_hours`: one query per
    page, whatever the number of rows (correlated subqueries, run for the shown rows only)."""
    first = rules.month_of(month)
    rows = counted_rows().filter(
        session__programme=programme, session__date__gte=first, session__date__lte=rules.month_end(first)
    )
    mine = rows.filter(person=OuterRef("pk")).values("person").annotate(m=Sum("minutes")).values("m")
    confirmed = MonthConfirmation.objects.filter(person=OuterRef("pk"), programme=programme, month=first)
    return (
        people.filter(pk__in=rows.values("person_id"))
        .annotate(
            minutes=Subquery(mine, output_field=IntegerField()),
            confirmed_at=Subquery(confirmed.values("confirmed_at")[:1]),
            confirmed_hours=Subquery(confirmed.values("hours")[:1]),
        )
        .order_by("last_name", "first_name", "pk")
    )


def certificate_confirmations(
    *, programme: Programme, month: dt.date | str, people: list[dict]
) -> list[dict]:
    """The monthly certificate's people (rapporter.queries.certificates: `person_id`,
    `total_hours`), each given `confirmation`: None (not confirmed) or {confirmed_at,
    confirmed_hours, changed}. One query, for a whole month or one chunk of it."""
    first = rules.month_of(month) if isinstance(month, dt.date) else rules.parse_month(month)
    if first is None:
        raise ValueError(f"not a month: {month!r}")
    found = confirmations_by_person(
        programme=programme, month=first, person_ids=[p["person_id"] for p in people]
    )
    out = []
    for p in people:
        status = status_of(found.get(p["person_id"]), p["total_hours"])
        confirmation = (
            {
                "confirmed_at": status.confirmed_at,
                "confirmed_hours": status.confirmed_hours,
                "changed": status.changed,
            }
            if status.confirmed
            else None
        )
        out.append({**p, "confirmation": confirmation})
    return out
