from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_no_axe_violations, shot_path


@pytest.mark.parametrize("size", ["1024x768", "768x1024", "1440x900"])
def test_login_page_renders_in_swedish_without_accessibility_violations(page_as, size):
    page = page_as(None, size)
    page.goto(page.base_url + "/")
    assert page.locator("h1").inner_text() == "Logga in"
    assert page.evaluate("document.documentElement.lang") == "sv"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("login", size))


def test_demo_user_logs_in_and_sees_role_navigation(page_as, programme_leader):
    page = page_as(programme_leader, "1440x900")
    assert page.url.rstrip("/") == page.base_url
    assert "Välkommen" in page.locator("h1").inner_text()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("home-programledare", "1440x900"))


def test_skip_link_is_the_first_focusable_element(page_as):
    page = page_as(None, "1024x768")
    page.goto(page.base_url + "/konto/login/")
    first = page.evaluate(
        "document.querySelector('a[href], button, input:not([type=hidden]), select, textarea').textContent.trim()"
    )
    assert first == "Hoppa till innehållet"
    page.focus("a.skip-link")
    assert page.locator("a.skip-link").is_visible()
