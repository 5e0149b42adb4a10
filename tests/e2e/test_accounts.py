"""Choosing a password in a real browser, with the link read from the sent e-mail (locmem outbox):
an invited user sets a first password and is signed in; a user who forgot it gets a new one."""

from __future__ import annotations

import re

from django.core import mail

from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import UserFactory

NEW_PASSWORD = "Fjällbacka-Ripa-73"


def _link_in(message) -> str:
    match = re.search(r"https?://\S+/konto/reset/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def _choose_password(page, link: str, size: str, name: str) -> None:
    page.goto(link)
    assert page.locator("h1").inner_text() == "Välj lösenord"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path(f"{name}-choose-password", size))
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.get_by_role("button", name="Spara lösenordet och logga in").click()
    page.wait_for_load_state("networkidle")


def test_invited_user_sets_a_password_from_the_email_and_is_signed_in(page_as, programme_leader, ale):
    size = "768x1024"
    leader = page_as(programme_leader, "1366x768")
    leader.goto(leader.base_url + "/personal/anvandare/bjud-in/")
    leader.fill("#id_username", "lokal.nora")
    leader.fill("#id_email", "nora@ale.se")
    leader.fill("#id_first_name", "Nora")
    leader.fill("#id_last_name", "Ny")
    leader.select_option("#id_role", "lokal_projektledare")
    leader.get_by_label("Ale").check()
    leader.get_by_role("button", name="Skicka inbjudan").click()
    leader.wait_for_url("**/personal/anvandare/")
    assert "Nora Ny har bjudits in" in leader.locator(".messages").inner_text()

    assert [m.to for m in mail.outbox] == [["nora@ale.se"]]
    page = page_as(None, size)
    _choose_password(page, _link_in(mail.outbox[0]), size, "invite")
    assert page.url.rstrip("/") == page.base_url
    assert page.locator("h1").inner_text() == "Välkommen, Nora Ny"
    assert "Ditt lösenord är sparat och du är inloggad." in page.locator(".messages").inner_text()

    # The link is spent; the new password signs in from a fresh browser.
    page.goto(_link_in(mail.outbox[0]))
    assert "Länken fungerar inte längre" in page.locator(".alert").inner_text()
    assert_no_axe_violations(page)
    fresh = page_as(None, size)
    fresh.goto(fresh.base_url + "/konto/login/")
    fresh.fill("#id_username", "lokal.nora")
    fresh.fill("#id_password", NEW_PASSWORD)
    fresh.get_by_role("button", name="Logga in").click()
    fresh.wait_for_load_state("networkidle")
    assert fresh.locator("h1").inner_text() == "Välkommen, Nora Ny"


def test_forgotten_password_from_the_login_page(page_as, db):
    UserFactory(
        username="samordnare.eva", email="eva@goteborgsregionen.se", first_name="Eva", last_name="Berg"
    )
    size = "1024x768"
    page = page_as(None, size)
    page.goto(page.base_url + "/konto/login/")
    page.get_by_role("link", name="Glömt lösenordet?").click()
    assert page.locator("h1").inner_text() == "Glömt lösenordet?"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("password-reset", size))
    page.fill("#id_email", "eva@goteborgsregionen.se")
    page.get_by_role("button", name="Skicka länk").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Kolla din e-post"
    assert_no_axe_violations(page)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Välj ett nytt lösenord till Modig-portalen"
    _choose_password(page, _link_in(mail.outbox[0]), size, "reset")
    assert page.locator("h1").inner_text() == "Välkommen, Eva Berg"
