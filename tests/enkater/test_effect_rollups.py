"""The effect figures from the per-person rollups (issue 14) equal the live count from the
attendance — on the demo data and after each kind of write that changes them: a new attendance,
a cancelled session, an answer. `rolled=True` reads `ParticipantRollup`, `rolled=False` counts
the attendance; by default `pending.rollups_answer` (`kurser.rollups.covers`) decides."""

from __future__ import annotations

import datetime as dt
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enkater import counting, selectors
from enkater.answering import response_submit
from enkater.defaults import UPPF_PERSONAL
from enkater.models import Moment, Response, Survey
from enkater.pending import follow_up_non_responders, follow_up_started
from kurser import services
from kurser.models import AttendanceStatus, Session
from ombud.models import Programme, TargetGroup, User, Workplace
from tests.factories import AttendanceFactory, CourseFactory, PersonFactory, SessionFactory

pytestmark = pytest.mark.django_db

# Mid-programme (some follow-ups due, some not yet) and long after it (all due).
TODAYS = (dt.date(2020, 6, 1), dt.date(2030, 1, 1))


def figures(programme: Programme, municipality, today: dt.date, rolled: bool) -> dict:
    surveys = counting.follow_up_surveys(programme)
    workplaces = Workplace.objects.filter(municipality__programmes=programme).order_by("pk")
    return {
        "rates": counting.response_rates(programme, municipality, today=today, surveys=surveys, rolled=rolled),
        "rates_by_municipality": counting.response_rates(
            programme, municipality, today=today, by="municipality", surveys=surveys, rolled=rolled
        ),
        "indicators": counting.indicator_counts(programme, municipality, rolled=rolled),
        "indicators_by_municipality": counting.indicator_counts(
            programme, municipality, by="municipality", rolled=rolled
        ),
        "participation": counting.participation(programme, municipality, rolled=rolled),
        "digcomp": counting.digcomp(programme, municipality, rolled=rolled),
        "reach": [(w.pk, w.staff, w.trained) for w in counting.workplace_reach(programme, workplaces, rolled=rolled)],
        "started": {s.code: set(follow_up_started(s, today, rolled=rolled).values_list("pk", flat=True)) for s in surveys},
        "non_responders": {
            s.code: set(follow_up_non_responders(s, today, rolled=rolled).values_list("pk", flat=True)) for s in surveys
        },
    }  # fmt: skip


def assert_exact(programme: Programme) -> dict:
    """Rollups == live for the whole programme and each municipality, on both days; returns the
    whole programme's figures on the first day."""
    programme.refresh_from_db()
    assert counting.rollups_answer(programme)
    for today in TODAYS:
        for municipality in [None, *programme.municipalities.order_by("pk")]:
            rolled = figures(programme, municipality, today, rolled=True)
            assert rolled == figures(programme, municipality, today, rolled=False), (today, municipality)
    return figures(programme, None, TODAYS[0], rolled=True)


@pytest.fixture
def demo() -> Programme:
    call_command("seed_demo", "--scale", "0.1", stdout=StringIO())
    return Programme.objects.get(code="MODIG")


@pytest.fixture
def leader() -> User:
    return User.objects.get(username="programledare")


def staff_rates(figs: dict, programme: Programme) -> dict:
    survey = Survey.objects.get(programme=programme, code=UPPF_PERSONAL)
    return figs["rates"][survey.pk][None]


def test_demo_data_from_rollups_equals_live(demo):
    figs = assert_exact(demo)
    # Not vacuous: people are due, some answered, some did not.
    rates = staff_rates(figs, demo)
    assert 0 < rates["respondents"] < rates["expected"]
    assert sum(p["participants"] for p in figs["participation"].values()) > 100


def _early_session(programme: Programme, **kw) -> Session:
    municipality = programme.municipalities.order_by("pk").first()
    return SessionFactory(
        programme=programme,
        municipality=municipality,
        course=CourseFactory(),
        date=dt.date(2019, 9, 3),
        start_time=dt.time(9, 0),
        planned_minutes=120,
        **kw,
    )


def test_a_new_attendance_is_counted_alike(demo, leader):
    session = _early_session(demo, status=Session.Status.HELD)
    newcomer = PersonFactory(municipality=session.municipality, target_group=TargetGroup.BASE_STAFF)
    before = staff_rates(assert_exact(demo), demo)
    services.attendance_submit(
        session=session,
        marks=[{"person_id": newcomer.pk, "status": AttendanceStatus.PRESENT, "minutes": None}],
        client_id=uuid.uuid4(),
        by=leader,
    )
    after = staff_rates(assert_exact(demo), demo)
    assert after["expected"] == before["expected"] + 1


def test_a_cancelled_session_is_counted_alike(demo, leader):
    session = _early_session(demo, status=Session.Status.PLANNED)
    newcomer = PersonFactory(municipality=session.municipality, target_group=TargetGroup.BASE_STAFF)
    # Written as an import may write a planned session's rows (the factory refreshes the rollups).
    AttendanceFactory(session=session, person=newcomer, status=AttendanceStatus.PRESENT)
    before = staff_rates(assert_exact(demo), demo)
    services.session_cancel(session=session, by=leader, reason="Sjuk utbildare")
    after = staff_rates(assert_exact(demo), demo)
    assert after["expected"] == before["expected"] - 1


def test_an_answer_is_counted_alike(demo):
    survey = Survey.objects.get(programme=demo, code=UPPF_PERSONAL)
    person = follow_up_non_responders(survey, TODAYS[0], rolled=False).order_by("pk").first()
    before = staff_rates(assert_exact(demo), demo)
    response_submit(
        survey=survey,
        person=person,
        moment=Moment.FOLLOW_UP,
        values={"kompetens": "ja"},
        source=Response.Source.TABLET,
        answered_on=TODAYS[0],
    )
    after = staff_rates(assert_exact(demo), demo)
    assert after["respondents"] == before["respondents"] + 1
    assert after["expected"] == before["expected"]


def test_the_effect_page_reads_the_rollups_not_the_attendance(demo, leader, monkeypatch):
    scope = selectors.effect_scope(user=leader, programme=demo)
    with CaptureQueriesContext(connection) as rolled:
        from_rollups = selectors.effect_data(scope=scope, today=TODAYS[0])
    assert not [q["sql"] for q in rolled.captured_queries if "kurser_attendance" in q["sql"]]
    # Rows outside the period: the same figures, counted from the attendance.
    monkeypatch.setattr("kurser.rollups.covers", lambda *a: False)
    with CaptureQueriesContext(connection) as live:
        assert selectors.effect_data(scope=scope, today=TODAYS[0]) == from_rollups
    assert [q["sql"] for q in live.captured_queries if "kurser_attendance" in q["sql"]]
