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
