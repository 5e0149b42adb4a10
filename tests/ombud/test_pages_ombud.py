"""The ombud list (cascade reach against goal), appointing and editing ombud."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kurser.models import AttendanceStatus, CourseType, Session
from ombud.models import Ombud
from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    OmbudFactory,
    PersonFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("ombud:ombud-list")


def html_of(response) -> str:
    return response.content.decode()


def _led_session(ombud, **kwargs):
    return SessionFactory(trainer=ombud.person, municipality=ombud.person.municipality, **kwargs)


def test_reach_counts_distinct_attended_participants_of_own_workplace_training(
    client_as, local_leader_ale, ale
):
    wp = WorkplaceFactory(municipality=ale)
    ombud = OmbudFactory(person__workplace=wp, reach_goal=4)
    colleagues = [PersonFactory(workplace=wp) for _ in range(4)]
    s1, s2 = _led_session(ombud), _led_session(ombud)
    AttendanceFactory(session=s1, person=colleagues[0])
    AttendanceFactory(session=s2, person=colleagues[0])  # the same person twice counts once
    AttendanceFactory(session=s1, person=colleagues[1], status=AttendanceStatus.LATE, minutes=30)
    AttendanceFactory(session=s1, person=colleagues[2], status=AttendanceStatus.ABSENT)
    # Not workplace training, cancelled, or led by someone else: not reach.
    manager = _led_session(ombud, course=CourseFactory(type=CourseType.MANAGER_TRAINING))
    AttendanceFactory(session=manager, person=colleagues[3])
    cancelled = _led_session(ombud, status=Session.Status.CANCELLED)
    AttendanceFactory(session=cancelled, person=colleagues[3])
    AttendanceFactory(session=SessionFactory(), person=colleagues[3])
    response = client_as(local_leader_ale).get(LIST)
    assert response.status_code == 200
    [row] = response.context["page"].object_list
    assert row.reach == 2
    assert "2 av 4" in html_of(response) and "50 %" in html_of(response)


def test_local_leader_sees_own_ombud_only(client_as, local_leader_ale, ale, molndal):
    mine = OmbudFactory(person__workplace=WorkplaceFactory(municipality=ale))
    OmbudFactory(person__workplace=WorkplaceFactory(municipality=molndal))
    response = client_as(local_leader_ale).get(LIST)
    assert [o.pk for o in response.context["page"].object_list] == [mine.pk]


def test_ombud_list_is_for_leaders_only(client_as, ombud_molndal, coordinator, outsider):
    for user in (ombud_molndal, coordinator, outsider):
        assert client_as(user).get(LIST).status_code == 403


def _ombud_with_reach(municipality, n_ombud: int, per: int) -> None:
    for _ in range(n_ombud):
        wp = WorkplaceFactory(municipality=municipality)
        ombud = OmbudFactory(person__workplace=wp)
        ombud.workplaces.add(wp)
        session = _led_session(ombud)
        for _ in range(per):
            AttendanceFactory(session=session, person=PersonFactory(workplace=wp))


def test_ombud_list_query_count_is_flat(client_as, programme_leader, ale, django_assert_max_num_queries):
    client = client_as(programme_leader)
    _ombud_with_reach(ale, 2, 2)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    _ombud_with_reach(ale, 10, 5)
    with django_assert_max_num_queries(len(small)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 12


def test_appoint_an_ombud(client_as, local_leader_ale, ale):
    wp = WorkplaceFactory(municipality=ale)
    person = PersonFactory(workplace=wp)
    client = client_as(local_leader_ale)
    pick = client.get(reverse("ombud:ombud-create"), {"q": person.last_name})
    assert pick.status_code == 200 and f"?person={person.pk}" in html_of(pick)
    url = reverse("ombud:ombud-create") + f"?person={person.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"workplaces": [wp.pk], "appointed_on": "2019-05-01", "reach_goal": 40})
    assert response.status_code == 302
    ombud = Ombud.objects.get(person=person)
    assert ombud.reach_goal == 40 and list(ombud.workplaces.all()) == [wp]
    person.refresh_from_db()
    assert person.target_group == "digitaliseringsombud"


def test_appoint_with_workplace_of_another_municipality_is_400(client_as, programme_leader, ale, molndal):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    other = WorkplaceFactory(municipality=molndal)
    response = client_as(programme_leader).post(
        reverse("ombud:ombud-create") + f"?person={person.pk}",
        {"workplaces": [other.pk], "appointed_on": "2019-05-01", "reach_goal": 36},
    )
    assert response.status_code == 400
    # Only the person's own municipality's workplaces are offered at all.
    assert "Välj ett giltigt alternativ." in html_of(response)
    assert not Ombud.objects.exists()


def test_appoint_bad_goal_is_400(client_as, programme_leader, ale):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    response = client_as(programme_leader).post(
        reverse("ombud:ombud-create") + f"?person={person.pk}",
        {"appointed_on": "2019-05-01", "reach_goal": 0},
    )
    assert response.status_code == 400
    assert "Kontrollera att detta värde är större än eller lika med 1." in html_of(response)


def test_edit_ombud_and_deactivate(client_as, local_leader_ale, ale):
    ombud = OmbudFactory(person__workplace=WorkplaceFactory(municipality=ale))
    url = reverse("ombud:ombud-edit", args=[ombud.pk])
    client = client_as(local_leader_ale)
    assert client.get(url).status_code == 200
    response = client.post(url, {"appointed_on": "2019-06-01", "reach_goal": 20})
    ombud.refresh_from_db()
    assert response.status_code == 302 and ombud.reach_goal == 20 and ombud.active is False


def test_ombud_pages_roles_and_scope(client_as, local_leader_ale, ombud_molndal, outsider, molndal):
    other = OmbudFactory(person__workplace=WorkplaceFactory(municipality=molndal))
    url = reverse("ombud:ombud-edit", args=[other.pk])
    assert client_as(local_leader_ale).get(url).status_code == 404
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(ombud_molndal).get(url).status_code == 403
    assert client_as(ombud_molndal).get(reverse("ombud:ombud-create")).status_code == 403
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    url = reverse("ombud:ombud-create") + f"?person={person.pk}"
    assert client_as(local_leader_ale).get(url).status_code == 404


def test_appointing_an_ombud_twice_goes_to_the_edit_page(client_as, programme_leader, ale):
    ombud = OmbudFactory(person__workplace=WorkplaceFactory(municipality=ale))
    response = client_as(programme_leader).get(reverse("ombud:ombud-create") + f"?person={ombud.person_id}")
    assert response.status_code == 302 and response.url == reverse("ombud:ombud-edit", args=[ombud.pk])
