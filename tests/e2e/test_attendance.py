"""The tablet moment: twelve colleagues, one tap each, Wi-Fi that drops in the middle."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kurser.models import Attendance, AttendanceStatus, CourseType, Session, Submission
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import CourseFactory, OmbudFactory, PersonFactory, ProgrammeFactory, SessionFactory


def twelve_person_session(ombud_user) -> tuple[Session, list]:
    person = ombud_user.person
    OmbudFactory(person=person).workplaces.add(person.workplace)
    programme = ProgrammeFactory(code="MODIG", municipalities=[person.municipality])
    start = timezone.localtime() - dt.timedelta(minutes=5)
    session = SessionFactory(
        programme=programme,
        course=CourseFactory(title="Teams grund", type=CourseType.WORKPLACE_TRAINING),
        trainer=person,
        municipality=person.municipality,
        workplace=person.workplace,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        planned_minutes=60,
        status=Session.Status.PLANNED,
    )
    people = PersonFactory.create_batch(12, workplace=person.workplace)
    for p in people:
        Attendance.objects.create(session=session, person=p, status=AttendanceStatus.REGISTERED)
    return session, people


def rows(page):
    return page.locator("#attendance-list .attendance-row")


def test_marks_made_offline_arrive_once_when_back_online(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "768x1024")
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    assert rows(page).count() == 12
    assert_no_axe_violations(page)

    # Online: one tap each for the first six, then save.
    for i in range(6):
        rows(page).nth(i).locator("[data-action=cycle]").tap()
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 6

    # The Wi-Fi drops: the other six (one of them late), saved on the tablet only.
    page.context.set_offline(True)
    for i in range(6, 12):
        rows(page).nth(i).locator("[data-action=cycle]").tap()
    rows(page).nth(11).locator("[data-action=cycle]").tap()  # present -> late
    assert rows(page).nth(11).get_attribute("data-status") == "sen"
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=unsent]")
    assert "Ej skickad" in page.inner_text("#save-state")
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('modig-attendance-queue-{session.pk}')).length")
    assert queued == 1
    page.screenshot(path=shot_path("kurser-attendance-offline", "768x1024"))
    assert Attendance.objects.filter(session=session, status__in=["närvarande", "sen"]).count() == 6

    # Back online: the queued submission is sent, once.
    page.context.set_offline(False)
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    assert Attendance.objects.filter(session=session).count() == 12
    assert Attendance.objects.filter(session=session, status="närvarande", minutes=60).count() == 11
    late = Attendance.objects.get(session=session, status="sen")
    assert late.minutes == 45
    assert Submission.objects.filter(session=session).count() == 2
    session.refresh_from_db()
    assert session.status == Session.Status.HELD
    page.screenshot(path=shot_path("kurser-attendance-saved", "768x1024"))


@pytest.mark.parametrize("size", ["1024x768", "768x1024"])
def test_attendance_screen_all_present_and_accessible(page_as, ombud_molndal, size):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, size)
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    page.click("[data-action=all-present]")
    assert page.inner_text("[data-count=present]") == "12"
    # Every touch target is at least 44 px high.
    heights = page.eval_on_selector_all(
        ".attendance-toggle, [data-action=save], [data-action=all-present]",
        "els => els.map(e => e.getBoundingClientRect().height)",
    )
    assert min(heights) >= 44
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 12
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-attendance-all", size))


def test_walk_in_is_added_by_name(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    walk_in = PersonFactory(
        workplace=ombud_molndal.person.workplace, first_name="Zacharias", last_name="Öberg"
    )
    page = page_as(ombud_molndal, "768x1024")
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    page.fill("#walkin-q", "Zachar")
    page.click(f"[data-add-person='{walk_in.pk}']")
    assert rows(page).count() == 13
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    assert Attendance.objects.get(session=session, person=walk_in).status == "närvarande"
    assert_no_axe_violations(page)


def test_qr_check_in_from_a_phone_appears_on_the_tablet(page_as, ombud_molndal):
    from kurser.services import attendance_checkin

    session, people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "768x1024")
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    attendance_checkin(session=session, name=people[3].full_name, last_four=people[3].personnummer[-4:])
    page.wait_for_selector(
        f".attendance-row[data-person='{people[3].pk}'][data-status='närvarande']", timeout=15000
    )
    assert page.inner_text("[data-count=present]") == "1"


def test_tapping_the_status_pill_also_cycles(page_as, ombud_molndal):
    session, _people = twelve_person_session(ombud_molndal)
    page = page_as(ombud_molndal, "1024x768")
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    row = rows(page).nth(0)
    row.locator("[data-role=status-label]").tap()
    assert row.get_attribute("data-status") == "närvarande"
    row.locator("[data-role=status-label]").tap()
    assert row.get_attribute("data-status") == "sen"
    # The taps set off an autosave: let it finish, so no request is still writing while the test
    # database is flushed (on PostgreSQL that deadlocked and left rows for the next test).
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    person_id = int(row.get_attribute("data-person"))
    assert Attendance.objects.get(session=session, person_id=person_id).status == "sen"
