"""A survey is named in the reader's language (`Survey.name`): on the participant's own page in
the page's language, and in the reminder mail in the recipient's (English falls back to
Swedish when the survey has no English name)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from enkater import participant
from enkater.defaults import DIGKOMP, UPPF_CHEF, ensure_default_surveys
from enkater.models import Survey
from enkater.notifications import notify_survey_reminders
from kurser.models import AttendanceStatus
from ombud.models import NotificationSettings, TargetGroup
from tests.factories import AttendanceFactory, PersonFactory, SessionFactory, UserFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

DIGKOMP_SV = "Digital kompetens – självskattning (DigComp 2.2)"
DIGKOMP_EN = "Digital competence – self-assessment (DigComp 2.2)"
CHEF_SV = "Uppföljning – operativa chefer"
CHEF_EN = "Follow-up – operational managers"


def test_the_name_follows_the_language_and_falls_back_to_swedish(programme):
    ensure_default_surveys(programme)
    survey = Survey.objects.get(programme=programme, code=DIGKOMP)
    assert (survey.name("sv"), survey.name("en"), survey.name("en-gb")) == (
        DIGKOMP_SV,
        DIGKOMP_EN,
        DIGKOMP_EN,
    )
    survey.name_en = ""
    assert survey.name("en") == DIGKOMP_SV


@pytest.fixture
def participant_page(programme, molndal):
    ensure_default_surveys(programme)
    person = PersonFactory(workplace=WorkplaceFactory(municipality=molndal), email="lina@molndal.se")
    session = SessionFactory(programme=programme, municipality=molndal, date=dt.date(2020, 3, 12))
    AttendanceFactory(session=session, person=person)
    return participant.participant_url(person)


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"), [("sv", DIGKOMP_SV, DIGKOMP_EN), ("en", DIGKOMP_EN, DIGKOMP_SV)]
)
def test_the_participant_page_names_due_surveys_in_its_language(
    client, participant_page, language, shown, not_shown
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language  # what the page's language switch sets
    text = client.get(participant_page).content.decode()
    assert f'<html lang="{language}">' in text
    assert shown in text
    assert not_shown not in text


def manager_due_the_follow_up(programme, municipality, email):
    person = PersonFactory(
        workplace=WorkplaceFactory(municipality=municipality),
        target_group=TargetGroup.OPERATIVE_MANAGER,
        email=email,
    )
    session = SessionFactory(
        programme=programme, municipality=municipality, date=timezone.localdate() - dt.timedelta(days=40)
    )
    AttendanceFactory(session=session, person=person, status=AttendanceStatus.PRESENT)
    return person


def test_the_reminder_names_the_survey_in_the_recipients_language(programme, ale):
    ensure_default_surveys(programme)
    survey = Survey.objects.get(programme=programme, code=UPPF_CHEF)
    swedish = manager_due_the_follow_up(programme, ale, "utan-konto@example.se")
    english = manager_due_the_follow_up(programme, ale, "with-account@example.se")
    account = UserFactory(person=english, email="with-account@example.se")
    NotificationSettings.objects.create(user=account, language="en")

    sent = notify_survey_reminders(
        survey_id=survey.pk, person_ids=[swedish.pk, english.pk], day=timezone.localdate()
    )

    assert sent == 2
    body = {m.to[0]: m.body for m in mail.outbox}
    assert CHEF_SV in body["utan-konto@example.se"] and CHEF_EN not in body["utan-konto@example.se"]
    assert CHEF_EN in body["with-account@example.se"] and CHEF_SV not in body["with-account@example.se"]
