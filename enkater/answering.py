"""Answering a survey on the ombud's tablet or the participant's phone (issue 12, item 2).

`response_submit` is the one write: a person's answers to one survey at one moment, all or
nothing. `answer_value` is the per-kind check of one answer, shared with the answer import
(`enkater.importing`), so a value means the same from a file, a tablet and a phone.

Who may answer (`enkater.pending.applies`): a registered person in the survey's target group.
What is *offered* (`pending_for_person`) is stricter; answering only requires that the survey
applies, that the moment is one of the survey's and that it is not answered yet.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enkater.models import NO, YES, Answer, Moment, Question, QuestionKind, Response, Survey
from enkater.pending import Pending, applies, pending_for_person
from kurser.counting import counted_rows
from kurser.models import Session
from ombud.datacache import data_changed
from ombud.importing.values import VALUE_CHOICE, VALUE_TOO_LONG, fold
from ombud.models import Person, TargetGroup

# --- one answer's value (shared with the import) ----------------------------------------------
VALUE_LIKERT = _("%(value)s är inte ett svar på frågan (1–5)")
VALUE_ONE_CHOICE = _("välj ett alternativ, inte flera")
TEXT_MAX_LENGTH = 5000
YES_NO = {"ja": YES, "nej": NO}

# --- the submission ------------------------------------------------------------------------------
SURVEY_NOT_FOR_PERSON = _("Enkäten %(survey)s gäller inte dig: den är till för målgruppen %(group)s.")
SURVEY_NOT_FOR_TEMPORARY = _(
    "Enkäten %(survey)s besvaras bara av registrerade deltagare. Be utbildaren registrera dig först."
)
MOMENT_NOT_IN_SURVEY = _("%(moment)s är inte ett moment i enkäten %(survey)s (%(moments)s).")
RESPONSE_EMPTY = _("Du har inte svarat på någon fråga. Svara på minst en fråga innan du skickar.")
QUESTION_UNKNOWN = _("Frågan %(code)s finns inte i enkäten %(survey)s.")
ANSWER_INVALID = _("Fråga %(position)s (%(question)s): %(reason)s")
ALREADY_ANSWERED = _(
    "Du har redan svarat på %(survey)s (%(moment)s). Ett svar per person och tillfälle räcker."
)
SESSION_NOT_PRESENT = _(
    "Du är inte markerad som närvarande på det här tillfället. Checka in först, eller fråga utbildaren."
)
CLIENT_ID_REUSED = _("Svaret kunde inte sparas: samma svars-id har redan använts för ett annat svar.")


class AnswerValueError(Exception):
    """One value that is not an answer to its question: `message % params` says why."""

    def __init__(self, message: Any, **params: Any) -> None:
        super().__init__(str(message))
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


def answer_value(question: Question, raw: str | Sequence[str]) -> tuple[str, int | None] | None:
    """(value, number) as stored on an `Answer`, None for an empty answer (no row), or
    AnswerValueError. `raw`: the text (multiple choice: codes joined by ";", as in a file) or,
    from a form, a list of option codes."""
    items = [raw] if isinstance(raw, str) else list(raw)
    items = [str(item).strip() for item in items]
    if question.kind == QuestionKind.MULTIPLE:
        items = [part.strip() for item in items for part in item.split(";")]
    items = [item for item in items if item]
    if not items:
        return None
    kind = question.kind
    if kind == QuestionKind.MULTIPLE:
        options = {fold(c): c for c in question.option_codes()}
        values: list[str] = []
        for item in items:
            value = options.get(fold(item))
            if value is None:
                raise AnswerValueError(VALUE_CHOICE, value=item, choices=", ".join(question.option_codes()))
            if value not in values:
                values.append(value)
        # In the options' order, so the same choices are always stored the same way.
        order = question.option_codes()
        return ";".join(sorted(values, key=order.index)), None
    if len(items) > 1:
        raise AnswerValueError(VALUE_ONE_CHOICE)
    text = items[0]
    if kind == QuestionKind.LIKERT:
        # Excel may write a number cell as "4.0".
        folded = text[:-2] if text.endswith((".0", ",0")) else text
        if folded in {"1", "2", "3", "4", "5"}:
            return folded, int(folded)
        raise AnswerValueError(VALUE_LIKERT, value=text)
    if kind == QuestionKind.YES_NO:
        yes_no = YES_NO.get(fold(text))
        if yes_no is None:
            raise AnswerValueError(VALUE_CHOICE, value=text, choices="ja, nej")
        return yes_no, None
    if kind == QuestionKind.SINGLE:
        options = {fold(c): c for c in question.option_codes()}
        choice = options.get(fold(text))
        if choice is None:
            raise AnswerValueError(VALUE_CHOICE, value=text, choices=", ".join(question.option_codes()))
        return choice, None
    if len(text) > TEXT_MAX_LENGTH:
        raise AnswerValueError(VALUE_TOO_LONG, max=TEXT_MAX_LENGTH)
    return text, None


def moment_label(moment: str) -> str:
    return str(Moment(moment).label) if moment in Moment.values else moment


def already_answered(*, survey: Survey, person: Person, moment: str) -> bool:
    return Response.objects.filter(survey=survey, person=person, moment=moment).exists()


def session_pending(*, session: Session, person: Person) -> list[Pending]:
    """The surveys of the session's programme due for a person who is counted present on the
    session (`kurser.counting`): what the session's survey QR code offers. ValidationError
    `SESSION_NOT_PRESENT` otherwise."""
    if not counted_rows().filter(session=session, person=person).exists():
        raise ValidationError(SESSION_NOT_PRESENT)
    return pending_for_person(person=person, programme_id=session.programme_id)


def _check_values(
    survey: Survey, questions: list[Question], values: Mapping[str, str | Sequence[str]]
) -> dict[int, tuple[str, int | None]]:
    by_code = {q.code: q for q in questions}
    for code in values:
        if code not in by_code:
            raise ValidationError(QUESTION_UNKNOWN, params={"code": code, "survey": survey.code})
    answers: dict[int, tuple[str, int | None]] = {}
    for position, question in enumerate(questions, start=1):
        if question.code not in values:
            continue
        try:
            answer = answer_value(question, values[question.code])
        except AnswerValueError as e:
            raise ValidationError(
                ANSWER_INVALID,
                code=question.code,
                params={"position": position, "question": question.text(), "reason": str(e)},
            ) from None
        if answer is not None:
            answers[question.pk] = answer
    return answers


def _replay(client_id: uuid.UUID, survey: Survey, person: Person, moment: str) -> Response | None:
    previous = Response.objects.filter(client_id=client_id).first()
    if previous is None:
        return None
    if (previous.survey_id, previous.person_id, previous.moment) != (survey.pk, person.pk, moment):
        raise ValidationError(CLIENT_ID_REUSED)
    return previous


def response_check(*, survey: Survey, person: Person, moment: str) -> None:
    """ValidationError unless `person` may still answer `survey` at `moment` (the rules of
    `response_submit` that do not depend on the answers): a page checks before showing a form."""
    names = {"survey": survey.name(), "moment": moment_label(moment)}
    if moment not in survey.moments:
        raise ValidationError(
            MOMENT_NOT_IN_SURVEY,
            params={
                "moment": moment,
                "survey": names["survey"],
                "moments": ", ".join(moment_label(m) for m in survey.moments),
            },
        )
    if person.temporary:
        raise ValidationError(SURVEY_NOT_FOR_TEMPORARY, params=names)
    if not applies(survey, person):
        raise ValidationError(
            SURVEY_NOT_FOR_PERSON,
            params={**names, "group": str(TargetGroup(survey.target_group).label).lower()},
        )
    if Response.objects.filter(survey=survey, person=person, moment=moment).exists():
        raise ValidationError(ALREADY_ANSWERED, params=names, code="already_answered")


@transaction.atomic
def response_submit(
    *,
    survey: Survey,
    person: Person,
    moment: str,
    values: Mapping[str, str | list[str]],
    source: str,
    client_id: uuid.UUID | None = None,
    answered_on: dt.date | None = None,
) -> Response:
    """Store a person's answers to `survey` at `moment` (keys of `values`: question codes; an
    empty value is "not answered"). All or nothing. The same `client_id` again (a tablet
    replaying its offline queue, a double tap) returns the stored response unchanged."""
    if client_id is not None:
        previous = _replay(client_id, survey, person, moment)
        if previous is not None:
            return previous
    response_check(survey=survey, person=person, moment=moment)
    questions = list(survey.questions.order_by("position", "id"))
    answers = _check_values(survey, questions, values)
    if not answers:
        raise ValidationError(RESPONSE_EMPTY)
    response = Response(
        survey=survey,
        person=person,
        moment=moment,
        answered_on=answered_on or timezone.localdate(),
        source=source,
        client_id=client_id,
    )
    response.full_clean(validate_unique=False, validate_constraints=False)
    try:
        # A savepoint: two submissions racing for the same person, survey and moment (or the
        # same client id) meet at the unique constraints; the loser is told what happened.
        with transaction.atomic():
            response.save()
            Answer.objects.bulk_create(
                [Answer(response=response, question_id=q, value=v, number=n) for q, (v, n) in answers.items()]
            )
    except IntegrityError:
        if client_id is not None:
            previous = _replay(client_id, survey, person, moment)
            if previous is not None:
                return previous
        if Response.objects.filter(survey=survey, person=person, moment=moment).exists():
            names = {"survey": survey.name(), "moment": moment_label(moment)}
            raise ValidationError(ALREADY_ANSWERED, params=names, code="already_answered") from None
        raise
    data_changed()  # the indicators on the dashboards count it (their caches start anew)
    return response
