"""Reads of the ombud pages: scoped, filtered, counted in SQL."""

from __future__ import annotations

import pytest

from kurser.counting import TRAINING
from kurser.models import AttendanceStatus
from ombud import selectors
from ombud.models import Person
from ombud.selectors import PersonFilter
from tests.factories import AttendanceFactory, OmbudFactory, PersonFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db


def test_person_list_is_scoped_and_excludes_erased_people(local_leader_ale, ale, molndal):
    from django.utils import timezone

    mine = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    erased = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    Person.objects.filter(pk=erased.pk).update(erased_at=timezone.now(), personnummer=None)
    PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    assert list(selectors.person_list(user=local_leader_ale, filters=PersonFilter())) == [mine]


def test_trained_means_an_attended_row(programme_leader, ale):
    wp = WorkplaceFactory(municipality=ale)
    present, partial, absent, none = (PersonFactory(workplace=wp) for _ in range(4))
    AttendanceFactory(person=present)
    AttendanceFactory(person=partial, status=AttendanceStatus.PARTIAL, minutes=20)
    AttendanceFactory(person=absent, status=AttendanceStatus.EXCUSED)
    # "Trained" is kurser's rule (kurser.counting), handed to ombud's selector as `counts`.
    people = selectors.person_list(user=programme_leader, filters=PersonFilter(), counts=TRAINING)
    assert {p.pk for p in people if p.is_trained} == {present.pk, partial.pk}
    untrained = selectors.person_list(
        user=programme_leader, filters=PersonFilter(trained="nej"), counts=TRAINING
    )
    assert {p.pk for p in untrained} == {absent.pk, none.pk}


def test_search_by_personnummer_needs_the_right_to_see_it(programme_leader, ombud_molndal, molndal):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    q = PersonFilter(q=person.personnummer)
    assert list(selectors.person_list(user=programme_leader, filters=q)) == [person]
    assert list(selectors.person_list(user=ombud_molndal, filters=q)) == []


def test_municipality_counts_do_not_multiply(programme_leader, ale):
    wps = [WorkplaceFactory(municipality=ale) for _ in range(3)]
    for wp in wps:
        PersonFactory(workplace=wp)
        PersonFactory(workplace=wp)
    OmbudFactory(person__workplace=wps[0])
    OmbudFactory(person__workplace=wps[1], active=False)
    [row] = selectors.municipality_list(user=programme_leader)
    assert (row.n_people, row.n_workplaces, row.n_ombud) == (8, 3, 1)


def test_workplace_list_counts_people_and_covering_ombud(ale):
    wp = WorkplaceFactory(municipality=ale)
    PersonFactory(workplace=wp)
    ombud = OmbudFactory(person__workplace=wp)
    ombud.workplaces.add(wp)
    [row] = selectors.workplace_list(municipality=ale)
    assert (row.n_people, row.n_ombud) == (2, 1)


def test_attendance_history_has_hours(ale):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    AttendanceFactory(person=person, session__planned_minutes=90)
    [row] = selectors.person_attendances(person=person)
    assert row.attended_hours == 1.5 and row.session.course.title
