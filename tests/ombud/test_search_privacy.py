"""A personnummer searched for never lands in a URL, so never in an access log, and the export
audit stores the filters masked (issue 9 item 11).

The search form is posted; a search holding digits is kept in the user's session and the URL
carries only a random key (`?pnr=…`), which pagination, the browser's history and the export
link use like any other filter."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from ombud.models import AuditLog
from ombud.personnummer import formatted
from tests.factories import PersonFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("ombud:person-list")
EXPORT = reverse("ombud:person-export")


@pytest.fixture
def bo(ale):
    wp = WorkplaceFactory(municipality=ale)
    PersonFactory(workplace=wp, first_name="Anna", last_name="Lindqvist")
    return PersonFactory(workplace=wp, first_name="Bo", last_name="Ek")


def _has_digits_of(text: str, pnr: str) -> bool:
    """Whether any six digits in a row of the personnummer occur in `text`."""
    digits = re.sub(r"\D", "", text)
    return any(pnr[i : i + 6] in digits for i in range(len(pnr) - 5))


@pytest.mark.parametrize("shape", ["full", "formatted", "birth date"])
def test_a_personnummer_search_redirects_to_a_url_without_it(client_as, programme_leader, bo, shape):
    q = {"full": bo.personnummer, "formatted": formatted(bo.personnummer), "birth date": bo.personnummer[2:8]}
    client = client_as(programme_leader)
    response = client.post(LIST, {"q": q[shape]})
    assert response.status_code == 303
    assert not _has_digits_of(response.url, bo.personnummer)
    assert "pnr=" in response.url
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ek, Bo" in html and "Lindqvist" not in html
    # No link on the page (pagination, export) carries the number either.
    for href in re.findall(r'href="([^"]*)"', html):
        assert not _has_digits_of(href, bo.personnummer), href


def test_an_htmx_search_pushes_a_url_without_the_personnummer(client_as, programme_leader, bo):
    client = client_as(programme_leader)
    response = client.post(LIST, {"q": formatted(bo.personnummer)}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Ek, Bo" in response.content.decode()
    pushed = response["HX-Push-Url"]
    assert "pnr=" in pushed and not _has_digits_of(pushed, bo.personnummer)


def test_a_name_search_keeps_a_readable_url(client_as, programme_leader, bo):
    response = client_as(programme_leader).post(LIST, {"q": "Ek", "trained": "nej"})
    assert response.status_code == 303
    assert response.url == f"{LIST}?q=Ek&trained=nej"


def test_another_users_search_key_finds_nothing(client_as, programme_leader, coordinator, bo):
    url = client_as(programme_leader).post(LIST, {"q": bo.personnummer}).url
    html = client_as(coordinator).get(url).content.decode()
    assert "Ek, Bo" in html and "Lindqvist" in html  # the key means nothing to another session


def test_the_export_of_a_personnummer_search_is_audited_masked(client_as, programme_leader, bo):
    client = client_as(programme_leader)
    url = client.post(LIST, {"q": bo.personnummer}).url
    response = client.get(EXPORT + url[len(LIST) :])
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = [row[2] for row in wb.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Ek"]
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.detail["filters"]["q"] == f"{bo.personnummer[:8]}-****"
    assert not _has_digits_of(str(entry.detail), bo.personnummer[6:])  # day and the last four


def test_a_personnummer_in_an_old_url_is_audited_masked(client_as, programme_leader, bo):
    client_as(programme_leader).get(EXPORT, {"q": formatted(bo.personnummer)}, follow=True)
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.detail["filters"]["q"] == f"{bo.personnummer[:8]}-****"


def test_the_ombud_pick_search_keeps_a_personnummer_out_of_the_url(client_as, programme_leader, bo):
    client = client_as(programme_leader)
    pick = reverse("ombud:ombud-create")
    response = client.post(pick, {"q": formatted(bo.personnummer)})
    assert response.status_code == 303
    assert "pnr=" in response.url and not _has_digits_of(response.url, bo.personnummer)
    html = client.get(response.url).content.decode()
    assert "Ek, Bo" in html and "Lindqvist" not in html
    assert client.post(pick, {"q": "Ek"}).url == f"{pick}?q=Ek"


@pytest.mark.parametrize("page", ["list", "export", "pick"])
def test_a_personnummer_typed_into_the_url_is_moved_out_of_it(client_as, programme_leader, bo, page):
    """A hand-typed or old bookmarked `?q=<personnummer>`: answered with a redirect to the keyed
    URL, so the page's own links (pagination, export, history) never repeat the number."""
    url = {"list": LIST, "export": EXPORT, "pick": reverse("ombud:ombud-create")}[page]
    client = client_as(programme_leader)
    response = client.get(url, {"q": formatted(bo.personnummer), "target_group": "baspersonal"})
    assert response.status_code == 303
    assert "pnr=" in response.url and not _has_digits_of(response.url, bo.personnummer)
    assert "target_group=baspersonal" in response.url or page == "pick"
    followed = client.get(response.url)
    assert followed.status_code == 200
    if page != "export":
        assert "Ek, Bo" in followed.content.decode()
    assert client.get(url, {"q": "Ek"}).status_code == 200  # a name stays in the URL
