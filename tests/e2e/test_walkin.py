"""A walk-in on the tablet (issue 13 item 3): the ombud adds someone who is not in the register,
marks them present, and the local leader merges them with the registered person."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from kurser.models import Attendance, AttendanceStatus
from ombud.models import Person, Role
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.e2e.test_attendance import rows, twelve_person_session
from tests.factories import PersonFactory, UserFactory


def test_ombud_adds_a_walk_in_and_the_local_leader_merges_it(page_as, ombud_molndal, molndal):
    session, _people = twelve_person_session(ombud_molndal)
    registered = PersonFactory(workplace=ombud_molndal.person.workplace, first_name="Ines", last_name="Okänd")
    page = page_as(ombud_molndal, "768x1024")
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")

    # Not found under the name she gives: add her as a new participant.
    page.fill("#walkin-q", "Ines Nyström")
    page.click("[data-action=walkin-new]")
    page.wait_for_selector("#walkin-form")
    assert page.input_value("#walkin-first") == "Ines"
    assert page.input_value("#walkin-last") == "Nyström"
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-walkin-form", "768x1024"))
    page.click("#walkin-form [type=submit]")
    page.wait_for_selector('#attendance-list .attendance-row[data-status="närvarande"]')
    assert rows(page).count() == 13
    page.wait_for_selector("#save-state[data-state=saved]", timeout=15000)
    page.screenshot(path=shot_path("kurser-walkin-added", "768x1024"))
    temp = Person.objects.get(last_name="Nyström")
    assert temp.temporary and temp.municipality == molndal
    assert Attendance.objects.get(session=session, person=temp).status == AttendanceStatus.PRESENT

    # The local leader of Mölndal merges her with the registered Ines.
    leader = UserFactory(username="lokal.molndal", role=Role.LOCAL_LEADER, municipalities=[molndal])
    page = page_as(leader, "768x1024")
    page.goto(f"{page.base_url}/kurser/tillfalliga/")
    page.click("text=Ines Nyström")
    page.fill("#merge-q", "Ines")
    page.click("form[role=search] button[type=submit]")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-walkin-merge", "768x1024"))
    page.click("text=Slå ihop med Ines Okänd")
    page.wait_for_selector(".alert-success")
    assert "sammanslagen med Ines Okänd" in page.inner_text("main")
    page.screenshot(path=shot_path("kurser-walkin-merged", "768x1024"))
    assert not Person.objects.filter(pk=temp.pk).exists()
    assert Attendance.objects.get(session=session, person=registered).status == AttendanceStatus.PRESENT
    assert get_user_model().objects.filter(username="lokal.molndal").exists()
