"""Answering on the ombud's tablet at the end of a session (issue 12 item 2).

One page, `/enkater/tillfalle/<pk>/surfplatta/`, loaded once by the ombud: the people marked
present on the session with "Enkät väntar (n)" or "Klar", never an answer. The hand-over screen,
the participant mode (only that person's due surveys, Swedish or English) and the thank-you
screen are parts of the same page (static/js/survey-tablet.js), so the next participant can
answer while the network is down: answers are queued on the tablet with a client id and sent to
`…/surfplatta/svar/`, which stores each at most once (`enkater.answering.response_submit`).

What this protects against is a glance over a shoulder, not a determined user: it is the ombud's
login, so a participant who leaves participant mode on purpose is on the ombud's pages.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from enkater.answer_forms import AnswerForm
from enkater.answering import response_submit
from enkater.models import Moment, Response, Survey
from enkater.pending import Pending, pending_for_people
from kurser import counting, selectors
from kurser.models import ATTENDED_STATUSES, Session
from ombud import access
from ombud.models import Person

BAD_SUBMISSION = gettext_lazy("Felaktigt inskick: svaret kunde inte läsas.")
SESSION_CANCELLED = gettext_lazy("Tillfället är inställt: inga enkätsvar tas emot.")
NOT_ON_SESSION = gettext_lazy("Svaret avvisades: personen är inte markerad som närvarande på tillfället.")
SURVEY_NOT_IN_PROGRAMME = gettext_lazy("Svaret avvisades: enkäten hör inte till tillfällets program.")
ANSWERED_ON_OUT_OF_RANGE = gettext_lazy(
    "Svaret avvisades: datumet måste ligga mellan tillfällets datum och i dag."
)

LANGUAGES = ("sv", "en")


@dataclass
class Entry:
    person: Person
    pending: list[Pending]


def _present(session: Session) -> list[Person]:
    """The people marked present on the session (attended status), in the attendance list's
    order, with what the list shows (one query)."""
    rows = selectors.session_attendance(session=session).filter(counting.ATTENDED)
    return [row.person for row in rows]


def _markable_present(*, user, session: Session, person_id: int) -> Person | None:
    """The person, if marked present on the session and one whom `user` may record there."""
    return (
        access.people_markable(user, session)
        # One filter(): the same attendance row is on the session and attended.
        .filter(pk=person_id, attendances__session=session, attendances__status__in=ATTENDED_STATUSES)
        .first()
    )


def _error(message: object, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=status)


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


@never_cache
@require_GET
@access.require(access.can_run_sessions)
def session_tablet(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    people = _present(session)
    pending = pending_for_people(people=people, programme_id=session.programme_id)
    entries = [Entry(person=p, pending=pending[p.pk]) for p in people]
    surveys = list({item.survey.pk: item.survey for e in entries for item in e.pending}.values())
    prefetch_related_objects(surveys, "questions")
    # Every form the participants may need, in both languages, so the page works offline.
    forms = []
    for survey in surveys:
        for language in LANGUAGES:
            with translation.override(language):
                form = AnswerForm(survey, language, questions=list(survey.questions.all()))
                forms.append(
                    {"survey": survey, "name": survey.name(language), "language": language, "form": form}
                )
    context = {
        "session": session,
        "entries": entries,
        "waiting": sum(1 for e in entries if e.pending),
        "forms": forms,
        "cancelled": session.status == Session.Status.CANCELLED,
        "moments": dict(Moment.choices),
    }
    return render(request, "enkater/tablet.html", context)


def _form_data(values: dict) -> MultiValueDict:
    """The JSON answers (field name → a value, or a list for multiple choice) as form data."""
    data: MultiValueDict[str, str] = MultiValueDict()
    for name, value in values.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            data.setlist(name, value)
        elif isinstance(value, str):
            data[name] = value
        else:
            raise TypeError
    return data


def _form_errors(form: AnswerForm) -> str:
    """The form's errors as "Fråga N: …" (the phone page's words), naming no one."""
    return " ".join(
        _("Fråga %(n)s: %(error)s") % {"n": qf.number, "error": error}
        for qf in form.question_fields()
        for error in qf.field.errors
    ) or _error_text(ValidationError(list(form.non_field_errors())))


def _read(body: dict) -> tuple[uuid.UUID, int, int, str, dict, dt.date]:
    client_id = uuid.UUID(str(body["client_id"]))
    person_id = access.parse_id(body.get("person_id"))
    survey_id = access.parse_id(body.get("survey_id"))
    moment = body.get("moment")
    values = body.get("values")
    answered_on = dt.date.fromisoformat(str(body.get("answered_on")))
    if person_id is None or survey_id is None or moment not in Moment.values or not isinstance(values, dict):
        raise ValueError
    return client_id, person_id, survey_id, moment, values, answered_on


@require_POST
@access.require(access.can_run_sessions)
def session_tablet_submit(request: HttpRequest, pk: int) -> JsonResponse:
    """JSON in: `{"client_id", "person_id", "survey_id", "moment", "values", "answered_on"}`.
    200 `{"person_id", "pending"}` (also for a replay of the same client id); 400 with a
    message that names no one, and nothing stored."""
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        client_id, person_id, survey_id, moment, values, answered_on = _read(
            json.loads(request.body or b"{}")
        )
        data = _form_data(values)
    except (ValueError, KeyError, TypeError, AttributeError):
        return _error(BAD_SUBMISSION)
    if session.status == Session.Status.CANCELLED:
        return _error(SESSION_CANCELLED)
    person = _markable_present(user=request.user, session=session, person_id=person_id)
    if person is None:
        return _error(NOT_ON_SESSION)
    survey = Survey.objects.filter(programme_id=session.programme_id, pk=survey_id).first()
    if survey is None:
        return _error(SURVEY_NOT_IN_PROGRAMME)
    if not session.date <= answered_on <= timezone.localdate():
        return _error(ANSWERED_ON_OUT_OF_RANGE)
    form = AnswerForm(survey, "sv", data=data)
    if not form.is_valid():
        return _error(_form_errors(form))
    try:
        response_submit(
            survey=survey,
            person=person,
            moment=moment,
            values=form.values(),
            source=Response.Source.TABLET,
            client_id=client_id,
            answered_on=answered_on,
        )
    except ValidationError as e:
        return _error(_error_text(e))
    left = pending_for_people(people=[person], programme_id=session.programme_id)[person.pk]
    items = " ".join(f"{p.survey.pk}:{p.moment}" for p in left)
    return JsonResponse({"person_id": person.pk, "pending": len(left), "items": items})
