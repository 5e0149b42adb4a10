"""The user's own e-mail settings page (in the user menu beside "Byt lösenord"): opt out of each
kind except the duty kinds, and choose the language of the mails."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from modig import accounts
from ombud.models import DUTY_KINDS, PARTICIPANT_KINDS, NotificationKind, NotificationSettings

pytestmark = pytest.mark.django_db

URL = reverse("notification_settings")


def is_checked(page: str, name: str) -> bool:
    (tag,) = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return " checked" in tag


def test_the_page_is_in_the_user_menu_and_lists_every_kind(client_as, local_leader_ale):
    r = client_as(local_leader_ale).get(reverse("home"))
    assert f'href="{URL}"' in r.content.decode()

    r = client_as(local_leader_ale).get(URL)
    assert r.status_code == 200
    page = r.content.decode()
    for kind in NotificationKind:
        # Mails to participants (people without an account) are not a user's to choose.
        assert (str(kind.label) in page) == (kind not in PARTICIPANT_KINDS)
    # Duty kinds are shown as always on, never as a choice.
    for kind in DUTY_KINDS:
        assert f'name="{kind.value}"' not in page
    assert 'name="session_reminder"' in page
    assert str(accounts.DUTY_EXPLAINED) in page


def test_opting_out_is_saved_and_shown(client_as, ombud_molndal):
    c = client_as(ombud_molndal)
    r = c.post(URL, {"report_ready": "on", "report_failed": "on", "language": "en"})
    assert r.status_code == 302 and r.url == URL
    choices = NotificationSettings.objects.get(user=ombud_molndal)
    assert choices.opted_out == [NotificationKind.SESSION_REMINDER]
    assert choices.language == "en"
    page = c.get(URL).content.decode()
    assert str(accounts.SETTINGS_SAVED) in page
    assert not is_checked(page, "session_reminder")
    assert is_checked(page, "report_ready") and is_checked(page, "report_failed")
    assert '<option value="en" selected>' in page


def test_a_duty_kind_cannot_be_turned_off_even_by_a_forged_post(client_as, local_leader_ale):
    c = client_as(local_leader_ale)
    c.post(URL, {"language": "sv", "approval_digest": "", "session_reminder": "on"})
    choices = NotificationSettings.objects.get(user=local_leader_ale)
    assert not set(choices.opted_out) & DUTY_KINDS
    assert sorted(choices.opted_out) == [NotificationKind.REPORT_FAILED, NotificationKind.REPORT_READY]


def test_an_unknown_language_is_refused_with_a_message(client_as, ombud_molndal):
    r = client_as(ombud_molndal).post(URL, {"language": "de"})
    assert r.status_code == 400
    assert "Välj ett giltigt alternativ" in r.content.decode()
    assert not NotificationSettings.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    r = client.get(URL)
    assert r.status_code == 302 and "/konto/login/" in r.url
