from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from ombud.formatting import hours, num, percent, sv_sort_key


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (3513, 0, "3\xa0513"),
        (30605, 1, "30\xa0605,0"),
        (7.75, 1, "7,8"),
        (29923.75, 2, "29\xa0923,75"),
        (0.05, 1, "0,1"),
        (Decimal("2.45"), 1, "2,5"),
        (None, 0, "–"),
    ],
)
def test_numbers_are_swedish_and_rounded_half_up(value, decimals, expected):
    with translation.override("sv"):
        assert num(value, decimals) == expected


def test_english_numbers_use_comma_grouping_and_point():
    with translation.override("en"):
        assert num(30605.04, 1) == "30,605.0"


def test_hours_and_percent():
    with translation.override("sv"):
        assert hours(29923.75) == "29\xa0923,75"
        assert hours(30315.983) == "30\xa0315,98"
        assert percent(1, 4) == "25 %"
        assert percent(1, 0) == "–"


def test_swedish_alphabetical_order():
    words = ["Övrigt", "Ärende", "Åtgärd", "Teams", "Zebra"]
    assert sorted(words, key=sv_sort_key) == ["Teams", "Zebra", "Åtgärd", "Ärende", "Övrigt"]
