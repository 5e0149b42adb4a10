"""Cell values: folding for matching, the shared value messages and the value parsers that the
people and attendance handlers share (choices, lengths, personnummer)."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ombud import personnummer as pnr

if TYPE_CHECKING:
    from ombud.importing.engine import ImportContext

# --- messages: values (shown after `rad N: <kolumn>: `) -------------------------------------------
VALUE_REQUIRED = _("värde saknas")
VALUE_TOO_LONG = _("får vara högst %(max)s tecken")
VALUE_CHOICE = _("%(value)s är inte ett tillåtet värde (%(choices)s)")
VALUE_EMAIL = _("%(value)s är inte en giltig e-postadress")
VALUE_DATE = _("%(value)s är inte ett datum (ÅÅÅÅ-MM-DD)")
VALUE_TIME = _("%(value)s är inte en tid (TT:MM)")
VALUE_INTEGER = _("%(value)s är inte ett heltal")
MUNICIPALITY_UNKNOWN = _("%(value)s är inte en registrerad kommun (namn eller fyrsiffrig kommunkod)")


_WHITESPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, without diacritics, single spaces: `" Mölndal "` → `"molndal"`.

    Used to match header names, municipality and workplace names and the fixed vocabularies
    (`närvarande` = `narvarande`). Cached: a file repeats the same few words many times.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WHITESPACE.sub(" ", stripped).strip()


def header_key(text: str) -> str:
    """`"E-post "` → `"epost"`, `"Närvaro­minuter"` → `"narvarominuter"`."""
    return re.sub(r"[^a-z0-9]", "", fold(str(text)))


def choice(value: str, choices: dict[str, str]) -> str | None:
    """The stored value for `value` among `choices` (folded word → value), or None."""
    return choices.get(fold(value))


def choices_of(text_choices: Any) -> dict[str, str]:
    return {fold(v): v for v in text_choices.values}


def check_length(ctx: ImportContext, row: int, label: str, value: str, max_length: int) -> bool:
    if len(value) > max_length:
        ctx.error(row, label, VALUE_TOO_LONG, max=max_length)
        return False
    return True


def personnummer_text(value: str) -> str:
    """Excel drops a leading zero from numbers typed into a number cell (`010203-…` born
    2001 becomes 9 or 11 digits); give it back before validating."""
    if value.isdigit() and len(value) in (9, 11):
        return value.zfill(len(value) + 1)
    return value


@functools.lru_cache(maxsize=65536)
def _normalised(value: str) -> tuple[str | None, str]:
    """(12 digits, "") or (None, error text). Cached: an attendance file names the same
    trainer on every row of a session and the same participant in many sessions."""
    try:
        return pnr.normalise(personnummer_text(value)), ""
    except ValidationError as exc:
        return None, "; ".join(str(m) for m in exc.messages)


def personnummer_or_none(value: str) -> str | None:
    """The 12 digits of `value`, or None when it is not a valid personnummer (no message)."""
    return _normalised(value)[0] if value else None


def parse_personnummer(ctx: ImportContext, row: int, label: str, value: str) -> str | None:
    if not value:
        ctx.error(row, label, VALUE_REQUIRED)
        return None
    number, error = _normalised(value)
    if number is None:
        ctx.error(row, label, error)
    return number
