"""Reports and dashboard in a real browser: order an ESF PDF, follow it live, download it."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from rapporter.models import Report
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import ReportFactory

pytestmark = pytest.mark.programme_activity(
    ale={"sessions": 3, "per_session": 4}, molndal={"sessions": 2, "per_session": 3, "seed": 5}
)


def test_coordinator_orders_an_esf_pdf_and_downloads_it(page_as, coordinator, programme):
    page = page_as(coordinator, "1024x768")
    page.goto(page.base_url + "/rapporter/rapporter/")
    expect(page.locator("h1")).to_have_text("Rapporter")
    assert_no_axe_violations(page)
    page.select_option("select[name=kind]", "esf")
    page.select_option("select[name=format]", "pdf")
    page.click("text=Beställ rapport")
    row = page.locator("#report-rows tr").first
    expect(row).to_contain_text("Klar", timeout=20_000)
    link = row.get_by_role("link", name=re.compile("Ladda ner"))
    expect(link).to_be_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-lista", "1024x768"), full_page=True)
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "ESF-sammanstallning_MODIG_2019-04-01_2021-06-30.pdf"


def test_progress_updates_live_until_the_download_link_appears(page_as, coordinator, programme):
    report = ReportFactory(
        programme=programme, requested_by=coordinator, status=Report.Status.RUNNING, progress=40
    )
    page = page_as(coordinator, "1440x900")
    page.goto(page.base_url + "/rapporter/rapporter/")
    row = page.locator(f"#report-{report.pk}")
    expect(row).to_contain_text("Pågår")
    expect(row.locator("progress")).to_have_attribute("value", "40")
    page.screenshot(path=shot_path("rapporter-pagar", "1440x900"), full_page=True)

    Report.objects.filter(pk=report.pk).update(progress=80)
    expect(row.locator("progress")).to_have_attribute("value", "80", timeout=6_000)

    report.file.save("r.pdf", ContentFile(b"%PDF-1.7"), save=False)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.DONE, progress=100, file=report.file.name)
    expect(row).to_contain_text("Klar", timeout=6_000)
    expect(row.get_by_role("link", name=re.compile("Ladda ner"))).to_be_visible()
    # Nothing left running: the table no longer polls, and screen readers hear it is done.
    assert page.locator("#report-rows[hx-trigger]").count() == 0
    expect(page.locator("#report-live")).to_have_text("Rapporterna är klara.")


def test_failed_report_shows_reason_and_retry(page_as, coordinator, programme):
    ReportFactory(
        programme=programme,
        requested_by=coordinator,
        status=Report.Status.FAILED,
        error="Rapporten tog för lång tid att skapa och avbröts. Försök igen med en kortare period.",
    )
    page = page_as(coordinator, "1024x768")
    page.goto(page.base_url + "/rapporter/rapporter/")
    expect(page.locator("#report-rows")).to_contain_text("tog för lång tid")
    expect(page.get_by_role("button", name="Försök igen")).to_be_visible()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-fel", "1024x768"), full_page=True)


@pytest.mark.parametrize("size", ["1440x900", "1024x768"])
def test_dashboard_renders_without_accessibility_violations(page_as, programme_leader, programme, size):
    page = page_as(programme_leader, size)
    page.goto(page.base_url + "/rapporter/")
    expect(page.locator("h1")).to_have_text("Lägesbild")
    expect(page.locator("[data-stat=participants]")).to_have_text("18")
    assert page.locator("figure.chart svg").count() == 3
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-lagesbild", size), full_page=True)


def test_months_page_renders_without_accessibility_violations(page_as, coordinator, programme):
    page = page_as(coordinator, "1024x768")
    page.goto(page.base_url + "/rapporter/manader/")
    expect(page.locator("h1")).to_have_text("Rapporteringsmånader")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-manader", "1024x768"), full_page=True)


def test_order_form_shows_the_month_only_for_monthly_certificates(page_as, coordinator, programme):
    page = page_as(coordinator, "1024x768")
    page.goto(page.base_url + "/rapporter/rapporter/")
    month = page.locator("input[name=month]")
    expect(month).to_be_hidden()
    page.select_option("select[name=kind]", "narvarorapport")
    expect(month).to_be_visible()
    expect(page.locator("input[name=period_from]")).to_be_hidden()
    # Certificates come as PDF only.
    assert page.locator("select[name=format] option[value=xlsx]").is_disabled()
    page.select_option("select[name=kind]", "esf")
    expect(month).to_be_hidden()
    assert not page.locator("select[name=format] option[value=json]").is_disabled()


def test_bad_period_is_answered_on_the_form(page_as, coordinator, programme):
    page = page_as(coordinator, "1024x768")
    page.goto(page.base_url + "/rapporter/rapporter/")
    page.fill("input[name=period_from]", "2018-01-01")
    page.click("text=Beställ rapport")
    expect(page.locator("#report-form .alert-danger")).to_contain_text("utanför programmets period")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-fel-period", "1024x768"), full_page=True)


def test_lagesbild_answers_first_and_the_effect_card_follows(page_as, programme_leader, programme):
    # Cold: the page shows a placeholder (held here until checked), then htmx loads the card.
    from django.core.cache import cache

    cache.clear()
    held = []
    page = page_as(programme_leader, "1366x900")
    page.route("**/rapporter/effektkort/**", lambda route: held.append(route))
    page.goto(page.base_url + "/rapporter/")
    placeholder = page.locator('section[aria-busy="true"]')
    expect(placeholder.get_by_role("status")).to_have_text("Räknar effektmåtten …")
    assert_no_axe_violations(page)
    page.wait_for_timeout(100)
    assert held, "the card was not requested"
    held[0].continue_()
    card = page.locator('section[aria-labelledby="effect-heading"] [data-indicator]')
    expect(card.first).to_be_visible()
    expect(page.locator('section[aria-busy="true"]')).to_have_count(0)
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("rapporter-lagesbild-effektkort", "1366x900"), full_page=True)
