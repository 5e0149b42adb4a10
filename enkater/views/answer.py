"""Answering on the participant's phone, without an account (issue 12, item 2).

`/enkater/svar/<token>/`: a personal link (`enkater.links`) names the person, the survey and the
moment. GET shows the form, POST stores the answers through `enkater.answering.response_submit`.
Once answered, the page only says so: answers are never shown back, not even to the person
holding the link (a forwarded or shared phone must not reveal them).

`/enkater/tillfalle/<token>/`: the session's QR code (the check-in token of `kurser.checkin`,
same validity window). The participant identifies as at check-in, must be counted present on
that session, and is then offered their due surveys of the programme as personal links.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from enkater import answering, links
from enkater.answer_forms import AnswerForm
from enkater.models import Response


def _link_error(request: HttpRequest, error: links.LinkError) -> HttpResponse:
    status = 404 if error.message == links.LINK_FORGED else 410
    return render(request, "enkater/answer.html", {"error": error.message}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        person, survey, moment = links.read_answer_token(token)
    except links.LinkError as e:
        return _link_error(request, e)
    context = {
        "survey": survey,
        "survey_name": answering.survey_name(survey),
        "moment_label": answering.moment_label(moment),
    }
    if answering.already_answered(survey=survey, person=person, moment=moment):
        return render(request, "enkater/answer.html", {**context, "state": "answered"})
    language = get_language() or "sv"
    form = AnswerForm(survey, language, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answering.response_submit(
                survey=survey,
                person=person,
                moment=moment,
                values=form.values(),
                source=Response.Source.LINK,
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            return render(request, "enkater/answer.html", {**context, "state": "thanks"})
    status = 400 if request.method == "POST" else 200
    return render(request, "enkater/answer.html", {**context, "form": form}, status=status)
