"""The API documentation page in a real browser, under the portal's own CSP (issue 13)."""

from __future__ import annotations

import pytest


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_offline_under_the_csp(browser, live_server):
    context = browser.new_context(locale="sv-SE")  # no bypass_csp: the real policy applies
    try:
        page = context.new_page()
        violations: list[str] = []
        outside: list[str] = []
        page.on(
            "console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None
        )
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
        page.goto(live_server.url + "/api/v1/docs/")
        page.wait_for_selector("text=/api/v1/people/", timeout=15000)
        assert "Modig API" in page.content()
        script_violations = [v for v in violations if "script" in v]
        assert not script_violations, script_violations
        assert not [u for u in outside if not u.startswith("data:")], outside
    finally:
        context.close()
