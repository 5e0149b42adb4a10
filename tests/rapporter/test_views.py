"""The report page: ordering, live progress (htmx polling), downloads, retry; scope and roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kurser.models import ClosedMonth
from ombud.models import AuditLog
from rapporter import forms, services
from rapporter.closing import with_needs_reissue
from rapporter.models import Report
from tests.factories import ReportFactory
from tests.rapporter.web_data import finished_report

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.programme_activity(
        ale={"sessions": 2, "per_session": 3}, molndal={"sessions": 1, "per_session": 2}
    ),
]

LIST = reverse("rapporter:report-list")


def download_url(report):
    return reverse("rapporter:report-download", args=[report.pk])


def order(client, programme, **overrides):
    data = {"kind": "esf", "format": "pdf", "programme": programme.pk, "period_from": "", "period_to": ""}
    data.update(overrides)
    return client.post(LIST, data)


# --- the page ----------------------------------------------------------------------------------


def test_coordinator_sees_the_order_form_with_every_kind(client_as, coordinator, programme):
    response = client_as(coordinator).get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("ESF-sammanställning", "Månatlig närvarorapport", "Deltagarförteckning", "Kommunrapport"):
        assert label in html
    # The period defaults to the programme's.
    assert 'value="2019-04-01"' in html and 'value="2021-06-30"' in html


def test_local_leader_may_not_order_participant_lists_and_only_for_own_municipality(
    client_as, local_leader_ale, programme
):
    html = client_as(local_leader_ale).get(LIST).content.decode()
    assert "Deltagarförteckning" not in html
    assert "Ale" in html and "Mölndal" not in html


@pytest.mark.parametrize("persona", ["ombud_molndal", "outsider"])
def test_roles_without_reports_get_403(client_as, request, persona, programme):
    client = client_as(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    assert order(client, programme).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/konto/login/" in response.url


# --- ordering ----------------------------------------------------------------------------------


def test_ordering_an_esf_pdf_queues_and_renders_it(
    client_as, coordinator, programme, django_capture_on_commit_callbacks
):
    client = client_as(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = order(client, programme)
    assert response.status_code == 302 and response.url == LIST
    report = Report.objects.get()
    assert (report.kind, report.format, report.requested_by) == ("esf", "pdf", coordinator)
    assert (report.period_from, report.period_to) == (dt.date(2019, 4, 1), dt.date(2021, 6, 30))
    assert report.status == Report.Status.DONE, report.error
    html = client.get(LIST).content.decode()
    assert "Klar" in html and download_url(report) in html


def test_monthly_certificates_need_a_month(client_as, coordinator, programme):
    response = order(client_as(coordinator), programme, kind="narvarorapport", month="")
    assert response.status_code == 400
    assert str(forms.MONTH_REQUIRED) in response.content.decode()
    assert not Report.objects.exists()


def test_monthly_certificates_cover_the_chosen_month(client_as, coordinator, programme):
    response = order(client_as(coordinator), programme, kind="narvarorapport", month="2019-09")
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.period_from, report.period_to) == (dt.date(2019, 9, 1), dt.date(2019, 9, 30))
    assert report.params == {"month": "2019-09"}


def test_period_with_from_after_to_answers_400_with_the_message(client_as, coordinator, programme):
    response = order(client_as(coordinator), programme, period_from="2020-06-01", period_to="2020-01-01")
    assert response.status_code == 400
    assert str(services.PERIOD_ORDER) in response.content.decode()
    assert not Report.objects.exists()


def test_period_outside_the_programme_answers_400_with_the_message(client_as, coordinator, programme):
    response = order(client_as(coordinator), programme, period_from="2018-01-01", period_to="2019-12-31")
    assert response.status_code == 400
    expected = str(services.PERIOD_OUTSIDE).format(start=programme.start_date, end=programme.end_date)
    assert expected in response.content.decode()


def test_unknown_municipality_answers_400(client_as, coordinator, programme):
    response = order(client_as(coordinator), programme, municipality="999999")
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_municipality_report_needs_a_municipality(client_as, coordinator, programme):
    response = order(client_as(coordinator), programme, kind="kommunrapport")
    assert response.status_code == 400
    assert str(services.MUNICIPALITY_REQUIRED) in response.content.decode()


def test_local_leader_cannot_order_for_another_municipality(client_as, local_leader_ale, molndal, programme):
    response = order(client_as(local_leader_ale), programme, kind="kommunrapport", municipality=molndal.pk)
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_local_leader_cannot_order_a_participant_list(client_as, local_leader_ale, ale, programme):
    response = order(
        client_as(local_leader_ale), programme, kind="deltagarforteckning", format="xlsx", municipality=ale.pk
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


# --- live progress ----------------------------------------------------------------------------


def test_polling_partial_keeps_polling_while_a_report_is_running(client_as, coordinator, programme):
    ReportFactory(programme=programme, requested_by=coordinator, status=Report.Status.RUNNING, progress=40)
    response = client_as(coordinator).get(LIST, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<tbody id="report-rows"')
    assert 'hx-trigger="every 2s"' in html
    assert 'value="40"' in html and "Pågår" in html
    assert "<html" not in html


def test_polling_stops_when_nothing_is_queued_or_running(client_as, coordinator, programme):
    finished_report(user=coordinator, programme=programme)
    html = client_as(coordinator).get(LIST, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in html
    assert "Ladda ner" in html


def test_full_page_polls_only_when_needed(client_as, coordinator, programme):
    client = client_as(coordinator)
    assert "hx-trigger" not in client.get(LIST).content.decode()
    ReportFactory(programme=programme, requested_by=coordinator)
    assert 'hx-trigger="every 2s"' in client.get(LIST).content.decode()


def test_report_list_query_count_does_not_grow_with_reports(
    client_as, coordinator, programme, django_assert_max_num_queries
):
    client = client_as(coordinator)
    for _ in range(2):
        finished_report(user=coordinator, programme=programme)
    with django_assert_max_num_queries(12) as small:
        assert client.get(LIST, HTTP_HX_REQUEST="true").status_code == 200
    for _ in range(20):
        finished_report(user=coordinator, programme=programme)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().count("Ladda ner") == 22


# --- failures and retry -----------------------------------------------------------------------


def test_failed_report_shows_the_reason_and_a_retry_button(client_as, coordinator, programme):
    ReportFactory(
        programme=programme,
        requested_by=coordinator,
        status=Report.Status.FAILED,
        error="Rapporten tog för lång tid.",
    )
    html = client_as(coordinator).get(LIST).content.decode()
    assert "Rapporten tog för lång tid." in html and "Försök igen" in html


def test_retry_queues_the_failed_report_again(
    client_as, coordinator, programme, django_capture_on_commit_callbacks
):
    report = ReportFactory(
        programme=programme, requested_by=coordinator, status=Report.Status.FAILED, error="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(coordinator).post(reverse("rapporter:report-retry", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DONE, report.error


def test_retry_of_a_finished_report_shows_the_message(client_as, coordinator, programme):
    report = finished_report(user=coordinator, programme=programme)
    client = client_as(coordinator)
    response = client.post(reverse("rapporter:report-retry", args=[report.pk]), follow=True)
    assert str(services.RETRY_ONLY_FAILED) in response.content.decode()


def test_retry_of_someone_elses_report_is_404(client_as, coordinator, programme_leader, programme):
    report = ReportFactory(programme=programme, requested_by=programme_leader, status=Report.Status.FAILED)
    response = client_as(coordinator).post(reverse("rapporter:report-retry", args=[report.pk]))
    assert response.status_code == 404


# --- downloads --------------------------------------------------------------------------------


def test_download_streams_the_file_with_a_readable_name(client_as, coordinator, programme):
    report = finished_report(user=coordinator, programme=programme)
    response = client_as(coordinator).get(download_url(report))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert response["Content-Disposition"] == (
        'attachment; filename="ESF-sammanstallning_MODIG_2019-04-01_2021-06-30.pdf"'
    )
    assert "no-store" in response["Cache-Control"]
    assert not AuditLog.objects.exists()


def test_municipality_report_filename_has_the_municipality_code(client_as, local_leader_ale, ale, programme):
    report = finished_report(
        user=local_leader_ale,
        programme=programme,
        kind=Report.Kind.MUNICIPALITY,
        fmt="xlsx",
        municipality=ale,
    )
    response = client_as(local_leader_ale).get(download_url(report))
    assert 'filename="Kommunrapport_MODIG_1440_2019-04-01_2021-06-30.xlsx"' in response["Content-Disposition"]


def test_participant_list_download_is_audited(client_as, coordinator, programme):
    report = finished_report(user=coordinator, programme=programme, kind=Report.Kind.PARTICIPANTS, fmt="xlsx")
    response = client_as(coordinator).get(download_url(report))
    assert response.status_code == 200
    entry = AuditLog.objects.get()
    assert (entry.user, entry.action) == (coordinator, AuditLog.Action.EXPORT)
    assert entry.detail["report"] == report.pk
    assert "Deltagarforteckning_MODIG" in entry.what


def test_someone_elses_report_is_404(client_as, coordinator, programme_leader, programme):
    report = finished_report(user=programme_leader, programme=programme)
    assert client_as(coordinator).get(download_url(report)).status_code == 404


def test_report_outside_the_users_scope_is_404(client_as, local_leader_ale, molndal, programme):
    # Ordered while the leader also covered Mölndal; the scope has since shrunk.
    report = finished_report(user=local_leader_ale, programme=programme, municipality=molndal)
    assert client_as(local_leader_ale).get(download_url(report)).status_code == 404


def test_whole_programme_report_is_404_for_a_local_leader(client_as, local_leader_ale, programme):
    report = finished_report(user=local_leader_ale, programme=programme)
    assert client_as(local_leader_ale).get(download_url(report)).status_code == 404


def test_participant_list_is_404_without_personnummer_export_right(
    client_as, local_leader_ale, ale, programme
):
    report = finished_report(
        user=local_leader_ale,
        programme=programme,
        kind=Report.Kind.PARTICIPANTS,
        fmt="xlsx",
        municipality=ale,
    )
    assert client_as(local_leader_ale).get(download_url(report)).status_code == 404
    assert not AuditLog.objects.exists()


def test_unfinished_report_has_no_download(client_as, coordinator, programme):
    report = ReportFactory(programme=programme, requested_by=coordinator, status=Report.Status.RUNNING)
    assert client_as(coordinator).get(download_url(report)).status_code == 404


def test_ombud_download_is_403(client_as, ombud_molndal, coordinator, programme):
    report = finished_report(user=coordinator, programme=programme)
    assert client_as(ombud_molndal).get(download_url(report)).status_code == 403


def test_media_url_is_never_linked(client_as, coordinator, programme):
    finished_report(user=coordinator, programme=programme)
    assert "/media/" not in client_as(coordinator).get(LIST).content.decode()


def test_report_needing_reissue_can_be_ordered_again(
    client_as, coordinator, programme, django_capture_on_commit_callbacks
):
    old = finished_report(
        user=coordinator, programme=programme, finished_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    ClosedMonth.objects.create(programme=programme, month=programme.start_date, changed_at=timezone.now())
    client = client_as(coordinator)
    assert "Skapa på nytt" in client.get(LIST).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rapporter:report-reissue", args=[old.pk]))
    assert response.status_code == 302
    new = with_needs_reissue(Report.objects.exclude(pk=old.pk)).get()
    assert (new.kind, new.period_from, new.period_to, new.needs_reissue) == (
        old.kind,
        old.period_from,
        old.period_to,
        False,
    )
    assert new.status == Report.Status.DONE, new.error


def test_reissue_of_someone_elses_report_is_404(client_as, coordinator, programme_leader, programme):
    old = finished_report(user=programme_leader, programme=programme)
    response = client_as(coordinator).post(reverse("rapporter:report-reissue", args=[old.pk]))
    assert response.status_code == 404
    assert Report.objects.count() == 1


def test_older_reports_are_a_page_further_and_polling_keeps_the_page(client_as, coordinator, programme):
    reports = [finished_report(user=coordinator, programme=programme) for _ in range(26)]
    client = client_as(coordinator)
    first = client.get(LIST).content.decode()
    assert first.count("Ladda ner") == 25 and f'id="report-{reports[0].pk}"' not in first
    assert "?page=2" in first  # the pagination links
    second = client.get(LIST, {"page": 2}).content.decode()
    assert second.count("Ladda ner") == 1 and f'id="report-{reports[0].pk}"' in second
    ReportFactory(programme=programme, requested_by=coordinator, status=Report.Status.RUNNING)
    # A running report lands on page 1, and page 1 polls itself; a hand-typed page is harmless.
    assert f'hx-get="{LIST}" hx-trigger' in client.get(LIST).content.decode()
    assert client.get(LIST, {"page": "99999999999999999999"}).status_code == 200
