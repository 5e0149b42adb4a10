"""The access matrix, generated from the URL conf (issue 9, "access matrix test").

Every URL pattern of the project (walked with `get_resolver()`) is requested by every role — the
personas of tests/conftest.py, an outsider (logged in, no role) and an anonymous visitor — with
GET and POST, and for a URL that names an object, once with an object inside the role's scope and
once with one outside it. The answer must be the status in `EXPECTED`, the table below that a
person decided cell by cell. A new URL pattern without a row fails `test_every_url_has_a_row`,
so no view can be forgotten.

Notation of a row: `{"GET": "anon=302 none=403 P=200 L=200/404 …", "POST": …}`: one status for
the role, or `in/out` — the object in the role's scope / outside it. Scope: lokal.ale's is Ale,
ombud.molndal's is Mölndal (and for sessions: their own); the programme leader and the
coordinator see both, so for them in = a Mölndal object, out = an Ale object.

The second half sends ids *inside* requests (form fields, JSON bodies, files): an id outside the
sender's scope must change nothing and reveal nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from enkater.models import Question, Survey
from kurser import checkin
from kurser.models import Attendance, AttendanceStatus, Session
from ombud.models import Person, Role
from rapporter.models import Report
from tests.factories import (
    CourseFactory,
    OmbudFactory,
    PersonFactory,
    ProgrammeFactory,
    ReportFactory,
    SessionFactory,
    UserFactory,
    WorkplaceFactory,
)

ROLES = ["anon", "none", "O", "L", "C", "P"]  # the programme leader last: their POSTs change most
HOME = {"L": "ale", "O": "molndal"}  # the role's own municipality; the others: in = molndal


def url_patterns() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, route, argument names) of every named URL pattern, namespaces included."""
    found = []

    def walk(resolver: URLResolver, prefix: str, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                walk(
                    entry,
                    prefix + str(entry.pattern),
                    f"{namespace}:{ns}" if namespace and ns else ns or namespace,
                )
            elif isinstance(entry, URLPattern):
                assert entry.name, f"an unnamed URL pattern: {prefix}{entry.pattern}"
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append((name, prefix + str(entry.pattern), tuple(entry.pattern.converters)))

    walk(get_resolver(), "", None)
    return found


PATTERNS = url_patterns()


# --- the world: one of everything in Ale and in Mölndal ----------------------------------------


@pytest.fixture
def world(ale, molndal, programme_leader, local_leader_ale, ombud_molndal, coordinator, outsider):
    start = timezone.localtime() - dt.timedelta(minutes=5)
    objects: dict[str, dict[str, object]] = {}
    for key, municipality in (("ale", ale), ("molndal", molndal)):
        workplace = WorkplaceFactory(municipality=municipality)
        person = PersonFactory(workplace=workplace, last_name=f"{municipality.name}bo")
        trainer = ombud_molndal.person if key == "molndal" else PersonFactory(workplace=workplace)
        ombud = OmbudFactory(person=trainer)
        programme = ProgrammeFactory(code=f"P{key}", municipalities=[municipality])
        session = SessionFactory(
            programme=programme,
            course=CourseFactory(title="Teams grund"),
            municipality=municipality,
            workplace=workplace,
            trainer=trainer,
            date=start.date(),
            start_time=start.time().replace(second=0, microsecond=0),
            status=Session.Status.PLANNED,
        )
        Attendance.objects.create(session=session, person=person, status=AttendanceStatus.REGISTERED)
        account = UserFactory(role=Role.LOCAL_LEADER, municipalities=[municipality])
        report = ReportFactory(
            programme=programme,
            municipality=municipality,
            requested_by=local_leader_ale if key == "ale" else programme_leader,
            status=Report.Status.DONE,
        )
        report.file.save("r.json", ContentFile(b"{}"))
        from ombud.apikeys import api_key_create  # issue 13: one API key per municipality

        apikey, _raw = api_key_create(
            name=f"HR {key}", role=Role.LOCAL_LEADER, municipalities=[municipality], by=None
        )
        # the survey builder (issue 12 item 1): a programme leader's own survey with a question
        survey = Survey.objects.create(programme=programme, code="EGEN", name_sv="Egen", moments=["efter"])
        question = Question.objects.create(survey=survey, code="fraga", kind="fritext", text_sv="Fråga?")
        objects[key] = {
            "survey": survey,
            "question": question,
            "person": person,
            "ombud": ombud,
            "municipality": municipality,
            "workplace": workplace,
            "programme": programme,
            "account": account,
            "session": session,
            "report": report,
            "apikey": apikey,
            # walk-ins (issue 13 item 3): a temporary participant of each municipality
            "temporary": PersonFactory(
                workplace=workplace, personnummer=None, gender="", birth_date=None, temporary=True
            ),
        }
    users = {
        "anon": None,
        "none": outsider,
        "O": ombud_molndal,
        "L": local_leader_ale,
        "C": coordinator,
        "P": programme_leader,
    }
    return {"objects": objects, "users": users}


def _args(kind: str | None, obj: dict[str, object] | None) -> list:
    if kind is None:
        return []
    if kind == "token":
        return [checkin.make_token(obj["session"])]
    if kind == "reset":
        return ["MQ", "set-password"]
    if kind == "participant":
        from enkater.participant import participant_token

        return [participant_token(obj["person"])]
    if kind == "answer-token":  # a personal survey link of the municipality's person (issue 12)
        from enkater.defaults import DIGKOMP, ensure_default_surveys
        from enkater.links import answer_token
        from enkater.models import Survey

        ensure_default_surveys(obj["programme"])
        survey = Survey.objects.get(programme=obj["programme"], code=DIGKOMP)
        return [answer_token(obj["person"], survey, "före")]
    return [obj[kind].pk]


def _parse(text: str) -> dict[str, tuple[int, int]]:
    """'anon=302 P=200 L=200/404' → {role: (in, out)}."""
    out = {}
    for part in text.split():
        role, _eq, value = part.partition("=")
        first, _slash, second = value.partition("/")
        out[role] = (int(first), int(second or first))
    return out


def _run(client, world, name: str, kind: str | None) -> dict[str, dict[str, tuple[int, int]]]:
    """The statuses each role gets for GET and POST: {method: {role: (in scope, out of scope)}}."""
    seen: dict[str, dict[str, tuple[int, int]]] = {"GET": {}, "POST": {}}
    for role in ROLES:
        user = world["users"][role]
        client.logout()
        if user is not None:
            client.force_login(user)
        home = HOME.get(role, "molndal")
        away = "molndal" if home == "ale" else "ale"
        for method in ("GET", "POST"):
            statuses = []
            for where in (home, away) if kind not in (None, "reset") else (home,):
                url = reverse(name, args=_args(kind, world["objects"][where]))
                response = client.get(url) if method == "GET" else client.post(url, {})
                statuses.append(response.status_code)
            seen[method][role] = (statuses[0], statuses[-1])
    return seen


def _format(seen: dict[str, tuple[int, int]]) -> str:
    return " ".join(f"{role}={a}" if a == b else f"{role}={a}/{b}" for role, (a, b) in seen.items())


KINDS = {
    "kurser:checkin": "token",
    "password_reset_confirm": "reset",
    "api:key-revoke": "apikey",
    # The participant's own page (issue 12 item 5): a signed link for the world's person.
    "enkater:participant": "participant",
    "enkater:participant-confirm": "participant",
    "enkater:answer": "answer-token",
    "enkater:session": "token",
    "enkater:builder-programme": "programme",
    "enkater:builder-survey-create": "programme",
    "enkater:builder-survey": "survey",
    "enkater:builder-survey-delete": "survey",
    "enkater:builder-question-create": "survey",
    "enkater:builder-question": "question",
    "enkater:builder-question-delete": "question",
    "enkater:builder-question-move": "question",
}


def _kind(name: str, args: tuple[str, ...]) -> str | None:
    if name in KINDS:
        return KINDS[name]
    if not args:
        return None
    short = name.split(":")[-1]
    for prefix, kind in (
        ("person-", "person"),
        ("ombud-", "ombud"),
        ("municipality-", "municipality"),
        ("workplace-create", "municipality"),
        ("workplace-", "workplace"),
        ("programme-", "programme"),
        ("user-", "account"),
        ("session-", "session"),
        ("report-", "report"),
        ("temporary-", "temporary"),
    ):
        if short.startswith(prefix):
            return kind
    raise AssertionError(f"{name}: which object does its URL name?")


# --- the table --------------------------------------------------------------------------------
# Anonymous visitors are sent to the login page (302) wherever a login is needed; a POST-only view
# answers 405 to GET before anything else. Reading the rows: an ombud sees their own municipality's
# people but edits nothing (403); a local leader acts in Ale and gets 404 for Mölndal; the
# coordinator reads everything and changes nothing; reports are the requester's own.

EXPECTED: dict[str, dict[str, str]] = {
    "home": {
        "GET": "anon=302 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=302 none=200 O=200 L=200 C=200 P=200",
    },
    "healthz": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "favicon": {
        "GET": "anon=301 none=301 O=301 L=301 C=301 P=301",
        "POST": "anon=301 none=301 O=301 L=301 C=301 P=301",
    },
    "login": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=200 none=200 O=200 L=200 C=200 P=200",
    },
    "logout": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=302 O=302 L=302 C=302 P=302",
    },
    "password_change": {
        "GET": "anon=302 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=302 none=200 O=200 L=200 C=200 P=200",
    },
    # notify: every account's own e-mail settings (no object, nothing outside a scope); an
    # empty POST lacks the language: 400.
    "notification_settings": {
        "GET": "anon=302 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=302 none=400 O=400 L=400 C=400 P=400",
    },
    "password_change_done": {
        "GET": "anon=302 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=302 none=405 O=405 L=405 C=405 P=405",
    },
    # The password pages are public (an invited user sets a password before logging in).
    "password_reset": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=200 none=200 O=200 L=200 C=200 P=200",
    },
    "password_reset_done": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "password_reset_confirm": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=200 none=200 O=200 L=200 C=200 P=200",
    },
    "password_reset_complete": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "set_language": {
        "GET": "anon=302 none=302 O=302 L=302 C=302 P=302",
        "POST": "anon=302 none=302 O=302 L=302 C=302 P=302",
    },
    "ombud:person-list": {
        "GET": "anon=302 none=403 O=200 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=303 L=303 C=303 P=303",
    },
    "ombud:person-export": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=200 P=200",
    },
    "ombud:person-create": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "ombud:person-import": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "ombud:person-detail": {
        "GET": "anon=302 none=404 O=200/404 L=200/404 C=200 P=200",
        "POST": "anon=302 none=404 O=200/404 L=200/404 C=200 P=200",
    },
    "ombud:person-edit": {
        "GET": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
    },
    "ombud:person-reveal": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=404 O=403/404 L=200/404 C=200 P=200",
    },
    "ombud:person-gdpr-export": {
        "GET": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
    },
    "ombud:person-erase": {
        "GET": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
    },
    "ombud:ombud-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "ombud:ombud-create": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=303 C=403 P=303",
    },
    "ombud:ombud-edit": {
        "GET": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
    },
    "ombud:municipality-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "ombud:municipality-create": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "ombud:municipality-detail": {
        "GET": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
    },
    "ombud:municipality-edit": {
        "GET": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
    },
    "ombud:workplace-create": {
        "GET": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
    },
    "ombud:workplace-edit": {
        "GET": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=200/404 C=403 P=200",
    },
    "ombud:workplace-options": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "ombud:programme-list": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "ombud:programme-create": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "ombud:programme-edit": {
        "GET": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
        "POST": "anon=302 none=404 O=403/404 L=403/404 C=403 P=200",
    },
    "ombud:user-list": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "ombud:user-invite": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "ombud:user-edit": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "ombud:user-deactivate": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=302",
    },
    "kurser:index": {
        "GET": "anon=302 none=403 O=302 L=302 C=403 P=302",
        "POST": "anon=302 none=403 O=302 L=302 C=403 P=302",
    },
    "kurser:my-sessions": {
        "GET": "anon=302 none=403 O=200 L=403 C=403 P=403",
        "POST": "anon=302 none=403 O=200 L=403 C=403 P=403",
    },
    "kurser:my-reach": {
        "GET": "anon=302 none=403 O=200 L=403 C=403 P=403",
        "POST": "anon=302 none=403 O=200 L=403 C=403 P=403",
    },
    "kurser:untrained": {
        "GET": "anon=302 none=403 O=200 L=403 C=403 P=403",
        "POST": "anon=302 none=403 O=200 L=403 C=403 P=403",
    },
    "kurser:session-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=200 P=200",
    },
    "kurser:approval-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "kurser:session-approve-bulk": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=302 C=403 P=302",
    },
    "kurser:statistics": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=200 P=200",
    },
    "kurser:session-create": {
        "GET": "anon=302 none=403 O=200 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=400 L=400 C=403 P=400",
    },
    "kurser:session-detail": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
        "POST": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
    },
    "kurser:session-attendance": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
    },
    "kurser:session-attendance-submit": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=400/404 L=400/404 C=403 P=400",
    },
    "kurser:session-attendance-state": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "kurser:session-person-search": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    # walk-ins (issue 13 item 3): added on the tablet, merged or completed by leaders
    "kurser:session-walkin": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=403 O=400/404 L=400/404 C=403 P=400",
    },
    "kurser:temporary-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=403 P=200",
    },
    "kurser:temporary-detail": {
        "GET": "anon=302 none=403 O=403 L=200/404 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=200/404 C=403 P=200",
    },
    "kurser:temporary-merge": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=400/404 C=403 P=400",
    },
    "kurser:temporary-complete": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=400/404 C=403 P=400",
    },
    "kurser:session-invite": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
        "POST": "anon=302 none=403 O=400/404 L=400/404 C=403 P=400",
    },
    "kurser:session-signup-sheet": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
        "POST": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
    },
    "kurser:session-cancel": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=302/404 L=302/404 C=403 P=302",
    },
    # notify: an empty POST is bad input, answered like a refused move (message, back to the session).
    "kurser:session-move": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=302/404 L=302/404 C=403 P=302",
    },
    "kurser:session-mark-held": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=302/404 L=302/404 C=403 P=302",
    },
    "kurser:session-approve": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=302/404 C=403 P=302",
    },
    "kurser:session-qr": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
        "POST": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
    },
    "kurser:checkin": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=400 none=400 O=400 L=400 C=400 P=400",
    },
    # answering on the ombud's tablet (issue 12 item 2): whoever runs the session's attendance
    # (the coordinator only reads); an empty POST is no answer: 400, nothing stored.
    "enkater:session-tablet": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=403 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "enkater:session-tablet-submit": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=400/404 L=400/404 C=403 P=400",
    },
    "rapporter:dashboard": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=200 P=200",
    },
    "rapporter:dashboard-effect-card": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=200 C=200 P=200",
    },
    "rapporter:report-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=400 C=400 P=400",
    },
    "rapporter:report-download": {
        "GET": "anon=302 none=403 O=403 L=200/404 C=404 P=200/404",
        "POST": "anon=302 none=403 O=403 L=200/404 C=404 P=200/404",
    },
    "rapporter:report-retry": {
        "GET": "anon=302 none=403 O=403 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=302/404 C=404 P=302/404",
    },
    "rapporter:report-reissue": {
        "GET": "anon=302 none=403 O=403 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=302/404 C=404 P=302/404",
    },
    "rapporter:months": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        # Only programme leaders close and reopen months (issue 10 Deliver 2).
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
    # --- the effect dashboard (issue 12 item 4) ------------------------------------------------
    # Outcome figures: the roles that see reports (a local leader: their municipality, forced).
    # Who has not answered, and reminders: local and programme leaders; the coordinator is
    # read-only. An empty POST chooses nobody: 400 with a message.
    "enkater:effect": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=405 C=405 P=405",
    },
    "enkater:effect-non-responders": {
        "GET": "anon=302 none=403 O=403 L=200 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=400 C=403 P=400",
    },
    # --- the JSON API (issue 13) ---------------------------------------------------------------
    # /api/v1/ answers to a key (`Authorization: Bearer`), never to the browser session: everyone
    # here is "signed in" only by cookie, so 401, before any object is looked up (tests/api has
    # the per-key scope). The schema and its documentation page describe, hold no data: public.
    "api:schema": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "api:docs": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    **{
        f"api:{name}": {
            "GET": "anon=401 none=401 O=401 L=401 C=401 P=401",
            "POST": "anon=401 none=401 O=401 L=401 C=401 P=401",
        }
        for name in (
            "programme-list",
            "programme-detail",
            "programme-esf-summary",
            "municipality-list",
            "municipality-detail",
            "workplace-list",
            "workplace-detail",
            "person-list",
            "person-detail",
            "course-list",
            "session-list",
            "session-detail",
            "session-attendance",
        )
    },
    # Keys are made and revoked by programme leaders only; a key is no municipality's object.
    "api:key-list": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
    "api:key-revoke": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=302",
    },
    # The participant's own page (issue 12 item 5): no account, the signed link is the access, so
    # every visitor with a valid link sees that person's page; an empty POST names no month (400).
    "enkater:participant": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    "enkater:participant-confirm": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=400 none=400 O=400 L=400 C=400 P=400",
    },
    # Which months are confirmed: the roles that read reports; rows scoped by the person's
    # municipality. The link to hand out: people in scope only (404 outside); POST mails it.
    "enkater:confirmation-list": {
        "GET": "anon=302 none=403 O=403 L=200 C=200 P=200",
        "POST": "anon=302 none=403 O=403 L=405 C=405 P=405",
    },
    "enkater:person-participant-link": {
        "GET": "anon=302 none=403 O=403 L=200/404 C=200 P=200",
        # POST mails the link to the person (with or without an address: back to the page).
        "POST": "anon=302 none=403 O=403 L=302/404 C=302 P=302",
    },
    # The participant's phone (issue 12): no account, the signed link is the key; an empty POST is
    # refused (nothing answered) and stores nothing.
    "enkater:answer": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=400 none=400 O=400 L=400 C=400 P=400",
    },
    # The session's survey QR code (issue 12): the check-in token, no account; the participant
    # identifies as at check-in (an empty POST is refused). The ombud's screen showing it follows
    # the check-in QR page (kurser:session-qr), GET only.
    "enkater:session": {
        "GET": "anon=200 none=200 O=200 L=200 C=200 P=200",
        "POST": "anon=400 none=400 O=400 L=400 C=400 P=400",
    },
    "enkater:session-qr": {
        "GET": "anon=302 none=403 O=200/404 L=200/404 C=200 P=200",
        "POST": "anon=405 none=405 O=405 L=405 C=405 P=405",
    },
    # The survey builder (issue 12 item 1): programme leaders only (access.can_administer),
    # checked before the object is looked up, so every other role gets 403 wherever it points.
    # Empty POSTs: a survey or question form without data answers 400 with its messages; a
    # delete needs no data (302 back to the list); a move without a direction is 400.
    "enkater:builder": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "enkater:builder-programme": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=200",
    },
    "enkater:builder-survey-create": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
    "enkater:builder-survey": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
    "enkater:builder-survey-delete": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=302",
    },
    "enkater:builder-question-create": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
    "enkater:builder-question": {
        "GET": "anon=302 none=403 O=403 L=403 C=403 P=200",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
    "enkater:builder-question-delete": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=302",
    },
    "enkater:builder-question-move": {
        "GET": "anon=405 none=405 O=405 L=405 C=405 P=405",
        "POST": "anon=302 none=403 O=403 L=403 C=403 P=400",
    },
}

# Rows that another branch changes right now: the lead removes these marks at merge.
PENDING = {}


def test_every_url_has_a_row():
    """A new URL pattern needs a decision in EXPECTED before it can be merged."""
    names = {name for name, _route, _args in PATTERNS}
    assert sorted(names - set(EXPECTED)) == [], "URL patterns without a row in EXPECTED"
    assert sorted(set(EXPECTED) - names) == [], "rows in EXPECTED for URL patterns that are gone"


def _cases():
    for name, _route, args in PATTERNS:
        marks = [pytest.mark.xfail(strict=True, reason=PENDING[name])] if name in PENDING else []
        yield pytest.param(name, args, id=name, marks=marks)


@pytest.mark.django_db
@pytest.mark.parametrize("name,args", list(_cases()))
def test_access_matrix(world, name, args):
    from django.test import Client

    assert name in EXPECTED, f"{name}: no row in EXPECTED"
    seen = _run(Client(raise_request_exception=False), world, name, _kind(name, args))
    wrong = []
    for method in ("GET", "POST"):
        expected = _parse(EXPECTED[name][method])
        assert sorted(expected) == sorted(ROLES), f"{name} {method}: a role is missing"
        for role in ROLES:
            if seen[method][role] != expected[role]:
                wrong.append(f"{method} as {role}: expected {expected[role]}, got {seen[method][role]}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


# --- ids inside requests: form fields, JSON bodies, files ---------------------------------------
# Each case sends an id of the *other* municipality in the body of a request the role may make,
# and checks that nothing changed and nothing was revealed; where it helps, the same request with
# an id of the role's own scope shows that the case can succeed at all.


def _login(client, user):
    client.force_login(user)
    return client


def _shared_session(municipality, trainer, *, other) -> Session:
    """A session in `municipality` in a programme that `other` takes part in too (as in Modig)."""
    start = timezone.localtime() - dt.timedelta(minutes=5)
    return SessionFactory(
        programme=ProgrammeFactory(code=f"MODIG{municipality.code}", municipalities=[municipality, other]),
        course=CourseFactory(title="Teams grund"),
        municipality=municipality,
        workplace=trainer.workplace,
        trainer=trainer,
        date=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        status=Session.Status.PLANNED,
    )


@pytest.fixture
def shared_session(world, ale, molndal, ombud_molndal):
    """A Mölndal session of the ombud in a programme that Ale takes part in too."""
    return _shared_session(molndal, ombud_molndal.person, other=ale)


def _submit(client, session, person_id):
    url = reverse("kurser:session-attendance-submit", args=[session.pk])
    body = {
        "client_id": str(uuid.uuid4()),
        "marks": [{"person_id": person_id, "status": "närvarande", "minutes": 60}],
    }
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_ombud_cannot_mark_a_person_of_another_municipality(client, world, ombud_molndal, shared_session):
    stranger = world["objects"]["ale"]["person"]
    response = _submit(_login(client, ombud_molndal), shared_session, stranger.pk)
    assert response.status_code == 400
    assert stranger.last_name not in response.content.decode()
    assert not Attendance.objects.filter(session=shared_session, person=stranger).exists()
    state = client.get(reverse("kurser:session-attendance-state", args=[shared_session.pk]))
    assert stranger.last_name not in state.content.decode()


@pytest.mark.django_db
def test_local_leader_cannot_mark_a_person_of_another_municipality(
    client, world, local_leader_ale, ale, molndal
):
    session = _shared_session(ale, world["objects"]["ale"]["ombud"].person, other=molndal)
    stranger = world["objects"]["molndal"]["person"]
    response = _submit(_login(client, local_leader_ale), session, stranger.pk)
    assert response.status_code == 400
    assert stranger.last_name not in response.content.decode()
    assert not Attendance.objects.filter(session=session, person=stranger).exists()


@pytest.mark.django_db
def test_marking_a_person_in_scope_works(client, world, ombud_molndal):
    session = world["objects"]["molndal"]["session"]
    colleague = world["objects"]["molndal"]["person"]
    assert _submit(_login(client, ombud_molndal), session, colleague.pk).status_code == 200
    assert Attendance.objects.get(session=session, person=colleague).status == "närvarande"


@pytest.mark.django_db
def test_qr_checkin_refuses_a_person_of_another_municipality(client, world, shared_session):
    stranger = world["objects"]["ale"]["person"]
    url = reverse("kurser:checkin", args=[checkin.make_token(shared_session)])
    response = client.post(url, {"name": stranger.full_name, "last_four": stranger.personnummer[-4:]})
    assert response.status_code == 400
    assert not Attendance.objects.filter(session=shared_session, person=stranger).exists()


@pytest.mark.django_db
def test_bulk_approval_ignores_sessions_outside_scope(client, world, local_leader_ale):
    own, other = world["objects"]["ale"]["session"], world["objects"]["molndal"]["session"]
    Session.objects.filter(pk__in=[own.pk, other.pk]).update(
        status=Session.Status.HELD, date=dt.date(2020, 3, 12)
    )
    Attendance.objects.filter(session__in=[own, other]).update(status=AttendanceStatus.PRESENT, minutes=60)
    url = reverse("kurser:session-approve-bulk")
    _login(client, local_leader_ale).post(url, {"ids": [own.pk, other.pk]})
    own.refresh_from_db()
    other.refresh_from_db()
    assert own.approved_at is not None
    assert other.approved_at is None


@pytest.mark.django_db
def test_invite_refuses_people_outside_scope(client, world, ombud_molndal):
    session = world["objects"]["molndal"]["session"]
    stranger = world["objects"]["ale"]["person"]
    colleague = PersonFactory(workplace=world["objects"]["molndal"]["workplace"])
    url = reverse("kurser:session-invite", args=[session.pk])
    response = _login(client, ombud_molndal).post(url, {"people": [stranger.pk]})
    assert response.status_code == 400
    assert stranger.last_name not in response.content.decode()
    assert not Attendance.objects.filter(session=session, person=stranger).exists()
    assert client.post(url, {"people": [colleague.pk]}).status_code == 302
    assert Attendance.objects.filter(session=session, person=colleague).exists()


@pytest.mark.django_db
def test_session_form_refuses_places_and_trainers_outside_scope(client, world, local_leader_ale):
    other = world["objects"]["molndal"]
    data = {
        "programme": other["programme"].pk,
        "course": other["session"].course_id,
        "municipality": other["municipality"].pk,
        "workplace": other["workplace"].pk,
        "trainer": other["ombud"].person_id,
        "date": "2020-03-12",
        "start_time": "10:00",
        "planned_minutes": 60,
        "form": "på plats",
        "repeat": "0",
    }
    before = Session.objects.count()
    response = _login(client, local_leader_ale).post(reverse("kurser:session-create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"programme", "municipality", "workplace", "trainer"} <= set(errors)
    assert Session.objects.count() == before


@pytest.mark.django_db
def test_person_form_refuses_a_municipality_outside_scope(client, world, local_leader_ale):
    other = world["objects"]["molndal"]
    own = world["objects"]["ale"]["person"]
    data = {
        "first_name": "Ny",
        "last_name": "Flyttad",
        "municipality": other["municipality"].pk,
        "workplace": other["workplace"].pk,
        "target_group": "baspersonal",
        "gender": "kvinna",
    }
    client = _login(client, local_leader_ale)
    response = client.post(reverse("ombud:person-edit", args=[own.pk]), data)
    assert response.status_code == 400
    assert {"municipality", "workplace"} <= set(response.context["form"].errors)
    own.refresh_from_db()
    assert own.municipality_id == world["objects"]["ale"]["municipality"].pk
    response = client.post(reverse("ombud:person-create"), {**data, "personnummer": "19850312-2387"})
    assert response.status_code == 400
    assert not Person.objects.filter(last_name="Flyttad").exists()


@pytest.mark.django_db
def test_ombud_form_refuses_workplaces_outside_scope(client, world, local_leader_ale):
    ombud = world["objects"]["ale"]["ombud"]
    data = {
        "appointed_on": "2020-01-01",
        "reach_goal": 36,
        "workplaces": [world["objects"]["molndal"]["workplace"].pk],
    }
    response = _login(client, local_leader_ale).post(reverse("ombud:ombud-edit", args=[ombud.pk]), data)
    assert response.status_code == 400
    assert "workplaces" in response.context["form"].errors
    assert not ombud.workplaces.exists()


@pytest.mark.django_db
def test_report_request_refuses_a_municipality_outside_scope(client, world, local_leader_ale):
    other = world["objects"]["molndal"]
    data = {
        "kind": "esf",
        "format": "json",
        "programme": other["programme"].pk,
        "municipality": other["municipality"].pk,
    }
    before = Report.objects.count()
    response = _login(client, local_leader_ale).post(reverse("rapporter:report-list"), data)
    assert response.status_code == 400
    assert Report.objects.count() == before


@pytest.mark.django_db
def test_people_import_cannot_take_over_a_person_of_another_municipality(client, world, local_leader_ale):
    from django.core.files.uploadedfile import SimpleUploadedFile

    stranger = world["objects"]["molndal"]["person"]
    header = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post"
    row = f"{stranger.personnummer};Yasmin;Hansson;;Ale;Hemtjänst Alafors;;baspersonal;"
    upload = SimpleUploadedFile("people.csv", f"{header}\r\n{row}\r\n".encode())
    response = _login(client, local_leader_ale).post(reverse("ombud:person-import"), {"file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "rad 2: personnummer: finns redan i en annan kommun – kontakta programledaren" in html
    assert stranger.last_name not in html and stranger.first_name not in html
    stranger.refresh_from_db()
    assert stranger.municipality_id == world["objects"]["molndal"]["municipality"].pk


# --- links follow the same rules as the pages they lead to -------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "shown"), [("local_leader_ale", True), ("coordinator", False)])
def test_new_session_link_only_for_roles_that_may_create(client, request, persona, shown):
    user = request.getfixturevalue(persona)
    html = _login(client, user).get(reverse("kurser:session-list")).content.decode()
    create = reverse("kurser:session-create")
    assert (f'href="{create}"' in html) is shown
    assert (client.get(create).status_code == 200) is shown


# --- ids in query strings ------------------------------------------------------------------------


@pytest.mark.django_db
def test_filters_naming_another_municipality_show_nothing_of_it(
    client, world, local_leader_ale, programme_leader
):
    other = world["objects"]["molndal"]
    # The same filter shows the person to a role whose scope includes Mölndal.
    seen = _login(client, programme_leader).get(
        reverse("ombud:person-list"), {"municipality": other["municipality"].pk}
    )
    assert other["person"].last_name in seen.content.decode()
    client = _login(client, local_leader_ale)
    stranger = other["person"].last_name
    for params in (
        {"municipality": other["municipality"].pk},
        {"workplace": other["workplace"].pk},
        {"municipality": other["municipality"].pk, "workplace": other["workplace"].pk},
    ):
        response = client.get(reverse("ombud:person-list"), params)
        assert response.status_code == 200
        assert stranger not in response.content.decode()
        export = client.get(reverse("ombud:person-export"), params)
        assert stranger.encode() not in b"".join(export.streaming_content)
    options = client.get(reverse("ombud:workplace-options"), {"municipality": other["municipality"].pk})
    assert other["workplace"].name not in options.content.decode()
    sessions = client.get(reverse("kurser:session-list"), {"municipality": other["municipality"].pk})
    assert other["workplace"].name not in sessions.content.decode()
