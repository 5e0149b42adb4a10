"""The survey answer import (spec §5b), a handler of the one import engine (`ombud.importing`).

One row per person, survey and moment: `personnummer`, `enkät`, `moment`, `datum`, then one
column per question code (any survey of the programme). A value is checked against the row's
survey's question of that code; an empty cell is "not answered". All or nothing, like every
import: one invalid row rejects the file.

Matching: (person, survey, moment). A known triple is updated when its date or answers differ
(an answer whose cell is now empty is removed: the file is the truth for that row), else it is
unchanged. A second row for the same triple in one file is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from enkater.answering import AnswerValueError, answer_value
from enkater.defaults import ensure_default_surveys
from enkater.models import Answer, Moment, Question, Response, Survey
from ombud import access
from ombud.importing import (
    SETTINGS_LIMIT,
    VALUE_CHOICE,
    VALUE_DATE,
    VALUE_REQUIRED,
    Column,
    ImportContext,
    ImportResult,
    audit_log_import,
    fold,
    header_key,
    parse_personnummer,
    run_import,
)
from ombud.models import Person, Programme, TargetGroup

if TYPE_CHECKING:
    from ombud.models import User

SURVEY_UNKNOWN = _("%(value)s är ingen enkät i programmet %(programme)s (%(codes)s)")
MOMENT_NOT_IN_SURVEY = _("%(value)s är inte ett moment i enkäten %(survey)s (%(moments)s)")
TARGET_GROUP_MISMATCH = _("%(survey)s gäller målgruppen %(group)s")
PERSON_UNKNOWN = _("ingen medarbetare med personnumret %(value)s är registrerad (importera personerna först)")
PERSON_OUTSIDE_SCOPE = _("personen är inte registrerad i någon av dina kommuner")
QUESTION_NOT_IN_SURVEY = _("frågan finns inte i enkäten %(survey)s")
ROW_NO_ANSWERS = _("raden har inga svar")
RESPONSE_DUPLICATE_IN_FILE = _("samma person, enkät och moment finns redan på rad %(row)s")

_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_FIXED = ("personnummer", "enkat", "moment", "datum")
MOMENTS = {fold(m): m for m in Moment.values}


@dataclass(slots=True)
class AnswerRow:
    number: str
    survey: Survey
    moment: str
    date: dt.date
    answers: dict[int, tuple[str, int | None]]  # question id → (value, number)


class SurveyAnswersImport:
    """`import_survey_answers`. `user`: who runs it — a scoped user (a local leader on the web)
    may import answers only of people registered in their municipalities
    (`access.people_import_scope`); the command (no user) is unscoped."""

    kind = "survey_answers"
    written_models = (Response, Answer)

    def __init__(self, *, programme: Programme, user: User | None = None) -> None:
        self.programme = programme
        self.user = user
        self.scope = access.people_import_scope(user)
        ensure_default_surveys(programme)
        self.surveys = {
            fold(s.code): s for s in Survey.objects.filter(programme=programme).prefetch_related("questions")
        }
        # column key → {survey id: question}
        self.questions: dict[str, dict[int, Question]] = {}
        labels: dict[str, str] = {}
        for survey in self.surveys.values():
            for question in survey.questions.all():
                key = header_key(question.code)
                if key in _FIXED:
                    continue  # a question may not hide a fixed column
                self.questions.setdefault(key, {})[survey.pk] = question
                labels.setdefault(key, question.code)
        self.columns = (
            Column("personnummer", "personnummer", required=True, aliases=("pnr",)),
            Column("enkat", "enkät", required=True),
            Column("moment", "moment", required=True),
            Column("datum", "datum", required=True),
            *(Column(key, labels[key]) for key in self.questions),
        )
        self.labels = labels
        self.seen: dict[tuple[str, int, str], int] = {}

    def handle_batch(self, batch: list[tuple[int, dict[str, str]]], ctx: ImportContext) -> None:
        people = self._people(batch)
        parsed: list[AnswerRow] = []
        for row, v in batch:
            ok = True
            number = parse_personnummer(ctx, row, "personnummer", v["personnummer"])
            person = None
            if number is not None:
                person = people.get(number)
                if person is None:
                    ctx.error(row, "personnummer", PERSON_UNKNOWN, value=v["personnummer"])
                    ok = False
                elif self.scope is not None and person.municipality_id not in self.scope:
                    ctx.error(row, "personnummer", PERSON_OUTSIDE_SCOPE)
                    ok = False
            else:
                ok = False
            survey = None
            if not v["enkat"]:
                ctx.error(row, "enkät", VALUE_REQUIRED)
                ok = False
            else:
                survey = self.surveys.get(fold(v["enkat"]))
                if survey is None:
                    ctx.error(
                        row,
                        "enkät",
                        SURVEY_UNKNOWN,
                        value=v["enkat"],
                        programme=self.programme.code,
                        codes=", ".join(s.code for s in self.surveys.values()),
                    )
                    ok = False
                elif (
                    person is not None and survey.target_group and person.target_group != survey.target_group
                ):
                    ctx.error(
                        row,
                        "enkät",
                        TARGET_GROUP_MISMATCH,
                        survey=survey.code,
                        group=TargetGroup(survey.target_group).value,
                    )
                    ok = False
            moment = None
            if not v["moment"]:
                ctx.error(row, "moment", VALUE_REQUIRED)
                ok = False
            else:
                moment = MOMENTS.get(fold(v["moment"]))
                if moment is None:
                    ctx.error(
                        row, "moment", VALUE_CHOICE, value=v["moment"], choices=", ".join(Moment.values)
                    )
                    ok = False
                elif survey is not None and moment not in survey.moments:
                    ctx.error(
                        row,
                        "moment",
                        MOMENT_NOT_IN_SURVEY,
                        value=v["moment"],
                        survey=survey.code,
                        moments=", ".join(survey.moments),
                    )
                    ok = False
            date = None
            if not v["datum"]:
                ctx.error(row, "datum", VALUE_REQUIRED)
                ok = False
            else:
                date = _date(v["datum"])
                if date is None:
                    ctx.error(row, "datum", VALUE_DATE, value=v["datum"])
                    ok = False
            answers: dict[int, tuple[str, int | None]] = {}
            if survey is not None:
                for key, by_survey in self.questions.items():
                    text = v[key].strip()
                    if not text:
                        continue
                    question = by_survey.get(survey.pk)
                    if question is None:
                        ctx.error(row, self.labels[key], QUESTION_NOT_IN_SURVEY, survey=survey.code)
                        ok = False
                        continue
                    answer = _answer(ctx, row, self.labels[key], question, text)
                    if answer is None:
                        ok = False
                    else:
                        answers[question.pk] = answer
                if ok and not answers:
                    ctx.error(row, "enkät", ROW_NO_ANSWERS)
                    ok = False
            if number is not None and survey is not None and moment is not None:
                first = self.seen.setdefault((number, survey.pk, moment), row)
                if first != row:
                    ctx.error(row, "personnummer", RESPONSE_DUPLICATE_IN_FILE, row=first)
                    ok = False
            if ok and number is not None and survey is not None and moment is not None and date is not None:
                parsed.append(AnswerRow(number, survey, moment, date, answers))
        if ctx.has_errors:
            return
        self._apply(parsed, people, ctx)

    def _people(self, batch: list[tuple[int, dict[str, str]]]) -> dict[str, Person]:
        from ombud.importing.values import personnummer_or_none

        numbers = {personnummer_or_none(v["personnummer"]) for _row, v in batch} - {None}
        return {
            p.personnummer: p
            for p in Person.objects.filter(personnummer__in=numbers).only(
                "pk", "personnummer", "municipality_id", "target_group"
            )
            if p.personnummer
        }

    def _apply(self, parsed: list[AnswerRow], people: dict[str, Person], ctx: ImportContext) -> None:
        result = ctx.result
        person_ids = {people[p.number].pk for p in parsed}
        existing: dict[tuple[int, int, str], Response] = {
            (r.person_id, r.survey_id, r.moment): r
            for r in Response.objects.filter(
                survey__programme=self.programme, person_id__in=person_ids
            ).prefetch_related("answers")
        }
        now = timezone.now()
        new: list[tuple[Response, AnswerRow]] = []
        for p in parsed:
            person_id = people[p.number].pk
            old = existing.get((person_id, p.survey.pk, p.moment))
            if old is None:
                result.created += 1
                new.append(
                    (Response(survey=p.survey, person_id=person_id, moment=p.moment, answered_on=p.date), p)
                )
                continue
            stored = {a.question_id: (a.value, a.number) for a in old.answers.all()}
            if stored == p.answers and old.answered_on == p.date:
                result.unchanged += 1
                continue
            result.updated += 1
            if ctx.writing:
                Response.objects.filter(pk=old.pk).update(answered_on=p.date, updated_at=now)
                Answer.objects.filter(response=old).exclude(question_id__in=p.answers).delete()
                for q, (value, n) in p.answers.items():
                    if stored.get(q) != (value, n):
                        Answer.objects.update_or_create(
                            response=old, question_id=q, defaults={"value": value, "number": n}
                        )
        if ctx.writing and new:
            # One insert for the batch's new responses (their ids come back on SQLite and
            # PostgreSQL), one for their answers.
            Response.objects.bulk_create([r for r, _p in new], batch_size=500)
            Answer.objects.bulk_create(
                [
                    Answer(response=r, question_id=q, value=value, number=n)
                    for r, p in new
                    for q, (value, n) in p.answers.items()
                ],
                batch_size=1000,
            )

    def finish(self, ctx: ImportContext) -> None:
        if ctx.writing:
            audit_log_import(
                ctx,
                what=_g("Import av enkätsvar: %(file)s") % {"file": ctx.result.filename},
                detail={"programme": self.programme.code},
            )


def _date(text: str) -> dt.date | None:
    m = _DATE.match(text.strip())
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def _answer(
    ctx: ImportContext, row: int, label: str, question: Question, text: str
) -> tuple[str, int | None] | None:
    """(value, number) for a non-empty cell, or None after reporting why it is not an answer.
    The per-kind check is the answering service's (`enkater.answering.answer_value`)."""
    try:
        return answer_value(question, text)
    except AnswerValueError as e:
        ctx.error(row, label, e.message, **e.params)
        return None


def import_survey_answers(
    source: Any,
    *,
    programme: Programme,
    filename: str | None = None,
    dry_run: bool = False,
    user: User | None = None,
    max_bytes: int | object | None = SETTINGS_LIMIT,
) -> ImportResult:
    return run_import(
        SurveyAnswersImport(programme=programme, user=user),
        source,
        filename=filename,
        dry_run=dry_run,
        user=user,
        max_bytes=max_bytes,
    )


def survey_answers_summary(result: ImportResult) -> str:
    """The last line of `import_survey_answers` (spec §5b)."""
    params = {"n": result.total, "m": result.created, "k": result.updated}
    if result.dry_run:
        return _g("Förhandsgranskning: %(n)s svar (%(m)s nya, %(k)s uppdaterade) – inget sparades") % params
    return _g("Importerade %(n)s svar (%(m)s nya, %(k)s uppdaterade)") % params
