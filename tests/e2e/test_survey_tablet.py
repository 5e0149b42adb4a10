"""The end of a session on the ombud's tablet: mark attendance, open "Enkäter", hand the tablet
over, the participant answers, the tablet comes back to the ombud's list showing "Klar" — and the
outcome figures move. Then the Wi-Fi drops: an answer waits on the tablet and is sent once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enkater.counting import outcome_summary
from enkater.defaults import ensure_default_surveys
from enkater.models import Answer, Response
from kurser.models import Attendance, AttendanceStatus, CourseType, Session
from ombud.models import TargetGroup
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import CourseFactory, OmbudFactory, PersonFactory, ProgrammeFactory, SessionFactory


def _staff_skills(programme) -> int:
    summary = outcome_summary(programme)
    return next(i["respondents"] for i in summary["indicators"] if i["key"] == "staff_skills_improved")


@pytest.fixture
def session_today(ombud_molndal):
    person = ombud_molndal.person
    OmbudFactory(person=person).workplaces.add(person.workplace)
    today = timezone.localdate()
    programme = ProgrammeFactory(
        code="MODIG",
        municipalities=[person.municipality],
        start_date=today - dt.timedelta(days=365),
        end_date=today + dt.timedelta(days=365),
    )
    ensure_default_surveys(programme)
    course = CourseFactory(title="Teams grund", type=CourseType.WORKPLACE_TRAINING)
    start = timezone.localtime() - dt.timedelta(minutes=5)
    session = SessionFactory(
        programme=programme,
        course=course,
        trainer=person,
        municipality=person.municipality,
        workplace=person.workplace,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        planned_minutes=60,
        status=Session.Status.PLANNED,
    )
    anna = PersonFactory(
        workplace=person.workplace, first_name="Anna", last_name="Berg", target_group=TargetGroup.BASE_STAFF
    )
    bertil = PersonFactory(
        workplace=person.workplace, first_name="Bertil", last_name="Ek", target_group=TargetGroup.BASE_STAFF
    )
    cecilia = PersonFactory(
        workplace=person.workplace,
        first_name="Cecilia",
        last_name="Holm",
        target_group=TargetGroup.BASE_STAFF,
    )
    # Anna was at a session six weeks ago: her follow-up (UPPF-PERSONAL) is due today as well.
    earlier = SessionFactory(
        programme=programme,
        course=course,
        trainer=person,
        municipality=person.municipality,
        workplace=person.workplace,
        date=today - dt.timedelta(days=42),
        status=Session.Status.HELD,
    )
    Attendance.objects.create(session=earlier, person=anna, status=AttendanceStatus.PRESENT, minutes=60)
    for p in (anna, bertil, cecilia):
        Attendance.objects.create(session=session, person=p, status=AttendanceStatus.REGISTERED)
    return session, anna, bertil


def _person(page, name):
    return page.locator(".tablet-person", has_text=name)


def _answer_digkomp(page):
    for area in ("information", "kommunikation", "innehall", "sakerhet", "problemlosning"):
        page.locator(f"#screen-participant label[for$='q-{area}_3']").click()  # the value 4


def test_answering_on_the_tablet_then_offline(page_as, ombud_molndal, session_today):
    session, anna, bertil = session_today
    programme = session.programme
    page = page_as(ombud_molndal, "1024x768")

    # Attendance first, as at the end of every session.
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    page.click("[data-action=all-present]")
    page.click("[data-action=save]")
    page.wait_for_selector("#save-state[data-state=saved]")
    page.click("[data-role=surveys]")
    page.wait_for_selector("#screen-list")
    assert page.inner_text("#tablet-count") == "3 närvarande · enkät väntar för 3"
    assert _person(page, "Anna Berg").locator("[data-role=status]").inner_text() == "Enkät väntar (2)"
    assert _person(page, "Bertil Ek").locator("[data-role=status]").inner_text() == "Enkät väntar (1)"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-tablet-list", "1024x768"))
    before = _staff_skills(programme)

    # Hand over to Anna.
    _person(page, "Anna Berg").locator("[data-action=hand-over]").click()
    assert page.inner_text("#handover-heading") == "Lämna surfplattan till Anna"
    page.screenshot(path=shot_path("enkater-tablet-handover", "1024x768"))
    page.click("[data-action=start]")
    # Participant mode: no menu, no other names, only Anna's two surveys.
    assert page.locator("body > header").is_hidden()
    assert page.locator("body > footer").is_hidden()
    assert page.locator("#screen-list").is_hidden()
    assert page.get_by_text("Bertil Ek").is_hidden()
    assert page.locator("#participant-forms form").count() == 2
    _answer_digkomp(page)
    # English, and the answer given so far stays.
    page.click("#screen-participant [data-lang=en]")
    assert page.locator("#screen-participant").get_attribute("lang") == "en"
    assert page.locator("#participant-forms input[value='4']:checked").count() == 5
    assert "How well" in page.inner_text("#participant-forms")
    page.click("#screen-participant [data-lang=sv]")
    page.locator("#participant-forms form").nth(1).locator("label", has_text="Ja").click()
    box = page.locator("[data-action=submit]").bounding_box()
    assert box["height"] >= 44
    labels = page.locator("#participant-forms .answer-buttons label").all()
    assert len(labels) == 27  # 5 × 1–5, ja/nej
    for label in labels:
        assert label.bounding_box()["height"] >= 44
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)  # the buttons' colour transition (.15 s) has ended
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-tablet-participant", "1024x768"), full_page=True)

    page.click("[data-action=submit]")
    page.wait_for_selector("#screen-thanks:not([hidden])")
    assert "Tack!" in page.inner_text("#screen-thanks")
    # Nothing of the answers is left on the page, and "back" does not leave the tablet mode.
    assert page.locator("#participant-forms input").count() == 0
    page.go_back()
    assert page.locator("#screen-thanks").is_visible()
    page.screenshot(path=shot_path("enkater-tablet-thanks", "1024x768"))
    page.click("[data-action=to-list]")
    status = _person(page, "Anna Berg").locator("[data-role=status]")
    page.wait_for_function("el => el.textContent === 'Klar'", arg=status.element_handle())
    assert page.locator("body > header").is_visible()
    assert Response.objects.filter(person=anna, source=Response.Source.TABLET).count() == 2
    assert _staff_skills(programme) == before + 1
    assert "4" not in _person(page, "Anna Berg").inner_text()

    # The Wi-Fi drops: Bertil answers, the answer waits on the tablet.
    page.context.set_offline(True)
    _person(page, "Bertil Ek").locator("[data-action=hand-over]").click()
    page.click("[data-action=start]")
    _answer_digkomp(page)
    page.click("[data-action=submit]")
    page.click("[data-action=to-list]")
    assert page.locator("#tablet-unsent").is_visible()
    assert "Osparade enkätsvar (1)" in page.inner_text("#tablet-unsent")
    assert _person(page, "Bertil Ek").locator("[data-role=status]").inner_text() == "Klar – ej skickad än"
    assert _person(page, "Bertil Ek").locator("[data-action=hand-over]").is_disabled()
    assert not Response.objects.filter(person=bertil).exists()
    assert page.inner_text("#tablet-count") == "3 närvarande · enkät väntar för 1"
    page.screenshot(path=shot_path("enkater-tablet-offline", "1024x768"))

    # Back online: sent once, and the list says so.
    page.context.set_offline(False)
    page.wait_for_selector("#tablet-unsent[hidden]", state="attached", timeout=15000)
    assert _person(page, "Bertil Ek").locator("[data-role=status]").inner_text() == "Klar"
    assert Response.objects.filter(person=bertil).count() == 1
    assert Answer.objects.filter(response__person=bertil).count() == 5
    assert page.evaluate(f"localStorage.getItem('modig-survey-queue-{session.pk}')") == "[]"


@pytest.mark.parametrize("size", ["1024x768", "768x1024"])
def test_the_screens_fit_the_tablet(page_as, ombud_molndal, session_today, size):
    session, _anna, _bertil = session_today
    for p in session.attendances.all():
        Attendance.objects.filter(pk=p.pk).update(status=AttendanceStatus.PRESENT, minutes=60)
    page = page_as(ombud_molndal, size)
    page.goto(f"{page.base_url}/enkater/tillfalle/{session.pk}/surfplatta/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= int(size.split("x")[0])
    page.screenshot(path=shot_path("enkater-tablet-list", size))
    _person(page, "Anna Berg").locator("[data-action=hand-over]").click()
    page.click("[data-action=start]")
    assert page.evaluate("document.documentElement.scrollWidth") <= int(size.split("x")[0])
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-tablet-participant", size), full_page=True)
