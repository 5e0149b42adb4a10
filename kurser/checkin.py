"""Signed, time-limited QR check-in links (no login): one link per session.

The token is the session id signed with `TimestampSigner` (salted for this purpose). It is
valid from 30 minutes before the session starts until its end plus a grace period, so a photo
of yesterday's QR code does not work today.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kurser.models import Session

SALT = "kurser.checkin"
OPENS_BEFORE = dt.timedelta(minutes=30)
GRACE = dt.timedelta(minutes=30)

CHECKIN_FORGED = _("Länken är inte giltig. Skanna QR-koden på utbildarens skärm igen.")
CHECKIN_EXPIRED = _("Länken har gått ut: incheckningen är stängd för det här tillfället.")
CHECKIN_NOT_OPEN = _("Incheckningen har inte öppnat än. Den öppnar en halvtimme före start.")
CHECKIN_THROTTLED = _("För många försök. Fråga utbildaren, som kan markera dig på surfplattan.")
CHECKIN_CLOSED = _("Tillfället är inställt eller låst och tar inte emot incheckningar.")


class CheckinError(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def make_token(session: Session) -> str:
    return signing.TimestampSigner(salt=SALT).sign(str(session.pk))


def window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at - OPENS_BEFORE, session.ends_at + GRACE


def session_for_token(token: str, *, now: dt.datetime | None = None) -> Session:
    """The session a token is for, or CheckinError with the Swedish reason."""
    now = now or timezone.now()
    try:
        pk = int(signing.TimestampSigner(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise CheckinError(CHECKIN_FORGED) from None
    session = (
        Session.objects.select_related("course", "programme", "municipality", "workplace", "trainer")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise CheckinError(CHECKIN_FORGED)
    opens, closes = window(session)
    if now > closes:
        raise CheckinError(CHECKIN_EXPIRED)
    if now < opens:
        raise CheckinError(CHECKIN_NOT_OPEN)
    if session.status == Session.Status.CANCELLED or session.is_approved:
        raise CheckinError(CHECKIN_CLOSED)
    return session


def qr_svg(url: str) -> str:
    """The QR code as inline SVG markup (no style attributes: CSP)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=6, border=2, dark="#000", light="#fff", omitsize=True)


MAX_FAILED_ATTEMPTS = 10


def _attempts_key(session: Session, client_ip: str) -> str:
    return f"kurser:checkin-failed:{session.pk}:{client_ip}"


def check_attempts(session: Session, client_ip: str) -> None:
    """Four digits are easy to guess: a phone that fails ten times is told to ask the trainer."""
    if cache.get(_attempts_key(session, client_ip), 0) >= MAX_FAILED_ATTEMPTS:
        raise CheckinError(CHECKIN_THROTTLED)


def record_failed_attempt(session: Session, client_ip: str) -> None:
    key = _attempts_key(session, client_ip)
    cache.add(key, 0, timeout=int((GRACE + OPENS_BEFORE).total_seconds()) + session.planned_minutes * 60)
    cache.incr(key)
