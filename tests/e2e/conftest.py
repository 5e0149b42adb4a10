"""Real-browser fixtures: Playwright driving Debian's Chromium (never `playwright install`).

def test_x(page_as, ombud_molndal):
    page = page_as(ombud_molndal, "768x1024")
    page.goto(page.base_url + "/kurser/…")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-session", "768x1024"))
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.inflight import InFlight

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SHOTS = Path(os.environ.get("MODIG_SHOTS", "/tmp/modig-shots"))

# Django's ORM refuses to run inside Playwright's event loop thread without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium saknas: apt-get install -y chromium (make system-deps)")
        pytest.skip("Chromium is not installed (make system-deps)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server_inflight(live_server) -> InFlight:
    """The live server, counting what it is handling (tests/e2e/inflight.py)."""
    inflight = InFlight()
    inflight.install(live_server)
    return inflight


@pytest.fixture(autouse=True)
def _no_request_in_flight(live_server_inflight, transactional_db):
    """Every browser test ends only when the live server is idle: the test's pages are closed
    by then (page_as is torn down first), and the database is flushed only after this."""
    yield
    live_server_inflight.wait_until_idle()


@pytest.fixture
def page_as(browser, live_server, transactional_db):
    """`page_as(user_or_None, "1024x768")`: a logged-in page at that viewport (through the form)."""
    contexts = []

    def open_page(user=None, size: str = "1024x768", *, offline_capable: bool = False):
        w, h = (int(x) for x in size.split("x"))
        # bypass_csp lets the test inject axe-core; the pages themselves keep their CSP.
        context = browser.new_context(
            viewport={"width": w, "height": h},
            locale="sv-SE",
            has_touch=w < 1100,
            bypass_csp=True,
            service_workers="block",
        )
        contexts.append(context)
        page = context.new_page()
        page.base_url = live_server.url
        if user is not None:
            page.goto(live_server.url + "/konto/login/")
            page.fill("input[name=username]", user.username)
            page.fill("input[name=password]", "modig-demo-2019")
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
        return page

    yield open_page
    for context in contexts:
        context.close()


def axe_violations(page) -> list[dict]:
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def assert_no_axe_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], violations


def shot_path(name: str, size: str) -> str:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return str(SHOTS / f"{name}-{size}.png")
