"""The menu is built from the same access rules as the pages: a role has a link to a page exactly
when it may open that page, and the programme leader's long menu is grouped."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from modig.context import NAVIGATION

ROLES = ["programme_leader", "local_leader_ale", "ombud_molndal", "coordinator"]


def _menu(html: str) -> str:
    return html.split('id="main-nav"', 1)[1].split("</nav>", 1)[0]


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"#]+)"', _menu(html)))


def _groups(html: str) -> list[str]:
    return [g.strip() for g in re.findall(r'data-bs-toggle="dropdown"[^>]*>\s*([^<]+?)\s*<', _menu(html))]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_menu_links_exactly_the_pages_the_role_may_open(request, client, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    links = _links(client.get("/").content.decode())
    for group in NAVIGATION:
        for name, _label, _predicate in group[1]:
            url = reverse(name)
            status = client.get(url).status_code
            assert status in (200, 403), (role, url, status)
            assert (url in links) == (status == 200), (role, url, status)


@pytest.mark.django_db
def test_coordinator_has_a_link_to_the_staff_list(client, coordinator):
    client.force_login(coordinator)
    assert "/personal/" in _links(client.get("/").content.decode())


@pytest.mark.django_db
def test_programme_leader_menu_is_grouped(client, programme_leader):
    client.force_login(programme_leader)
    html = client.get("/").content.decode()
    assert _groups(html) == [
        "Utbildning",
        "Personal",
        "Rapporter",
        "Administration",
        programme_leader.get_full_name(),
    ]


@pytest.mark.django_db
def test_ombud_keeps_a_flat_menu(client, ombud_molndal):
    client.force_login(ombud_molndal)
    html = client.get("/").content.decode()
    assert _groups(html) == [ombud_molndal.get_full_name()]
    assert "/kurser/mina/" in _links(html)


@pytest.mark.django_db
def test_current_page_is_marked_inside_its_group(client, programme_leader):
    client.force_login(programme_leader)
    menu = _menu(client.get("/personal/kommuner/").content.decode())
    assert re.search(r'<a class="dropdown-item active" href="/personal/kommuner/" aria-current="page">', menu)
    assert re.search(r'class="nav-link dropdown-toggle active"[^>]*>\s*Personal', menu)
