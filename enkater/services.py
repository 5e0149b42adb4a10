"""Every write of the survey builder: surveys and their questions (spec §5a, issue 12 item 1).

Keyword-only arguments; every rule raises `ValidationError` with the module-level Swedish
message constants below (tests assert the exact text), on the field it concerns; nothing is
half-written (`@transaction.atomic`).

What may change once a survey is in use:

- a **fixed** survey (the defaults of §5a, `Survey.fixed`): files and reports name its code,
  questions and moments, so only its names and its questions' texts (and option labels) may be
  edited; it cannot be deleted, and no question is added or removed;
- a survey or question **with answers**: it cannot be deleted and its code (and a question's
  kind) cannot change, nor can a moment or an option that answers use be removed; texts may.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Model, QuerySet
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from enkater.models import Answer, Moment, Question, QuestionKind, Response, Survey
from ombud.importing import fold
from ombud.models import AuditLog, Programme, TargetGroup, User
from ombud.services import audit_log

SURVEY_CODE_FORMAT = _("Koden får bara innehålla A–Z, 0–9 och bindestreck, till exempel NOJD-2.")
SURVEY_CODE_TAKEN = _("Programmet har redan en enkät med koden %(code)s.")
SURVEY_NAME_REQUIRED = _("Ange enkätens namn på svenska.")
SURVEY_TARGET_GROUP = _("Okänd målgrupp: %(value)s.")
SURVEY_MOMENTS_REQUIRED = _("Välj minst ett moment (före, efter eller uppföljning).")
SURVEY_MOMENT_UNKNOWN = _("Okänt moment: %(value)s.")
SURVEY_FIXED = _(
    "%(code)s är en standardenkät: koden, målgruppen, momenten och frågorna kan inte ändras, bara texterna."
)
SURVEY_FIXED_DELETE = _("%(code)s är en standardenkät och kan inte tas bort.")
SURVEY_ANSWERED_DELETE = _("Enkäten %(code)s har svar och kan inte tas bort.")
SURVEY_ANSWERED_CODE = _("Enkäten %(code)s har svar: koden kan inte ändras.")
SURVEY_ANSWERED_MOMENT = _("Momentet %(moment)s har svar och kan inte tas bort från enkäten.")

QUESTION_CODE_FORMAT = _(
    "Frågans kod får bara innehålla a–z, 0–9, bindestreck och understreck, till exempel nojd_1."
)
QUESTION_CODE_RESERVED = _("%(code)s är en kolumn i importfilen och kan inte vara en frågekod.")
QUESTION_CODE_TAKEN = _("Enkäten har redan en fråga med koden %(code)s.")
QUESTION_TEXT_REQUIRED = _("Skriv frågan på svenska.")
QUESTION_KIND_UNKNOWN = _("Okänd frågetyp: %(value)s.")
QUESTION_FIXED = _("Frågan hör till standardenkäten %(code)s: bara texterna kan ändras.")
QUESTION_FIXED_ADD = _("%(code)s är en standardenkät: frågor kan inte läggas till eller tas bort.")
QUESTION_ANSWERED = _("Frågan %(code)s har svar: koden och typen kan inte ändras.")
QUESTION_ANSWERED_DELETE = _("Frågan %(code)s har svar och kan inte tas bort.")
QUESTION_ANSWERED_OPTION = _("Svarsalternativet %(option)s har svar och kan inte tas bort.")
OPTIONS_REQUIRED = _("En flervalsfråga behöver minst två svarsalternativ.")
OPTIONS_NOT_ALLOWED = _("Bara frågor av typen ett val eller flera val har svarsalternativ.")
OPTION_CODE_FORMAT = _(
    "Svarsalternativ %(n)s: koden %(code)s får bara innehålla a–z, 0–9, bindestreck och understreck."
)
OPTION_CODE_DUPLICATE = _("Svarsalternativ %(n)s: koden %(code)s finns redan.")
OPTION_LABEL_REQUIRED = _("Svarsalternativ %(n)s: ange en svensk text.")
MOVE_DIRECTION = _("Okänd riktning: välj upp eller ned.")

M = TypeVar("M", bound=Model)

_SURVEY_CODE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)*$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# The fixed columns of the answer file (enkater.importing): a question may not be named like one.
RESERVED_QUESTION_CODES = {"personnummer", "enkat", "moment", "datum"}


# --- the audit log: every write below says who changed which survey or question, and how ----
# (The programme is read with the survey for the entry, but only the survey and question rows
# are locked: `select_for_update(of=...)`, so the builder never blocks writes to the programme.)

SURVEY_FIELDS = ("code", "name_sv", "name_en", "target_group", "moments")
QUESTION_FIELDS = ("code", "kind", "position", "text_sv", "text_en", "choices")


def _fields(obj: Model, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """{field: [before, after]} of the fields that differ; None stands for "did not exist"."""
    names = list(before or after or {})
    pairs = {n: [(before or {}).get(n), (after or {}).get(n)] for n in names}
    return {n: pair for n, pair in pairs.items() if pair[0] != pair[1]}


def _labels(model: type[Model], changes: dict[str, Any]) -> str:
    """The changed fields as the builder's form names them ("namn (engelska), moment")."""
    return ", ".join(str(getattr(model._meta.get_field(name), "verbose_name", name)) for name in changes)


def _audit(
    *, by: User | None, what: str, survey: Survey, changes: dict[str, Any], question: str = ""
) -> None:
    detail: dict[str, Any] = {"programme": survey.programme.code, "survey": survey.code}
    if question:
        detail["question"] = question
    detail["changes"] = changes
    audit_log(user=by, action=AuditLog.Action.CHANGE, what=what, detail=detail)


# --- surveys ---------------------------------------------------------------------------------


def _others(qs: QuerySet[M], pk: int | None) -> QuerySet[M]:
    """`qs` without the object being edited (none when creating)."""
    return qs if pk is None else qs.exclude(pk=pk)


def _has_answers(survey: Survey) -> bool:
    return survey.pk is not None and Response.objects.filter(survey=survey).exists()


def _clean_survey(
    *, programme: Programme, code: str, name_sv: str, target_group: str, moments: list[str], pk: int | None
) -> tuple[str, list[str]]:
    errors: dict[str, list[Any]] = {}
    code = (code or "").strip().upper()
    if not _SURVEY_CODE.match(code):
        errors.setdefault("code", []).append(ValidationError(SURVEY_CODE_FORMAT, code="format"))
    elif _others(Survey.objects.filter(programme=programme, code=code), pk).exists():
        errors.setdefault("code", []).append(
            ValidationError(SURVEY_CODE_TAKEN, code="taken", params={"code": code})
        )
    if not (name_sv or "").strip():
        errors.setdefault("name_sv", []).append(ValidationError(SURVEY_NAME_REQUIRED, code="required"))
    if target_group and target_group not in TargetGroup.values:
        errors.setdefault("target_group", []).append(
            ValidationError(SURVEY_TARGET_GROUP, code="target_group", params={"value": target_group})
        )
    unknown = [m for m in moments if m not in Moment.values]
    if unknown:
        errors.setdefault("moments", []).append(
            ValidationError(SURVEY_MOMENT_UNKNOWN, code="moment", params={"value": unknown[0]})
        )
    elif not moments:
        errors.setdefault("moments", []).append(ValidationError(SURVEY_MOMENTS_REQUIRED, code="required"))
    if errors:
        raise ValidationError(errors)
    return code, [m for m in Moment.values if m in moments]


@transaction.atomic
def survey_create(
    *,
    programme: Programme,
    code: str,
    name_sv: str,
    name_en: str = "",
    target_group: str = "",
    moments: list[str],
    by: User | None,
) -> Survey:
    code, moments = _clean_survey(
        programme=programme, code=code, name_sv=name_sv, target_group=target_group, moments=moments, pk=None
    )
    survey = Survey(
        programme=programme,
        code=code,
        name_sv=name_sv.strip(),
        name_en=(name_en or "").strip(),
        target_group=target_group or "",
        moments=moments,
    )
    survey.full_clean()
    survey.save()
    _audit(
        by=by,
        what=_g("Skapade enkäten %(code)s") % {"code": survey.code},
        survey=survey,
        changes=_changes(None, _fields(survey, SURVEY_FIELDS)),
    )
    return survey


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    code: str,
    name_sv: str,
    name_en: str = "",
    target_group: str = "",
    moments: list[str],
    by: User | None,
) -> Survey:
    survey = Survey.objects.select_for_update(of=("self",)).select_related("programme").get(pk=survey.pk)
    before = _fields(survey, SURVEY_FIELDS)
    code, moments = _clean_survey(
        programme=survey.programme,
        code=code,
        name_sv=name_sv,
        target_group=target_group,
        moments=moments,
        pk=survey.pk,
    )
    if survey.fixed and (
        code != survey.code or (target_group or "") != survey.target_group or moments != list(survey.moments)
    ):
        raise ValidationError(SURVEY_FIXED, code="fixed", params={"code": survey.code})
    if code != survey.code and _has_answers(survey):
        raise ValidationError(
            {"code": ValidationError(SURVEY_ANSWERED_CODE, code="answered", params={"code": survey.code})}
        )
    removed = [m for m in survey.moments if m not in moments]
    answered = set(
        Response.objects.filter(survey=survey, moment__in=removed).values_list("moment", flat=True)
    )
    if answered:
        moment = next(m for m in removed if m in answered)
        raise ValidationError(
            {
                "moments": ValidationError(
                    SURVEY_ANSWERED_MOMENT, code="answered", params={"moment": Moment(moment).label}
                )
            }
        )
    survey.code = code
    survey.name_sv = name_sv.strip()
    survey.name_en = (name_en or "").strip()
    survey.target_group = target_group or ""
    survey.moments = moments
    survey.full_clean()
    survey.save()
    changes = _changes(before, _fields(survey, SURVEY_FIELDS))
    if changes:  # "Spara" without a change is no change to log
        _audit(
            by=by,
            what=_g("Ändrade enkäten %(code)s: %(fields)s")
            % {"code": survey.code, "fields": _labels(Survey, changes)},
            survey=survey,
            changes=changes,
        )
    return survey


@transaction.atomic
def survey_delete(*, survey: Survey, by: User | None) -> None:
    survey = Survey.objects.select_for_update(of=("self",)).select_related("programme").get(pk=survey.pk)
    if survey.fixed:
        raise ValidationError(SURVEY_FIXED_DELETE, code="fixed", params={"code": survey.code})
    if _has_answers(survey):
        raise ValidationError(SURVEY_ANSWERED_DELETE, code="answered", params={"code": survey.code})
    # Its questions go with it (no answers, checked above): the entry keeps what they were.
    questions = {q.code: _fields(q, QUESTION_FIELDS) for q in survey.questions.all()}
    changes = _changes(_fields(survey, SURVEY_FIELDS), None)
    if questions:
        changes["questions"] = [questions, None]
    _audit(
        by=by,
        what=_g("Tog bort enkäten %(code)s") % {"code": survey.code},
        survey=survey,
        changes=changes,
    )
    survey.delete()


# --- questions -------------------------------------------------------------------------------


def _clean_options(kind: str, options: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """Options as stored in `Question.choices`: [{"code", "sv", "en"}], codes lower-case."""
    options = options or []
    if kind not in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        if options:
            raise ValidationError({"options": ValidationError(OPTIONS_NOT_ALLOWED, code="options")})
        return []
    cleaned: list[dict[str, str]] = []
    seen: set[str] = set()
    errors = []
    for n, option in enumerate(options, start=1):
        code = (option.get("code") or "").strip().lower()
        sv = (option.get("sv") or "").strip()
        en = (option.get("en") or "").strip()
        if not _CODE.match(code):
            errors.append(ValidationError(OPTION_CODE_FORMAT, code="option", params={"n": n, "code": code}))
        elif fold(code) in seen:
            errors.append(
                ValidationError(OPTION_CODE_DUPLICATE, code="option", params={"n": n, "code": code})
            )
        if not sv:
            errors.append(ValidationError(OPTION_LABEL_REQUIRED, code="option", params={"n": n}))
        seen.add(fold(code))
        cleaned.append({"code": code, "sv": sv, "en": en})
    if not errors and len(cleaned) < 2:
        errors.append(ValidationError(OPTIONS_REQUIRED, code="options"))
    if errors:
        raise ValidationError({"options": errors})
    return cleaned


def _clean_question(*, survey: Survey, code: str, kind: str, text_sv: str, pk: int | None) -> str:
    errors: dict[str, list[Any]] = {}
    code = (code or "").strip().lower()
    if not _CODE.match(code):
        errors.setdefault("code", []).append(ValidationError(QUESTION_CODE_FORMAT, code="format"))
    elif fold(code) in RESERVED_QUESTION_CODES:
        errors.setdefault("code", []).append(
            ValidationError(QUESTION_CODE_RESERVED, code="reserved", params={"code": code})
        )
    elif _others(Question.objects.filter(survey=survey, code=code), pk).exists():
        errors.setdefault("code", []).append(
            ValidationError(QUESTION_CODE_TAKEN, code="taken", params={"code": code})
        )
    if kind not in QuestionKind.values:
        errors.setdefault("kind", []).append(
            ValidationError(QUESTION_KIND_UNKNOWN, code="kind", params={"value": kind})
        )
    if not (text_sv or "").strip():
        errors.setdefault("text_sv", []).append(ValidationError(QUESTION_TEXT_REQUIRED, code="required"))
    if errors:
        raise ValidationError(errors)
    return code


@transaction.atomic
def question_create(
    *,
    survey: Survey,
    code: str,
    kind: str,
    text_sv: str,
    text_en: str = "",
    options: list[dict[str, str]] | None = None,
    by: User | None,
) -> Question:
    survey = Survey.objects.select_for_update(of=("self",)).select_related("programme").get(pk=survey.pk)
    if survey.fixed:
        raise ValidationError(QUESTION_FIXED_ADD, code="fixed", params={"code": survey.code})
    code = _clean_question(survey=survey, code=code, kind=kind, text_sv=text_sv, pk=None)
    choices = _clean_options(kind, options)
    last = Question.objects.filter(survey=survey).aggregate(m=Max("position"))["m"] or 0
    question = Question(
        survey=survey,
        code=code,
        kind=kind,
        position=last + 1,
        text_sv=text_sv.strip(),
        text_en=(text_en or "").strip(),
        choices=choices,
    )
    question.full_clean()
    question.save()
    _audit(
        by=by,
        what=_g("Lade till frågan %(question)s i enkäten %(code)s") % {"question": code, "code": survey.code},
        survey=survey,
        question=code,
        changes=_changes(None, _fields(question, QUESTION_FIELDS)),
    )
    return question


@transaction.atomic
def question_update(
    *,
    question: Question,
    code: str,
    kind: str,
    text_sv: str,
    text_en: str = "",
    options: list[dict[str, str]] | None = None,
    by: User | None,
) -> Question:
    question = (
        Question.objects.select_for_update(of=("self", "survey"))
        .select_related("survey__programme")
        .get(pk=question.pk)
    )
    survey = question.survey
    before = _fields(question, QUESTION_FIELDS)
    code = _clean_question(survey=survey, code=code, kind=kind, text_sv=text_sv, pk=question.pk)
    choices = _clean_options(kind, options)
    if survey.fixed:
        old_codes = question.option_codes()
        if code != question.code or kind != question.kind or [o["code"] for o in choices] != old_codes:
            raise ValidationError(QUESTION_FIXED, code="fixed", params={"code": survey.code})
    answers = Answer.objects.filter(question=question)
    if (code != question.code or kind != question.kind) and answers.exists():
        raise ValidationError(QUESTION_ANSWERED, code="answered", params={"code": question.code})
    removed = set(question.option_codes()) - {o["code"] for o in choices}
    if removed:
        for value in answers.values_list("value", flat=True).distinct():
            used = removed.intersection(value.split(";"))
            if used:
                raise ValidationError(
                    {
                        "options": ValidationError(
                            QUESTION_ANSWERED_OPTION, code="answered", params={"option": sorted(used)[0]}
                        )
                    }
                )
    question.code = code
    question.kind = kind
    question.text_sv = text_sv.strip()
    question.text_en = (text_en or "").strip()
    question.choices = choices
    question.full_clean()
    question.save()
    changes = _changes(before, _fields(question, QUESTION_FIELDS))
    if changes:
        _audit(
            by=by,
            what=_g("Ändrade frågan %(question)s i enkäten %(code)s: %(fields)s")
            % {"question": question.code, "code": survey.code, "fields": _labels(Question, changes)},
            survey=survey,
            question=question.code,
            changes=changes,
        )
    return question


@transaction.atomic
def question_delete(*, question: Question, by: User | None) -> None:
    question = (
        Question.objects.select_for_update(of=("self", "survey"))
        .select_related("survey__programme")
        .get(pk=question.pk)
    )
    if question.survey.fixed:
        raise ValidationError(QUESTION_FIXED_ADD, code="fixed", params={"code": question.survey.code})
    if Answer.objects.filter(question=question).exists():
        raise ValidationError(QUESTION_ANSWERED_DELETE, code="answered", params={"code": question.code})
    _audit(
        by=by,
        what=_g("Tog bort frågan %(question)s ur enkäten %(code)s")
        % {"question": question.code, "code": question.survey.code},
        survey=question.survey,
        question=question.code,
        changes=_changes(_fields(question, QUESTION_FIELDS), None),
    )
    survey_id = question.survey_id
    question.delete()
    _renumber(survey_id)


def _renumber(survey_id: int) -> list[Question]:
    """Positions 1..n in the current order (ties and gaps from older rows closed)."""
    questions = list(Question.objects.filter(survey_id=survey_id).order_by("position", "id"))
    changed = []
    for position, q in enumerate(questions, start=1):
        if q.position != position:
            q.position = position
            changed.append(q)
    if changed:
        Question.objects.bulk_update(changed, ["position"])
    return questions


@transaction.atomic
def question_move(*, question: Question, direction: str, by: User | None) -> None:
    """Swap the question with its neighbour above ("up") or below ("down"); at the top or the
    bottom nothing changes. The order is presentation only, so fixed surveys may be reordered."""
    if direction not in ("up", "down"):
        raise ValidationError(MOVE_DIRECTION, code="direction")
    survey = (
        Survey.objects.select_for_update(of=("self",)).select_related("programme").get(pk=question.survey_id)
    )
    questions = _renumber(question.survey_id)
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return
    a, b = questions[index], questions[other]
    a.position, b.position = b.position, a.position
    Question.objects.bulk_update([a, b], ["position"])
    _audit(
        by=by,
        what=(
            _g("Flyttade frågan %(question)s upp i enkäten %(code)s")
            if direction == "up"
            else _g("Flyttade frågan %(question)s ned i enkäten %(code)s")
        )
        % {"question": a.code, "code": survey.code},
        survey=survey,
        question=a.code,
        # The neighbour's position changes too: both, by question code.
        changes={"position": {a.code: [b.position, a.position], b.code: [a.position, b.position]}},
    )
