"""The scoping module: every role sees exactly its municipalities; unknown roles see nothing."""

from __future__ import annotations

import pytest
from django.http import Http404

from ombud import access
from ombud.models import Person
from tests.factories import PersonFactory, UserFactory, WorkplaceFactory


@pytest.fixture
def people(ale, molndal):
    return {
        "ale": PersonFactory(workplace=WorkplaceFactory(municipality=ale)),
        "molndal": PersonFactory(workplace=WorkplaceFactory(municipality=molndal)),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("programme_leader", {"ale", "molndal"}),
        ("coordinator", {"ale", "molndal"}),
        ("local_leader_ale", {"ale"}),
        ("outsider", set()),
    ],
)
def test_people_are_scoped_by_role(request, people, persona, visible):
    user = request.getfixturevalue(persona)
    seen = set(access.people_for(user).values_list("pk", flat=True))
    assert seen == {people[k].pk for k in visible}


@pytest.mark.django_db
def test_ombud_sees_colleagues_of_own_municipality_only(people, ombud_molndal):
    seen = set(access.people_for(ombud_molndal).values_list("municipality__code", flat=True))
    assert seen == {"1481"}


@pytest.mark.django_db
def test_ombud_without_a_person_record_sees_nothing(people, molndal):
    user = UserFactory(role="ombud", person=None)
    assert not access.people_for(user).exists()


@pytest.mark.django_db
def test_anonymous_and_inactive_users_see_nothing(people):
    from django.contrib.auth.models import AnonymousUser

    inactive = UserFactory(role="programledare", is_active=False)
    assert not access.people_for(AnonymousUser()).exists()
    assert not access.people_for(inactive).exists()


@pytest.mark.django_db
def test_object_outside_scope_is_404_like_a_missing_one(people, local_leader_ale):
    with pytest.raises(Http404):
        access.get_in_scope(local_leader_ale, Person.objects.all(), pk=people["molndal"].pk)
    with pytest.raises(Http404):
        access.get_in_scope(local_leader_ale, Person.objects.all(), pk=999_999)
    assert access.get_in_scope(local_leader_ale, Person.objects.all(), pk=people["ale"].pk)


@pytest.mark.django_db
def test_scope_through_a_related_path(people, local_leader_ale):
    from kurser.models import Attendance
    from tests.factories import AttendanceFactory

    AttendanceFactory(person=people["ale"])
    AttendanceFactory(person=people["molndal"])
    seen = access.scope(local_leader_ale, Attendance.objects.all(), via="person__municipality")
    assert [a.person_id for a in seen] == [people["ale"].pk]


@pytest.mark.django_db
def test_municipalities_and_programmes_for_local_leader(ale, molndal, local_leader_ale):
    from tests.factories import ProgrammeFactory

    mine = ProgrammeFactory(municipalities=[ale])
    ProgrammeFactory(municipalities=[molndal])
    assert list(access.municipalities_for(local_leader_ale)) == [ale]
    assert list(access.programmes_for(local_leader_ale)) == [mine]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "administer", "edit", "approve", "reports", "see_pnr", "export_pnr"),
    [
        ("programme_leader", True, True, True, True, True, True),
        ("local_leader_ale", False, True, True, True, True, False),
        ("ombud_molndal", False, False, False, False, False, False),
        ("coordinator", False, False, False, True, True, True),
        ("outsider", False, False, False, False, False, False),
    ],
)
def test_what_each_role_may_do(request, persona, administer, edit, approve, reports, see_pnr, export_pnr):
    user = request.getfixturevalue(persona)
    assert access.can_administer(user) is administer
    assert access.can_edit_people(user) is edit
    assert access.can_approve(user) is approve
    assert access.can_view_reports(user) is reports
    assert access.can_see_personnummer(user) is see_pnr
    assert access.can_export_personnummer(user) is export_pnr
