"""Every kurser page in a real browser: renders, no axe-core violations, screenshots."""

from __future__ import annotations

import pytest

from kurser.checkin import make_token
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.e2e.test_attendance import twelve_person_session
from tests.factories import SessionFactory


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/kurser/mina/",
        "/kurser/rackvidd/",
        "/kurser/ej-utbildade/",
        "/kurser/tillfallen/nytt/",
        "detail",
        "invite",
        "qr",
        "sheet",
    ],
)
def test_ombud_pages_are_accessible(page_as, ombud_molndal, path):
    session, _people = twelve_person_session(ombud_molndal)
    paths = {
        "detail": f"/kurser/tillfallen/{session.pk}/",
        "invite": f"/kurser/tillfallen/{session.pk}/bjud-in/",
        "qr": f"/kurser/tillfallen/{session.pk}/qr/",
        "sheet": f"/kurser/tillfallen/{session.pk}/anmalningslista/",
    }
    page = page_as(ombud_molndal, "768x1024")
    response = page.goto(page.base_url + paths.get(path, path))
    assert response.status == 200
    assert_no_axe_violations(page)
    page.screenshot(
        path=shot_path("kurser-ombud" + paths.get(path, path).replace("/", "_"), "768x1024"), full_page=True
    )


@pytest.mark.parametrize("path", ["/kurser/tillfallen/", "/kurser/att-godkanna/", "/kurser/statistik/"])
def test_leader_pages_are_accessible(page_as, local_leader_ale, ombud_molndal, ale, path):
    session, _people = twelve_person_session(ombud_molndal)
    session.programme.municipalities.add(ale)
    SessionFactory(
        programme=session.programme,
        course=session.course,
        municipality=ale,
        trainer_name="Extern",
        status="genomförd",
    )
    page = page_as(local_leader_ale, "1024x768")
    response = page.goto(page.base_url + path)
    assert response.status == 200
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-leader" + path.replace("/", "_"), "1024x768"), full_page=True)


def test_participant_checks_in_on_a_phone(page_as, ombud_molndal):
    session, people = twelve_person_session(ombud_molndal)
    page = page_as(None, "390x844")
    page.goto(f"{page.base_url}/kurser/incheckning/{make_token(session)}/")
    assert_no_axe_violations(page)
    page.fill("#id_name", people[0].full_name)
    page.fill("#id_last_four", people[0].personnummer[-4:])
    page.click("button[type=submit]")
    assert "Du är incheckad" in page.inner_text("main")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("kurser-checkin-done", "390x844"))
    page.goto(f"{page.base_url}/kurser/incheckning/{make_token(session)}x/")
    assert "inte giltig" in page.inner_text("main")
