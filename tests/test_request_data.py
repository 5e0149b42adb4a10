"""What a request carries is read one safe way (issue 9 items 9 and 10).

Numbers: an id far beyond any database integer (10^25) in a URL, a query string, a form or a JSON
body is simply "not there" — 404 for the object of the page, 400 or "ignored" for a filter —
never a server error. Redirects: a `next` pointing at another site is never followed.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from tests.factories import (
    CourseFactory,
    OmbudFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

HUGE = str(10**25)


@pytest.fixture
def programme(ale, molndal):
    return ProgrammeFactory(code="MODIG", municipalities=[ale, molndal])


@pytest.fixture
def ale_session(programme, ale):
    workplace = WorkplaceFactory(municipality=ale)
    trainer = PersonFactory(workplace=workplace)
    OmbudFactory(person=trainer)
    return SessionFactory(
        programme=programme,
        course=CourseFactory(),
        municipality=ale,
        workplace=workplace,
        trainer=trainer,
        status="genomförd",
    )


# --- oversized numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ombud:person-detail",
        "ombud:person-edit",
        "ombud:person-gdpr-export",
        "ombud:person-erase",
        "ombud:ombud-edit",
        "ombud:municipality-detail",
        "ombud:municipality-edit",
        "ombud:workplace-create",
        "ombud:workplace-edit",
        "ombud:programme-edit",
        "ombud:user-edit",
        "kurser:session-detail",
        "kurser:session-attendance",
        "kurser:session-signup-sheet",
        "kurser:session-invite",
        "kurser:session-qr",
        "rapporter:report-download",
    ],
)
def test_a_huge_id_in_the_url_is_404(client_as, programme_leader, name):
    assert client_as(programme_leader).get(reverse(name, args=[HUGE])).status_code == 404


@pytest.mark.parametrize("param", ["municipality", "workplace"])
def test_a_huge_filter_on_the_staff_list_is_ignored(client_as, programme_leader, local_leader_ale, param):
    for user in (programme_leader, local_leader_ale):
        response = client_as(user).get(reverse("ombud:person-list"), {param: HUGE})
        assert response.status_code == 200
        export = client_as(user).get(reverse("ombud:person-export"), {param: HUGE})
        assert export.status_code == 200


def test_a_huge_municipality_gives_no_workplace_options(client_as, programme_leader, local_leader_ale):
    for user in (programme_leader, local_leader_ale):
        response = client_as(user).get(reverse("ombud:workplace-options"), {"municipality": HUGE})
        assert response.status_code == 200
        assert "<option" not in response.content.decode().replace('<option value="">', "")


def test_a_huge_person_when_appointing_an_ombud_is_404(client_as, programme_leader):
    response = client_as(programme_leader).get(reverse("ombud:ombud-create"), {"person": HUGE})
    assert response.status_code == 404


@pytest.mark.parametrize("bad", [HUGE, "-1", "x", "1e3"])
def test_malformed_ids_in_bulk_approval_are_400_and_approve_nothing(
    client_as, programme_leader, ale_session, bad
):
    url = reverse("kurser:session-approve-bulk")
    response = client_as(programme_leader).post(url, {"ids": [str(ale_session.pk), bad]})
    assert response.status_code == 400
    assert response.content.decode() == "Felaktigt urval av tillfällen."
    ale_session.refresh_from_db()
    assert ale_session.approved_at is None


def test_a_huge_person_id_in_the_attendance_body_is_400(client_as, programme_leader, ale_session):
    url = reverse("kurser:session-attendance-submit", args=[ale_session.pk])
    body = {"client_id": str(uuid.uuid4()), "marks": [{"person_id": int(HUGE), "status": "närvarande"}]}
    response = client_as(programme_leader).post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "data",
    [
        {"municipality": HUGE, "role": "lokal_projektledare"},
        {"person": HUGE, "role": "ombud"},
    ],
)
def test_huge_ids_in_the_user_form_are_400(client_as, programme_leader, data):
    response = client_as(programme_leader).post(reverse("ombud:user-invite"), {"username": "x", **data})
    assert response.status_code == 400


def test_huge_ids_in_the_session_form_are_400(client_as, programme_leader, programme):
    data = dict.fromkeys(("programme", "course", "municipality", "workplace", "trainer"), HUGE)
    response = client_as(programme_leader).post(reverse("kurser:session-create"), data)
    assert response.status_code == 400


def test_huge_people_in_the_invite_form_are_400(client_as, programme_leader, ale_session):
    url = reverse("kurser:session-invite", args=[ale_session.pk])
    assert client_as(programme_leader).post(url, {"people": [HUGE]}).status_code == 400


@pytest.mark.parametrize("month", ["9999-12", "99999999999999999999-01", "2020-99"])
def test_closing_an_impossible_month_is_400(client_as, programme_leader, programme, month):
    data = {"programme": programme.pk, "month": month}
    assert client_as(programme_leader).post(reverse("rapporter:months"), data).status_code == 400


def test_a_huge_programme_on_the_report_form_is_400(client_as, programme_leader, programme):
    data = {"kind": "esf", "format": "pdf", "programme": HUGE}
    assert client_as(programme_leader).post(reverse("rapporter:report-list"), data).status_code == 400


@pytest.mark.parametrize("param", ["municipality", "programme", "sida", "page"])
def test_huge_filters_on_lists_do_not_fail(client_as, programme_leader, programme, param):
    for name in ("kurser:session-list", "kurser:statistics", "rapporter:dashboard", "kurser:approval-list"):
        response = client_as(programme_leader).get(reverse(name), {param: HUGE})
        assert response.status_code in (200, 400), name


# --- redirects --------------------------------------------------------------------------------

EVIL = [
    "https://evil.example/",
    "//evil.example/",
    "http:evil.example",
    "/\\evil.example",
    " https://evil.example",
]


@pytest.mark.parametrize("target", EVIL)
def test_approving_never_redirects_to_another_site(client_as, programme_leader, ale_session, target):
    url = reverse("kurser:session-approve", args=[ale_session.pk])
    response = client_as(programme_leader).post(url, {"next": target})
    assert response.status_code == 302
    assert response.url == reverse("kurser:approval-list")


@pytest.mark.parametrize("target", EVIL)
def test_bulk_approval_never_redirects_to_another_site(client_as, programme_leader, ale_session, target):
    url = reverse("kurser:session-approve-bulk")
    response = client_as(programme_leader).post(url, {"ids": [ale_session.pk], "next": target})
    assert response.status_code == 302
    assert response.url == reverse("kurser:approval-list")


def test_approving_returns_to_a_page_of_this_site(client_as, programme_leader, ale_session):
    back = reverse("kurser:session-detail", args=[ale_session.pk]) + "?x=1"
    url = reverse("kurser:session-approve", args=[ale_session.pk])
    response = client_as(programme_leader).post(url, {"next": back})
    assert response.url == back
    bulk = client_as(programme_leader).post(reverse("kurser:session-approve-bulk"), {"next": back})
    assert bulk.url == back


@pytest.mark.parametrize(
    ("name", "field", "data"),
    [
        ("ombud:programme-create", "municipalities", {"code": "X", "name": "X"}),
        ("ombud:user-invite", "municipalities", {"role": "lokal_projektledare"}),
    ],
)
def test_huge_ids_in_a_multiple_choice_are_a_field_error(client_as, programme_leader, name, field, data):
    response = client_as(programme_leader).post(reverse(name), {**data, field: [HUGE]})
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_huge_workplaces_for_an_ombud_are_a_field_error(client_as, local_leader_ale, ale_session):
    ombud = ale_session.trainer.ombud
    url = reverse("ombud:ombud-edit", args=[ombud.pk])
    data = {"appointed_on": "2020-01-01", "reach_goal": 36, "workplaces": [HUGE]}
    response = client_as(local_leader_ale).post(url, data)
    assert response.status_code == 400
    assert "workplaces" in response.context["form"].errors
