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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from enkater import answering, links
from enkater.answer_forms import AnswerForm
from enkater.models import Response
from kurser import checkin
from kurser import selectors as kurser_selectors
from kurser.forms import CheckinForm
from kurser.services import checkin_identify
from ombud import access


def _link_error(request: HttpRequest, error: links.LinkError) -> HttpResponse:
    status = 404 if error.message == links.LINK_FORGED else 410
    return render(request, "enkater/answer.html", {"error": error.message}, status=status)


def _already(error: ValidationError) -> bool:
    return getattr(error, "code", None) == "already_answered"


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    try:
        person, survey, moment = links.read_answer_token(token)
    except links.LinkError as e:
        return _link_error(request, e)
    context = {
        "survey": survey,
        "survey_name": survey.name(),
        "moment_label": answering.moment_label(moment),
    }
    try:
        answering.response_check(survey=survey, person=person, moment=moment)
    except ValidationError as e:
        if _already(e):  # answered: say so, and never show the answers again
            return render(request, "enkater/answer.html", {**context, "state": "answered"})
        return render(request, "enkater/answer.html", {**context, "error": " ".join(e.messages)}, status=403)
    form = AnswerForm(survey, get_language() or "sv", request.POST or None)
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
            if _already(e):  # a second tab or device won the race
                return render(request, "enkater/answer.html", {**context, "state": "answered"})
            form.add_error(None, e)
        else:
            return render(request, "enkater/answer.html", {**context, "state": "thanks"})
    status = 400 if request.method == "POST" else 200
    return render(request, "enkater/answer.html", {**context, "form": form}, status=status)


# --- the session's survey QR code ------------------------------------------------------------


def _session_error(request: HttpRequest, error: checkin.CheckinError) -> HttpResponse:
    return render(request, "enkater/answer_session.html", {"error": error.message}, status=410)


@never_cache
@require_http_methods(["GET", "POST"])
def session_surveys(request: HttpRequest, token: str) -> HttpResponse:
    """The participant scans the session's survey QR code, identifies as at check-in (throttled
    per session and client address, the same counter as the check-in) and gets their due
    surveys of the programme as personal links."""
    try:
        session = checkin.session_for_token(token)
    except checkin.CheckinError as e:
        return _session_error(request, e)
    form = CheckinForm(request.POST or None)
    client_ip = import_string(settings.CLIENT_IP_CALLABLE)(request)
    if request.method == "POST" and form.is_valid():
        try:
            checkin.check_attempts(session, client_ip)
            person = checkin_identify(
                session=session, name=form.cleaned_data["name"], last_four=form.cleaned_data["last_four"]
            )
            pending = answering.session_pending(session=session, person=person)
        except checkin.CheckinError as e:
            form.add_error(None, str(e.message))
        except ValidationError as e:
            checkin.record_failed_attempt(session, client_ip)
            form.add_error(None, e)
        else:
            items = [
                {
                    "name": p.survey.name(),
                    "moment": answering.moment_label(p.moment),
                    "url": links.answer_url(person, p.survey, p.moment),
                }
                for p in pending
            ]
            context = {"session": session, "person": person, "items": items}
            return render(request, "enkater/answer_session.html", context)
    status = 400 if request.method == "POST" else 200
    return render(request, "enkater/answer_session.html", {"session": session, "form": form}, status=status)


@require_GET
@access.require(access.can_view_sessions)
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The ombud's screen at the end of a session: the QR code of `session_surveys`."""
    session = kurser_selectors.session_get(user=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("enkater:session", args=[checkin.make_token(session)]))
    opens, closes = checkin.window(session)
    context = {
        "session": session,
        "qr_svg": checkin.qr_svg(url),
        "qr_url": url,
        "opens": opens,
        "closes": closes,
    }
    return render(request, "enkater/answer_session_qr.html", context)
