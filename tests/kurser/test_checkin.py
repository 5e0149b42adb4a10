"""QR self check-in: signed, time-limited links; name + last four digits; clear Swedish errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from kurser import checkin, services
from kurser.models import Attendance
from tests.kurser.conftest import started_session

pytestmark = pytest.mark.django_db


def url(session):
    return reverse("kurser:checkin", args=[checkin.make_token(session)])


def test_participant_checks_in_with_name_and_last_four(client, session, colleagues):
    p = colleagues[0]
    r = client.post(url(session), {"name": p.full_name, "last_four": p.personnummer[-4:]})
    assert r.status_code == 200
    assert "Du är incheckad" in r.content.decode()
    row = Attendance.objects.get(session=session, person=p)
    assert row.status == "närvarande" and row.minutes == 60


def test_second_checkin_by_the_same_person_is_refused(client, session, colleagues):
    p = colleagues[0]
    client.post(url(session), {"name": p.first_name, "last_four": p.personnummer[-4:]})
    r = client.post(url(session), {"name": p.first_name, "last_four": p.personnummer[-4:]})
    assert r.status_code == 400
    assert str(services.CHECKIN_ALREADY) in r.content.decode()


def test_wrong_digits_are_not_found(client, session, colleagues):
    r = client.post(url(session), {"name": colleagues[0].full_name, "last_four": "0000"})
    assert r.status_code == 400
    assert str(services.CHECKIN_NOT_FOUND) in r.content.decode()
    assert not Attendance.objects.filter(session=session, status="närvarande").exists()


def test_forged_link_is_refused(client, session):
    token = checkin.make_token(session)[:-3] + "abc"
    r = client.get(reverse("kurser:checkin", args=[token]))
    assert r.status_code == 410
    assert str(checkin.CHECKIN_FORGED) in r.content.decode()


def test_link_for_another_session_cannot_be_made_by_editing_the_id(client, session):
    value, stamp, sig = checkin.make_token(session).split(":")
    r = client.get(reverse("kurser:checkin", args=[f"{int(value) + 1}:{stamp}:{sig}"]))
    assert str(checkin.CHECKIN_FORGED) in r.content.decode()


def test_expired_link_is_refused(client, programme, course, ombud_person):
    yesterday = started_session(
        programme, course, ombud_person, date=timezone.localdate() - dt.timedelta(days=1)
    )
    r = client.get(url(yesterday))
    assert r.status_code == 410
    assert str(checkin.CHECKIN_EXPIRED) in r.content.decode()


def test_link_opens_half_an_hour_before_start(programme, course, ombud_person):
    later = started_session(programme, course, ombud_person, date=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(checkin.CheckinError) as e:
        checkin.session_for_token(checkin.make_token(later))
    assert e.value.message == checkin.CHECKIN_NOT_OPEN


def test_token_is_salted_for_check_in(session):
    plain = signing.TimestampSigner().sign(str(session.pk))
    with pytest.raises(checkin.CheckinError):
        checkin.session_for_token(plain)


def test_guessing_the_digits_is_stopped_after_ten_failures(client, session, colleagues):
    from django.core.cache import cache

    cache.clear()
    p = colleagues[0]
    for i in range(10):
        client.post(
            url(session),
            {"name": p.full_name, "last_four": f"{i:04d}" if f"{i:04d}" != p.personnummer[-4:] else "9999"},
        )
    r = client.post(url(session), {"name": p.full_name, "last_four": p.personnummer[-4:]})
    assert r.status_code == 400
    assert str(checkin.CHECKIN_THROTTLED) in r.content.decode()
    assert not Attendance.objects.filter(session=session, person=p, status="närvarande").exists()
    cache.clear()


def test_late_check_in_is_recorded_as_late_with_the_minutes_left(
    client, programme, course, ombud_person, colleagues
):
    start = timezone.localtime() - dt.timedelta(minutes=30)
    late = started_session(
        programme,
        course,
        ombud_person,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
    )
    p = colleagues[1]
    client.post(url(late), {"name": p.full_name, "last_four": p.personnummer[-4:]})
    row = Attendance.objects.get(session=late, person=p)
    assert row.status == "sen" and 28 <= row.minutes <= 31
