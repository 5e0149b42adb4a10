"""The monthly confirmation with a one-time code (issue 12 item 5): enkater.confirmation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from enkater import confirmation as c
from enkater.models import ConfirmationCode, MonthConfirmation
from kurser.models import AttendanceStatus, ClosedMonth
from tests.factories import AttendanceFactory, PersonFactory, SessionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2020, 3, 1)


@pytest.fixture
def person(programme, molndal):
    p = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), email="lina@molndal.se", first_name="Lina"
    )
    AttendanceFactory(
        session=SessionFactory(
            programme=programme, municipality=molndal, date=dt.date(2020, 3, 12), planned_minutes=90
        ),
        person=p,
    )
    AttendanceFactory(
        session=SessionFactory(
            programme=programme, municipality=molndal, date=dt.date(2020, 3, 20), planned_minutes=60
        ),
        person=p,
        status=AttendanceStatus.LATE,
        minutes=40,
    )
    return p


def message(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.messages)


def send(person, programme, month=MARCH, now=None):
    c.code_send(person=person, programme=programme, month=month, now=now)
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def verify(person, programme, code, *, ip="10.0.0.1", now=None, month=MARCH):
    return c.code_verify(person=person, programme=programme, month=month, code=code, client_ip=ip, now=now)


def test_the_right_code_stores_the_month_with_its_counted_hours(person, programme):
    code = send(person, programme)
    assert mail.outbox[-1].to == ["lina@molndal.se"]
    assert "mars 2020" in mail.outbox[-1].subject and code in mail.outbox[-1].subject
    stored = verify(person, programme, code)
    assert (stored.month, stored.hours) == (MARCH, Decimal("2.17"))  # (90 + 40) / 60
    assert MonthConfirmation.objects.count() == 1


def test_the_code_is_stored_hashed_only(person, programme):
    code = send(person, programme)
    row = ConfirmationCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64


def test_a_wrong_code_is_refused_and_counted(person, programme):
    code = send(person, programme)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(ValidationError) as e:
        verify(person, programme, wrong)
    assert message(e) == str(c.WRONG_CODE) % {"left": 4}
    assert ConfirmationCode.objects.get().wrong_tries == 1
    assert not MonthConfirmation.objects.exists()


def test_five_wrong_tries_spend_the_code(person, programme):
    code = send(person, programme)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(ValidationError):
            verify(person, programme, wrong)
    with pytest.raises(ValidationError) as e:
        verify(person, programme, wrong)
    assert message(e) == str(c.CODE_SPENT)
    with pytest.raises(ValidationError) as e:
        verify(person, programme, code)  # even the right one now
    assert message(e) == str(c.CODE_SPENT)
    assert not MonthConfirmation.objects.exists()


def test_an_expired_code_is_refused(person, programme):
    code = send(person, programme)
    with pytest.raises(ValidationError) as e:
        verify(person, programme, code, now=timezone.now() + dt.timedelta(minutes=15, seconds=1))
    assert message(e) == str(c.CODE_EXPIRED)
    assert not MonthConfirmation.objects.exists()


def test_a_used_code_does_not_confirm_twice(person, programme):
    code = send(person, programme)
    verify(person, programme, code)
    with pytest.raises(ValidationError) as e:
        verify(person, programme, code)
    assert message(e) == str(c.ALREADY_CONFIRMED)
    assert MonthConfirmation.objects.count() == 1


def test_a_used_code_is_refused_as_used(person, programme):
    code = send(person, programme)
    verify(person, programme, code)
    MonthConfirmation.objects.all().delete()  # even without the confirmation, the code is spent
    with pytest.raises(ValidationError) as e:
        verify(person, programme, code)
    assert message(e) == str(c.CODE_USED)


def test_only_the_newest_code_works(person, programme):
    now = timezone.now()
    first = send(person, programme, now=now - dt.timedelta(minutes=2))
    second = send(person, programme, now=now)
    if first != second:
        with pytest.raises(ValidationError):
            verify(person, programme, first, now=now)
    verify(person, programme, second, now=now)


def test_sending_is_throttled_per_minute_and_per_hour(person, programme):
    now = timezone.now()
    send(person, programme, now=now)
    with pytest.raises(ValidationError) as e:
        c.code_send(person=person, programme=programme, month=MARCH, now=now + dt.timedelta(seconds=30))
    assert message(e) == str(c.SEND_TOO_SOON)
    for minutes in (2, 4, 6, 8):
        send(person, programme, now=now + dt.timedelta(minutes=minutes))
    with pytest.raises(ValidationError) as e:
        c.code_send(person=person, programme=programme, month=MARCH, now=now + dt.timedelta(minutes=10))
    assert message(e) == str(c.SEND_TOO_MANY)
    assert len(mail.outbox) == 5
    send(person, programme, now=now + dt.timedelta(minutes=61))  # an hour later it works again


def test_wrong_tries_are_throttled_per_client_address(person, programme, molndal):
    others = []
    for i in range(5):
        other = PersonFactory(workplace=person.workplace, email=f"p{i}@molndal.se")
        AttendanceFactory(session=person.attendances.first().session, person=other)
        others.append(other)
    # 20 wrong tries from one address, spread over people (each code allows 5).
    for other in others[:4]:
        code = send(other, programme)
        wrong = f"{(int(code) + 1) % 10**6:06d}"
        for _ in range(5):
            with pytest.raises(ValidationError):
                verify(other, programme, wrong, ip="10.9.9.9")
    code = send(others[4], programme)
    with pytest.raises(ValidationError) as e:
        verify(others[4], programme, code, ip="10.9.9.9")
    assert message(e) == str(c.IP_THROTTLED)
    verify(others[4], programme, code, ip="10.1.1.1")  # another address is not blocked


def test_a_person_without_email_is_told_to_ask_their_coordinator(person, programme):
    person.email = ""
    person.save()
    with pytest.raises(ValidationError) as e:
        c.code_send(person=person, programme=programme, month=MARCH)
    assert message(e) == str(c.NO_EMAIL)
    assert not ConfirmationCode.objects.exists() and not mail.outbox


def test_the_current_month_cannot_be_confirmed_until_it_is_over_or_closed(person, programme, molndal):
    today = timezone.localdate()
    session = SessionFactory(programme=programme, municipality=molndal, date=today)
    AttendanceFactory(session=session, person=person)
    with pytest.raises(ValidationError) as e:
        c.code_send(person=person, programme=programme, month=today)
    assert message(e) == str(c.NOT_CONFIRMABLE)
    ClosedMonth.objects.create(programme=programme, month=today.replace(day=1))
    send(person, programme, month=today)


def test_a_month_without_counted_hours_cannot_be_confirmed(person, programme):
    with pytest.raises(ValidationError) as e:
        c.code_send(person=person, programme=programme, month=dt.date(2020, 4, 1))
    assert message(e) == str(c.NOT_CONFIRMABLE)


def test_a_mail_server_that_is_down_leaves_no_code(person, programme, monkeypatch):
    def down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", down)
    with pytest.raises(ValidationError) as e:
        c.code_send(person=person, programme=programme, month=MARCH)
    assert message(e) == str(c.NOT_SENT)
    assert not ConfirmationCode.objects.exists()


def test_hours_changed_after_confirmation_show_as_changed(person, programme):
    verify(person, programme, send(person, programme))
    stored = MonthConfirmation.objects.get()
    assert (
        c.status_of(stored, c.hours(c.month_minutes(person=person, programme=programme, month=MARCH))).changed
        is False
    )
    row = person.attendances.get(status=AttendanceStatus.LATE)
    row.minutes = 55
    row.save()
    status = c.status_of(stored, c.hours(c.month_minutes(person=person, programme=programme, month=MARCH)))
    assert status.changed is True and status.confirmed_hours == Decimal("2.17")
