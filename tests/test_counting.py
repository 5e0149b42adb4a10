"""One definition of each counted thing (issue 10, Deliver 3): the rules in `kurser.counting`,
the same answer on every page that shows them, and the layering that keeps them in one place."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kurser.models import AttendanceStatus, CourseType, Session
from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    OmbudFactory,
    PersonFactory,
    SessionFactory,
    UserFactory,
    WorkplaceFactory,
)

ROOT = Path(__file__).resolve().parent.parent


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cancelled_only(ale):
    """Someone whose only attended row is in a session that was cancelled afterwards."""
    person = PersonFactory(workplace=WorkplaceFactory(municipality=ale), last_name="Inställdsson")
    AttendanceFactory(
        person=person, session=SessionFactory(municipality=ale, status=Session.Status.CANCELLED)
    )
    return person


@pytest.mark.django_db
def test_a_row_in_a_cancelled_session_does_not_make_a_person_trained_on_the_staff_list(
    client_as, programme_leader, cancelled_only
):
    client = client_as(programme_leader)
    assert "Inställdsson" not in _text(client.get(reverse("ombud:person-list"), {"trained": "ja"}))
    assert "Inställdsson" in _text(client.get(reverse("ombud:person-list"), {"trained": "nej"}))


@pytest.mark.django_db
def test_a_row_in_a_cancelled_session_does_not_make_a_person_trained_in_the_staff_export(
    client_as, programme_leader, cancelled_only
):
    response = client_as(programme_leader).get(reverse("ombud:person-export"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    trained = rows[0].index("utbildad")
    assert [r[trained] for r in rows[1:] if "Inställdsson" in r] == ["nej"]


@pytest.mark.django_db
def test_reach_on_the_ombud_pages_counts_only_counted_rows_of_workplace_training(
    client_as, programme_leader, ale
):
    ombud = OmbudFactory(person__workplace=WorkplaceFactory(municipality=ale), reach_goal=9)
    workplace = CourseFactory(type=CourseType.WORKPLACE_TRAINING)
    held = SessionFactory(municipality=ale, trainer=ombud.person, course=workplace)
    for status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT):
        AttendanceFactory(session=held, status=status, minutes=30)
    cancelled = SessionFactory(
        municipality=ale, trainer=ombud.person, course=workplace, status=Session.Status.CANCELLED
    )
    AttendanceFactory(session=cancelled)
    ombud_course = CourseFactory(type=CourseType.OMBUD_TRAINING)
    AttendanceFactory(session=SessionFactory(municipality=ale, trainer=ombud.person, course=ombud_course))
    client = client_as(programme_leader)
    for url in (
        reverse("ombud:ombud-list"),
        reverse("ombud:municipality-detail", args=[ale.pk]),
        reverse("ombud:person-detail", args=[ombud.person.pk]),
    ):
        assert re.search(r"\b2 av 9\b", _text(client.get(url))), url
    user = UserFactory(role="ombud", person=ombud.person)
    assert re.search(r'stat-value mb-0">2 <', _text(client_as(user).get(reverse("kurser:my-reach"))))


# --- one place ---------------------------------------------------------------------------------


def _sources(app: str) -> dict[str, str]:
    return {
        str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
        for p in (ROOT / app).rglob("*.py")
        if "migrations" not in p.parts and "management" not in p.parts
    }


def test_ombud_does_not_reach_into_kurser_not_even_lazily():
    """`ombud ← kurser ← rapporter`: no import of kurser, and no back door to its models
    (`_meta.get_field("attendances").related_model`, `apps.get_model("kurser", …)`)."""
    offenders = {
        path
        for path, text in _sources("ombud").items()
        if re.search(r"^\s*(from|import)\s+kurser\b", text, re.M)
        or "related_model" in text
        or re.search(r"get_model\(\s*[\"']kurser", text)
    }
    assert offenders == set()


# The values of spec §2's rules; outside the models they are named by their choices.
COUNTING_WORDS = {"närvarande", "sen", "delvis", "inställd", "arbetsplatsutbildning", "digitaliseringsombud"}


def test_counting_words_are_not_hard_coded_outside_the_models():
    """The rules name the models' choices (AttendanceStatus, Session.Status, CourseType,
    TargetGroup), so a status cannot be spelt one way in one app and another way in the next."""
    offenders = set()
    for app in ("ombud", "kurser", "rapporter"):
        for path, text in _sources(app).items():
            if path.endswith("models.py"):
                continue
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Constant) and node.value in COUNTING_WORDS:
                    offenders.add(f"{path}:{node.lineno}: {node.value}")
    assert offenders == set()
