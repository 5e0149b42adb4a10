"""The dashboard's weight stays bounded with many ombud (issue 14 item 1): its reach table and
chart show the top ombud and link to the full, paginated ombud list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from kurser import rollups
from kurser.models import Attendance, AttendanceStatus, Session
from ombud.models import Person, TargetGroup
from rapporter import queries
from rapporter.selectors import TOP_OMBUD
from tests.factories import CourseFactory, PersonFactory, SessionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

URL = reverse("rapporter:dashboard")
MANY = 400


@pytest.fixture
def many_ombud(programme, ale):
    """MANY ombud in Ale, ombud i reaching i + 1 colleagues (so the top is known)."""
    workplace = WorkplaceFactory(municipality=ale)
    course = CourseFactory(title="Teams grund många", tool="Teams")
    trainers = Person.objects.bulk_create(
        PersonFactory.build_batch(MANY, workplace=workplace, target_group=TargetGroup.OMBUD)
    )
    colleagues = Person.objects.bulk_create(PersonFactory.build_batch(MANY + 1, workplace=workplace))
    sessions = Session.objects.bulk_create(
        SessionFactory.build(
            programme=programme,
            course=course,
            municipality=ale,
            workplace=workplace,
            trainer=trainer,
            date=dt.date(2019, 9, 2),
            planned_minutes=60,
        )
        for trainer in trainers
    )
    Attendance.objects.bulk_create(
        Attendance(session=session, person=colleague, status=AttendanceStatus.PRESENT, minutes=60)
        for i, session in enumerate(sessions)
        for colleague in colleagues[: i % 20 + 1]
    )
    rollups.rebuild(programme_id=programme.pk)  # written in bulk, past the services (issue 14)
    return trainers


def test_dashboard_with_many_ombud_stays_under_200_kb(client_as, programme_leader, programme, many_ombud):
    assert len(queries.esf_summary(programme=programme)["cascade"]) == MANY
    response = client_as(programme_leader).get(URL)
    assert response.status_code == 200
    assert len(response.content) < 200_000, len(response.content)


def test_dashboard_shows_the_top_ombud_and_links_to_all(client_as, programme_leader, programme, many_ombud):
    html = client_as(programme_leader).get(URL).content.decode()
    rows = html.split('id="cascade-heading"')[1]
    # Ombud 19, 39, 59 … reached 20 colleagues each (the most): the table shows only them.
    most = {f"{p.first_name} {p.last_name}" for i, p in enumerate(many_ombud) if i % 20 == 19}
    shown = re.findall(r'<th scope="row" class="fw-normal">([^<]*)</th>', rows)
    assert len(shown) == TOP_OMBUD
    assert set(shown) <= most, set(shown) - most
    assert f'href="{reverse("ombud:ombud-list")}"' in rows
    assert f"De {TOP_OMBUD} ombud som nått flest kollegor av {MANY}" in rows


def test_coordinator_sees_the_top_ombud_without_the_list_link(client_as, coordinator, programme, many_ombud):
    html = client_as(coordinator).get(URL).content.decode()
    rows = html.split('id="cascade-heading"')[1]
    assert rows.count('<th scope="row" class="fw-normal">') == TOP_OMBUD
    assert f'href="{reverse("ombud:ombud-list")}"' not in rows


@pytest.mark.parametrize("name", ["home", "rapporter:dashboard", "ombud:ombud-list"])
def test_pages_about_ombud_stay_under_200_kb_with_many(
    client_as, programme_leader, programme, many_ombud, name
):
    """The start page (headline figures), the dashboard (top ombud) and the ombud list (paginated)."""
    response = client_as(programme_leader).get(reverse(name))
    assert response.status_code == 200
    assert len(response.content) < 200_000, (name, len(response.content))


def test_dashboard_weight_does_not_grow_with_the_number_of_ombud(
    client_as, programme_leader, programme, many_ombud
):
    from django.core.cache import cache

    client = client_as(programme_leader)
    with_many = len(client.get(URL).content)
    Session.objects.filter(trainer__in=many_ombud[20:]).delete()  # 20 ombud with sessions left
    cache.clear()
    with_few = len(client.get(URL).content)
    assert len(queries.esf_summary(programme=programme)["cascade"]) == 20
    # Twenty times the ombud, the same page give or take the numbers in it.
    assert with_many < with_few * 1.1, (with_many, with_few)
