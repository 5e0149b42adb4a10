"""The participant's own page on a phone (issue 12 item 5): open the personal link, ask for a
one-time code, read it from the mail, confirm the month; the page is axe clean throughout."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core import mail

from enkater.models import MonthConfirmation
from enkater.participant import participant_url
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import AttendanceFactory, PersonFactory, SessionFactory, WorkplaceFactory
from tests.rapporter.web_data import modig


def test_participant_confirms_a_month_with_the_mailed_code(page_as, ale, molndal):
    programme = modig(ale, molndal)
    person = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), first_name="Lina", email="lina@molndal.se"
    )
    for day, minutes in ((12, 90), (19, 60)):
        session = SessionFactory(
            programme=programme, municipality=molndal, date=dt.date(2020, 3, day), planned_minutes=minutes
        )
        AttendanceFactory(session=session, person=person)
    size = "390x844"
    page = page_as(None, size)
    page.goto(page.base_url + participant_url(person))
    page.get_by_role("heading", name="Hej Lina!").wait_for()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-participant", size), full_page=True)

    page.get_by_role("button", name="Bekräfta mars 2020").click()
    page.get_by_label("Kod från e-postmeddelandet").wait_for()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-participant-code", size), full_page=True)
    assert [m.to for m in mail.outbox] == [["lina@molndal.se"]]
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)

    page.get_by_label("Kod från e-postmeddelandet").fill(code)
    page.get_by_label("Kod från e-postmeddelandet").press("Enter")
    page.get_by_text("Tack! Du har bekräftat dina timmar för mars 2020.").wait_for()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("enkater-participant-confirmed", size), full_page=True)
    stored = MonthConfirmation.objects.get(person=person)
    assert stored.hours == Decimal("2.50")
    assert page.get_by_role("button", name="Bekräfta mars 2020").count() == 0
