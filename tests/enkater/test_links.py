"""enkater.links: signed personal survey links (no account)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse

from enkater import links
from enkater.defaults import DIGKOMP, ensure_default_surveys
from enkater.links import LinkError, answer_token, answer_url, read_answer_token
from enkater.models import Survey
from kurser import checkin
from tests.factories import PersonFactory, ProgrammeFactory, SessionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def digkomp(molndal):
    programme = ProgrammeFactory(code="MODIG", municipalities=[molndal])
    ensure_default_surveys(programme)
    return Survey.objects.get(programme=programme, code=DIGKOMP)


@pytest.fixture
def person(molndal):
    return PersonFactory(workplace=WorkplaceFactory(municipality=molndal))


def test_a_token_reads_back_as_person_survey_and_moment(person, digkomp):
    for moment in ("före", "efter"):
        token = answer_token(person, digkomp, moment)
        assert read_answer_token(token) == (person, digkomp, moment)
    # The phone page's path: the token signs the same three (its timestamp may differ by a second).
    prefix = reverse("enkater:answer", args=["x"])[:-2]
    url = answer_url(person, digkomp, "efter")
    assert url.startswith(prefix) and url.endswith("/")
    assert read_answer_token(url[len(prefix) : -1]) == (person, digkomp, "efter")


def test_the_token_is_short_enough_for_an_sms_and_a_small_qr_code(person, digkomp):
    token = answer_token(person, digkomp, "före")
    assert len(token) <= 70
    assert "/" not in token and "?" not in token


def test_a_forged_token_is_refused(person, digkomp):
    token = answer_token(person, digkomp, "före")
    value, _sep, _rest = token.partition(".")
    other = PersonFactory(workplace=person.workplace)
    # Another person's id with the first person's signature: someone else's answers.
    forged = token.replace(value, signing.b62_encode(other.pk), 1)
    for bad in (
        forged,
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "",
        "abc",
        checkin.make_token(SessionFactory()),
    ):
        with pytest.raises(LinkError) as e:
            read_answer_token(bad)
        assert e.value.message == links.LINK_FORGED


def test_an_expired_token_is_refused(person, digkomp, settings, monkeypatch):
    settings.SURVEY_LINK_MAX_AGE_DAYS = 60
    token = answer_token(person, digkomp, "före")
    now = dt.datetime.now().timestamp()
    monkeypatch.setattr("django.core.signing.time.time", lambda: now + 59 * 86400)
    assert read_answer_token(token)[0] == person
    monkeypatch.setattr("django.core.signing.time.time", lambda: now + 61 * 86400)
    with pytest.raises(LinkError) as e:
        read_answer_token(token)
    assert str(e.value) == str(links.LINK_EXPIRED)


def test_a_token_for_a_deleted_survey_says_so(person, digkomp):
    token = answer_token(person, digkomp, "före")
    digkomp.delete()
    with pytest.raises(LinkError) as e:
        read_answer_token(token)
    assert e.value.message == links.LINK_GONE
