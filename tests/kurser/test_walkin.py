"""Walk-ins not in the register (issue 13 item 3): the ombud adds them on the tablet as temporary
participants; the local leader merges each with a registered person or completes the record.
Until then they count nowhere in the reports, which say how many remain."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from kurser import walkin
from kurser.models import Attendance, AttendanceStatus
from ombud import personnummer as pnr
from ombud import services as ombud_services
from ombud.models import AuditLog, Person
from rapporter import queries
from tests.factories import AttendanceFactory, PersonFactory, WorkplaceFactory, make_personnummer
from tests.kurser.conftest import started_session

pytestmark = pytest.mark.django_db


def add_walk_in(client, session, *, client_id=None, **fields):
    body = {
        "client_id": str(client_id or uuid.uuid4()),
        "first_name": "Ines",
        "last_name": "Walkin",
        "workplace_id": session.workplace_id,
        "personnummer": "",
        **fields,
    }
    return client.post(
        reverse("kurser:session-walkin", args=[session.pk]), json.dumps(body), content_type="application/json"
    )


def submit(client, session, person_id, status="närvarande"):
    body = {
        "client_id": str(uuid.uuid4()),
        "marks": [{"person_id": person_id, "status": status, "minutes": None}],
    }
    return client.post(
        reverse("kurser:session-attendance-submit", args=[session.pk]),
        json.dumps(body),
        content_type="application/json",
    )


@pytest.fixture
def ale_session(programme, course, ale):
    trainer = PersonFactory(workplace=WorkplaceFactory(municipality=ale, name="Ale hemtjänst"))
    return started_session(programme, course, trainer)


def temporary_in(municipality, **kw) -> Person:
    workplace = WorkplaceFactory(municipality=municipality)
    return PersonFactory(
        workplace=workplace, personnummer=None, gender="", birth_date=None, temporary=True, **kw
    )


# --- the tablet -------------------------------------------------------------------------------


def test_ombud_adds_a_walk_in_who_is_then_marked_present(client_as, ombud_molndal, session, molndal):
    client = client_as(ombud_molndal)
    r = add_walk_in(client, session)
    assert r.status_code == 200
    person = Person.objects.get(pk=r.json()["person_id"])
    assert r.json() == {"person_id": person.pk, "name": "Ines Walkin", "workplace": session.workplace.name}
    assert person.temporary and person.municipality == molndal and person.personnummer is None
    assert submit(client, session, person.pk).status_code == 200
    assert Attendance.objects.get(session=session, person=person).status == AttendanceStatus.PRESENT


def test_the_search_offers_to_add_someone_new(client_as, ombud_molndal, session):
    r = client_as(ombud_molndal).get(
        reverse("kurser:session-person-search", args=[session.pk]), {"q": "Ines W"}
    )
    assert "Lägg till ny deltagare" in r.content.decode()
    form = client_as(ombud_molndal).get(
        reverse("kurser:session-walkin", args=[session.pk]), {"q": "Ines Walkin"}
    )
    assert form.status_code == 200
    assert 'value="Ines"' in form.content.decode() and 'value="Walkin"' in form.content.decode()


def test_replayed_walk_in_creates_one_person(client_as, ombud_molndal, session):
    client = client_as(ombud_molndal)
    client_id = uuid.uuid4()
    first = add_walk_in(client, session, client_id=client_id)
    again = add_walk_in(client, session, client_id=client_id)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Person.objects.filter(last_name="Walkin").count() == 1


def test_ombud_of_molndal_cannot_add_into_an_ale_session(client_as, ombud_molndal, ale_session):
    r = add_walk_in(client_as(ombud_molndal), ale_session)
    assert r.status_code == 404
    assert not Person.objects.filter(last_name="Walkin").exists()


def test_a_workplace_of_another_municipality_is_refused(client_as, ombud_molndal, session, ale):
    other = WorkplaceFactory(municipality=ale)
    r = add_walk_in(client_as(ombud_molndal), session, workplace_id=other.pk)
    assert r.status_code == 400
    assert r.json() == {"error": str(ombud_services.TEMPORARY_WORKPLACE_REQUIRED)}
    assert not Person.objects.filter(last_name="Walkin").exists()


def test_a_missing_name_is_refused(client_as, ombud_molndal, session):
    r = add_walk_in(client_as(ombud_molndal), session, last_name="  ")
    assert r.status_code == 400
    assert r.json() == {"error": str(ombud_services.TEMPORARY_NAME_REQUIRED)}


def test_the_personnummer_is_read_by_the_import_parser(client_as, ombud_molndal, session):
    client = client_as(ombud_molndal)
    r = add_walk_in(client, session, personnummer="12345")
    assert r.status_code == 400
    assert r.json() == {"error": str(pnr.PNR_FORMAT)}
    number = make_personnummer(901)
    r = add_walk_in(client, session, personnummer=number[2:8] + "-" + number[8:])
    assert r.status_code == 200
    person = Person.objects.get(pk=r.json()["person_id"])
    assert person.personnummer == number and person.birth_date == pnr.birth_date(number)


def test_a_registered_personnummer_is_not_added_again(client_as, ombud_molndal, session, colleagues):
    r = add_walk_in(client_as(ombud_molndal), session, personnummer=colleagues[0].personnummer)
    assert r.status_code == 400
    assert r.json() == {"error": str(ombud_services.TEMPORARY_PERSONNUMMER_KNOWN)}
    assert not Person.objects.filter(last_name="Walkin").exists()


def test_malformed_body_is_a_bad_request(client_as, ombud_molndal, session):
    url = reverse("kurser:session-walkin", args=[session.pk])
    r = client_as(ombud_molndal).post(url, "[1]", content_type="application/json")
    assert r.status_code == 400
    assert r.json() == {"error": "Felaktigt inskick."}


# --- the local leader's list ------------------------------------------------------------------


def test_local_leader_sees_the_temporaries_of_their_municipality_only(
    client_as, local_leader_ale, ale, molndal
):
    mine = temporary_in(ale, first_name="Alva", last_name="Tillfällig")
    theirs = temporary_in(molndal, first_name="Mira", last_name="Tillfällig")
    client = client_as(local_leader_ale)
    page = client.get(reverse("kurser:temporary-list")).content.decode()
    assert "Alva Tillfällig" in page and "Mira Tillfällig" not in page
    assert client.get(reverse("kurser:temporary-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("kurser:temporary-detail", args=[theirs.pk])).status_code == 404


def test_local_leader_cannot_merge_another_municipalitys_temporary(client_as, local_leader_ale, ale, molndal):
    theirs = temporary_in(molndal)
    row = AttendanceFactory(person=theirs)
    registered = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-merge", args=[theirs.pk]), {"into": registered.pk}
    )
    assert r.status_code == 404
    row.refresh_from_db()
    assert row.person_id == theirs.pk


def test_local_leader_cannot_merge_into_a_person_outside_scope(client_as, local_leader_ale, ale, molndal):
    mine = temporary_in(ale)
    outside = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-merge", args=[mine.pk]), {"into": outside.pk}
    )
    assert r.status_code == 400
    assert str(walkin_views_message()) in r.content.decode()
    assert Person.objects.filter(pk=mine.pk).exists()


def walkin_views_message():
    from kurser.walkin_views import MERGE_PICK

    return MERGE_PICK


def test_ombud_and_coordinator_get_403_on_the_list(client_as, ombud_molndal, coordinator):
    assert client_as(ombud_molndal).get(reverse("kurser:temporary-list")).status_code == 403
    assert client_as(coordinator).get(reverse("kurser:temporary-list")).status_code == 403


def test_the_menu_has_the_list_for_leaders(client_as, local_leader_ale):
    page = client_as(local_leader_ale).get("/").content.decode()
    assert reverse("kurser:temporary-list") in page


def test_merge_moves_all_attendance_and_the_audit_keeps_both(client_as, local_leader_ale, ale):
    temp = temporary_in(ale, first_name="Ines", last_name="Walkin")
    rows = [AttendanceFactory(person=temp, session__municipality=ale) for _ in range(2)]
    registered = PersonFactory(
        workplace=WorkplaceFactory(municipality=ale), first_name="Inés", last_name="Walkin"
    )
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-merge", args=[temp.pk]), {"into": registered.pk}
    )
    assert r.status_code == 302
    assert not Person.objects.filter(pk=temp.pk).exists()
    assert {a.person_id for a in Attendance.objects.filter(pk__in=[a.pk for a in rows])} == {registered.pk}
    entry = AuditLog.objects.filter(person=registered).latest("at")
    assert entry.detail["temporary"]["first_name"] == "Ines"
    assert entry.detail["into"]["id"] == registered.pk


def test_merge_where_both_attended_keeps_the_better_row_and_says_so(client_as, local_leader_ale, ale):
    temp = temporary_in(ale)
    registered = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    row = AttendanceFactory(person=temp, session__municipality=ale)
    AttendanceFactory(person=registered, session=row.session, status=AttendanceStatus.ABSENT, minutes=0)
    client = client_as(local_leader_ale)
    r = client.post(reverse("kurser:temporary-merge", args=[temp.pk]), {"into": registered.pk}, follow=True)
    assert "Båda fanns på" in r.content.decode()
    kept = Attendance.objects.get(session=row.session, person=registered)
    assert (kept.status, kept.minutes) == (AttendanceStatus.PRESENT, row.session.planned_minutes)
    assert Attendance.objects.filter(session=row.session).count() == 1


def test_complete_makes_the_walk_in_a_registered_person(client_as, local_leader_ale, ale):
    temp = temporary_in(ale)
    number = make_personnummer(902)
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-complete", args=[temp.pk]),
        {"personnummer": number, "gender": "", "target_group": "operativ chef"},
    )
    assert r.status_code == 302
    temp.refresh_from_db()
    assert not temp.temporary
    assert (temp.personnummer, temp.gender, temp.target_group) == (
        number,
        pnr.gender(number),
        "operativ chef",
    )


def test_complete_with_a_bad_personnummer_says_so(client_as, local_leader_ale, ale):
    temp = temporary_in(ale)
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-complete", args=[temp.pk]),
        {"personnummer": "12", "target_group": "baspersonal"},
    )
    assert r.status_code == 400
    assert str(pnr.PNR_FORMAT) in r.content.decode()
    temp.refresh_from_db()
    assert temp.temporary


def test_complete_with_a_registered_personnummer_proposes_a_merge(client_as, local_leader_ale, ale):
    temp = temporary_in(ale)
    registered = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-complete", args=[temp.pk]),
        {"personnummer": registered.personnummer, "target_group": "baspersonal"},
    )
    assert r.status_code == 409
    body = r.content.decode()
    assert 'id="merge-proposal"' in body and f'name="into" value="{registered.pk}"' in body
    temp.refresh_from_db()
    assert temp.temporary and temp.personnummer is None
    assert Person.objects.filter(personnummer=registered.personnummer).count() == 1


def test_complete_with_a_personnummer_outside_scope_is_refused(client_as, local_leader_ale, ale, molndal):
    temp = temporary_in(ale)
    outside = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    r = client_as(local_leader_ale).post(
        reverse("kurser:temporary-complete", args=[temp.pk]),
        {"personnummer": outside.personnummer, "target_group": "baspersonal"},
    )
    assert r.status_code == 400
    assert str(ombud_services.TEMPORARY_PERSONNUMMER_OTHER_SCOPE) in r.content.decode()
    assert outside.last_name not in r.content.decode()


# --- counting ---------------------------------------------------------------------------------


def test_a_temporary_participant_counts_only_once_completed(programme, ale, local_leader_ale):
    temp = temporary_in(ale)
    AttendanceFactory(person=temp, session__programme=programme, session__municipality=ale)
    summary = queries.esf_summary(programme=programme)
    assert summary["totals"]["participants"] == 0
    assert summary["totals"]["participant_hours"] == 0
    assert summary["temporary_participants"] == 1
    ombud_services.person_complete(
        person=temp, personnummer=make_personnummer(903), target_group="baspersonal", by=local_leader_ale
    )
    summary = queries.esf_summary(programme=programme)
    assert summary["totals"]["participants"] == 1
    assert summary["totals"]["participant_hours"] == 1.0
    assert "temporary_participants" not in summary


def test_a_merged_participant_counts_as_the_registered_person(programme, ale, local_leader_ale):
    temp = temporary_in(ale)
    AttendanceFactory(person=temp, session__programme=programme, session__municipality=ale)
    registered = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    walkin.temporary_merge(temporary=temp, into=registered, by=local_leader_ale)
    summary = queries.esf_summary(programme=programme)
    assert summary["totals"]["participants"] == 1
    assert "temporary_participants" not in summary


def test_a_merge_in_a_closed_month_is_audited_and_marks_the_month_changed(programme, ale, local_leader_ale):
    import datetime as dt

    from kurser.models import ClosedMonth

    temp = temporary_in(ale)
    row = AttendanceFactory(
        person=temp,
        session__programme=programme,
        session__municipality=ale,
        session__date=dt.date(2020, 3, 12),
    )
    closed = ClosedMonth.objects.create(programme=programme, month=dt.date(2020, 3, 1))
    registered = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    walkin.temporary_merge(temporary=temp, into=registered, by=local_leader_ale)
    closed.refresh_from_db()
    assert closed.changed_at is not None
    entry = AuditLog.objects.get(detail__closed_month="2020-03")
    assert entry.reason == walkin.MERGE_REASON and entry.detail["session"] == row.session_id


def test_a_walk_in_is_not_listed_as_an_untrained_colleague(client_as, ombud_molndal, session):
    client = client_as(ombud_molndal)
    person_id = add_walk_in(client, session).json()["person_id"]
    submit(client, session, person_id)
    page = client.get(reverse("kurser:untrained")).content.decode()
    assert "Ines Walkin" not in page
