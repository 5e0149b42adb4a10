"""The effect dashboard in a real browser: the programme leader's whole programme, the local
leader's own municipality and reminders to non-responders; axe clean at both sizes."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from enkater.defaults import UPPF_CHEF, ensure_default_surveys
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


def _world(ale, molndal):
    today = timezone.localdate()
    programme = ProgrammeFactory(
        code="MODIG",
        name="Modig – Mer omsorg med digital teknik",
        municipalities=[ale, molndal],
        start_date=today - dt.timedelta(days=400),
        end_date=today + dt.timedelta(days=100),
    )
    ensure_default_surveys(programme)
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    rutin = Question.objects.get(survey=survey, code="rutin")
    people = {}
    for municipality, answered, waiting in ((ale, 4, 2), (molndal, 5, 1)):
        workplace = WorkplaceFactory(municipality=municipality, name=f"Hemtjänst {municipality.name}")
        session = SessionFactory(
            programme=programme, municipality=municipality, date=today - dt.timedelta(days=40)
        )
        for i in range(answered + waiting):
            person = PersonFactory(
                workplace=workplace,
                target_group=TargetGroup.OPERATIVE_MANAGER,
                email=f"chef{i}@{municipality.code}.example.se",
                last_name=f"{municipality.name}chef{i}",
            )
            AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
            if i < answered:
                response = Response.objects.create(
                    survey=survey, person=person, moment="uppföljning", answered_on=today
                )
                Answer.objects.create(response=response, question=rutin, value="ja" if i else "nej")
            else:
                people.setdefault(municipality.code, []).append(person)
    return programme, people


def test_programme_leader_sees_every_municipality(page_as, programme_leader, ale, molndal):
    _world(ale, molndal)
    for size in ("1366x900", "768x1024"):
        page = page_as(programme_leader, size)
        page.goto(page.base_url + "/enkater/effekt/")
        expect(page.locator("h1")).to_have_text("Effekter")
        ale_row = page.locator('tr[data-municipality="1440"] td[data-indicator="managers_changed_routine"]')
        expect(ale_row).to_contain_text("färre än 5 svar")
        molndal_row = page.locator(
            'tr[data-municipality="1481"] td[data-indicator="managers_changed_routine"]'
        )
        expect(molndal_row).to_contain_text("80 %")
        assert_no_axe_violations(page)
        page.screenshot(path=shot_path("enkater-effekt-programledare", size), full_page=True)


def test_local_leader_sees_ale_and_reminds_non_responders(page_as, local_leader_ale, ale, molndal):
    _programme, waiting = _world(ale, molndal)
    page = page_as(local_leader_ale, "768x1024")
    page.goto(page.base_url + "/enkater/effekt/")
    expect(page.locator('tr[data-municipality="1440"]')).to_have_count(1)
    expect(page.locator('tr[data-municipality="1481"]')).to_have_count(0)
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-effekt-lokal", "768x1024"), full_page=True)

    page.click("text=Vilka har inte svarat på uppföljningen?")
    expect(page.locator("h1")).to_have_text("Har inte svarat på uppföljningen")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("tbody")).not_to_contain_text("Mölndal")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-ej-svarat-lokal", "768x1024"), full_page=True)

    page.check("[data-select-all]")
    page.click("text=Skicka påminnelse till markerade")
    expect(page.locator(".messages")).to_contain_text("Påminnelser skickas till 2 deltagare.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in waiting["1440"])
    assert_no_axe_violations(page)
