"""The kurser pages through HTTP: happy path, scope (404), role (403), bad input (400), the JSON
attendance endpoint (replay and conflict), and flat query counts at two data sizes."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.urls import reverse

from kurser import services
from kurser.models import Attendance, AttendanceStatus, Session, Submission
from tests.factories import PersonFactory, SessionFactory, UserFactory, WorkplaceFactory
from tests.kurser.conftest import started_session

pytestmark = pytest.mark.django_db


def submit(client, session, marks, client_id=None):
    body = {"client_id": str(client_id or uuid.uuid4()), "marks": marks}
    return client.post(
        reverse("kurser:session-attendance-submit", args=[session.pk]),
        json.dumps(body),
        content_type="application/json",
    )


def present(people):
    return [{"person_id": p.pk, "status": "närvarande", "minutes": None} for p in people]


# --- the JSON endpoint ------------------------------------------------------------------------


def test_submission_answers_200_with_the_stored_result(client_as, ombud_molndal, session, colleagues):
    r = submit(client_as(ombud_molndal), session, present(colleagues))
    assert r.status_code == 200
    assert len(r.json()["marks"]) == 12
    assert Attendance.objects.filter(session=session, status="närvarande").count() == 12


def test_replayed_submission_gives_the_same_answer_and_no_duplicates(
    client_as, ombud_molndal, session, colleagues
):
    c = client_as(ombud_molndal)
    cid = uuid.uuid4()
    first = submit(c, session, present(colleagues), cid)
    again = submit(c, session, present(colleagues), cid)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert Submission.objects.filter(client_id=cid).count() == 1
    assert Attendance.objects.filter(session=session).count() == 12


def test_same_id_with_other_content_answers_409(client_as, ombud_molndal, session, colleagues):
    c = client_as(ombud_molndal)
    cid = uuid.uuid4()
    submit(c, session, present(colleagues), cid)
    r = submit(c, session, present(colleagues[:3]), cid)
    assert r.status_code == 409
    assert r.json()["error"] == str(services.SUBMISSION_CONFLICT)


def test_invalid_marks_answer_400_with_the_message(client_as, ombud_molndal, session, colleagues):
    r = submit(
        client_as(ombud_molndal), session, [{"person_id": colleagues[0].pk, "status": "sen", "minutes": None}]
    )
    assert r.status_code == 400
    assert r.json()["error"] == str(services.ATTENDANCE_MINUTES_REQUIRED)
    r = client_as(ombud_molndal).post(
        reverse("kurser:session-attendance-submit", args=[session.pk]),
        "not json",
        content_type="application/json",
    )
    assert r.status_code == 400


def test_other_ombud_gets_404_and_coordinator_403(client_as, session, colleagues, coordinator, molndal):
    other = UserFactory(role="ombud", person=PersonFactory(workplace=WorkplaceFactory(municipality=molndal)))
    assert submit(client_as(other), session, present(colleagues)).status_code == 404
    assert submit(client_as(coordinator), session, present(colleagues)).status_code == 403
    assert not Attendance.objects.filter(status="närvarande").exists()


# --- pages ------------------------------------------------------------------------------------


def test_attendance_screen_lists_the_invited_with_qr(client_as, ombud_molndal, session, colleagues):
    r = client_as(ombud_molndal).get(reverse("kurser:session-attendance", args=[session.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert colleagues[0].full_name in html and "<svg" in html
    assert "js/attendance.js" in html
    assert colleagues[0].personnummer not in html  # ombud never see personnummer


def test_pages_for_the_ombud(client_as, ombud_molndal, session, colleagues):
    c = client_as(ombud_molndal)
    services.attendance_submit(
        session=session, marks=present(colleagues[:5]), client_id=uuid.uuid4(), by=ombud_molndal
    )
    r = c.get(reverse("kurser:my-reach"))
    assert r.status_code == 200 and "5" in r.content.decode()
    r = c.get(reverse("kurser:untrained"))
    assert r.status_code == 200
    html = r.content.decode()
    assert colleagues[6].full_name in html and colleagues[0].full_name not in html
    assert c.get(reverse("kurser:my-sessions")).status_code == 200
    assert c.get(reverse("home")).status_code == 200
    assert c.get(reverse("kurser:session-detail", args=[session.pk])).status_code == 200
    assert c.get(reverse("kurser:session-signup-sheet", args=[session.pk])).status_code == 200
    assert c.get(reverse("kurser:session-qr", args=[session.pk])).status_code == 200


def test_reach_counts_distinct_attended_in_own_workplace_training(
    ombud_molndal, session, colleagues, programme, course, ombud_person
):
    from kurser import selectors

    services.attendance_submit(
        session=session, marks=present(colleagues[:4]), client_id=uuid.uuid4(), by=ombud_molndal
    )
    second = started_session(programme, course, ombud_person)
    services.attendance_mark(session=second, person=colleagues[0], status="närvarande", by=ombud_molndal)
    services.attendance_mark(session=second, person=colleagues[5], status="frånvarande", by=ombud_molndal)
    assert selectors.my_reach(user=ombud_molndal).reached == 4


def test_ombud_pages_are_403_for_other_roles(client_as, local_leader_ale):
    c = client_as(local_leader_ale)
    for name in ("kurser:my-sessions", "kurser:my-reach", "kurser:untrained"):
        assert c.get(reverse(name)).status_code == 403


def test_leader_pages_are_403_for_the_ombud(client_as, ombud_molndal):
    c = client_as(ombud_molndal)
    assert c.get(reverse("kurser:session-list")).status_code == 403
    assert c.get(reverse("kurser:approval-list")).status_code == 403


def test_local_leader_sees_only_own_municipality(
    client_as, local_leader_ale, session, programme, course, ale
):
    ale_session = SessionFactory(programme=programme, course=course, municipality=ale, trainer_name="Extern")
    c = client_as(local_leader_ale)
    r = c.get(reverse("kurser:session-list"))
    assert r.status_code == 200
    assert reverse("kurser:session-detail", args=[ale_session.pk]) in r.content.decode()
    assert reverse("kurser:session-detail", args=[session.pk]) not in r.content.decode()
    assert c.get(reverse("kurser:session-detail", args=[session.pk])).status_code == 404


def test_local_leader_approves_from_the_queue(client_as, local_leader_ale, programme, course, ale):
    s = SessionFactory(
        programme=programme, course=course, municipality=ale, trainer_name="Extern", status="genomförd"
    )
    c = client_as(local_leader_ale)
    r = c.get(reverse("kurser:approval-list"))
    assert reverse("kurser:session-detail", args=[s.pk]) in r.content.decode()
    r = c.post(reverse("kurser:session-approve", args=[s.pk]))
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.is_approved and s.approved_by == local_leader_ale


def test_outsider_sees_nothing(client_as, outsider, session):
    c = client_as(outsider)
    assert c.get(reverse("kurser:session-list")).status_code == 403
    assert c.get(reverse("kurser:session-detail", args=[session.pk])).status_code == 403


def test_ombud_creates_a_fortnightly_series_and_invites(
    client_as, ombud_molndal, programme, course, molndal, ombud_person, colleagues
):
    c = client_as(ombud_molndal)
    assert c.get(reverse("kurser:session-create")).status_code == 200
    data = {
        "programme": programme.pk,
        "course": course.pk,
        "municipality": molndal.pk,
        "workplace": ombud_person.workplace_id,
        "date": "2026-12-01",
        "start_time": "13:30",
        "planned_minutes": 60,
        "form": "på plats",
        "repeat": "2",
        "count": 3,
    }
    r = c.post(reverse("kurser:session-create"), data)
    assert r.status_code == 302
    created = Session.objects.filter(trainer=ombud_person, date__gte=dt.date(2026, 12, 1)).order_by("date")
    assert [s.date for s in created] == [dt.date(2026, 12, 1), dt.date(2026, 12, 15), dt.date(2026, 12, 29)]
    r = c.get(reverse("kurser:session-invite", args=[created[0].pk]) + "?ej_utbildade=1")
    assert colleagues[0].full_name in r.content.decode()
    r = c.post(
        reverse("kurser:session-invite", args=[created[0].pk]), {"people": [p.pk for p in colleagues[:4]]}
    )
    assert r.status_code == 302
    assert created[0].attendances.filter(status=AttendanceStatus.REGISTERED).count() == 4


def test_bad_session_form_is_400_with_message(client_as, ombud_molndal, programme, course, molndal):
    r = client_as(ombud_molndal).post(
        reverse("kurser:session-create"), {"programme": programme.pk, "course": course.pk}
    )
    assert r.status_code == 400


def test_walk_in_search_finds_by_name(client_as, ombud_molndal, session, ombud_person):
    walk_in = PersonFactory(workplace=ombud_person.workplace, first_name="Zacharias", last_name="Öberg")
    r = client_as(ombud_molndal).get(
        reverse("kurser:session-person-search", args=[session.pk]), {"q": "zachar"}
    )
    assert r.status_code == 200 and "Zacharias Öberg" in r.content.decode()
    assert f'data-add-person="{walk_in.pk}"' in r.content.decode()


# --- flat query counts ------------------------------------------------------------------------


def grow(programme, course, ombud_person, n):
    """n more held sessions with rows, in Mölndal, led by the ombud."""
    for _ in range(n):
        s = SessionFactory(
            programme=programme,
            course=course,
            municipality=ombud_person.municipality,
            trainer=ombud_person,
            workplace=ombud_person.workplace,
        )
        for p in PersonFactory.create_batch(3, workplace=ombud_person.workplace):
            Attendance.objects.create(session=s, person=p, status="närvarande", minutes=60)


@pytest.mark.parametrize(
    ("persona", "name"),
    [
        ("ombud_molndal", "kurser:my-sessions"),
        ("ombud_molndal", "kurser:my-reach"),
        ("ombud_molndal", "kurser:untrained"),
        ("ombud_molndal", "home"),
        ("programme_leader", "kurser:session-list"),
        ("programme_leader", "kurser:approval-list"),
        ("programme_leader", "kurser:statistics"),
    ],
)
def test_query_count_does_not_grow_with_data(
    request, client_as, django_assert_max_num_queries, programme, course, ombud_person, session, persona, name
):
    c = client_as(request.getfixturevalue(persona))
    grow(programme, course, ombud_person, 2)
    with django_assert_max_num_queries(20) as small:
        assert c.get(reverse(name)).status_code == 200
    grow(programme, course, ombud_person, 15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(reverse(name)).status_code == 200


def test_attendance_screen_query_count_is_flat(
    client_as, django_assert_max_num_queries, ombud_molndal, session, ombud_person
):
    c = client_as(ombud_molndal)
    url = reverse("kurser:session-attendance", args=[session.pk])
    with django_assert_max_num_queries(20) as small:
        assert c.get(url).status_code == 200
    added = PersonFactory.create_batch(20, workplace=ombud_person.workplace)
    for p in added:
        Attendance.objects.create(session=session, person=p)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = c.get(url)
    assert response.status_code == 200
    assert all(p.full_name in response.content.decode() for p in added)


def test_ombud_without_ombud_row_falls_back_to_own_workplace(client_as, molndal):
    wp = WorkplaceFactory(municipality=molndal)
    person = PersonFactory(workplace=wp, target_group="digitaliseringsombud")
    user = UserFactory(role="ombud", person=person)
    colleague = PersonFactory(workplace=wp)
    r = client_as(user).get(reverse("kurser:untrained"))
    assert colleague.full_name in r.content.decode()


def test_leader_changes_an_approved_session_with_a_reason(
    client_as, programme_leader, ombud_molndal, session, colleagues
):
    services.attendance_submit(
        session=session, marks=present(colleagues), client_id=uuid.uuid4(), by=ombud_molndal
    )
    services.session_approve(session=session, by=programme_leader)
    c = client_as(programme_leader)
    assert (
        'id="change-reason"'
        in c.get(reverse("kurser:session-attendance", args=[session.pk])).content.decode()
    )
    marks = [{"person_id": colleagues[0].pk, "status": "frånvarande", "minutes": 0}]
    r = submit(c, session, marks)
    assert r.status_code == 400 and r.json()["error"] == str(services.SESSION_APPROVED_REASON)
    body = {"client_id": str(uuid.uuid4()), "marks": marks, "reason": "Fel i listan"}
    r = c.post(
        reverse("kurser:session-attendance-submit", args=[session.pk]),
        json.dumps(body),
        content_type="application/json",
    )
    assert r.status_code == 200
    assert Attendance.objects.get(session=session, person=colleagues[0]).status == "frånvarande"
    assert submit(client_as(ombud_molndal), session, marks).json()["error"] == str(
        services.SESSION_APPROVED_LOCKED
    )


def test_cancel_needs_the_confirm_form_and_sets_the_status(
    client_as, ombud_molndal, programme, course, ombud_person
):
    import datetime as _dt

    later = started_session(programme, course, ombud_person, date=_dt.date.today() + _dt.timedelta(days=5))
    c = client_as(ombud_molndal)
    assert (
        "Ja, ställ in tillfället" in c.get(reverse("kurser:session-detail", args=[later.pk])).content.decode()
    )
    r = c.post(reverse("kurser:session-cancel", args=[later.pk]), {"reason": "Personalbrist"})
    assert r.status_code == 302
    later.refresh_from_db()
    assert later.status == Session.Status.CANCELLED


def test_trainer_is_not_offered_as_an_invitee(client_as, ombud_molndal, session, ombud_person):
    r = client_as(ombud_molndal).get(reverse("kurser:session-invite", args=[session.pk]))
    assert f'value="{ombud_person.pk}"' not in r.content.decode()


def test_started_session_where_nobody_came_can_be_marked_held(client_as, ombud_molndal, session):
    c = client_as(ombud_molndal)
    assert (
        "Markera som genomfört" in c.get(reverse("kurser:session-detail", args=[session.pk])).content.decode()
    )
    assert c.post(reverse("kurser:session-mark-held", args=[session.pk])).status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.HELD


def test_attendance_state_shows_qr_check_ins(client_as, ombud_molndal, session, colleagues):
    services.attendance_checkin(
        session=session, name=colleagues[0].full_name, last_four=colleagues[0].personnummer[-4:]
    )
    r = client_as(ombud_molndal).get(reverse("kurser:session-attendance-state", args=[session.pk]))
    assert r.status_code == 200
    marks = {m["person_id"]: m["status"] for m in r.json()["marks"]}
    assert marks[colleagues[0].pk] == "närvarande" and len(marks) == 12
    assert "personnummer" not in r.content.decode()


def test_local_leader_approves_several_at_once_but_only_in_scope(
    client_as, local_leader_ale, programme, course, ale, molndal
):
    mine = [
        SessionFactory(
            programme=programme, course=course, municipality=ale, trainer_name="Extern", status="genomförd"
        )
        for _ in range(3)
    ]
    other = SessionFactory(
        programme=programme, course=course, municipality=molndal, trainer_name="X", status="genomförd"
    )
    r = client_as(local_leader_ale).post(
        reverse("kurser:session-approve-bulk"), {"ids": [s.pk for s in mine] + [other.pk]}
    )
    assert r.status_code == 302
    assert Session.objects.filter(pk__in=[s.pk for s in mine], approved_at__isnull=False).count() == 3
    other.refresh_from_db()
    assert not other.is_approved


def test_statistics_default_to_the_last_30_days_with_training(
    client_as, programme_leader, programme, course, ale
):
    SessionFactory(
        programme=programme, course=course, municipality=ale, trainer_name="X", date=dt.date(2021, 6, 30)
    )
    old = SessionFactory(
        programme=programme, course=course, municipality=ale, trainer_name="X", date=dt.date(2020, 1, 10)
    )
    Attendance.objects.create(
        session=old,
        person=PersonFactory(workplace=WorkplaceFactory(municipality=ale)),
        status="närvarande",
        minutes=60,
    )
    r = client_as(programme_leader).get(reverse("kurser:statistics"))
    html = r.content.decode()
    assert "2021-05-31–2021-06-30" in html
    assert old.course.title not in html.split("<tbody>")[1] or "Ingen närvaro" in html
    r = client_as(programme_leader).get(
        reverse("kurser:statistics"), {"date_from": "2020-01-01", "date_to": "2020-12-31"}
    )
    assert course.title in r.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "kurser:session-detail",
        "kurser:session-invite",
        "kurser:session-signup-sheet",
        "kurser:session-attendance-state",
    ],
)
def test_session_pages_query_count_is_flat(
    client_as, django_assert_max_num_queries, ombud_molndal, session, ombud_person, name
):
    c = client_as(ombud_molndal)
    url = reverse(name, args=[session.pk])
    with django_assert_max_num_queries(25) as small:
        assert c.get(url).status_code == 200
    for p in PersonFactory.create_batch(15, workplace=ombud_person.workplace):
        Attendance.objects.create(session=session, person=p)
    PersonFactory.create_batch(10, workplace=ombud_person.workplace)  # more people to invite
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get(url).status_code == 200


@pytest.mark.django_db
def test_kurser_root_leads_each_role_to_its_session_page(
    client_as, ombud_molndal, programme_leader, coordinator
):
    from django.urls import reverse

    assert client_as(ombud_molndal).get("/kurser/").url == reverse("kurser:my-sessions")
    assert client_as(programme_leader).get("/kurser/").url == reverse("kurser:session-list")
    assert client_as(coordinator).get("/kurser/").status_code == 403
