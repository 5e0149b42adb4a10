"""Each role does its main job through the menu at phone, tablet and laptop widths: every page on
the way is Swedish, has no sideways scroll, no error or debug page, and no axe-core violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.e2e.test_layout import NO_SCROLL, world  # noqa: F401 - the fixture

SIZES = ["390x844", "768x1024", "1024x768", "1366x768"]
NOT_FOR_USERS = [
    "Traceback",
    "Page not found",
    "Server Error",
    "Using the URLconf",
    "Forbidden",
    "This field is required",
    "Select a valid choice",
    "---------",
]


def check(page, name: str, size: str) -> None:
    assert page.evaluate("document.documentElement.lang") == "sv"
    text = page.locator("body").inner_text()
    for phrase in NOT_FOR_USERS:
        assert phrase not in text, (page.url, phrase)
    assert page.evaluate(NO_SCROLL), page.url
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path(f"walk-{name}", size), full_page=True)


def via_menu(page, item: str, group: str | None = None) -> None:
    """Open a page the way a user does: the hamburger on small screens, then the group."""
    menu = page.locator("#main-nav")
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(menu).to_have_class(re.compile(r"\bshow\b"))
    if group:
        menu.get_by_role("button", name=group, exact=True).click()
    menu.get_by_role("link", name=item, exact=True).click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_ombud_opens_todays_session_and_its_attendance(page_as, world, ombud_molndal, size):  # noqa: F811
    page = page_as(ombud_molndal, size)
    check(page, "ombud-start", size)
    via_menu(page, "Mina tillfällen")
    expect(page.locator("h1")).to_have_text("Mina tillfällen")
    check(page, "ombud-mina", size)
    page.get_by_role("link", name="Markera närvaro").first.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#attendance-list .attendance-row")).to_have_count(12)
    check(page, "ombud-narvaro", size)


@pytest.mark.parametrize("size", SIZES)
def test_local_leader_finds_sessions_to_approve_and_the_staff(page_as, world, local_leader_ale, size):  # noqa: F811
    page = page_as(local_leader_ale, size)
    check(page, "lokal-start", size)
    via_menu(page, "Att godkänna", "Utbildning")
    expect(page.locator("h1")).to_have_text("Att godkänna")
    check(page, "lokal-godkanna", size)
    via_menu(page, "Medarbetare", "Personal")
    expect(page.locator("h1")).to_have_text("Medarbetare")
    check(page, "lokal-medarbetare", size)


@pytest.mark.parametrize("size", SIZES)
def test_programme_leader_reaches_user_invitation_and_dashboard(page_as, world, programme_leader, size):  # noqa: F811
    page = page_as(programme_leader, size)
    via_menu(page, "Användare", "Administration")
    page.get_by_role("link", name="Bjud in användare").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text("Bjud in användare")
    check(page, "programledare-bjud-in", size)
    via_menu(page, "Lägesbild", "Rapporter")
    check(page, "programledare-lagesbild", size)


@pytest.mark.parametrize("size", SIZES)
def test_coordinator_reaches_reports_and_staff(page_as, world, coordinator, size):  # noqa: F811
    page = page_as(coordinator, size)
    check(page, "samordnare-start", size)
    # With "Effekter" (issue 12) the coordinator has seven links: the menu is grouped.
    via_menu(page, "Rapporter", "Rapporter")
    expect(page.get_by_role("button", name="Beställ rapport")).to_be_visible()
    check(page, "samordnare-rapporter", size)
    via_menu(page, "Medarbetare")  # alone in its group: a plain link
    expect(page.locator("h1")).to_have_text("Medarbetare")
    check(page, "samordnare-medarbetare", size)
