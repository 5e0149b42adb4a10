"""Closed reporting months: the rules, the hook kurser calls, and the page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from ombud.models import AuditLog
from rapporter import closing
from rapporter.models import ClosedMonth, Report
from tests.factories import ProgrammeFactory, ReportFactory
from tests.rapporter.web_data import finished_report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2020, 5, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False):
        yield


def close(programme, month, user=None):
    return closing.month_close(programme=programme, month=month, by=user)


def test_month_is_closed_only_for_the_closed_month_of_that_programme(programme, coordinator, ale):
    close(programme, dt.date(2020, 3, 1), coordinator)
    assert closing.month_is_closed(programme=programme, date=dt.date(2020, 3, 31))
    assert closing.month_is_closed(programme=programme, date=dt.date(2020, 3, 1))
    assert not closing.month_is_closed(programme=programme, date=dt.date(2020, 4, 1))
    assert not closing.month_is_closed(programme=programme, date=dt.date(2020, 2, 29))


def test_closing_a_month_does_not_close_it_for_another_programme(programme, coordinator, ale):
    other = ProgrammeFactory(code="ANNAT", municipalities=[ale])
    close(programme, dt.date(2020, 3, 1), coordinator)
    assert not closing.month_is_closed(programme=other, date=dt.date(2020, 3, 15))


def test_the_hook_kurser_calls_is_importable_by_its_dotted_path():
    from django.utils.module_loading import import_string

    assert import_string("rapporter.closing.closed_month_change_record") is closing.closed_month_change_record


def test_closing_stores_the_first_day_of_the_month(programme, coordinator):
    closed = close(programme, dt.date(2020, 3, 17), coordinator)
    assert closed.month == dt.date(2020, 3, 1)
    assert closed.closed_by == coordinator


def test_a_month_cannot_be_closed_twice(programme, coordinator):
    close(programme, dt.date(2020, 3, 1), coordinator)
    with pytest.raises(ValidationError) as err:
        close(programme, dt.date(2020, 3, 1), coordinator)
    assert err.value.messages == [str(closing.MONTH_ALREADY_CLOSED)]


def test_the_current_month_cannot_be_closed_before_it_ends(programme, coordinator):
    with pytest.raises(ValidationError) as err:
        close(programme, dt.date(2020, 5, 1), coordinator)
    assert err.value.messages == [str(closing.MONTH_NOT_ENDED)]


def test_a_month_outside_the_programme_cannot_be_closed(programme, coordinator):
    with pytest.raises(ValidationError) as err:
        close(programme, dt.date(2019, 3, 1), coordinator)
    assert err.value.messages == [str(closing.MONTH_OUTSIDE_PROGRAMME)]


def test_reissue_marks_finished_reports_covering_the_month_or_later(programme, coordinator):
    whole = finished_report(user=coordinator, programme=programme)
    march = finished_report(
        user=coordinator, programme=programme, period_from=dt.date(2020, 3, 1), period_to=dt.date(2020, 3, 31)
    )
    february = finished_report(
        user=coordinator, programme=programme, period_from=dt.date(2020, 2, 1), period_to=dt.date(2020, 2, 29)
    )
    failed = ReportFactory(programme=programme, status=Report.Status.FAILED)

    marked = closing.reports_mark_reissue(programme=programme, from_month=dt.date(2020, 3, 10))

    assert marked == 2
    flags = dict(Report.objects.values_list("pk", "needs_reissue"))
    assert flags == {whole.pk: True, march.pk: True, february.pk: False, failed.pk: False}


def test_change_in_an_open_month_needs_nothing(programme, coordinator):
    report = finished_report(user=coordinator, programme=programme)
    changed = closing.closed_month_change_record(
        programme=programme, date=dt.date(2020, 3, 5), by=coordinator, reason="", what="närvaro"
    )
    assert changed is False
    report.refresh_from_db()
    assert not report.needs_reissue
    assert not AuditLog.objects.exists()


def test_change_in_a_closed_month_needs_a_reason(programme, coordinator):
    close(programme, dt.date(2020, 3, 1), coordinator)
    with pytest.raises(ValidationError) as err:
        closing.closed_month_change_record(
            programme=programme, date=dt.date(2020, 3, 5), by=coordinator, reason="  ", what="närvaro"
        )
    assert err.value.messages == [str(closing.REASON_REQUIRED)]


def test_change_in_a_closed_month_is_audited_and_marks_reports(programme, coordinator, programme_leader):
    close(programme, dt.date(2020, 3, 1), coordinator)
    report = finished_report(user=coordinator, programme=programme)

    changed = closing.closed_month_change_record(
        programme=programme,
        date=dt.date(2020, 3, 5),
        by=programme_leader,
        reason="Närvarolistan rättad efter påskrift",
        what="Närvaro Teams grund 2020-03-05",
    )

    assert changed is True
    report.refresh_from_db()
    assert report.needs_reissue
    entry = AuditLog.objects.get()
    assert entry.action == AuditLog.Action.CHANGE
    assert entry.user == programme_leader
    assert entry.reason == "Närvarolistan rättad efter påskrift"
    assert entry.detail["closed_month"] == "2020-03"


# --- the page ----------------------------------------------------------------------------------


def test_coordinator_closes_a_month_from_the_page(client_as, coordinator, programme):
    response = client_as(coordinator).post(
        reverse("rapporter:months"), {"programme": programme.pk, "month": "2020-03"}
    )
    assert response.status_code == 302
    assert ClosedMonth.objects.get().month == dt.date(2020, 3, 1)
    page = client_as(coordinator).get(reverse("rapporter:months")).content.decode()
    assert "2020-03" in page and "Månaden 2020-03 är stängd." in page


def test_closing_an_already_closed_month_answers_400_with_the_message(client_as, coordinator, programme):
    close(programme, dt.date(2020, 3, 1), coordinator)
    response = client_as(coordinator).post(
        reverse("rapporter:months"), {"programme": programme.pk, "month": "2020-03"}
    )
    assert response.status_code == 400
    assert str(closing.MONTH_ALREADY_CLOSED) in response.content.decode()


def test_a_malformed_month_answers_400(client_as, coordinator, programme):
    response = client_as(coordinator).post(
        reverse("rapporter:months"), {"programme": programme.pk, "month": "mars"}
    )
    assert response.status_code == 400
    assert "Ange månaden som ÅÅÅÅ-MM." in response.content.decode()


def test_local_leader_sees_closed_months_but_may_not_close(
    client_as, local_leader_ale, programme, coordinator
):
    close(programme, dt.date(2020, 3, 1), coordinator)
    client = client_as(local_leader_ale)
    page = client.get(reverse("rapporter:months"))
    assert page.status_code == 200
    assert "2020-03" in page.content.decode()
    assert "Stäng månaden" not in page.content.decode()
    response = client.post(reverse("rapporter:months"), {"programme": programme.pk, "month": "2020-04"})
    assert response.status_code == 403
    assert ClosedMonth.objects.count() == 1


def test_ombud_may_not_see_the_months_page(client_as, ombud_molndal):
    assert client_as(ombud_molndal).get(reverse("rapporter:months")).status_code == 403


def test_report_list_shows_the_reissue_badge(client_as, coordinator, programme):
    finished_report(user=coordinator, programme=programme, needs_reissue=True)
    page = client_as(coordinator).get(reverse("rapporter:report-list")).content.decode()
    assert "behöver skickas om" in page
