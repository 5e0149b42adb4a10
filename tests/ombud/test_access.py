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


# --- whole-programme roles, one municipality ----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "covers_all", "only"),
    [
        ("programme_leader", True, None),
        ("coordinator", True, None),
        ("local_leader_ale", False, "ale"),
        ("ombud_molndal", False, "molndal"),
        ("outsider", False, None),
    ],
)
def test_covers_all_and_only_municipality(request, persona, covers_all, only):
    user = request.getfixturevalue(persona)
    assert access.covers_all_municipalities(user) is covers_all
    expected = request.getfixturevalue(only).pk if only else None
    assert access.only_municipality(user) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "view_people", "export_people", "places", "view_sessions", "list_sessions", "ombud"),
    [
        ("programme_leader", True, True, True, True, True, False),
        ("local_leader_ale", True, True, True, True, True, False),
        ("ombud_molndal", True, False, False, True, False, True),
        ("coordinator", True, True, False, True, True, False),
        ("outsider", False, False, False, False, False, False),
    ],
)
def test_page_rules_live_in_access(
    request, persona, view_people, export_people, places, view_sessions, list_sessions, ombud
):
    user = request.getfixturevalue(persona)
    assert access.can_view_people(user) is view_people
    assert access.can_export_people(user) is export_people
    assert access.can_manage_places(user) is places
    assert access.can_view_sessions(user) is view_sessions
    assert access.can_list_sessions(user) is list_sessions
    assert access.is_ombud(user) is ombud


# --- what a request carries ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 12 ", 12),
        (12, 12),
        (str(2**63 - 1), 2**63 - 1),
        (str(2**63), None),
        (str(10**25), None),
        (10**25, None),
        ("0", None),
        ("-1", None),
        (-1, None),
        ("1e3", None),
        ("²", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() but not an id
        ("9" * 5000, None),
        ("", None),
        (None, None),
        (True, None),
        (1.0, None),
        ([1], None),
    ],
)
def test_parse_id_accepts_only_ids_a_database_can_hold(value, expected):
    assert access.parse_id(value) == expected


def test_parse_ids_drops_the_rest():
    assert access.parse_ids(["3", "x", str(10**25), "4", ""]) == [3, 4]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/kurser/att-godkanna/?sida=2", "/kurser/att-godkanna/?sida=2"),
        ("https://evil.example/", "/fallback/"),
        ("//evil.example/x", "/fallback/"),
        ("http:evil.example", "/fallback/"),
        ("/\\evil.example", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("http://testserver/ok/", "http://testserver/ok/"),
        ("", "/fallback/"),
    ],
)
def test_safe_next_stays_on_this_site(rf, target, expected):
    request = rf.post("/", {"next": target})
    assert access.safe_next(request, "/fallback/") == expected
