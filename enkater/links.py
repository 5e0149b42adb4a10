"""Signed personal survey links: a participant answers on their own phone without an account.

The token names a person, a survey and a moment, signed with `TimestampSigner` under this
module's own salt (a check-in token or another signed value of the portal is no survey link),
and is valid `settings.SURVEY_LINK_MAX_AGE_DAYS` days. Ids are written in base 62 and the moment
as one letter so that the link stays short enough for an SMS or a small QR code.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from enkater.models import Moment, Survey
from ombud.models import Person

SALT = "enkater.links.answer"
_SEP = "."
_MOMENT_LETTERS = {Moment.BEFORE: "f", Moment.AFTER: "e", Moment.FOLLOW_UP: "u"}
_LETTER_MOMENTS = {letter: str(moment) for moment, letter in _MOMENT_LETTERS.items()}

LINK_FORGED = _("Länken är inte giltig. Kontrollera att du fått med hela länken, eller be om en ny.")
LINK_EXPIRED = _("Länken har gått ut. Be utbildaren eller din lokala projektledare om en ny länk.")
LINK_GONE = _("Enkäten som länken gäller finns inte längre.")


class LinkError(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, sep=_SEP)


def max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.SURVEY_LINK_MAX_AGE_DAYS)


def answer_token(person: Person, survey: Survey, moment: str) -> str:
    """The signed token for `person` to answer `survey` at `moment` (no check that it applies:
    the answering service decides that when the answer arrives)."""
    value = _SEP.join(
        (signing.b62_encode(person.pk), signing.b62_encode(survey.pk), _MOMENT_LETTERS[Moment(moment)])
    )
    return _signer().sign(value)


def answer_url(person: Person, survey: Survey, moment: str) -> str:
    """The phone page's path for the token (prefix the site's address for an e-mail or SMS)."""
    return reverse("enkater:answer", kwargs={"token": answer_token(person, survey, moment)})


def read_answer_token(token: str) -> tuple[Person, Survey, str]:
    """(person, survey, moment) of a token, or LinkError with the Swedish reason."""
    try:
        value = _signer().unsign(token, max_age=max_age())
    except signing.SignatureExpired:
        raise LinkError(LINK_EXPIRED) from None
    except signing.BadSignature:
        raise LinkError(LINK_FORGED) from None
    try:
        person_part, survey_part, letter = value.split(_SEP)
        person_id, survey_id = signing.b62_decode(person_part), signing.b62_decode(survey_part)
        moment = _LETTER_MOMENTS[letter]
    except (ValueError, KeyError):
        raise LinkError(LINK_FORGED) from None
    person = Person.objects.select_related("municipality").filter(pk=person_id).first()
    survey = Survey.objects.select_related("programme").filter(pk=survey_id).first()
    if person is None or survey is None:
        raise LinkError(LINK_GONE)
    return person, survey, moment
