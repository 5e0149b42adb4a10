"""Lists stay fast at any depth (issue 14 item 2): the paginated query reads ids only, and what
a page shows per row ("utbildad", counts, joins) is computed for the page's rows alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kurser.models import AttendanceStatus, Session
from tests.factories import (
    AttendanceFactory,
    OmbudFactory,
    PersonFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db


def _offset_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "OFFSET" in q["sql"].upper()]


def test_deep_staff_page_pages_over_ids_and_marks_trained_only_for_its_rows(client_as, programme_leader, ale):
    workplace = WorkplaceFactory(municipality=ale)
    people = [
        PersonFactory(workplace=workplace, last_name=f"Berg{i:03d}", first_name="Åsa") for i in range(60)
    ]
    session = SessionFactory(municipality=ale, workplace=workplace, status=Session.Status.HELD)
    AttendanceFactory(session=session, person=people[55], status=AttendanceStatus.PRESENT)
    client = client_as(programme_leader)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("ombud:person-list"), {"page": 2})
    html = response.content.decode()
    assert response.status_code == 200
    # Page 2 holds the last ten by name, in order, and the attendee is shown as trained.
    assert "Berg049" not in html and "Berg050" in html and "Berg059" in html
    assert html.index("Berg050") < html.index("Berg051") < html.index("Berg059")
    offset = _offset_queries(captured.captured_queries)
    assert offset, "the page is read with OFFSET"
    for sql in offset:
        # The deep read is narrow: the person id only, no "is trained" subquery, no joins.
        assert "kurser_attendance" not in sql, sql
        assert " JOIN " not in sql.upper(), sql
    trained = [q["sql"] for q in captured.captured_queries if "kurser_attendance" in q["sql"]]
    assert trained and all(f"{people[55].pk}" in sql and " IN (" in sql for sql in trained), trained


def test_deep_staff_page_keeps_the_trained_filter(client_as, programme_leader, ale):
    workplace = WorkplaceFactory(municipality=ale)
    people = [PersonFactory(workplace=workplace, last_name=f"Lund{i:03d}") for i in range(55)]
    session = SessionFactory(municipality=ale, workplace=workplace, status=Session.Status.HELD)
    for person in people[:52]:
        AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
    html = client_as(programme_leader).get(reverse("ombud:person-list"), {"trained": "ja", "page": 2}).content
    html = html.decode()
    assert "Lund050" in html and "Lund051" in html and "Lund052" not in html


@pytest.mark.parametrize(
    "url_name", ["kurser:session-list", "kurser:approval-list"], ids=["sessions", "approval-queue"]
)
def test_deep_session_pages_page_over_ids_only(client_as, programme_leader, ale, url_name):
    workplace = WorkplaceFactory(municipality=ale)
    for i in range(55):
        SessionFactory(
            municipality=ale,
            workplace=workplace,
            status=Session.Status.HELD,
            date=dt.date(2020, 1, 1) + dt.timedelta(days=i),
        )
    with CaptureQueriesContext(connection) as captured:
        response = client_as(programme_leader).get(reverse(url_name), {"page": 2})
    assert response.status_code == 200
    offset = _offset_queries(captured.captured_queries)
    assert offset
    for sql in offset:
        selected = sql.upper().split(" FROM ")[0]
        assert selected in ('SELECT "KURSER_SESSION"."ID"', 'SELECT "KURSER_SESSION"."ID" AS "PK"'), sql
        assert " JOIN " not in sql.upper(), sql


def test_deep_ombud_list_page_pages_over_ids_and_counts_reach_only_for_its_rows(
    client_as, programme_leader, ale
):
    workplace = WorkplaceFactory(municipality=ale)
    for i in range(55):
        OmbudFactory(person=PersonFactory(workplace=workplace, last_name=f"Ombud{i:03d}"))
    with CaptureQueriesContext(connection) as captured:
        response = client_as(programme_leader).get(reverse("ombud:ombud-list"), {"page": 2})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ombud049" not in html and "Ombud050" in html and "Ombud054" in html
    offset = _offset_queries(captured.captured_queries)
    assert offset
    for sql in offset:
        # No reach subquery in the walk: the page's five rows are counted, not the skipped fifty.
        assert "kurser_attendance" not in sql, sql
