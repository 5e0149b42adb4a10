"""Reporting months in a real browser: the programme leader closes a month after confirming,
then reopens it with a reason; every step free of accessibility violations."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kurser.models import ClosedMonth
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.rapporter.web_data import modig


@pytest.fixture
def programme(ale, molndal):
    return modig(ale, molndal)


def test_programme_leader_closes_after_confirming_and_reopens_with_a_reason(
    page_as, programme_leader, programme
):
    page = page_as(programme_leader, "1024x768")
    page.goto(page.base_url + "/rapporter/manader/")
    assert_no_axe_violations(page)
    page.fill("input[name=month]", "2020-03")
    page.click("text=Stäng månaden")
    expect(page.get_by_role("button", name="Ja, stäng månaden")).to_be_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-manader-bekrafta", "1024x768"), full_page=True)
    assert not ClosedMonth.objects.exists()
    page.click("text=Ja, stäng månaden")
    expect(page.locator("body")).to_contain_text("Månaden 2020-03 är stängd.")
    assert_no_axe_violations(page)
    page.fill("input[name=reason]", "Rättad lista från Ale")
    page.click("text=Öppna igen")
    expect(page.locator("body")).to_contain_text("Öppnad igen")
    expect(page.locator("body")).to_contain_text("Rättad lista från Ale")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-manader-oppnad", "1024x768"), full_page=True)
    assert not ClosedMonth.objects.get().is_closed
