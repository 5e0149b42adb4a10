"""Setting and resetting a password: the invitation link, "Glömt lösenordet?" and the e-mails,
all in Swedish and through the real URLs."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from modig import accounts
from ombud import services
from ombud.models import Role
from tests.factories import UserFactory

NEW_PASSWORD = "Fjällbacka-Ripa-73"


def _link(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/konto/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def _set_password(client, link: str, password: str = NEW_PASSWORD):
    response = client.get(link)
    assert response.status_code == 302  # the token moves into the session
    form_url = response["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password}, follow=True)


def test_login_page_links_to_forgotten_password(client):
    response = client.get("/konto/login/")
    assert response.status_code == 200
    assert 'href="/konto/password_reset/"' in response.content.decode()
    assert "Glömt lösenordet?" in response.content.decode()


def test_forgotten_password_page_is_swedish(client):
    response = client.get("/konto/password_reset/")
    assert response.status_code == 200
    assert "<h1" in response.content.decode()
    assert "Glömt lösenordet?" in response.content.decode()
    assert "E-postadress" in response.content.decode()


@pytest.mark.django_db
def test_forgotten_password_sends_a_swedish_email_whose_link_sets_a_new_password(client):
    user = UserFactory(username="anna", email="anna@ale.se", first_name="Anna", last_name="Ek")
    response = client.post("/konto/password_reset/", {"email": "ANNA@ale.se"}, follow=True)
    assert response.status_code == 200
    assert str(accounts.RESET_SENT) in response.content.decode()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["anna@ale.se"]
    assert sent.subject == "Välj ett nytt lösenord till Modig-portalen"
    assert "Hej Anna Ek!" in sent.body
    assert "anna" in sent.body
    response = _set_password(client, _link(sent.body))
    assert response.status_code == 200
    assert str(accounts.PASSWORD_SET) in response.content.decode()
    # Signed in on the start page, and the new password works from now on.
    assert response.redirect_chain[-1][0] == "/"
    assert response.wsgi_request.user == user
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer_and_no_email(client):
    response = client.post("/konto/password_reset/", {"email": "ingen@example.se"}, follow=True)
    assert response.status_code == 200
    assert str(accounts.RESET_SENT) in response.content.decode()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_invited_user_sets_a_password_from_the_invitation_and_is_signed_in(client, ale):
    invited = services.user_invite(
        username="lokal.ny",
        email="ny@ale.se",
        first_name="Nora",
        last_name="Ny",
        role=Role.LOCAL_LEADER,
        municipalities=[ale],
        by=None,
        base_url="http://testserver/",
    )
    assert len(mail.outbox) == 1
    response = _set_password(client, _link(mail.outbox[0].body))
    assert str(accounts.PASSWORD_SET) in response.content.decode()
    assert "Välkommen, Nora Ny" in response.content.decode()
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    # The link was for one use only.
    response = client.get(_link(mail.outbox[0].body), follow=True)
    assert str(accounts.LINK_INVALID) in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_invited_user_who_lost_the_invitation_can_ask_for_a_new_link(client, ale):
    services.user_invite(
        username="lokal.ny",
        email="ny@ale.se",
        first_name="Nora",
        last_name="Ny",
        role=Role.LOCAL_LEADER,
        municipalities=[ale],
        by=None,
    )
    mail.outbox.clear()
    client.post("/konto/password_reset/", {"email": "ny@ale.se"})
    assert len(mail.outbox) == 1
    response = _set_password(client, _link(mail.outbox[0].body))
    assert str(accounts.PASSWORD_SET) in response.content.decode()


@pytest.mark.django_db
def test_deactivated_account_gets_no_email(client):
    UserFactory(username="borta", email="borta@ale.se", is_active=False)
    client.post("/konto/password_reset/", {"email": "borta@ale.se"})
    assert mail.outbox == []


@pytest.mark.django_db
def test_broken_link_says_so_in_swedish(client):
    UserFactory(username="anna", email="anna@ale.se")
    response = client.get("/konto/reset/MQ/fel-token/", follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert str(accounts.LINK_INVALID) in body
    assert 'href="/konto/password_reset/"' in body


@pytest.mark.django_db
def test_too_short_password_is_refused_in_swedish(client):
    UserFactory(username="anna", email="anna@ale.se")
    client.post("/konto/password_reset/", {"email": "anna@ale.se"})
    link = _link(mail.outbox[0].body)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "kort", "new_password2": "kort"})
    assert response.status_code == 200
    assert "Det här lösenordet är för kort" in response.content.decode()
