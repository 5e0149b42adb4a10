"""Behind a reverse proxy (issue 9 item 13): the login lockout and the check-in throttle key on
the client's address from the trusted proxy header, so nobody can lock a named account for
everyone; and no response with personal data is kept in a shared or browser cache."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from kurser import checkin
from kurser.models import Attendance
from modig.net import client_ip
from tests.factories import UserFactory
from tests.kurser.conftest import (  # noqa: F401 - fixtures
    colleagues,
    course,
    ombud_person,
    session,
)

PROXY = "10.0.0.2"
CLIENT_A = "203.0.113.5"
CLIENT_B = "198.51.100.7"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, PROXY, CLIENT_A, PROXY),  # no proxy configured: the header is anyone's to forge
        (1, PROXY, CLIENT_A, CLIENT_A),
        (1, PROXY, f"6.6.6.6, {CLIENT_A}", CLIENT_A),  # a forged entry on the left is ignored
        (2, PROXY, f"6.6.6.6, {CLIENT_A}, 10.0.0.9", CLIENT_A),
        (2, PROXY, CLIENT_A, PROXY),  # fewer hops than configured: do not trust the header
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, None, PROXY),
        (1, PROXY, " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip_takes_the_address_the_trusted_proxies_saw(settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(remote, forwarded)) == expected


def test_axes_uses_the_same_client_ip_function(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "modig.net.client_ip"
    assert settings.CLIENT_IP_CALLABLE == "modig.net.client_ip"


@pytest.mark.django_db
def test_a_lockout_behind_the_proxy_locks_the_guesser_not_everyone(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(username="programledare")
    guesser = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT_A}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "programledare", "password": "fel"}, **guesser)
    locked = client.post(
        reverse("login"), {"username": "programledare", "password": "modig-demo-2019"}, **guesser
    )
    assert locked.status_code == 429
    owner = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT_B}
    response = client.post(
        reverse("login"), {"username": "programledare", "password": "modig-demo-2019"}, **owner
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_check_in_throttle_behind_the_proxy_stops_the_guesser_only(client, settings, request):
    # The kurser fixtures, imported above, looked up by name.
    held = request.getfixturevalue("session")
    people = request.getfixturevalue("colleagues")
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("kurser:checkin", args=[checkin.make_token(held)])
    p = people[0]
    guesser = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT_A}
    wrong = "9999" if p.personnummer[-4:] != "9999" else "9998"
    for _ in range(checkin.MAX_FAILED_ATTEMPTS):
        client.post(url, {"name": p.full_name, "last_four": wrong}, **guesser)
    blocked = client.post(url, {"name": p.full_name, "last_four": p.personnummer[-4:]}, **guesser)
    assert str(checkin.CHECKIN_THROTTLED) in blocked.content.decode()
    phone = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLIENT_B}
    response = client.post(url, {"name": p.full_name, "last_four": p.personnummer[-4:]}, **phone)
    assert response.status_code == 200
    assert Attendance.objects.get(session=held, person=p).status == "närvarande"


# --- Cache-Control: no-store on everything personal ----------------------------------------------


def no_store(response) -> bool:
    value = response.get("Cache-Control", "")
    return "no-store" in value and "private" in value


@pytest.mark.django_db
def test_every_page_for_a_logged_in_user_is_private_and_not_stored(client_as, coordinator):
    client = client_as(coordinator)
    for url in ["/", reverse("rapporter:report-list"), reverse("ombud:person-list")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert no_store(response), (url, response.get("Cache-Control"))


@pytest.mark.django_db
def test_a_file_download_is_not_stored_even_without_a_login(client, settings):
    from django.http import FileResponse

    from modig.middleware import NoStoreMiddleware

    def view(request):
        import io

        return FileResponse(io.BytesIO(b"x"), as_attachment=True, filename="lista.xlsx")

    response = NoStoreMiddleware(view)(RequestFactory().get("/export.xlsx"))
    assert no_store(response)
    assert "modig.middleware.NoStoreMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_static_files_stay_cacheable_for_a_logged_in_user(client_as, coordinator):
    response = client_as(coordinator).get("/static/css/modig.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
