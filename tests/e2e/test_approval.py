"""Issue 11 item 6 in a real browser: the local leader finds today's session at the top of the
approval queue, narrows it by date, approves it, and the ombud sees the state change."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kurser.models import Session
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import CourseFactory, ProgrammeFactory, SessionFactory


def test_local_leader_filters_the_queue_and_approves_todays_session(page_as, local_leader_ale, ale):
    programme = ProgrammeFactory(code="MODIG", municipalities=[ale])
    course = CourseFactory(title="Teams grund")
    old = [
        SessionFactory(
            programme=programme,
            course=course,
            municipality=ale,
            trainer_name="Extern",
            date=dt.date(2020, 3, 2) + dt.timedelta(days=i),
        )
        for i in range(60)
    ]
    today = SessionFactory(
        programme=programme,
        course=CourseFactory(title="Outlook och kalender"),
        municipality=ale,
        trainer_name="Extern",
        date=timezone.localdate(),
    )
    page = page_as(local_leader_ale, "1440x900")
    page.goto(page.base_url + "/kurser/att-godkanna/")
    first_row = page.locator(".session-table tbody tr").first
    assert "Outlook och kalender" in first_row.inner_text()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-approval", "1440x900"), full_page=True)

    page.fill("#id_date_from", timezone.localdate().isoformat())
    page.click("text=Filtrera")
    assert page.locator(".session-table tbody tr").count() == 1
    assert "1 tillfälle väntar" in page.inner_text("#approval-count")
    page.click(".session-table button:has-text('Godkänn')")
    today.refresh_from_db()
    assert today.is_approved
    assert "date_from=" in page.url  # back on the filtered queue
    assert not Session.objects.filter(pk__in=[s.pk for s in old], approved_at__isnull=False).exists()


def test_approval_queue_is_labelled_cards_on_a_tablet(page_as, local_leader_ale, ale):
    """At 768 px the queue is the session lists' labelled cards: nothing scrolls sideways, and
    each card's select box and approve button are whole 44 px targets inside the screen."""
    programme = ProgrammeFactory(code="MODIG", municipalities=[ale])
    for i in range(3):
        SessionFactory(
            programme=programme,
            course=CourseFactory(title=f"Digitala verktyg i vardagen, del {i + 1}"),
            municipality=ale,
            trainer_name="Extern utbildare med ett långt namn",
            date=dt.date(2020, 3, 2) + dt.timedelta(days=i),
        )
    page = page_as(local_leader_ale, "768x1024")
    page.goto(page.base_url + "/kurser/att-godkanna/")
    wrapper = page.locator(".session-table").locator("xpath=..")
    assert wrapper.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".session-table thead").is_hidden()
    card = page.locator(".session-table tbody tr").first
    labels = card.locator("td[data-label]").evaluate_all(
        "tds => tds.map(td => getComputedStyle(td, '::before').content)"
    )
    assert '"Kurs"' in labels and '"Utbildare"' in labels  # each line shows its label
    for target in (card.locator("label.pick-target"), card.locator("button:has-text('Godkänn')")):
        box = target.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= 768
    card.locator("label.pick-target").click()
    assert card.locator("input[name=ids]").is_checked()
    all_box = page.locator("#bulk-approve [data-select-all]")
    all_box.check()
    assert page.locator("input[name=ids]:checked").count() == 3
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-approval", "768x1024"), full_page=True)
