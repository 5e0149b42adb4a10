"""Answering on the participant's own phone through a personal link (issue 12, item 2): a 390x844
viewport, keyboard only, axe clean; the answer moves the outcome figures (enkater.counting)."""

from __future__ import annotations

import datetime as dt

from enkater.counting import digcomp, indicators
from enkater.defaults import DIGKOMP, UPPF_PERSONAL, ensure_default_surveys
from enkater.links import answer_url
from enkater.models import Answer, Question, Response, Survey
from kurser.models import AttendanceStatus
from ombud.models import TargetGroup
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import (
    AttendanceFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

PHONE = "390x844"
DAY = dt.date(2020, 3, 12)


def _staff(programme, workplace, n):
    people = []
    session = SessionFactory(programme=programme, municipality=workplace.municipality, date=DAY)
    for _ in range(n):
        person = PersonFactory(workplace=workplace, target_group=TargetGroup.BASE_STAFF)
        AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
        people.append(person)
    return people


def _answered(survey, person, moment, values, day):
    response = Response.objects.create(survey=survey, person=person, moment=moment, answered_on=day)
    for code, value in values.items():
        question = Question.objects.get(survey=survey, code=code)
        Answer.objects.create(
            response=response, question=question, value=value, number=int(value) if value.isdigit() else None
        )


def _focus(page, selector: str, limit: int = 30) -> None:
    """Tab until `selector` has the focus (keyboard only: no clicks anywhere)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_answering_through_a_personal_link_on_a_phone_moves_the_figures(page_as, molndal):
    programme = ProgrammeFactory(code="MODIG", name="Modig", municipalities=[molndal])
    ensure_default_surveys(programme)
    follow_up = Survey.objects.get(programme=programme, code=UPPF_PERSONAL)
    digkomp = Survey.objects.get(programme=programme, code=DIGKOMP)
    workplace = WorkplaceFactory(municipality=molndal)
    *others, me = _staff(programme, workplace, 5)
    for person in others:  # four respondents: fewer than five, suppressed
        _answered(follow_up, person, "uppföljning", {"kompetens": "ja"}, DAY + dt.timedelta(days=40))
        _answered(digkomp, person, "före", {"information": "2"}, DAY)
        _answered(digkomp, person, "efter", {"information": "4"}, DAY + dt.timedelta(days=1))
    _answered(digkomp, me, "före", {"information": "1"}, DAY)
    before = indicators(programme)[None][2]
    assert (before["key"], before["respondents"], before["suppressed"]) == ("staff_skills_improved", 4, True)
    assert digcomp(programme)[0]["pairs"] == 4

    page = page_as(None, PHONE)
    # 1. The follow-up (ja/nej): an empty submission first, announced and focused.
    page.goto(page.base_url + answer_url(me, follow_up, "uppföljning"))
    assert page.locator("h1").inner_text() == "Uppföljning – baspersonal"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-phone-follow-up", PHONE), full_page=True)
    _focus(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer-errors")
    assert page.evaluate("document.activeElement.id") == "answer-errors"
    assert "Du har inte svarat på någon fråga" in page.inner_text("#answer-errors")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-phone-empty", PHONE), full_page=True)
    _focus(page, "input[name=q-kompetens]")
    page.keyboard.press("Space")  # the first option of the group: Ja
    assert page.is_checked("input[name=q-kompetens][value=ja]")
    _focus(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Tack för ditt svar")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-phone-thanks", PHONE), full_page=True)
    page.reload()
    assert "Du har redan svarat" in page.inner_text("main")
    assert page.locator("input[name=q-kompetens]").count() == 0

    after = indicators(programme)[None][2]
    assert (after["respondents"], after["yes"], after["share"], after["suppressed"]) == (5, 5, 1.0, False)

    # 2. DigComp "efter" (1–5 as buttons): arrow keys move within a question's scale.
    page.goto(page.base_url + answer_url(me, digkomp, "efter"))
    _focus(page, "input[name=q-information]")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.is_checked("input[name=q-information][value='3']")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-phone-likert-focus", PHONE))
    _focus(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Tack för ditt svar")
    area = digcomp(programme)[0]
    assert (area["area"], area["pairs"], area["before"], area["after"]) == ("information", 5, 1.8, 3.8)


def test_the_session_qr_code_leads_a_present_participant_to_their_surveys(page_as, molndal):
    from django.utils import timezone

    from kurser import checkin
    from kurser.models import Session

    programme = ProgrammeFactory(code="MODIG", name="Modig", municipalities=[molndal])
    ensure_default_surveys(programme)
    start = timezone.localtime() - dt.timedelta(minutes=50)
    session = SessionFactory(
        programme=programme,
        municipality=molndal,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        status=Session.Status.PLANNED,
    )
    me = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), first_name="Yasmin", last_name="Hansson"
    )
    AttendanceFactory(session=session, person=me, status=AttendanceStatus.PRESENT)

    page = page_as(None, PHONE)
    page.goto(f"{page.base_url}/enkater/tillfalle/{checkin.make_token(session)}/")
    assert_no_axe_violations(page)
    _focus(page, "input[name=name]")
    page.keyboard.type("Yasmin Hansson")
    page.keyboard.press("Tab")
    page.keyboard.type(me.personnummer[-4:])
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Dina enkäter")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-phone-session-list", PHONE), full_page=True)
    _focus(page, "a[href^='/enkater/svar/']")
    page.keyboard.press("Enter")
    page.wait_for_selector("h1:has-text('Digital kompetens')")
    _focus(page, "input[name=q-information]")
    page.keyboard.press("ArrowRight")
    _focus(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Tack för ditt svar")
    response = Response.objects.get(person=me)
    assert (response.survey.code, response.moment, response.source) == (DIGKOMP, "före", "länk")
