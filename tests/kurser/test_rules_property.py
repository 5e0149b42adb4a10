"""Property (issue 10): the tablet and the attendance import accept and refuse the same marks —
(status, attended minutes, planned minutes) — and store the same minutes when they accept.

Each side is exercised through its own entry point (the tablet's `services.mark_clean`, the
import's row parser with the minutes as the text of a cell), so a rule copied or special-cased
on either path shows up here.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kurser import rules, services
from kurser.importing import AttendanceImport
from ombud.importing import ImportContext, ImportResult
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

STATUSES = st.sampled_from([*rules.MARK_STATUSES, "anmäld", "borta"])
MINUTES = st.none() | st.integers(min_value=0, max_value=700)
PLANNED = st.integers(min_value=1, max_value=rules.MAX_SESSION_MINUTES)


def tablet(status: str, minutes: int | None, planned: int) -> int | None:
    try:
        return services.mark_clean(status=status, minutes=minutes, planned=planned)
    except ValidationError:
        return None


def imported(handler: AttendanceImport, status: str, minutes: int | None, planned: int) -> int | None:
    ctx = ImportContext(ImportResult(kind="attendance", filename="x.csv"), dry_run=True, user=None)
    row = {
        "datum": "2020-03-12",
        "starttid": "10:00",
        "minuter": str(planned),
        "kurs": "Teams grund",
        "verktyg": "",
        "niva": "",
        "typ": "",
        "form": "",
        "kommun": "Ale",
        "arbetsplats": "",
        "utbildare": "",
        "deltagare": "19780314-1121",
        "narvaro": status,
        "narvarominuter": "" if minutes is None else str(minutes),
    }
    parsed = handler._parse(2, row, ctx)
    if parsed is None or ctx.has_errors:
        return None
    return parsed.attended


@pytest.fixture
def handler(ale):
    return AttendanceImport(programme=ProgrammeFactory(code="PROP", municipalities=[ale]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=STATUSES, minutes=MINUTES, planned=PLANNED)
def test_tablet_and_import_accept_and_refuse_the_same_marks(handler, status, minutes, planned):
    assert tablet(status, minutes, planned) == imported(handler, status, minutes, planned)


@pytest.mark.parametrize(
    ("status", "minutes", "stored"),
    [
        ("närvarande", None, 60),
        ("närvarande", 0, None),  # the tablet used to store 0 minutes here; the import refused it
        ("sen", None, None),
        ("sen", 45, 45),
        ("delvis", 61, None),
        ("frånvarande", 0, 0),
        ("förhinder", 5, None),
        ("anmäld", None, None),
    ],
)
def test_known_cases(handler, status, minutes, stored):
    assert tablet(status, minutes, 60) == imported(handler, status, minutes, 60) == stored
