"""The dashboard's counts are cached under the data version: a change through the services shows
at once, an unchanged database is not counted again."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kurser.models import AttendanceStatus, Session
from kurser.services import attendance_mark
from tests.factories import PersonFactory, WorkplaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.programme_activity(ale={"sessions": 2, "per_session": 3})]
URL = reverse("rapporter:dashboard")


def participants(html: str) -> str:
    return re.search(r'data-stat="participants">([^<]*)<', html)[1]


def test_second_view_does_not_count_again(client_as, programme_leader, programme):
    client = client_as(programme_leader)
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as second:
        client.get(URL)
    assert len(second) < len(first)
    assert not any("GROUP BY" in q["sql"] for q in second.captured_queries)


def test_attendance_marked_through_the_service_shows_at_once(
    client_as, programme_leader, programme, ale, django_capture_on_commit_callbacks
):
    client = client_as(programme_leader)
    before = participants(client.get(URL).content.decode())
    session = Session.objects.filter(programme=programme, status=Session.Status.HELD).first()
    newcomer = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    with django_capture_on_commit_callbacks(execute=True):
        attendance_mark(
            session=session,
            person=newcomer,
            status=AttendanceStatus.PRESENT,
            by=programme_leader,
            client_id=uuid.uuid4(),
        )
    after = participants(client.get(URL).content.decode())
    assert int(after.replace("\xa0", "")) == int(before.replace("\xa0", "")) + 1
