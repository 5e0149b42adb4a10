"""Swedish personnummer: the one validator and normaliser used by every form, import and command.

Accepted (spec §1a): `YYYYMMDD-NNNN`, `YYYYMMDDNNNN`, `YYMMDD-NNNN`, `YYMMDDNNNN`, and `+` instead
of `-` for a person aged 100 or more. Samordningsnummer (day + 60) are accepted. The date and the
Luhn check digit are verified; serial `000` is rejected; organisation numbers (third digit of the
10-digit form ≥ 2, i.e. month ≥ 20) are rejected. Stored normalised as 12 digits.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PNR_FORMAT = _("ska skrivas ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN")
PNR_DATE = _("ogiltigt datum i personnumret")
PNR_CHECKSUM = _("fel kontrollsiffra i personnumret")
PNR_SERIAL = _("födelsenumret 000 finns inte")
PNR_ORGANISATION = _("är ett organisationsnummer, inte ett personnummer")
PNR_FUTURE = _("födelsedatumet ligger i framtiden")

_PATTERN = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$", re.ASCII)


# The digit sum of 2 × d, as a translation of the digit d.
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_ok(ten_digits: str) -> bool:
    """Luhn over the ten (ASCII) digits: every other digit from the first doubled (digit sum).

    Done in C (a translation table, then the sum of the ASCII codes): an import checks one
    number per distinct person of the file, hundreds of thousands at a national scale."""
    digits = (ten_digits[0::2].translate(_DOUBLED) + ten_digits[1::2]).encode("ascii")
    return (sum(digits) - 48 * len(digits)) % 10 == 0


def luhn_digit(nine_digits: str) -> str:
    """The check digit that makes `nine_digits` + it pass the Luhn test."""
    for d in "0123456789":
        if luhn_ok(nine_digits + d):
            return d
    raise AssertionError("unreachable")


def _reference_date(today: dt.date, sep: str) -> dt.date:
    """The latest possible birth date: today, or 100 years ago for a `+` number."""
    if sep != "+":
        return today
    try:
        return today.replace(year=today.year - 100)
    except ValueError:  # 29 February
        return dt.date(today.year - 100, 2, 28)


def normalise(value: str, *, today: dt.date | None = None) -> str:
    """Return the 12-digit form of `value` or raise ValidationError with a Swedish message.

    A ten-digit number is placed in the latest century that makes the person born no later
    than today (`-`), or at least 100 years ago (`+`).
    """
    raw = (value or "").strip().replace(" ", "")
    # Dashes pasted from word processors: en dash, minus sign, non-breaking hyphen.
    raw = raw.replace("\u2013", "-").replace("\u2212", "-").replace("\u2011", "-")
    m = _PATTERN.match(raw)
    if not m:
        raise ValidationError(PNR_FORMAT, code="format")
    century, yy, mm, dd, sep, serial, check = m.groups()
    today = today or dt.date.today()
    month, day = int(mm), int(dd)
    if month >= 20:
        # Organisation numbers have 20 or more in the month's place (also when written
        # with the "16" prefix as twelve digits).
        raise ValidationError(PNR_ORGANISATION, code="organisation")
    if not luhn_ok(f"{yy}{mm}{dd}{serial}{check}"):
        raise ValidationError(PNR_CHECKSUM, code="checksum")
    if serial == "000":
        raise ValidationError(PNR_SERIAL, code="serial")
    real_day = day - 60 if day > 60 else day  # samordningsnummer
    born: dt.date | None
    if century:
        try:
            born = dt.date(int(century + yy), month, real_day)
        except ValueError:
            raise ValidationError(PNR_DATE, code="date") from None
        if born > today:
            raise ValidationError(PNR_FUTURE, code="future")
        return f"{born.year:04d}{mm}{dd}{serial}{check}"
    reference = _reference_date(today, sep)
    year = (reference.year // 100) * 100 + int(yy)
    if year > reference.year:
        year -= 100
    born = None
    # The latest of this century and the one before that is a real date not after the
    # reference (29 February exists in 2000 but not in 1900).
    for candidate in (year, year - 100):
        try:
            born = dt.date(candidate, month, real_day)
        except ValueError:
            born = None
            continue
        if born <= reference:
            break
        born = None
    if born is None:
        raise ValidationError(PNR_DATE, code="date")
    return f"{born.year:04d}{mm}{dd}{serial}{check}"


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except ValidationError:
        return False
    return True


def birth_date(pnr12: str) -> dt.date:
    day = int(pnr12[6:8])
    return dt.date(int(pnr12[:4]), int(pnr12[4:6]), day - 60 if day > 60 else day)


def gender(pnr12: str) -> str:
    """'man' when the second-to-last digit is odd, else 'kvinna' (spec §1a)."""
    return "man" if int(pnr12[10]) % 2 else "kvinna"


def age_on(pnr12: str, on: dt.date) -> int:
    born = birth_date(pnr12)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def masked(pnr12: str | None) -> str:
    """`19850312-****`: the birth date without the four last digits. The one mask of the project
    (pages, PDFs, the audit log); "–" for none (an erased person)."""
    return f"{pnr12[:8]}-****" if pnr12 else "–"


_NUMBER_IN_TEXT = re.compile(r"\d[\d\s+-]*\d")


def masked_text(text: str) -> str:
    """A free text (a search) with every number in it that could be a personnummer masked: a
    valid one as `masked()` shows it, another of ten digits or more without its last four. A
    shorter number (a birth date) is what the masked form shows anyway."""

    def mask(match: re.Match) -> str:
        number = match.group(0)
        try:
            return masked(normalise(number))
        except ValidationError:
            digits = re.sub(r"\D", "", number)
            return f"{digits[:-4]}-****" if len(digits) >= 10 else number

    return _NUMBER_IN_TEXT.sub(mask, text)


def formatted(pnr12: str | None) -> str:
    return f"{pnr12[:8]}-{pnr12[8:]}" if pnr12 else "–"
