"""The e2e guard (tests/e2e/inflight.py): a test that ends while the page is still saving does
not leave that request writing into the next test's database; it waits for it, and names it
when it takes too long."""

from __future__ import annotations

import threading
import time

import pytest

from kurser import services
from kurser.models import Attendance
from tests.e2e.test_attendance import twelve_person_session

SLOW_SECONDS = 1.0


def slow_submissions(monkeypatch) -> threading.Event:
    """The attendance submission sleeps before it writes; the event is set when one arrived."""
    arrived = threading.Event()
    original = services.attendance_submit

    def slow(**kwargs):
        arrived.set()
        time.sleep(SLOW_SECONDS)
        return original(**kwargs)

    monkeypatch.setattr(services, "attendance_submit", slow)
    return arrived


def save_all_present(page, session) -> None:
    page.goto(f"{page.base_url}/kurser/tillfallen/{session.pk}/narvaro/")
    page.click("[data-action=all-present]")
    page.click("[data-action=save]")


def test_the_guard_names_the_post_still_running(page_as, ombud_molndal, monkeypatch, live_server_inflight):
    session, _people = twelve_person_session(ombud_molndal)
    arrived = slow_submissions(monkeypatch)
    page = page_as(ombud_molndal, "1024x768")
    save_all_present(page, session)
    assert arrived.wait(10)
    with pytest.raises(pytest.fail.Exception) as failed:
        live_server_inflight.wait_until_idle(timeout=0.2)
    message = str(failed.value)
    assert f"POST /kurser/tillfallen/{session.pk}/narvaro/skicka/" in message
    assert "0.2 s after the test ended" in message
    # The test ends here with the POST still sleeping: the autouse guard waits for it, so the
    # flush below neither deadlocks (PostgreSQL) nor shares its connection (SQLite).


def test_the_guard_waits_for_the_post_to_write(page_as, ombud_molndal, monkeypatch, live_server_inflight):
    session, _people = twelve_person_session(ombud_molndal)
    arrived = slow_submissions(monkeypatch)
    page = page_as(ombud_molndal, "1024x768")
    save_all_present(page, session)
    assert arrived.wait(10)
    page.context.close()  # as page_as does at the end of a test: the browser is gone
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 0
    live_server_inflight.wait_until_idle()
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 12
    assert not live_server_inflight.busy()
