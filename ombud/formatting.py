"""Swedish presentation of numbers and names, shared by pages, PDFs and XLSX (no ORM here)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format

# Swedish alphabetical order: å, ä, ö come after z (in that order), unlike code-point order.
_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "Å": "{", "Ä": "|", "Ö": "}", "é": "e", "É": "e"})


def sv_sort_key(text: str) -> str:
    return (text or "").lower().translate(_SV_ORDER)


def num(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """`3 513`, `30 605,0` in Swedish (non-breaking space, decimal comma); `3,513` in English."""
    if value is None:
        return "–"
    # Django's number_format cuts extra decimals off; round half up first (7.75 → "7,8").
    exact = Decimal(str(value)) if not isinstance(value, Decimal) else value
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


# Hours everywhere (pages, PDFs, XLSX number format) with the ESF summary's own 2 decimals
# (spec §3), so a figure reads the same on the dashboard as in the report.
HOURS_DECIMALS = 2


def hours(value: float | Decimal | None) -> str:
    """Hours with the ESF summary's 2 decimals: `30 315,98`."""
    return num(value, HOURS_DECIMALS)


def percent(part: float, whole: float) -> str:
    if not whole:
        return "–"
    return f"{num(100 * part / whole, 0)} %"
