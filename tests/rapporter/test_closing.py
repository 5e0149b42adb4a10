"""Closed reporting months: closing and reopening (kurser.services), the re-issue mark that
rapporter derives from them, and the page where only programme leaders close (with a
confirmation step) and reopen (with a reason)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kurser import services
from kurser.models import ClosedMonth
from ombud.models import AuditLog
from rapporter import closing
from rapporter.models import Report
from tests.factories import ProgrammeFactory, ReportFactory
from tests.rapporter.web_data import finished_report

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2020, 5, 15, 10, 0, tzinfo=dt.UTC)
MONTHS = reverse("rapporter:months")


@pytest.fixture(autouse=True)
def _frozen_time():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def close(programme, month, user=None):
    return services.month_close(programme=programme, month=month, by=user)


def is_closed(programme, date):
    row = ClosedMonth.objects.filter(programme=programme, month=date.replace(day=1)).first()
    return bool(row and row.is_closed)


def test_month_is_closed_only_for_the_closed_month_of_that_programme(programme, programme_leader, ale):
    close(programme, dt.date(2020, 3, 1), programme_leader)
    other = ProgrammeFactory(code="ANNAT", municipalities=[ale])
    assert is_closed(programme, dt.date(2020, 3, 31))
    assert not is_closed(programme, dt.date(2020, 4, 1))
    assert not is_closed(other, dt.date(2020, 3, 15))


def test_closing_stores_the_first_day_of_the_month_and_is_audited(programme, programme_leader):
    closed = close(programme, dt.date(2020, 3, 17), programme_leader)
    assert (closed.month, closed.closed_by) == (dt.date(2020, 3, 1), programme_leader)
    entry = AuditLog.objects.get()
    assert entry.user == programme_leader and entry.detail == {
        "programme": programme.code,
        "month": "2020-03",
        "closed": True,
    }


@pytest.mark.parametrize(
    ("month", "message"),
    [
        (dt.date(2020, 5, 1), services.MONTH_NOT_ENDED),
        (dt.date(2019, 3, 1), services.MONTH_OUTSIDE_PROGRAMME),
        (dt.date(9999, 12, 1), services.MONTH_OUTSIDE_PROGRAMME),
    ],
)
def test_months_that_cannot_be_closed(programme, programme_leader, month, message):
    with pytest.raises(ValidationError) as err:
        close(programme, month, programme_leader)
    assert err.value.messages == [str(message)]


def test_a_month_cannot_be_closed_twice(programme, programme_leader):
    close(programme, dt.date(2020, 3, 1), programme_leader)
    with pytest.raises(ValidationError) as err:
        close(programme, dt.date(2020, 3, 1), programme_leader)
    assert err.value.messages == [str(services.MONTH_ALREADY_CLOSED)]


def test_reopening_needs_a_closed_month_and_a_reason_and_is_audited(programme, programme_leader):
    with pytest.raises(ValidationError) as err:
        services.month_reopen(programme=programme, month=dt.date(2020, 3, 1), by=programme_leader, reason="x")
    assert err.value.messages == [str(services.MONTH_NOT_CLOSED)]
    close(programme, dt.date(2020, 3, 1), programme_leader)
    with pytest.raises(ValidationError) as err:
        services.month_reopen(programme=programme, month=dt.date(2020, 3, 1), by=programme_leader, reason=" ")
    assert err.value.messages == [str(services.MONTH_REOPEN_REASON)]
    services.month_reopen(
        programme=programme, month=dt.date(2020, 3, 1), by=programme_leader, reason="Fel i underlaget"
    )
    assert not is_closed(programme, dt.date(2020, 3, 1))
    entry = AuditLog.objects.get(reason="Fel i underlaget")
    assert entry.detail["closed"] is False and entry.detail["month"] == "2020-03"
    close(programme, dt.date(2020, 3, 1), programme_leader)  # and it can be closed again
    assert is_closed(programme, dt.date(2020, 3, 1))


def test_reissue_is_derived_from_months_changed_after_the_report(programme, coordinator, _frozen_time):
    closed = ClosedMonth.objects.create(programme=programme, month=dt.date(2020, 3, 1))
    made = timezone.now()
    whole = finished_report(user=coordinator, programme=programme, finished_at=made)
    february = finished_report(
        user=coordinator,
        programme=programme,
        period_from=dt.date(2020, 2, 1),
        period_to=dt.date(2020, 2, 29),
        finished_at=made,
    )
    ReportFactory(programme=programme, status=Report.Status.FAILED)
    assert closing.report_needs_reissue_count(programme=programme) == 0
    _frozen_time.shift(dt.timedelta(hours=1))
    ClosedMonth.objects.filter(pk=closed.pk).update(changed_at=timezone.now())
    assert list(closing.reports_needing_reissue(programme=programme)) == [whole]
    _frozen_time.shift(dt.timedelta(hours=1))
    newer = finished_report(user=coordinator, programme=programme, finished_at=timezone.now())
    flagged = set(closing.reports_needing_reissue(programme=programme))
    assert whole in flagged and february not in flagged and newer not in flagged


# --- the page ----------------------------------------------------------------------------------


def test_programme_leader_closes_a_month_after_confirming(client_as, programme_leader, programme):
    client = client_as(programme_leader)
    first = client.post(MONTHS, {"programme": programme.pk, "month": "2020-03"})
    assert first.status_code == 200
    assert "Ja, stäng månaden" in first.content.decode()
    assert not ClosedMonth.objects.exists()
    response = client.post(MONTHS, {"programme": programme.pk, "month": "2020-03", "confirm": "1"})
    assert response.status_code == 302
    assert ClosedMonth.objects.get().month == dt.date(2020, 3, 1)
    page = client.get(MONTHS).content.decode()
    assert "2020-03" in page and "Månaden 2020-03 är stängd." in page


def test_closing_an_already_closed_month_answers_400_with_the_message(client_as, programme_leader, programme):
    close(programme, dt.date(2020, 3, 1), programme_leader)
    response = client_as(programme_leader).post(
        MONTHS, {"programme": programme.pk, "month": "2020-03", "confirm": "1"}
    )
    assert response.status_code == 400
    assert str(services.MONTH_ALREADY_CLOSED) in response.content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("mars", "Ange månaden som ÅÅÅÅ-MM."),
        ("2020-3", "Ange månaden som ÅÅÅÅ-MM."),
        ("9999-12", str(services.MONTH_OUTSIDE_PROGRAMME)),
    ],
)
def test_a_malformed_month_answers_400(client_as, programme_leader, programme, month, message):
    response = client_as(programme_leader).post(
        MONTHS, {"programme": programme.pk, "month": month, "confirm": "1"}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ClosedMonth.objects.exists()


def test_month_bounds_reach_the_last_month_of_the_calendar():
    from rapporter.queries import month_bounds

    assert month_bounds("9999-12") == (dt.date(9999, 12, 1), dt.date(9999, 12, 31))


def test_programme_leader_reopens_a_month_with_a_reason(client_as, programme_leader, programme):
    close(programme, dt.date(2020, 3, 1), programme_leader)
    client = client_as(programme_leader)
    data = {"action": "reopen", "programme": programme.pk, "month": "2020-03"}
    response = client.post(MONTHS, data)
    assert response.status_code == 400
    assert is_closed(programme, dt.date(2020, 3, 1))
    response = client.post(MONTHS, {**data, "reason": "Kommunen skickade en rättad lista"})
    assert response.status_code == 302
    assert not is_closed(programme, dt.date(2020, 3, 1))
    assert "Öppnad igen 2020-05-15: Kommunen skickade en rättad lista" in client.get(MONTHS).content.decode()


@pytest.mark.parametrize("persona", ["coordinator", "local_leader_ale"])
def test_only_programme_leaders_close_or_reopen(request, client_as, programme, programme_leader, persona):
    close(programme, dt.date(2020, 3, 1), programme_leader)
    client = client_as(request.getfixturevalue(persona))
    page = client.get(MONTHS)
    assert page.status_code == 200
    assert "2020-03" in page.content.decode()
    assert "Stäng månaden" not in page.content.decode() and "Öppna igen" not in page.content.decode()
    close_post = {"programme": programme.pk, "month": "2020-04", "confirm": "1"}
    assert client.post(MONTHS, close_post).status_code == 403
    reopen = {"action": "reopen", "programme": programme.pk, "month": "2020-03", "reason": "x"}
    assert client.post(MONTHS, reopen).status_code == 403
    assert [m.is_closed for m in ClosedMonth.objects.all()] == [True]


def test_ombud_may_not_see_the_months_page(client_as, ombud_molndal):
    assert client_as(ombud_molndal).get(MONTHS).status_code == 403


def test_report_list_shows_the_reissue_badge(client_as, coordinator, programme, _frozen_time):
    finished_report(user=coordinator, programme=programme, finished_at=timezone.now())
    _frozen_time.shift(dt.timedelta(minutes=5))
    ClosedMonth.objects.create(programme=programme, month=dt.date(2020, 3, 1), changed_at=timezone.now())
    page = client_as(coordinator).get(reverse("rapporter:report-list")).content.decode()
    assert "behöver skickas om" in page
