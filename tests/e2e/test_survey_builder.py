"""The survey builder in a real browser: a programme leader creates a survey, adds a Likert and a
single-choice question, moves the second up, and every page is free of accessibility
violations at a desktop and a tablet width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from enkater.models import Survey
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import ProgrammeFactory


@pytest.fixture
def programme(ale, molndal):
    return ProgrammeFactory(code="MODIG", name="Modig", municipalities=[ale, molndal])


@pytest.mark.parametrize("size", ["1366x900", "768x1024"])
def test_programme_leader_builds_a_survey_with_two_questions(page_as, programme_leader, programme, size):
    page = page_as(programme_leader, size)
    page.goto(page.base_url + "/enkater/byggare/")
    # One programme: straight to its surveys, the three defaults marked "standard".
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enkäter i Modig")
    expect(page.locator("table .badge")).to_have_count(3)
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-byggare-program", size), full_page=True)

    page.get_by_role("link", name="Ny enkät").click()
    page.get_by_label("Kod").fill("nojd")
    page.get_by_label("Namn (svenska)").fill("Nöjdhet med utbildningen")
    page.get_by_label("Namn (engelska)").fill("Satisfaction with the training")
    page.get_by_label("Efter").check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Skapa enkät").click()
    expect(page.locator(".alert-success")).to_contain_text("Enkäten NOJD har skapats.")

    page.get_by_role("link", name="Ny fråga").click()
    page.get_by_label("Kod").fill("betyg")
    page.get_by_label("Typ").select_option("1-5")
    expect(page.locator("#div_id_options")).to_be_hidden()
    page.get_by_label("Fråga (svenska)").fill("Hur nöjd är du med utbildningen?")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Lägg till fråga").click()
    expect(page.locator(".alert-success")).to_contain_text("Frågan betyg har lagts till.")

    page.get_by_role("link", name="Ny fråga").click()
    page.get_by_label("Kod").fill("verktyg")
    page.get_by_label("Typ").select_option("ett val")
    page.get_by_label("Fråga (svenska)").fill("Vilket verktyg använder du mest?")
    page.get_by_label("Fråga (engelska)").fill("Which tool do you use most?")
    page.get_by_label("Svarsalternativ").fill("teams; Teams; Teams\noutlook")
    page.get_by_role("button", name="Lägg till fråga").click()
    # A line without a Swedish label is refused with a message saying which option.
    expect(page.locator("body")).to_contain_text("Svarsalternativ 2: ange en svensk text.")
    assert_no_axe_violations(page)
    page.get_by_label("Svarsalternativ").fill("teams; Teams; Teams\noutlook; Outlook; Outlook")
    page.get_by_role("button", name="Lägg till fråga").click()
    expect(page.locator(".alert-success")).to_contain_text("Frågan verktyg har lagts till.")

    page.get_by_role("button", name="Upp verktyg").click()
    expect(page.locator("ol.list-group > li").first).to_contain_text("Vilket verktyg använder du mest?")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-byggare-enkat", size), full_page=True)

    survey = Survey.objects.get(programme=programme, code="NOJD")
    assert [(q.code, q.kind) for q in survey.questions.order_by("position")] == [
        ("verktyg", "ett val"),
        ("betyg", "1-5"),
    ]
    assert survey.questions.get(code="verktyg").options("sv") == [("teams", "Teams"), ("outlook", "Outlook")]
