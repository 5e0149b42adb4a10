"""User administration for the programme leader."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ombud.models import Role
from tests.factories import PersonFactory, UserFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("ombud:user-list")
INVITE = reverse("ombud:user-invite")


def html_of(response) -> str:
    return response.content.decode()


def test_user_list_shows_roles_and_scope(client_as, programme_leader, local_leader_ale, ombud_molndal):
    html = html_of(client_as(programme_leader).get(LIST))
    assert "lokal.ale" in html and "Ale" in html
    assert "ombud.molndal" in html and ombud_molndal.person.full_name in html


def test_user_admin_is_for_the_programme_leader_only(client_as, local_leader_ale, coordinator, outsider):
    for user in (local_leader_ale, coordinator, outsider):
        client = client_as(user)
        assert client.get(LIST).status_code == 403
        assert client.get(INVITE).status_code == 403
        assert client.get(reverse("ombud:user-edit", args=[user.pk])).status_code == 403


def test_invite_a_local_leader(client_as, programme_leader, ale, mailoutbox):
    response = client_as(programme_leader).post(
        INVITE,
        {
            "username": "lokal.ny",
            "email": "ny@ale.se",
            "first_name": "Nina",
            "last_name": "Ny",
            "role": Role.LOCAL_LEADER,
            "municipalities": [ale.pk],
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="lokal.ny")
    assert user.role == Role.LOCAL_LEADER and list(user.municipalities.all()) == [ale]
    assert not user.has_usable_password()


def test_invite_local_leader_without_municipality_is_400(client_as, programme_leader, ale):
    response = client_as(programme_leader).post(
        INVITE,
        {
            "username": "x",
            "email": "x@ale.se",
            "first_name": "X",
            "last_name": "Y",
            "role": Role.LOCAL_LEADER,
        },
    )
    assert response.status_code == 400
    assert "Välj minst en kommun för en lokal projektledare." in html_of(response)


def test_invite_taken_username_shows_the_service_message(client_as, programme_leader, coordinator):
    response = client_as(programme_leader).post(
        INVITE,
        {
            "username": "SAMORDNARE",
            "email": "x@ale.se",
            "first_name": "X",
            "last_name": "Y",
            "role": Role.COORDINATOR,
        },
    )
    assert response.status_code == 400 and "Användarnamnet är upptaget." in html_of(response)


def test_change_role_to_ombud_linked_to_a_person(client_as, programme_leader, molndal):
    account = UserFactory(username="anna", role=Role.COORDINATOR)
    person = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), target_group="digitaliseringsombud"
    )
    url = reverse("ombud:user-edit", args=[account.pk])
    client = client_as(programme_leader)
    assert client.get(url).status_code == 200
    response = client.post(url, {"role": Role.OMBUD, "person": person.pk})
    account.refresh_from_db()
    assert response.status_code == 302 and account.role == Role.OMBUD and account.person == person
    response = client.post(url, {"role": Role.OMBUD})
    assert response.status_code == 400
    assert "Välj medarbetaren som kontot hör till för ett ombud." in html_of(response)


def test_deactivate_and_reactivate_an_account(client_as, programme_leader, coordinator):
    client = client_as(programme_leader)
    url = reverse("ombud:user-deactivate", args=[coordinator.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    coordinator.refresh_from_db()
    assert not coordinator.is_active
    assert "Kontot samordnare har inaktiverats." in html_of(response)
    client.post(url, {"active": "1"})
    coordinator.refresh_from_db()
    assert coordinator.is_active


def test_programme_leader_cannot_deactivate_themself(client_as, programme_leader):
    url = reverse("ombud:user-deactivate", args=[programme_leader.pk])
    response = client_as(programme_leader).post(url, follow=True)
    programme_leader.refresh_from_db()
    assert programme_leader.is_active
    assert response.status_code == 200 and 'class="alert alert-danger"' in html_of(response)


def test_local_leader_cannot_deactivate(client_as, local_leader_ale, coordinator):
    url = reverse("ombud:user-deactivate", args=[coordinator.pk])
    assert client_as(local_leader_ale).post(url).status_code == 403
