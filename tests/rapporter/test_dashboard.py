"""The dashboard: the same numbers as the ESF summary, scoped by role, a fixed query count."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ombud.formatting import hours, num
from rapporter import forms, queries
from tests.rapporter.web_data import add_activity

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.programme_activity(
        ale={"sessions": 3, "per_session": 4}, molndal={"sessions": 2, "per_session": 3, "seed": 5}
    ),
]

URL = reverse("rapporter:dashboard")


def stat(html: str, key: str) -> str:
    match = re.search(rf'data-stat="{key}">([^<]*)<', html)
    assert match, key
    return match[1]


def test_programme_leader_sees_the_esf_summary_numbers(client_as, programme_leader, programme):
    response = client_as(programme_leader).get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    totals = queries.esf_summary(programme=programme)["totals"]
    assert totals["participants"] == 3 * 4 + 2 * 3  # the colleagues; the trainers attended nothing
    assert stat(html, "participants") == num(totals["participants"])
    assert stat(html, "participant_hours") == hours(totals["participant_hours"])
    assert stat(html, "sessions") == num(totals["sessions"])
    assert stat(html, "session_hours") == hours(totals["session_hours"])
    assert stat(html, "ombud") == num(totals["ombud"])
    assert stat(html, "municipalities") == num(totals["municipalities"])
    assert "<svg" in html and "Mölndal" in html and "Ale" in html


def test_numbers_use_swedish_format(client_as, programme_leader, programme):
    html = client_as(programme_leader).get(URL).content.decode()
    # 30 000 as the hours target, with a non-breaking space and a decimal comma on hours.
    assert "30\xa0000" in html
    # Hours with the ESF report's two decimals (issue 11: not 30 316,0 here and 30 315,98 there).
    assert re.search(r'data-stat="participant_hours">\d+,\d\d<', html)


def test_coordinator_sees_the_dashboard(client_as, coordinator, programme):
    assert client_as(coordinator).get(URL).status_code == 200


def test_municipality_filter_gives_the_municipality_summary(client_as, programme_leader, programme, molndal):
    html = (
        client_as(programme_leader)
        .get(URL, {"programme": programme.pk, "municipality": molndal.pk})
        .content.decode()
    )
    totals = queries.esf_summary(programme=programme, municipality=molndal)["totals"]
    assert stat(html, "participants") == num(totals["participants"])
    assert stat(html, "sessions") == num(totals["sessions"])


def test_period_filter_gives_the_period_summary(client_as, programme_leader, programme):
    import datetime as dt

    html = (
        client_as(programme_leader)
        .get(URL, {"date_from": "2019-09-01", "date_to": "2019-09-15"})
        .content.decode()
    )
    summary = queries.esf_summary(
        programme=programme, date_from=dt.date(2019, 9, 1), date_to=dt.date(2019, 9, 15)
    )
    assert stat(html, "participants") == num(summary["totals"]["participants"])
    assert (
        summary["totals"]["participants"] < queries.esf_summary(programme=programme)["totals"]["participants"]
    )


def test_local_leader_sees_only_own_municipality(client_as, local_leader_ale, programme, ale):
    html = client_as(local_leader_ale).get(URL).content.decode()
    totals = queries.esf_summary(programme=programme, municipality=ale)["totals"]
    assert stat(html, "participants") == num(totals["participants"])


def test_local_leader_asking_for_another_municipality_gets_400(
    client_as, local_leader_ale, programme, molndal
):
    response = client_as(local_leader_ale).get(URL, {"municipality": molndal.pk})
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_reversed_period_answers_400_with_the_message(client_as, programme_leader, programme):
    response = client_as(programme_leader).get(URL, {"date_from": "2020-06-01", "date_to": "2020-01-01"})
    assert response.status_code == 400
    assert str(forms.PERIOD_ORDER) in response.content.decode()


@pytest.mark.parametrize("persona", ["ombud_molndal", "outsider"])
def test_roles_without_reports_get_403(client_as, request, persona, programme):
    assert client_as(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_no_programme_yet_shows_a_note(client_as, programme_leader):
    response = client_as(programme_leader).get(URL)
    assert response.status_code == 200
    assert "Det finns inget program att visa ännu." in response.content.decode()


def test_query_count_is_the_same_at_two_data_sizes(client_as, programme_leader, programme, ale, molndal):
    client = client_as(programme_leader)
    client.get(URL)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    add_activity(programme, ale, sessions=8, per_session=6, seed=20)
    add_activity(programme, molndal, sessions=6, per_session=5, seed=40)
    with CaptureQueriesContext(connection) as large:
        assert client.get(URL).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) <= 30, len(small.captured_queries)


def test_local_leader_query_count_is_flat(
    client_as, local_leader_ale, programme, ale, django_assert_max_num_queries
):
    client = client_as(local_leader_ale)
    client.get(URL)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    add_activity(programme, ale, sessions=8, per_session=6, seed=20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(URL).status_code == 200


def test_restricted_dashboard_lists_only_the_chosen_municipality(client_as, local_leader_ale, programme):
    html = client_as(local_leader_ale).get(URL).content.decode()
    assert "Ale" in html
    assert "Mölndal" not in html


@pytest.mark.parametrize(
    "url",
    [URL, reverse("rapporter:report-list"), reverse("rapporter:months")],
    ids=["lagesbild", "rapporter", "manader"],
)
def test_pages_have_no_inline_script_or_style(client_as, programme_leader, programme, url):
    html = client_as(programme_leader).get(url).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> found"
    assert not re.search(r"\sstyle=", html), "inline style attribute found"
    assert "/media/" not in html
