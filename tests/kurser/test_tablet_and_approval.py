"""Issue 11 items 3, 4 and 6 through the URLs: the tablet screen says why it cannot mark a session
that has not started, the approval queue is filtered and newest first, and the ombud sees which
of their sessions wait for approval."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kurser import forms, services
from kurser.models import Session
from tests.factories import SessionFactory, WorkplaceFactory
from tests.kurser.conftest import started_session

pytestmark = pytest.mark.django_db


def held(programme, course, municipality, date, **kw):
    return SessionFactory(
        programme=programme,
        course=course,
        municipality=municipality,
        trainer_name="Extern",
        date=date,
        status=Session.Status.HELD,
        **kw,
    )


def detail_url(s) -> str:
    return reverse("kurser:session-detail", args=[s.pk])


# --- the tablet: a session that has not started --------------------------------------------------


def test_attendance_screen_of_a_future_session_disables_marking_and_says_why(
    client_as, ombud_molndal, programme, course, ombud_person, colleagues
):
    later = started_session(programme, course, ombud_person, date=timezone.localdate() + dt.timedelta(days=2))
    services.session_invite(session=later, people=colleagues, by=ombud_molndal)
    html = (
        client_as(ombud_molndal).get(reverse("kurser:session-attendance", args=[later.pk])).content.decode()
    )
    assert str(services.ATTENDANCE_FUTURE) in html
    assert 'data-started=""' in html
    # The twelve tap targets, "Alla närvarande", the walk-in search and "Spara" are disabled,
    # each pointing at the reason.
    assert 'id="marking-blocked"' in html
    assert html.count('marking-blocked" disabled') == 12 + 3
    assert 'data-action="all-present" aria-describedby="marking-blocked" disabled' in html
    assert 'data-action="save" aria-describedby="marking-blocked" disabled' in html


def test_attendance_screen_of_a_started_session_has_its_controls_enabled(client_as, ombud_molndal, session):
    html = (
        client_as(ombud_molndal).get(reverse("kurser:session-attendance", args=[session.pk])).content.decode()
    )
    assert str(services.ATTENDANCE_FUTURE) not in html
    assert 'data-started="1"' in html
    assert "disabled" not in html.split('id="attendance-list"')[1].split("</ul>")[0]
    assert "marking-blocked" not in html


def test_attendance_state_tells_the_tablet_when_the_session_has_started(
    client_as, ombud_molndal, session, programme, course, ombud_person
):
    c = client_as(ombud_molndal)
    assert c.get(reverse("kurser:session-attendance-state", args=[session.pk])).json()["started"] is True
    later = started_session(programme, course, ombud_person, date=timezone.localdate() + dt.timedelta(days=2))
    assert c.get(reverse("kurser:session-attendance-state", args=[later.pk])).json()["started"] is False


# --- approval state where the ombud looks ---------------------------------------------------------


def test_ombud_sees_which_sessions_wait_for_approval(
    client_as, ombud_molndal, programme, course, ombud_person, programme_leader
):
    waiting = started_session(
        programme, course, ombud_person, date=timezone.localdate() - dt.timedelta(days=3)
    )
    approved = started_session(
        programme, course, ombud_person, date=timezone.localdate() - dt.timedelta(days=4)
    )
    Session.objects.filter(pk__in=[waiting.pk, approved.pk]).update(status=Session.Status.HELD)
    services.session_approve(session=approved, by=programme_leader)
    c = client_as(ombud_molndal)
    html = c.get(reverse("kurser:my-sessions")).content.decode()
    rows = {s.pk: html.split(detail_url(s))[1].split("</tr>")[0] for s in (waiting, approved)}
    assert "Väntar på godkännande" in rows[waiting.pk]
    assert "Godkänd" in rows[approved.pk] and "Väntar" not in rows[approved.pk]
    assert "Väntar på godkännande" in c.get(detail_url(waiting)).content.decode()
    assert "Väntar på godkännande" not in c.get(detail_url(approved)).content.decode()


def test_todays_held_session_shows_waiting_on_the_ombuds_cards(client_as, ombud_molndal, session):
    Session.objects.filter(pk=session.pk).update(status=Session.Status.HELD)
    c = client_as(ombud_molndal)
    assert "Väntar på godkännande" in c.get(reverse("kurser:my-sessions")).content.decode()
    assert "Väntar på godkännande" in c.get(reverse("home")).content.decode()


# --- the approval queue ---------------------------------------------------------------------------


def test_approval_queue_is_newest_first_by_default(client_as, programme_leader, programme, course, ale):
    old = held(programme, course, ale, dt.date(2020, 3, 2))
    new = held(programme, course, ale, timezone.localdate())
    middle = held(programme, course, ale, dt.date(2021, 1, 5))
    html = client_as(programme_leader).get(reverse("kurser:approval-list")).content.decode()
    positions = [html.index(detail_url(s)) for s in (new, middle, old)]
    assert positions == sorted(positions)
    html = (
        client_as(programme_leader)
        .get(reverse("kurser:approval-list"), {"ordning": "aldst"})
        .content.decode()
    )
    positions = [html.index(detail_url(s)) for s in (old, middle, new)]
    assert positions == sorted(positions)


def test_approval_queue_filters_by_municipality_and_dates(
    client_as, programme_leader, programme, course, ale, molndal
):
    ale_march = held(programme, course, ale, dt.date(2020, 3, 12))
    ale_may = held(programme, course, ale, dt.date(2020, 5, 12))
    molndal_march = held(programme, course, molndal, dt.date(2020, 3, 13))
    c = client_as(programme_leader)
    r = c.get(
        reverse("kurser:approval-list"),
        {"municipality": ale.pk, "date_from": "2020-03-01", "date_to": "2020-03-31"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert detail_url(ale_march) in html
    assert detail_url(ale_may) not in html and detail_url(molndal_march) not in html
    # The filter is kept on the next page and after approving (the "next" field).
    assert f"municipality={ale.pk}" in html


def test_approval_queue_offers_only_the_users_own_municipalities(
    client_as, local_leader_ale, programme, course, ale, molndal
):
    WorkplaceFactory(municipality=molndal)
    c = client_as(local_leader_ale)
    html = c.get(reverse("kurser:approval-list")).content.decode()
    assert f'<option value="{ale.pk}"' in html
    assert f'<option value="{molndal.pk}"' not in html
    other = held(programme, course, molndal, dt.date(2020, 3, 13))
    r = c.get(reverse("kurser:approval-list"), {"municipality": molndal.pk})
    assert r.status_code == 400
    html = r.content.decode()
    assert str(forms.APPROVAL_MUNICIPALITY_UNKNOWN) in html
    assert detail_url(other) not in html


def test_approval_queue_refuses_a_reversed_date_range(client_as, local_leader_ale):
    r = client_as(local_leader_ale).get(
        reverse("kurser:approval-list"), {"date_from": "2020-05-01", "date_to": "2020-03-01"}
    )
    assert r.status_code == 400
    assert str(forms.DATE_RANGE_REVERSED) in r.content.decode()


def test_approval_queue_is_403_for_ombud_and_coordinator(client_as, ombud_molndal, coordinator):
    assert client_as(ombud_molndal).get(reverse("kurser:approval-list")).status_code == 403
    assert client_as(coordinator).get(reverse("kurser:approval-list")).status_code == 403


@pytest.mark.parametrize("persona", ["programme_leader", "local_leader_ale"])
def test_filtered_approval_queue_query_count_is_flat(
    request, client_as, django_assert_max_num_queries, programme, course, ale, persona
):
    c = client_as(request.getfixturevalue(persona))
    query = {"municipality": ale.pk, "date_from": "2020-01-01", "date_to": "2021-12-31"}
    for day in range(2):
        held(programme, course, ale, dt.date(2020, 3, 1) + dt.timedelta(days=day))
    with django_assert_max_num_queries(20) as small:
        assert c.get(reverse("kurser:approval-list"), query).status_code == 200
    for day in range(30):
        held(programme, course, ale, dt.date(2020, 4, 1) + dt.timedelta(days=day))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(reverse("kurser:approval-list"), query).status_code == 200
