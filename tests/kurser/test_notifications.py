"""Session e-mails through the outbox: the day-before reminder, cancelled and moved sessions, the
local leader's daily approval digest; never twice (run twice, redelivered after a kill), opt-out
respected, duty kinds always sent, a mail server that is down retried and never failing the page."""

from __future__ import annotations

import datetime as dt
import io
import smtplib

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from kurser import services, tasks
from kurser.management.commands import send_notifications
from kurser.models import Attendance, AttendanceStatus, Session
from ombud.models import Notification, NotificationKind, NotificationSettings
from tests.factories import PersonFactory, SessionFactory, UserFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 12)  # a Thursday


@pytest.fixture
def ombud_user(ombud_molndal, ombud_person):
    ombud_molndal.email = "ombud@molndal.se"
    ombud_molndal.save()
    return ombud_molndal


@pytest.fixture
def invited(ombud_person):
    """Two colleagues with an address and one without (nobody to tell)."""
    wp = ombud_person.workplace
    return [
        PersonFactory(workplace=wp, email="anna@molndal.se", first_name="Anna"),
        PersonFactory(workplace=wp, email="Bo@Molndal.se", first_name="Bo"),
        PersonFactory(workplace=wp, email=""),
    ]


def planned(programme, course, trainer, people, **kw) -> Session:
    s = SessionFactory(
        programme=programme,
        course=course,
        trainer=trainer,
        municipality=trainer.municipality,
        workplace=trainer.workplace,
        date=kw.pop("date", DAY),
        start_time=dt.time(9, 30),
        planned_minutes=90,
        status=kw.pop("status", Session.Status.PLANNED),
        **kw,
    )
    Attendance.objects.bulk_create(
        [Attendance(session=s, person=p, status=AttendanceStatus.REGISTERED) for p in people]
    )
    return s


@pytest.fixture
def tomorrow(programme, course, ombud_person, ombud_user, invited):
    return planned(programme, course, ombud_person, invited)


def addresses() -> list[str]:
    return sorted(m.to[0] for m in mail.outbox)


def mail_to(address: str) -> EmailMultiAlternatives:
    (found,) = [m for m in mail.outbox if m.to == [address]]
    return found


def html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


# --- the day-before reminder --------------------------------------------------------------------


def test_reminder_goes_to_the_invited_and_the_ombud_the_day_before(tomorrow):
    tasks.session_reminders.delay(DAY.isoformat())

    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "ombud@molndal.se"]
    message = mail_to("anna@molndal.se")
    assert message.subject == "Påminnelse: Teams grund i morgon kl. 09:30"
    assert "Datum: torsdag 12 mars 2026" in message.body
    assert "Tid: 09:30–11:00" in message.body
    assert f"Plats: {tomorrow.workplace.name}, Mölndal" in message.body
    assert "Teams grund" in html_of(message) and "torsdag 12 mars 2026" in html_of(message)
    assert not message.attachments
    # The ombud has an account: their mail links to the session; a participant has none.
    session_url = settings.PORTAL_URL + reverse("kurser:session-detail", args=[tomorrow.pk])
    assert session_url in mail_to("ombud@molndal.se").body
    assert session_url not in message.body


def test_remote_session_says_the_form_instead_of_a_place(
    programme, course, ombud_person, ombud_user, invited
):
    planned(programme, course, ombud_person, invited, form="fjärr")
    tasks.session_reminders.delay(DAY.isoformat())
    assert "Form: Fjärr (länken får du av utbildaren)" in mail_to("anna@molndal.se").body
    assert "Plats:" not in mail_to("anna@molndal.se").body


def test_reminder_is_sent_once_when_the_task_runs_twice(tomorrow):
    tasks.session_reminders.delay(DAY.isoformat())
    tasks.session_reminders.delay(DAY.isoformat())
    call_command("send_notifications", "--date", (DAY - dt.timedelta(days=1)).isoformat())

    assert len(mail.outbox) == 3
    rows = Notification.objects.filter(kind=NotificationKind.SESSION_REMINDER)
    assert rows.count() == 3 and not rows.filter(sent_at__isnull=True).exists()


def test_a_redelivered_task_sends_only_what_the_killed_worker_did_not(tomorrow):
    key = f"session:{tomorrow.pk}:reminder:{DAY}"
    now = timezone.now()
    # The killed worker (task T1) had sent Anna's mail and claimed Bo's when it died.
    Notification.objects.create(
        kind=NotificationKind.SESSION_REMINDER, event_key=key, recipient="anna@molndal.se", sent_at=now
    )
    Notification.objects.create(
        kind=NotificationKind.SESSION_REMINDER,
        event_key=key,
        recipient="bo@molndal.se",
        task_id="T1",
        claimed_at=now,
    )
    # Another live attempt holds the ombud's mail right now: not ours to send.
    Notification.objects.create(
        kind=NotificationKind.SESSION_REMINDER,
        event_key=key,
        recipient="ombud@molndal.se",
        task_id="T0",
        claimed_at=now,
    )

    tasks.session_reminders.apply(args=[DAY.isoformat()], task_id="T1")  # the broker hands T1 out again

    assert addresses() == ["bo@molndal.se"]


def test_a_stale_claim_of_a_dead_worker_is_taken_over(tomorrow):
    key = f"session:{tomorrow.pk}:reminder:{DAY}"
    Notification.objects.create(
        kind=NotificationKind.SESSION_REMINDER,
        event_key=key,
        recipient="ombud@molndal.se",
        task_id="T0",
        claimed_at=timezone.now() - dt.timedelta(hours=1),
    )
    tasks.session_reminders.delay(DAY.isoformat())
    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "ombud@molndal.se"]


def test_an_ombud_who_opted_out_gets_no_reminder(tomorrow, ombud_user):
    NotificationSettings.objects.create(user=ombud_user, opted_out=[NotificationKind.SESSION_REMINDER])
    tasks.session_reminders.delay(DAY.isoformat())
    assert addresses() == ["anna@molndal.se", "bo@molndal.se"]


def test_reminder_is_in_english_for_a_user_who_chose_english(tomorrow, ombud_user):
    NotificationSettings.objects.create(user=ombud_user, language="en")
    tasks.session_reminders.delay(DAY.isoformat())

    english = mail_to("ombud@molndal.se")
    assert english.subject == "Reminder: Teams grund tomorrow at 09:30"
    assert "Date: Thursday 12 March 2026" in english.body
    assert "The training session below is tomorrow." in english.body
    assert "Date</th><td>Thursday 12 March 2026" in html_of(english)
    # Participants without an account: Swedish.
    assert mail_to("anna@molndal.se").subject.startswith("Påminnelse:")


def test_cancelled_and_held_sessions_get_no_reminder(programme, course, ombud_person, ombud_user, invited):
    planned(programme, course, ombud_person, invited, status=Session.Status.CANCELLED)
    tasks.session_reminders.delay(DAY.isoformat())
    assert mail.outbox == []


def test_beat_schedules_the_reminders_and_the_digest():
    from modig.celery import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["session-reminders"]["task"] == "kurser.tasks.session_reminders"
    assert schedule["approval-digests"]["task"] == "kurser.tasks.approval_digests"
    for entry in ("session-reminders", "approval-digests"):
        assert schedule[entry]["task"] in app.tasks


def test_the_scheduled_task_without_a_date_reminds_about_tomorrow(tomorrow, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 11, 16, 0, tzinfo=timezone.get_current_timezone()), tick=False)
    tasks.session_reminders.delay()
    assert len(mail.outbox) == 3


# --- cancelled and moved -----------------------------------------------------------------------


def test_cancelling_on_the_page_tells_everyone_once(
    client_as, ombud_user, tomorrow, django_capture_on_commit_callbacks
):
    c = client_as(ombud_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(reverse("kurser:session-cancel", args=[tomorrow.pk]))
    assert r.status_code == 302
    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "ombud@molndal.se"]
    assert mail_to("anna@molndal.se").subject == "Inställt: Teams grund 12 mars"
    assert "Utbildningstillfället nedan är inställt." in mail_to("anna@molndal.se").body

    tasks.session_cancelled.delay(tomorrow.pk)  # a redelivery
    assert len(mail.outbox) == 3


def test_cancellation_is_a_duty_and_ignores_an_opt_out(
    ombud_user, tomorrow, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(
        user=ombud_user, opted_out=[NotificationKind.SESSION_CANCELLED, NotificationKind.SESSION_MOVED]
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=tomorrow, by=ombud_user)
    assert "ombud@molndal.se" in addresses()


def test_nothing_is_sent_when_the_cancel_does_not_commit(
    ombud_user, tomorrow, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.session_cancel(session=tomorrow, by=ombud_user)
    assert callbacks  # queued for after the commit, which never comes
    assert mail.outbox == [] and not Notification.objects.exists()


def test_moving_a_session_tells_the_old_and_the_new_time(
    ombud_user, tomorrow, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(
            session=tomorrow, date=DAY + dt.timedelta(days=1), start_time=dt.time(13, 0), by=ombud_user
        )

    assert len(mail.outbox) == 3
    message = mail_to("bo@molndal.se")
    assert message.subject == "Flyttat: Teams grund är nu 13 mars kl. 13:00"
    assert "skulle ha varit torsdag 12 mars 2026 kl. 09:30 har flyttats" in message.body
    assert "Datum: fredag 13 mars 2026" in message.body
    assert "Tid: 13:00–14:30" in message.body

    tasks.session_moved.delay(tomorrow.pk, "2026-03-12T09:30")  # a redelivery: nothing new
    assert len(mail.outbox) == 3
    # Moved back, then forth again: each move is a new event, even to a time seen before.
    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(session=tomorrow, date=DAY, start_time=dt.time(9, 30), by=ombud_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.session_move(
            session=tomorrow, date=DAY + dt.timedelta(days=1), start_time=dt.time(13, 0), by=ombud_user
        )
    assert len(mail.outbox) == 9


def test_moving_on_the_page_tells_everyone_and_bad_input_changes_nothing(
    client_as, ombud_user, tomorrow, django_capture_on_commit_callbacks
):
    c = client_as(ombud_user)
    url = reverse("kurser:session-move", args=[tomorrow.pk])
    r = c.post(url, {"date": "13/3", "start_time": "13:00"})
    assert r.status_code == 302
    assert "Nytt datum: " in c.get(r.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(url, {"date": "2026-03-13", "start_time": "13:00"})
    assert r.status_code == 302
    assert "Tillfället är flyttat." in c.get(r.url).content.decode()
    tomorrow.refresh_from_db()
    assert (tomorrow.date, tomorrow.start_time) == (dt.date(2026, 3, 13), dt.time(13, 0))
    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "ombud@molndal.se"]


def test_another_ombud_cannot_move_the_session(client_as, tomorrow, molndal):
    other = UserFactory(
        username="ombud.annan",
        role="ombud",
        person=PersonFactory(workplace=WorkplaceFactory(municipality=molndal)),
    )
    r = client_as(other).post(
        reverse("kurser:session-move", args=[tomorrow.pk]), {"date": "2026-03-13", "start_time": "13:00"}
    )
    assert r.status_code == 404
    assert mail.outbox == []


def test_only_a_planned_session_can_be_moved(ombud_user, tomorrow):
    Session.objects.filter(pk=tomorrow.pk).update(status=Session.Status.CANCELLED)
    with pytest.raises(ValidationError) as e:
        services.session_move(session=tomorrow, date=DAY, start_time=dt.time(8, 0), by=ombud_user)
    assert e.value.messages == [str(services.SESSION_MOVE_NOT_PLANNED)]


# --- a mail server that is down ------------------------------------------------------------------


@pytest.fixture
def smtp(monkeypatch):
    """The mail server fails the first `down` sends (all of them when None)."""
    state = {"down": None, "calls": 0}
    send = EmailMultiAlternatives.send

    def flaky(self, *args, **kwargs):
        state["calls"] += 1
        if state["down"] is None or state["calls"] <= state["down"]:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    monkeypatch.setattr(tasks.session_cancelled, "max_retries", 3)
    return state


@pytest.fixture
def worker_retries():
    """Retries as a worker makes them: in the eager mode an error propagates at once (the
    embedded portal does not retry inside a request), a worker retries with back-off."""
    from modig.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


def test_notification_tasks_retry_a_mail_server_with_back_off():
    for task in (
        tasks.session_cancelled,
        tasks.session_moved,
        tasks.session_reminders,
        tasks.approval_digests,
    ):
        assert issubclass(smtplib.SMTPServerDisconnected, task.autoretry_for)
        assert issubclass(ConnectionRefusedError, task.autoretry_for)
        assert task.retry_backoff == 30 and task.retry_backoff_max == 3600 and task.acks_late


def test_a_mail_server_that_is_down_is_retried_and_the_mail_goes_when_it_is_back(
    client_as, ombud_user, tomorrow, smtp, worker_retries, django_capture_on_commit_callbacks
):
    smtp["down"] = 2
    with django_capture_on_commit_callbacks(execute=True):
        r = client_as(ombud_user).post(reverse("kurser:session-cancel", args=[tomorrow.pk]))
    assert r.status_code == 302
    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "ombud@molndal.se"]
    # The ombud is first on the list: their mail waited for two retries.
    first = Notification.objects.get(recipient="ombud@molndal.se")
    assert first.sent_at is not None and first.attempts == 3


@pytest.mark.parametrize("retrying", [True, False], ids=["worker", "embedded"])
def test_the_cancel_page_answers_302_when_the_mail_server_stays_down(
    client_as, ombud_user, tomorrow, smtp, retrying, request, django_capture_on_commit_callbacks
):
    if retrying:
        request.getfixturevalue("worker_retries")
    with django_capture_on_commit_callbacks(execute=True):
        r = client_as(ombud_user).post(reverse("kurser:session-cancel", args=[tomorrow.pk]))
    assert r.status_code == 302
    tomorrow.refresh_from_db()
    assert tomorrow.status == Session.Status.CANCELLED
    assert mail.outbox == []
    # A worker tries four times (the first and three retries); the embedded mode once.
    assert smtp["calls"] == (4 if retrying else 1)
    row = Notification.objects.get()
    assert row.sent_at is None and row.task_id == "" and "SMTPServerDisconnected" in row.error
    assert row.attempts == smtp["calls"]


# --- the local leader's daily approval digest --------------------------------------------------


@pytest.fixture
def leader(local_leader_ale):
    local_leader_ale.email = "lokal@ale.se"
    local_leader_ale.save()
    return local_leader_ale


def held(programme, course, municipality, day, **kw) -> Session:
    wp = WorkplaceFactory(municipality=municipality)
    return SessionFactory(
        programme=programme,
        course=course,
        municipality=municipality,
        workplace=wp,
        date=day,
        trainer_name="Extern Utbildare",
        status=Session.Status.HELD,
        **kw,
    )


def test_digest_is_one_mail_listing_the_leaders_waiting_sessions(programme, course, ale, molndal, leader):
    held(programme, course, ale, dt.date(2026, 3, 2))
    held(programme, course, ale, dt.date(2026, 3, 3))
    held(programme, course, ale, dt.date(2026, 3, 4), approved_at=timezone.now())
    held(programme, course, molndal, dt.date(2026, 3, 3))  # not the leader's municipality
    UserFactory(username="lokal.tom", role="lokal_projektledare", email="tom@ale.se")  # no municipality

    tasks.approval_digests.delay("2026-03-05")
    tasks.approval_digests.delay("2026-03-05")

    assert addresses() == ["lokal@ale.se"]
    message = mail.outbox[0]
    assert message.subject == "2 tillfällen väntar på ditt godkännande"
    assert "2026-03-02 10:00 Teams grund, Ale" in message.body
    assert "2026-03-03 10:00 Teams grund, Ale" in message.body
    assert "2026-03-04" not in message.body
    assert settings.PORTAL_URL + reverse("kurser:approval-list") in message.body
    assert "<li>2026-03-02 10:00 Teams grund, Ale" in html_of(message)


def test_digest_comes_again_the_next_day_and_never_without_sessions(programme, course, ale, leader):
    tasks.approval_digests.delay("2026-03-05")
    assert mail.outbox == []
    held(programme, course, ale, dt.date(2026, 3, 2))
    tasks.approval_digests.delay("2026-03-05")
    tasks.approval_digests.delay("2026-03-06")
    assert len(mail.outbox) == 2


def test_digest_is_a_duty_and_ignores_an_opt_out(programme, course, ale, leader):
    NotificationSettings.objects.create(user=leader, opted_out=[NotificationKind.APPROVAL_DIGEST])
    held(programme, course, ale, dt.date(2026, 3, 2))
    tasks.approval_digests.delay("2026-03-05")
    assert addresses() == ["lokal@ale.se"]


def test_send_notifications_command_runs_reminders_and_digests(programme, course, ale, leader, tomorrow):
    held(programme, course, ale, dt.date(2026, 3, 2))
    out = io.StringIO()
    call_command("send_notifications", "--date", "2026-03-11", stdout=out)
    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "lokal@ale.se", "ombud@molndal.se"]
    assert out.getvalue().strip() == "Skickade 3 påminnelser och 1 sammanfattningar att godkänna."

    out = io.StringIO()
    call_command("send_notifications", "--date", "2026-03-11", stdout=out)  # run again: nothing new
    assert len(mail.outbox) == 4
    assert out.getvalue().strip() == "Skickade 0 påminnelser och 0 sammanfattningar att godkänna."


def test_send_notifications_refuses_a_bad_date():
    with pytest.raises(CommandError) as e:
        call_command("send_notifications", "--date", "11/3 2026")
    assert str(e.value) == str(send_notifications.DATE_FORMAT)


def test_send_notifications_says_when_the_mail_server_is_down_and_a_rerun_sends_the_rest(tomorrow, smtp):
    smtp["down"] = 2  # the first recipient's mail fails, the command stops
    with pytest.raises(CommandError) as e:
        call_command("send_notifications", "--date", "2026-03-11")
    assert str(e.value) == str(send_notifications.MAIL_DOWN) % {"error": "SMTPServerDisconnected"}
    assert mail.outbox == []
    with pytest.raises(CommandError):
        call_command("send_notifications", "--date", "2026-03-11")
    call_command("send_notifications", "--date", "2026-03-11", stdout=io.StringIO())
    assert addresses() == ["anna@molndal.se", "bo@molndal.se", "ombud@molndal.se"]
