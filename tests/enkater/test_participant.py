"""The participant's own page (signed link), its confirmation flow, the staff's list of
confirmed months, the personal link page and the monthly certificate (issue 12 item 5)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from enkater import participant
from enkater.models import MonthConfirmation
from kurser.models import AttendanceStatus
from tests.factories import AttendanceFactory, PersonFactory, SessionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2020, 3, 1)


@pytest.fixture
def person(programme, molndal):
    p = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal, name="Hemtjänst Lindome"),
        email="lina@molndal.se",
        first_name="Lina",
        last_name="Mölndalsson",
    )
    session = SessionFactory(
        programme=programme, municipality=molndal, date=dt.date(2020, 3, 12), planned_minutes=90
    )
    AttendanceFactory(session=session, person=p)
    return p


def page_url(person):
    return participant.participant_url(person)


def confirm_url(person):
    return reverse("enkater:participant-confirm", args=[participant.participant_token(person)])


# --- the token ------------------------------------------------------------------------------------


def test_a_token_reads_back_as_its_person(person):
    assert participant.read_participant_token(participant.participant_token(person)) == person


def test_a_forged_token_is_refused(person):
    token = participant.participant_token(person)
    other = token.replace(f"{person.pk}:", f"{person.pk + 1}:", 1)
    for bad in (
        other,
        token[:-2],
        "abc",
        signing.TimestampSigner(salt="kurser.checkin").sign(str(person.pk)),
    ):
        with pytest.raises(participant.LinkError) as e:
            participant.read_participant_token(bad)
        assert e.value.message == participant.LINK_FORGED and not e.value.expired


def test_an_expired_token_is_refused(person, settings, monkeypatch):
    token = participant.participant_token(person)
    settings.PARTICIPANT_LINK_MAX_AGE_DAYS = 90
    later = timezone.now().timestamp() + 91 * 86400
    monkeypatch.setattr("time.time", lambda: later)
    with pytest.raises(participant.LinkError) as e:
        participant.read_participant_token(token)
    assert e.value.expired and e.value.message == participant.LINK_EXPIRED


def test_a_temporary_walk_in_has_no_page(person):
    person.temporary = True
    person.save()
    with pytest.raises(participant.LinkError):
        participant.read_participant_token(participant.participant_token(person))


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_shows_sessions_hours_and_the_confirm_button_and_is_never_stored(client, person):
    response = client.get(page_url(person))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "Hej Lina!" in text
    assert "2020-03-12" in text and "1,50 timmar" in text
    assert "Bekräfta mars 2020" in text


def test_the_page_links_the_due_surveys_to_the_phone_answer_page(client, person, programme):
    from enkater.defaults import DIGKOMP, ensure_default_surveys
    from enkater.links import answer_url
    from enkater.models import Survey

    ensure_default_surveys(programme)
    survey = Survey.objects.get(programme=programme, code=DIGKOMP)
    text = client.get(page_url(person)).content.decode()
    assert "Enkäter som väntar på dig" in text
    assert f'href="{answer_url(person, survey, "före")}"' in text


def test_forged_and_expired_links_show_a_clear_swedish_page(client, person, monkeypatch):
    response = client.get(reverse("enkater:participant", args=["123:abc:def"]))
    assert response.status_code == 400
    assert "Länken är inte giltig" in response.content.decode()
    assert "Lina" not in response.content.decode()
    token = participant.participant_token(person)
    later = timezone.now().timestamp() + 91 * 86400
    monkeypatch.setattr("time.time", lambda: later)
    response = client.get(reverse("enkater:participant", args=[token]))
    assert response.status_code == 410
    assert "Länken har gått ut" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_confirming_on_the_page_with_the_mailed_code(client, person, programme):
    data = {"programme": programme.pk, "month": "2020-03"}
    response = client.post(confirm_url(person), {**data, "action": "send"})
    assert response.status_code == 200
    assert "Vi har skickat en kod" in response.content.decode()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    response = client.post(confirm_url(person), {**data, "action": "verify", "code": "12345"})
    assert response.status_code == 400
    assert "Koden är sex siffror" in response.content.decode()
    response = client.post(confirm_url(person), {**data, "action": "verify", "code": code})
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    assert "Tack! Du har bekräftat dina timmar för mars 2020." in page
    assert "Bekräfta mars 2020" not in page
    assert MonthConfirmation.objects.get().hours == Decimal("1.50")


def test_a_month_that_is_not_the_persons_is_refused(client, person, programme, ale):
    other = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    AttendanceFactory(
        session=SessionFactory(programme=programme, municipality=ale, date=dt.date(2020, 5, 5)), person=other
    )
    for data in (
        {"programme": programme.pk, "month": "2020-05"},  # someone else's month
        {"programme": programme.pk, "month": "2020-13"},
        {"programme": "10000000000000000000000", "month": "2020-03"},
        {},
    ):
        response = client.post(confirm_url(person), {**data, "action": "send"})
        assert response.status_code == 400
        assert "Välj en av månaderna i listan." in response.content.decode()
    assert not mail.outbox


def test_changed_hours_show_as_changed_after_confirmation_on_the_page(client, person, programme):
    MonthConfirmation.objects.create(
        person=person, programme=programme, month=MARCH, hours=Decimal("1.00"), confirmed_at=timezone.now()
    )
    text = client.get(page_url(person)).content.decode()
    assert "ändrad efter bekräftelse" in text and "(du bekräftade 1,00 timmar)" in text


def test_the_page_counts_no_cancelled_or_absent_rows(client, person, programme, molndal):
    cancelled = SessionFactory(
        programme=programme, municipality=molndal, date=dt.date(2020, 4, 2), status="inställd"
    )
    AttendanceFactory(session=cancelled, person=person)
    absent = SessionFactory(programme=programme, municipality=molndal, date=dt.date(2020, 5, 2))
    AttendanceFactory(session=absent, person=person, status=AttendanceStatus.ABSENT)
    text = client.get(page_url(person)).content.decode()
    assert "Bekräfta mars 2020" in text
    assert "april 2020" not in text and "maj 2020" not in text


def _history(programme, person, sessions: int) -> None:
    for i in range(sessions):
        session = SessionFactory(
            programme=programme,
            municipality=person.municipality,
            date=dt.date(2019, 5, 1) + dt.timedelta(days=9 * i),
        )
        AttendanceFactory(session=session, person=person)


def test_the_page_query_count_is_flat(client, person, programme, django_assert_max_num_queries):
    _history(programme, person, 2)
    with django_assert_max_num_queries(12) as small:
        client.get(page_url(person))
    _history(programme, person, 40)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(page_url(person)).status_code == 200


# --- the staff's list of confirmed months -----------------------------------------------------------


def list_url(programme, month="2020-03", **extra):
    params = "&".join(f"{k}={v}" for k, v in {"program": programme.pk, "manad": month, **extra}.items())
    return reverse("enkater:confirmation-list") + "?" + params


def test_the_coordinator_sees_which_months_are_confirmed(client_as, coordinator, person, programme):
    other = PersonFactory(workplace=person.workplace, last_name="Annansson")
    AttendanceFactory(session=person.attendances.first().session, person=other)
    MonthConfirmation.objects.create(
        person=person, programme=programme, month=MARCH, hours=Decimal("1.50"), confirmed_at=timezone.now()
    )
    text = client_as(coordinator).get(list_url(programme)).content.decode()
    assert "Mölndalsson, Lina" in text and "Annansson" in text
    assert text.count("Bekräftad ") == 1 and "Ej bekräftad" in text
    assert "ändrad efter bekräftelse" not in text


def test_the_list_shows_hours_changed_after_confirmation(client_as, coordinator, person, programme):
    MonthConfirmation.objects.create(
        person=person, programme=programme, month=MARCH, hours=Decimal("2.00"), confirmed_at=timezone.now()
    )
    text = client_as(coordinator).get(list_url(programme)).content.decode()
    assert "ändrad efter bekräftelse" in text


def test_the_ale_leader_does_not_see_molndal_people(client_as, local_leader_ale, person, programme, ale):
    ale_person = PersonFactory(workplace=WorkplaceFactory(municipality=ale), last_name="Alebo")
    AttendanceFactory(
        session=SessionFactory(programme=programme, municipality=ale, date=dt.date(2020, 3, 3)),
        person=ale_person,
    )
    client = client_as(local_leader_ale)
    text = client.get(list_url(programme)).content.decode()
    assert "Alebo" in text and "Mölndalsson" not in text
    response = client.get(list_url(programme, kommun=person.municipality.pk))
    assert response.status_code == 400 and "Mölndalsson" not in response.content.decode()
    assert client.get(reverse("enkater:person-participant-link", args=[person.pk])).status_code == 404
    link = client.get(reverse("enkater:person-participant-link", args=[ale_person.pk]))
    assert link.status_code == 200 and participant.participant_url(ale_person) in link.content.decode()


def test_the_list_refuses_a_bad_month_with_a_message(client_as, coordinator, programme):
    response = client_as(coordinator).get(list_url(programme, month="mars"))
    assert response.status_code == 400
    assert "Månaden ska skrivas ÅÅÅÅ-MM" in response.content.decode()


def test_a_walk_in_has_no_link_page(client_as, programme_leader, person):
    person.temporary = True
    person.save()
    assert (
        client_as(programme_leader)
        .get(reverse("enkater:person-participant-link", args=[person.pk]))
        .status_code
        == 404
    )


def _people(programme, person, n: int) -> None:
    session = person.attendances.first().session
    for _ in range(n):
        p = PersonFactory(workplace=person.workplace)
        AttendanceFactory(session=session, person=p)
        MonthConfirmation.objects.create(
            person=p, programme=programme, month=MARCH, hours=Decimal("1.50"), confirmed_at=timezone.now()
        )


def test_the_list_query_count_is_flat(
    client_as, coordinator, person, programme, django_assert_max_num_queries
):
    client = client_as(coordinator)
    _people(programme, person, 2)
    with django_assert_max_num_queries(15) as small:
        client.get(list_url(programme))
    _people(programme, person, 60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(list_url(programme))
    assert response.status_code == 200 and "63 deltagare" in response.content.decode()


# --- the monthly certificate ----------------------------------------------------------------------------


def certificate_pages(tmp_path) -> list[str]:
    out = tmp_path / "cert.pdf"
    call_command(
        "attendance_certificates", "--programme", "MODIG", "--month", "2020-03", "--output", str(out)
    )
    return [page.extract_text() for page in PdfReader(str(out)).pages]


@pytest.fixture
def three(person, programme):
    """Lina (confirmed), Bo (confirmed, then his hours changed), Cia (not confirmed)."""
    session = person.attendances.first().session
    bo = PersonFactory(workplace=person.workplace, first_name="Bo", last_name="Bosson")
    cia = PersonFactory(workplace=person.workplace, first_name="Cia", last_name="Ciasson")
    for p in (bo, cia):
        AttendanceFactory(session=session, person=p)
    at = timezone.make_aware(dt.datetime(2020, 4, 2, 9, 5))
    MonthConfirmation.objects.create(
        person=person, programme=programme, month=MARCH, hours=Decimal("1.50"), confirmed_at=at
    )
    MonthConfirmation.objects.create(
        person=bo, programme=programme, month=MARCH, hours=Decimal("1.00"), confirmed_at=at
    )
    return person, bo, cia


def _by_name(pages: list[str]) -> dict[str, str]:
    return {name: next(p for p in pages if name in p) for name in ("Lina", "Bo ", "Cia")}


def test_the_certificate_says_who_confirmed_and_when(three, tmp_path):
    pages = _by_name(certificate_pages(tmp_path))
    assert "Bekräftad av deltagaren 2020-04-02 09:05" in pages["Lina"]
    assert "ändrad efter bekräftelse" not in pages["Lina"]
    assert "Bekräftad av deltagaren 2020-04-02 09:05" in pages["Bo "]
    assert "ändrad efter bekräftelse (bekräftade 1,00 timmar)" in pages["Bo "]
    assert "Ej bekräftad" in pages["Cia"] and "Bekräftad av" not in pages["Cia"]


def test_the_chunked_certificate_says_the_same(three, tmp_path, settings):
    whole = certificate_pages(tmp_path)
    settings.REPORT_CHUNK_PAGES = 1
    assert certificate_pages(tmp_path) == whole


# --- sending the link by e-mail -------------------------------------------------------------------


def test_the_link_is_mailed_to_the_person_once_a_day_and_opens_their_page(client_as, coordinator, person):
    from django.core import mail

    url = reverse("enkater:person-participant-link", args=[person.pk])
    client = client_as(coordinator)
    assert "Skicka länken till lina@molndal.se" in client.get(url).content.decode()
    response = client.post(url, follow=True)
    assert "Länken är skickad till lina@molndal.se." in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["lina@molndal.se"]
    link = next(w for w in mail.outbox[0].body.split() if "/enkater/mig/" in w)
    assert link.endswith(participant.participant_url(person))
    assert client.get(link[link.index("/enkater/") :]).status_code == 200
    # A second click the same day sends nothing more, and says so.
    again = client.post(url, follow=True).content.decode()
    assert "Länken skickades redan i dag till lina@molndal.se." in again and len(mail.outbox) == 1


def test_without_an_address_nothing_is_sent_and_the_page_says_why(client_as, coordinator, person):
    from django.core import mail

    person.email = ""
    person.save()
    url = reverse("enkater:person-participant-link", args=[person.pk])
    page = client_as(coordinator).post(url, follow=True).content.decode()
    assert "Lina Mölndalsson har ingen e-postadress i portalen." in page and mail.outbox == []


def test_the_ale_leader_cannot_mail_a_molndal_persons_link(client_as, local_leader_ale, person):
    from django.core import mail

    url = reverse("enkater:person-participant-link", args=[person.pk])
    assert client_as(local_leader_ale).post(url).status_code == 404 and mail.outbox == []
