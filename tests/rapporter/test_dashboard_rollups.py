"""The dashboard and start page read the rollups for the programme's whole period (issue 14), show
exactly what the live count shows, and compute each cache key once at a time (single-flight)."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ombud import datacache
from rapporter import queries, rollup_queries, selectors, services
from rapporter.models import Report
from tests.rapporter.web_data import add_activity

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.programme_activity(
        ale={"sessions": 2, "per_session": 3}, molndal={"sessions": 3, "per_session": 2}
    ),
]
URL = reverse("rapporter:dashboard")


def without_tokens(html: bytes) -> str:
    """The page without what differs per response: CSRF tokens, the charts' element ids."""
    text = re.sub(r"(chart-[a-z]+)-\d+", r"\1", html.decode())
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def counts_attendance(captured) -> bool:
    return any("kurser_attendance" in q["sql"] and "GROUP BY" in q["sql"] for q in captured)


def test_whole_period_is_read_from_the_rollups(client_as, programme_leader, programme):
    with CaptureQueriesContext(connection) as page:
        response = client_as(programme_leader).get(URL)
    assert response.status_code == 200
    assert not counts_attendance(page.captured_queries)
    with CaptureQueriesContext(connection) as home:
        assert client_as(programme_leader).get("/").status_code == 200
    assert not counts_attendance(home.captured_queries)


def test_custom_period_is_counted_live(client_as, programme_leader, programme):
    with CaptureQueriesContext(connection) as page:
        response = client_as(programme_leader).get(URL, {"date_from": "2019-09-01", "date_to": "2019-12-31"})
    assert response.status_code == 200
    assert counts_attendance(page.captured_queries)


@pytest.mark.parametrize("who", ["programme_leader", "local_leader_ale"])
def test_page_is_the_same_as_the_live_count(request, client_as, who, programme, monkeypatch):
    client = client_as(request.getfixturevalue(who))
    from_rollups = without_tokens(client.get(URL).content)
    cache.clear()
    monkeypatch.setattr(rollup_queries, "available", lambda *a: False)
    live = without_tokens(client.get(URL).content)
    assert from_rollups == live
    assert 'data-stat="participants">' in live  # 2 × 3 in Ale + 3 × 2 in Mölndal


def test_start_page_totals_are_the_esf_totals(programme_leader, programme):
    scope = selectors.dashboard_scope(user=programme_leader)
    assert selectors.dashboard_totals(scope=scope) == queries.esf_summary(programme=programme)["totals"]


def test_query_count_is_flat(client_as, programme_leader, programme, ale, django_assert_max_num_queries):
    client = client_as(programme_leader)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    add_activity(programme, ale, sessions=10, per_session=8, seed=30)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(URL).status_code == 200


# --- single-flight -------------------------------------------------------------------------------


def test_concurrent_misses_compute_once():
    calls = []
    results = []

    def compute():
        calls.append(1)
        time.sleep(0.3)
        return {"n": 42}

    def request():
        results.append(selectors.single_flight("sf:test", compute, timeout=60))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert results == [{"n": 42}] * 8


def test_a_failed_computation_lets_the_next_request_compute():
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        selectors.single_flight("sf:fail", broken, timeout=60)
    assert cache.get("sf:fail:lock") is None
    assert selectors.single_flight("sf:fail", lambda: 7, timeout=60) == 7


def test_a_lock_without_holder_is_waited_for_at_most_the_wait(monkeypatch):
    monkeypatch.setattr(datacache, "SINGLE_FLIGHT_WAIT_SECONDS", 0.2)
    cache.add("sf:stuck:lock", 1, timeout=60)  # a holder that never finishes
    started = time.monotonic()
    assert selectors.single_flight("sf:stuck", lambda: "mine", timeout=60) == "mine"
    assert time.monotonic() - started < 2


class DownCache:
    """What DegradingRedisCache answers while Redis is down: every read misses, writes fail."""

    def get(self, key, default=None):
        return default

    def get_or_set(self, key, default, *a, **k):
        return default

    def add(self, *a, **k):
        return False

    def set(self, *a, **k):
        return False

    def delete(self, *a, **k):
        return False


def test_cache_down_computes_at_once_without_waiting(monkeypatch):
    monkeypatch.setattr(datacache, "cache", DownCache())
    started = time.monotonic()
    assert selectors.single_flight("sf:down", lambda: 3, timeout=60) == 3
    assert time.monotonic() - started < datacache.SINGLE_FLIGHT_WAIT_SECONDS / 10


def test_dashboard_works_with_the_cache_down(client_as, programme_leader, programme, monkeypatch):
    monkeypatch.setattr(datacache, "cache", DownCache())
    response = client_as(programme_leader).get(URL)
    assert response.status_code == 200
    assert b'data-stat="participants">12<' in response.content


# --- the ESF report and the Kommunrapport (rapporter.services._build_esf) -------------------------


def _report(programme, kind, fmt, municipality=None):
    return Report(
        programme=programme,
        kind=kind,
        format=fmt,
        period_from=programme.start_date,
        period_to=programme.end_date,
        municipality=municipality,
    )


@pytest.mark.parametrize("kind", [Report.Kind.ESF_SUMMARY, Report.Kind.MUNICIPALITY])
def test_esf_report_from_the_rollups_equals_the_live_one(programme, molndal, kind, monkeypatch):
    municipality = molndal if kind == Report.Kind.MUNICIPALITY else None
    report = _report(programme, kind, Report.Format.JSON, municipality)
    with CaptureQueriesContext(connection) as built:
        from_rollups = services._build_esf(report, lambda _p: None)
    assert not counts_attendance(built.captured_queries)
    monkeypatch.setattr(rollup_queries, "available", lambda *a: False)
    assert from_rollups == services._build_esf(report, lambda _p: None)
    assert b'"participants": 6' in from_rollups or municipality is None


def test_esf_pdf_reads_its_charts_from_the_rollups(programme, monkeypatch):
    report = _report(programme, Report.Kind.ESF_SUMMARY, Report.Format.PDF)
    summary, monthly, reach = services.esf_counts(report)
    assert summary == queries.esf_summary(programme=programme)
    assert monthly == queries.hours_per_month(programme)
    assert reach == queries.reach_per_ombud(programme)
    charted = []
    monkeypatch.setattr(
        services.render, "esf_pdf", lambda summary, meta, charts: charted.append(charts) or b"%PDF"
    )
    with CaptureQueriesContext(connection) as built:
        services._build_esf(report, lambda _p: None)
    assert not counts_attendance(built.captured_queries)
    assert set(charted[0]) == {"municipalities", "months", "ombud"}


def test_a_custom_period_report_counts_live(programme):
    report = _report(programme, Report.Kind.ESF_SUMMARY, Report.Format.JSON)
    report.period_to = programme.start_date.replace(year=programme.start_date.year + 1)
    with CaptureQueriesContext(connection) as built:
        services._build_esf(report, lambda _p: None)
    assert counts_attendance(built.captured_queries)
