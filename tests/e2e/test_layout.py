"""Layout in a real browser, for every role: no page scrolls sideways at any width from a phone to
a wide screen, the grouped menu keeps the user menu on screen and works from the keyboard, and
touch targets on tablets are at least 44 px."""

from __future__ import annotations

import datetime as dt

import pytest

from kurser.models import Session
from modig.context import navigation
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.e2e.test_attendance import twelve_person_session
from tests.factories import AttendanceFactory, CourseFactory, PersonFactory, SessionFactory
from tests.rapporter.web_data import add_activity, modig

WIDTHS = [360, 768, 1024, 1280, 1366, 1440, 1920]
ROLES = ["programme_leader", "local_leader_ale", "ombud_molndal", "coordinator"]
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
# Controls a finger must hit (WCAG 2.5.5 exempts links inside running text).
TOUCH = (
    "button, .btn, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), "
    ".nav-link, .navbar-toggler, .page-link, .dropdown-item"
)


@pytest.fixture
def world(ale, molndal, ombud_molndal, local_leader_ale):
    """A programme with activity in both municipalities, the ombud's session of today and a
    history of held sessions (long course names, several pages of people)."""
    programme = modig(ale, molndal)
    add_activity(programme, ale, sessions=3, per_session=4)
    add_activity(programme, molndal, sessions=2, per_session=3, seed=5)
    twelve_person_session(ombud_molndal)
    trainer = ombud_molndal.person
    course = CourseFactory(title="Läkemedelssignering i appen – fördjupning för nattpersonal", tool="Appva")
    for i in range(4):
        session = SessionFactory(
            programme=programme,
            course=course,
            municipality=trainer.municipality,
            workplace=trainer.workplace,
            trainer=trainer,
            date=dt.date(2020, 2, 3) + dt.timedelta(days=7 * i),
            status=Session.Status.HELD,
        )
        AttendanceFactory(session=session, person=PersonFactory(workplace=trainer.workplace))
    PersonFactory.create_batch(30, workplace=trainer.workplace)
    return programme


def _main_pages(user) -> list[str]:
    items, _groups = navigation(user, "/")
    return [item["url"] for item in items]


def _overflowing(page) -> list[str]:
    """What sticks out to the right, to make a failure readable."""
    return page.evaluate(
        """() => {
            const clipped = (e) => {
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') return true;
                }
                return false;
            };
            return [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e))
                .slice(0, 5).map(e => e.tagName + '.' + [...e.classList].join('.'));
        }"""
    )


@pytest.mark.parametrize("role", ROLES)
def test_no_page_scrolls_sideways_at_any_width(request, page_as, world, role):
    user = request.getfixturevalue(role)
    page = page_as(user, "1440x900")
    for path in _main_pages(user):
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        assert_no_axe_violations(page)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate(NO_SCROLL), (role, path, width, _overflowing(page))
        page.set_viewport_size({"width": 1440, "height": 900})


@pytest.mark.parametrize("width", [1200, 1280, 1366, 1452])
def test_programme_leader_sees_the_whole_menu_and_user_menu(page_as, programme_leader, width):
    page = page_as(programme_leader, f"{width}x800")
    toggle = page.locator(".user-menu")
    assert toggle.is_visible()
    box = toggle.bounding_box()
    assert box["x"] + box["width"] <= width, box
    assert page.evaluate(NO_SCROLL)
    page.screenshot(path=shot_path("menu-programledare", f"{width}x800"))


def test_grouped_menu_works_from_the_keyboard(page_as, programme_leader):
    page = page_as(programme_leader, "1280x800")
    toggle = page.get_by_role("button", name="Personal")
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Medarbetare"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Kommuner"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("menu-open-programledare", "1280x800"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/personal/kommuner/")
    page.keyboard.press("Escape")
    assert page.get_by_role("button", name="Personal").get_attribute("class").endswith("active")


@pytest.mark.parametrize("size", ["768x1024", "1024x768"])
@pytest.mark.parametrize("role", ROLES)
def test_touch_targets_on_tablets_are_at_least_44_px(request, page_as, world, role, size):
    user = request.getfixturevalue(role)
    page = page_as(user, size)
    for path in _main_pages(user):
        page.goto(page.base_url + path)
        small = page.evaluate(
            """(selector) => [...document.querySelectorAll(selector)]
                .filter(e => e.offsetParent !== null)
                .map(e => [e.getBoundingClientRect(), e])
                .filter(([r, e]) => r.height < 44 || (e.matches('.navbar-toggler') && r.width < 44))
                .map(([r, e]) => `${e.tagName}.${[...e.classList].join('.')} "${e.textContent.trim()
                    .slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`)""",
            TOUCH,
        )
        assert small == [], (role, size, path, small)


@pytest.mark.parametrize("size", ["768x1024", "390x844"])
def test_my_sessions_shows_every_column_on_a_tablet(page_as, world, ombud_molndal, size):
    page = page_as(ombud_molndal, size)
    page.goto(page.base_url + "/kurser/mina/")
    cells = page.locator(".session-table tbody tr").first.locator("td")
    assert cells.count() == 7
    width = page.evaluate("window.innerWidth")
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (i, box)
    # Each line says what it is: the column headings travel with the values.
    assert "Anmälda" in cells.nth(6).evaluate("e => getComputedStyle(e, '::before').content")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("mina-tillfallen", size), full_page=True)


def test_pages_before_login_fit_every_width(page_as, db):
    page = page_as(None, "1440x900")
    for path in [
        "/konto/login/",
        "/konto/password_reset/",
        "/konto/password_reset/done/",
        "/konto/reset/MQ/x/",
    ]:
        response = page.goto(page.base_url + path)
        assert response.status < 400, path
        assert page.evaluate("document.documentElement.lang") == "sv"
        assert_no_axe_violations(page)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            assert page.evaluate(NO_SCROLL), (path, width, _overflowing(page))
        page.set_viewport_size({"width": 1440, "height": 900})
