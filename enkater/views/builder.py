"""The survey builder (issue 12 item 1): programme leaders list a programme's surveys, create and
edit their own, and add, edit, delete and reorder questions. The default surveys of §5a are
shown with a "standard" badge; only their texts may be edited. Every rule is in
`enkater.services`; a service's ValidationError is shown on the form with status 400."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enkater import services
from enkater.defaults import ensure_default_surveys
from enkater.forms import QuestionForm, QuestionMoveForm, SurveyForm
from enkater.models import Answer, Question, Response, Survey
from ombud import access
from ombud.models import Programme, User
from ombud.views import form_error

can_build = access.can_administer  # the programme leader's predicate: surveys are programme-wide


# --- selectors (scoped: the programmes the user's role covers) -------------------------------


def _by(request: HttpRequest) -> User:
    """Who is building, for the audit log: every view here is behind `access.require(can_build)`,
    so never an anonymous user."""
    return cast(User, request.user)


def _programmes(request: HttpRequest) -> QuerySet[Programme]:
    return access.programmes_for(request.user)


def _programme(request: HttpRequest, pk: int) -> Programme:
    return get_object_or_404(_programmes(request), pk=pk)


def _surveys(request: HttpRequest) -> QuerySet[Survey]:
    return Survey.objects.filter(programme__in=_programmes(request)).select_related("programme")


def _survey(request: HttpRequest, pk: int) -> Survey:
    return get_object_or_404(_surveys(request), pk=pk)


def _question(request: HttpRequest, pk: int) -> Question:
    return get_object_or_404(
        Question.objects.filter(survey__in=_surveys(request)).select_related("survey__programme"), pk=pk
    )


def _questions(survey: Survey) -> QuerySet[Question]:
    return Question.objects.filter(survey=survey).annotate(
        answered=Exists(Answer.objects.filter(question=OuterRef("pk")))
    )


# --- pages -----------------------------------------------------------------------------------


@access.require(can_build)
def builder(request: HttpRequest) -> HttpResponse:
    """Every programme with its surveys (one programme: straight to its list)."""
    programmes = list(
        _programmes(request).annotate(n_surveys=Count("surveys")).order_by("-start_date", "code")
    )
    if len(programmes) == 1:
        return redirect("enkater:builder-programme", programmes[0].pk)
    return render(request, "enkater/builder_index.html", {"programmes": programmes})


@access.require(can_build)
def programme_surveys(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    ensure_default_surveys(programme)  # spec §5a: a survey page gives a new programme its defaults
    surveys = (
        Survey.objects.filter(programme=programme)
        .annotate(
            n_questions=Count("questions", distinct=True),
            n_responses=Count("responses", distinct=True),
        )
        .order_by("-fixed", "code")
    )
    return render(request, "enkater/builder_programme.html", {"programme": programme, "surveys": surveys})


@access.require(can_build)
def survey_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme(request, pk)
    form = SurveyForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(programme=programme, **form.cleaned_data, by=_by(request))
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(
                request, _("Enkäten %(code)s har skapats. Lägg till frågor.") % {"code": survey.code}
            )
            return redirect("enkater:builder-survey", survey.pk)
    return render(
        request,
        "enkater/builder_survey_form.html",
        {"form": form, "programme": programme, "survey": None},
        status=400 if form.is_bound else 200,
    )


@access.require(can_build)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    form = SurveyForm(_posted(request), survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(survey=survey, **form.cleaned_data, by=_by(request))
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(
                request, _("Enkäten %(code)s har sparats.") % {"code": form.cleaned_data["code"]}
            )
            return redirect("enkater:builder-survey", survey.pk)
    questions = list(_questions(survey))
    return render(
        request,
        "enkater/builder_survey.html",
        {
            "form": form,
            "programme": survey.programme,
            "survey": survey,
            "questions": questions,
            "answered": Response.objects.filter(survey=survey).exists(),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@access.require(can_build)
def survey_delete(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    try:
        services.survey_delete(survey=survey, by=_by(request))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
        return redirect("enkater:builder-survey", survey.pk)
    messages.success(request, _("Enkäten %(code)s har tagits bort.") % {"code": survey.code})
    return redirect("enkater:builder-programme", survey.programme_id)


@access.require(can_build)
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(request, pk)
    if survey.fixed:
        messages.error(request, str(services.QUESTION_FIXED_ADD % {"code": survey.code}))
        return redirect("enkater:builder-survey", survey.pk)
    form = QuestionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            question = services.question_create(survey=survey, **form.cleaned_data, by=_by(request))
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Frågan %(code)s har lagts till.") % {"code": question.code})
            return redirect("enkater:builder-survey", survey.pk)
    return render(
        request,
        "enkater/builder_question_form.html",
        {"form": form, "survey": survey, "question": None},
        status=400 if form.is_bound else 200,
    )


@access.require(can_build)
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    survey = question.survey
    locked = survey.fixed or Answer.objects.filter(question=question).exists()
    form = QuestionForm(_posted(request), question=question, fixed=locked)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(question=question, **form.cleaned_data, by=_by(request))
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Frågan %(code)s har sparats.") % {"code": form.cleaned_data["code"]})
            return redirect("enkater:builder-survey", survey.pk)
    return render(
        request,
        "enkater/builder_question_form.html",
        {"form": form, "survey": survey, "question": question, "locked": locked},
        status=400 if form.is_bound else 200,
    )


@require_POST
@access.require(can_build)
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    try:
        services.question_delete(question=question, by=_by(request))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Frågan %(code)s har tagits bort.") % {"code": question.code})
    return redirect("enkater:builder-survey", question.survey_id)


@require_POST
@access.require(can_build)
def question_move(request: HttpRequest, pk: int) -> HttpResponse:
    question = _question(request, pk)
    form = QuestionMoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(str(services.MOVE_DIRECTION))
    services.question_move(question=question, direction=form.cleaned_data["direction"], by=_by(request))
    return redirect(reverse("enkater:builder-survey", args=[question.survey_id]) + f"#fraga-{question.pk}")


def _posted(request: HttpRequest):
    """The form data of a POST, even an empty one (it answers 400 with the messages), else None."""
    return request.POST if request.method == "POST" else None
