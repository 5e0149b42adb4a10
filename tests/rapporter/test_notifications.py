"""The requester hears by e-mail when a report is ready (a link, never the file) or failed."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone

from ombud.models import Notification, NotificationKind, NotificationSettings
from rapporter import services
from rapporter.models import Report
from rapporter.services import report_request, report_retry, report_sweep
from rapporter.tasks import report_generate, report_notify
from tests.factories import ReportFactory, UserFactory, load_spec_example, modig_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def prog():
    p = modig_programme()
    load_spec_example(p)
    return p


@pytest.fixture
def user():
    return UserFactory(username="samordnare", role="samordnare", email="samordnare@grkom.se")


def ask(prog, user) -> Report:
    return report_request(
        kind=Report.Kind.ESF_SUMMARY,
        format=Report.Format.JSON,
        programme=prog,
        period_from=prog.start_date,
        period_to=prog.end_date,
        by=user,
    )


@pytest.fixture
def broken(monkeypatch):
    def fail(report, progress):
        raise ValueError("no")

    monkeypatch.setitem(services._BUILDERS, Report.Kind.ESF_SUMMARY, fail)


def test_a_ready_report_is_announced_with_a_link_and_no_file(prog, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(prog, user)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE

    (message,) = mail.outbox
    assert message.to == ["samordnare@grkom.se"]
    assert message.subject == "Din rapport är klar: ESF-sammanställning"
    link = settings.PORTAL_URL + reverse("rapporter:report-download", args=[report.pk])
    assert f"Ladda ner den (inloggning krävs): {link}" in message.body
    ((html, _mimetype),) = message.alternatives
    assert f'<a href="{link}">' in html
    assert message.attachments == []

    report_notify.delay(report.pk)  # a redelivery
    assert len(mail.outbox) == 1


def test_a_failed_report_is_announced_with_the_reason(prog, user, broken, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(prog, user)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED

    (message,) = mail.outbox
    assert message.subject == "Rapporten kunde inte skapas: ESF-sammanställning"
    assert f"Orsak: {report.error}" in message.body
    assert settings.PORTAL_URL + reverse("rapporter:report-list") in message.body


def test_a_retried_report_that_fails_again_is_announced_again(
    prog, user, broken, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(prog, user)
    time_machine.shift(dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        report_retry(report=report, by=user)
    assert [m.subject for m in mail.outbox] == ["Rapporten kunde inte skapas: ESF-sammanställning"] * 2


def test_a_report_the_sweeper_fails_is_announced(prog, user, django_capture_on_commit_callbacks):
    report = ReportFactory(programme=prog, requested_by=user, status=Report.Status.RUNNING, task_id="dead")
    Report.objects.filter(pk=report.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert report_sweep() == [report.pk]
    (message,) = mail.outbox
    assert message.subject.startswith("Rapporten kunde inte skapas")


def test_the_requester_may_opt_out_of_report_mails(prog, user, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(user=user, opted_out=[NotificationKind.REPORT_READY])
    with django_capture_on_commit_callbacks(execute=True):
        ask(prog, user)
    assert mail.outbox == []


def test_report_mail_in_english(prog, user, django_capture_on_commit_callbacks):
    NotificationSettings.objects.create(user=user, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        ask(prog, user)
    (message,) = mail.outbox
    assert message.subject.startswith("Your report is ready: ")
    assert "The report you ordered is ready" in message.body


def test_reports_without_a_requester_or_address_send_nothing(prog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(prog, None)
        ask(prog, UserFactory(username="utan.adress", role="samordnare", email=""))
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_mail_server_that_is_down_never_fails_the_report(
    prog, user, monkeypatch, django_capture_on_commit_callbacks
):
    def down(self, *args, **kwargs):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", down)
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(prog, user)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    row = Notification.objects.get()
    assert row.sent_at is None and "SMTPConnectError" in row.error
    assert report_generate.acks_late and issubclass(smtplib.SMTPConnectError, report_notify.autoretry_for)
