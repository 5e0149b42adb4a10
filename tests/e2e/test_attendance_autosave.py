"""Issue 11 items 3 and 4 in a real browser: marks save themselves, a draft the server has not
confirmed is never lost silently, controls that cannot succeed are disabled with the reason, and
a double tap on "Spara" stores one submission."""

from __future__ import annotations

import datetime as dt
import time
import uuid

from django.utils import timezone

from kurser import services
from kurser.models import Attendance, Session, Submission
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.e2e.test_attendance import rows, twelve_person_session

SUBMIT = "**/narvaro/skicka/"


def open_screen(page, session):
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")


def test_marks_are_saved_without_tapping_spara(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "768x1024")
    open_screen(page, session)
    for i in range(3):
        rows(page).nth(i).locator("[data-action=cycle]").tap()
    page.wait_for_selector("#save-state[data-state=saved]", timeout=10000)
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 3
    # Three quick taps, one submission.
    assert Submission.objects.filter(session=session).count() == 1
    assert page.locator(".attendance-row.is-dirty").count() == 0


def test_double_tap_on_spara_stores_one_submission(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "1024x768")
    open_screen(page, session)
    page.click("[data-action=all-present]")
    page.dblclick("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    # Two taps in the same instant, from the page itself: the second finds "Spara" disabled.
    rows(page).nth(0).locator("[data-action=cycle]").tap()  # present -> late
    page.evaluate("() => { const b = document.querySelector('[data-action=save]'); b.click(); b.click(); }")
    page.wait_for_selector("#save-state[data-state=saved]")
    time.sleep(2)  # the autosave timer was cancelled by "Spara": nothing more arrives
    assert Submission.objects.filter(session=session).count() == 2
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 11
    assert Attendance.objects.filter(session=session, status="sen").count() == 1


def test_spara_again_without_network_keeps_the_same_submission(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "768x1024")
    open_screen(page, session)
    page.context.set_offline(True)
    page.click("[data-action=all-present]")
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=unsent]")
    key = f"modig-attendance-queue-{session.pk}"
    first = page.evaluate(f"JSON.parse(localStorage.getItem('{key}')).map(s => s.client_id)")
    page.click("[data-action=save]")
    page.click("[data-action=save]")
    assert page.evaluate(f"JSON.parse(localStorage.getItem('{key}')).map(s => s.client_id)") == first
    page.context.set_offline(False)
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    stored = Submission.objects.filter(session=session).values_list("client_id", flat=True)
    assert list(stored) == [uuid.UUID(first[0])]
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 12


def test_offline_marks_warn_before_leaving(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "768x1024")
    open_screen(page, session)
    page.context.set_offline(True)
    rows(page).nth(0).locator("[data-action=cycle]").tap()
    page.wait_for_selector("#save-state[data-state=unsent]", timeout=10000)
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.click("text=Om tillfället", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(f"/tillfallen/{session.pk}/narvaro/")
    page.remove_listener("dialog", stay)
    page.context.set_offline(False)
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    # Saved: leaving asks nothing.
    dialogs.clear()
    page.on("dialog", stay)
    page.click("text=Om tillfället")
    page.wait_for_url(f"**/tillfallen/{session.pk}/")
    assert dialogs == []


def test_unsaved_marks_show_on_the_start_page_until_sent(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "768x1024")
    open_screen(page, session)
    tapped = {int(rows(page).nth(i).get_attribute("data-person")) for i in range(2)}
    page.route(SUBMIT, lambda route: route.abort())  # the Wi-Fi drops on the way to the server
    for i in range(2):
        rows(page).nth(i).locator("[data-action=cycle]").tap()
    page.wait_for_selector("#save-state[data-state=unsent]", timeout=10000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Lämna sidan?" – yes
    page.goto(page.base_url + "/")
    box = page.locator("#unsaved-attendance")
    box.wait_for(state="visible")
    assert "Osparad närvaro" in box.inner_text()
    assert "Teams grund" in box.inner_text() and "2 markeringar" in box.inner_text()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-home-unsaved", "768x1024"), full_page=True)

    page.unroute(SUBMIT)
    box.locator("a").click()
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    present = Attendance.objects.filter(session=session, status="närvarande")
    assert {a.person_id for a in present} == tapped
    page.goto(page.base_url + "/")
    assert page.locator("#unsaved-attendance").is_hidden()


def test_future_session_shows_why_nothing_can_be_marked(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    Session.objects.filter(pk=session.pk).update(date=timezone.localdate() + dt.timedelta(days=1))
    page = page_as(ombud_molndal, "768x1024")
    open_screen(page, session)
    reason = page.locator("#marking-blocked")
    assert str(services.ATTENDANCE_FUTURE) in reason.inner_text()
    for selector in ("[data-action=all-present]", "[data-action=save]", "#walkin-q"):
        assert page.locator(selector).is_disabled(), selector
    assert rows(page).locator("[data-action=cycle]:not([disabled])").count() == 0
    # Tapping the status pill (not a button) does nothing either.
    rows(page).nth(0).locator("[data-role=status-label]").tap()
    assert rows(page).nth(0).get_attribute("data-status") == "anmäld"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-attendance-not-started", "768x1024"))
    assert not Submission.objects.exists()


def test_marking_opens_when_the_session_starts(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    soon = timezone.localtime() + dt.timedelta(seconds=6)
    Session.objects.filter(pk=session.pk).update(
        date=soon.date(), start_time=soon.time().replace(microsecond=0)
    )
    page = page_as(ombud_molndal, "1024x768")
    open_screen(page, session)
    assert page.locator("[data-action=all-present]").is_disabled()
    page.wait_for_selector("[data-action=all-present]:not([disabled])", timeout=20000)
    assert page.locator("#marking-blocked").count() == 0
    page.click("[data-action=all-present]")
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 12


def test_approved_session_changes_only_with_a_reason_and_never_by_autosave(
    page_as, ombud_molndal, programme_leader
):
    session, people = twelve_person_session(ombud_molndal)
    marks = [{"person_id": p.pk, "status": "närvarande", "minutes": None} for p in people]
    services.attendance_submit(session=session, marks=marks, client_id=uuid.uuid4(), by=ombud_molndal)
    services.session_approve(session=session, by=programme_leader)
    before = Submission.objects.count()
    page = page_as(programme_leader, "1440x900")
    open_screen(page, session)
    rows(page).nth(0).locator("[data-action=cycle]").click()  # present -> late
    page.wait_for_timeout(2500)  # longer than the autosave delay: nothing is sent
    assert Submission.objects.count() == before
    page.click("[data-action=save]")
    assert page.inner_text("#save-state") == str(services.SESSION_APPROVED_REASON)
    assert page.evaluate("document.activeElement.id") == "change-reason"
    assert Submission.objects.count() == before
    page.fill("#change-reason", "Kom 20 minuter sent enligt listan")
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    assert Submission.objects.count() == before + 1
    assert Attendance.objects.filter(session=session, status="sen").count() == 1
