"""Login, navigation by role, language, security headers."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_anonymous_request_to_root_is_redirected_to_login(client, settings):
    response = client.get("/")
    assert response.status_code == 302
    assert reverse("login") == settings.LOGIN_URL
    assert response.url.startswith(settings.LOGIN_URL)


@pytest.mark.django_db
def test_login_page_is_swedish_and_has_the_spec_fields(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "Logga in" in html and "Hoppa till innehållet" in html


@pytest.mark.django_db
def test_login_page_in_english_after_switching_language(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


@pytest.mark.django_db
def test_pages_have_a_strict_content_security_policy_and_no_inline_script(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> found"
    assert not re.search(r"\sstyle=", html), "inline style attribute found"
    assert "cdn" not in html.lower()


@pytest.mark.django_db
def test_login_through_the_form_with_demo_password_reaches_the_start_page(client):
    from tests.factories import UserFactory

    UserFactory(username="anna", role="samordnare")
    response = client.post(reverse("login"), {"username": "anna", "password": "modig-demo-2019"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Välkommen" in response.content.decode()


@pytest.mark.django_db
def test_wrong_password_shows_a_swedish_message(client):
    from tests.factories import UserFactory

    UserFactory(username="anna")
    response = client.post(reverse("login"), {"username": "anna", "password": "fel"})
    assert response.status_code == 200
    assert "Ange ett korrekt användarnamn och lösenord" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account(client, settings):
    from tests.factories import UserFactory

    UserFactory(username="anna")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "anna", "password": "fel"})
    response = client.post(reverse("login"), {"username": "anna", "password": "modig-demo-2019"})
    assert response.status_code == 429
    assert "tillfälligt låst" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "sees", "does_not_see"),
    [
        ("programme_leader", ["Översikt"], ["Osparad närvaro", "Ditt konto har ingen roll"]),
        ("coordinator", ["Översikt"], ["Användare", "Osparad närvaro"]),
        ("ombud_molndal", ["Översikt", ">Osparad närvaro<"], ["Användare", "Program"]),
        ("outsider", ["Ditt konto har ingen roll"], ["Medarbetare"]),
    ],
)
def test_start_page_navigation_follows_the_role(request, client_as, persona, sees, does_not_see):
    user = request.getfixturevalue(persona)
    html = client_as(user).get("/").content.decode()
    for text in sees:
        assert text in html
    for text in does_not_see:
        assert f">{text}<" not in html


@pytest.mark.django_db
def test_logout_is_a_post_and_ends_the_session(client_as, coordinator):
    client = client_as(coordinator)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_password_change_page_is_swedish(client_as, coordinator):
    html = client_as(coordinator).get(reverse("password_change")).content.decode()
    assert "Byt lösenord" in html and "Gammalt lösenord" in html


@pytest.mark.django_db
def test_unknown_page_answers_404_in_swedish(client_as, coordinator, settings):
    settings.DEBUG = False
    response = client_as(coordinator).get("/finns-inte/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.content.decode()


@pytest.mark.django_db
def test_start_page_shows_the_programme_headline_numbers_for_report_roles(client_as, coordinator, molndal):
    from rapporter.queries import esf_summary
    from tests.factories import AttendanceFactory, ProgrammeFactory, SessionFactory

    programme = ProgrammeFactory(code="HOME", municipalities=[molndal])
    session = SessionFactory(programme=programme, municipality=molndal, planned_minutes=90)
    AttendanceFactory(session=session, person__workplace__municipality=molndal)
    html = client_as(coordinator).get("/").content.decode()
    totals = esf_summary(programme=programme)["totals"]
    assert totals["participants"] == 1
    assert 'data-stat="participants">1<' in html
    assert 'data-stat="participant_hours">1,50<' in html


@pytest.mark.django_db
def test_start_page_of_an_ombud_has_no_programme_numbers(client_as, ombud_molndal):
    assert "data-stat=" not in client_as(ombud_molndal).get("/").content.decode()
