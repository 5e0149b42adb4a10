"""ombud.personnummer: the formats of spec §1a, as a table and as properties."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud import personnummer as pnr

TODAY = dt.date(2026, 11, 23)


def make(born: dt.date, serial: int, *, coordination: bool = False) -> str:
    """A valid 12-digit number for `born` and a three-digit serial."""
    day = born.day + 60 if coordination else born.day
    nine = f"{born:%y%m}{day:02d}{serial:03d}"
    return f"{born:%Y%m}{day:02d}{serial:03d}{pnr.luhn_digit(nine)}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("19780314-1121", "197803141121"),
        ("197803141121", "197803141121"),
        ("780314-1121", "197803141121"),
        ("7803141121", "197803141121"),
        (" 780314 - 1121 ", "197803141121"),
        ("780314–1121", "197803141121"),  # en dash from a word processor
        ("9901094525", "199901094525"),
        ("19900487-6786", "199004876786"),  # samordningsnummer: day 27 + 60
        ("900487-6786", "199004876786"),
        ("261201-4320", "192612014320"),  # 2026-12-01 is after "today": read as 1926
        ("201010+2396", "192010102396"),  # "+": 100 or more
        ("261201+5681", "182612015681"),  # "+", 99 years in 1926: must be 1826
        ("000229-2381", "200002292381"),  # 29 February 2000
    ],
)
def test_valid_numbers_are_normalised_to_twelve_digits(value, expected):
    assert pnr.normalise(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("19780314-1122", pnr.PNR_CHECKSUM),
        ("780314-1122", pnr.PNR_CHECKSUM),
        ("556036-0793", pnr.PNR_ORGANISATION),  # Volvo AB
        ("5560360793", pnr.PNR_ORGANISATION),
        ("16556036-0793", pnr.PNR_ORGANISATION),
        ("19780314-0008", pnr.PNR_SERIAL),
        ("19781314-1129", pnr.PNR_DATE),  # month 13
        ("19780231-1121", pnr.PNR_DATE),  # 31 February
        ("19780345-1124", pnr.PNR_DATE),  # day 45: neither a day nor a samordningsnummer
        ("20301224-1232", pnr.PNR_FUTURE),
        ("1978-03-14", pnr.PNR_FORMAT),
        ("", pnr.PNR_FORMAT),
        ("abc", pnr.PNR_FORMAT),
        ("١٩٧٨٠٣١٤١١٢١", pnr.PNR_FORMAT),  # Arabic-Indic digits are not accepted
    ],
)
def test_invalid_numbers_are_rejected_with_the_reason(value, message):
    with pytest.raises(ValidationError) as exc:
        pnr.normalise(value, today=TODAY)
    assert exc.value.messages == [str(message)]


def test_gender_and_birth_date_come_from_the_number():
    assert pnr.gender("198511022355") == "man"
    assert pnr.gender("197803141121") == "kvinna"
    assert pnr.birth_date("199004876786") == dt.date(1990, 4, 27)
    assert pnr.age_on("198511022355", dt.date(2019, 11, 1)) == 33
    assert pnr.age_on("198511022355", dt.date(2019, 11, 2)) == 34


def test_masked_and_formatted():
    assert pnr.masked("198503122387") == "19850312-****"
    assert pnr.formatted("198503122387") == "19850312-2387"
    assert pnr.masked(None) == "–"


births = st.dates(min_value=dt.date(1927, 1, 1), max_value=TODAY)
serials = st.integers(min_value=1, max_value=999)


@settings(max_examples=300, deadline=None)
@given(born=births, serial=serials, coordination=st.booleans())
def test_generated_numbers_round_trip_in_all_four_formats(born, serial, coordination):
    twelve = make(born, serial, coordination=coordination)
    ten = twelve[2:]
    age = pnr.age_on(twelve, TODAY)
    sep = "+" if age >= 100 else "-"
    forms = [f"{twelve[:8]}-{twelve[8:]}", twelve, f"{ten[:6]}{sep}{ten[6:]}"]
    if sep == "-":
        forms.append(ten)  # ten digits without a sign mean "under 100"
    for form in forms:
        assert pnr.normalise(form, today=TODAY) == twelve
    assert pnr.birth_date(twelve) == born


@settings(max_examples=200, deadline=None)
@given(born=births, serial=serials, wrong=st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_always_rejected(born, serial, wrong):
    twelve = make(born, serial)
    bad = twelve[:-1] + str((int(twelve[-1]) + wrong) % 10)
    with pytest.raises(ValidationError) as exc:
        pnr.normalise(bad, today=TODAY)
    assert exc.value.code == "checksum"


@settings(max_examples=100, deadline=None)
@given(born=births)
def test_serial_000_is_always_rejected(born):
    nine = f"{born:%y%m%d}000"
    value = f"{born:%Y%m%d}000{pnr.luhn_digit(nine)}"
    with pytest.raises(ValidationError) as exc:
        pnr.normalise(value, today=TODAY)
    assert exc.value.code == "serial"


@settings(max_examples=100, deadline=None)
@given(
    group=st.integers(min_value=2, max_value=9),
    rest=st.integers(min_value=0, max_value=99_999_999),
    prefix=st.sampled_from(["", "16"]),
)
def test_organisation_numbers_are_always_rejected(group, rest, prefix):
    nine = f"{group}{rest:08d}"
    number = f"{prefix}{nine[:6]}-{nine[6:]}{pnr.luhn_digit(nine)}"
    if int(nine[2:4]) < 20:
        return  # the month's place decides: 20 or more is an organisation
    with pytest.raises(ValidationError) as exc:
        pnr.normalise(number, today=TODAY)
    assert exc.value.code == "organisation"
