"""Thin views: access → form → one service or selector call → render or redirect."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kurser import checkin, selectors, services
from kurser.forms import (
    OLDEST_FIRST,
    ApprovalFilterForm,
    CancelForm,
    CheckinForm,
    InviteForm,
    MoveForm,
    SessionFilterForm,
    SessionForm,
)
from ombud import access
from ombud.paging import ids_first_page

BULK_SELECTION_INVALID = gettext_lazy("Felaktigt urval av tillfällen.")


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


# --- ombud pages ------------------------------------------------------------------------------


@access.require(access.can_run_sessions)
def index(request: HttpRequest) -> HttpResponse:
    """/kurser/: an ombud's own sessions, a leader's session list."""
    return redirect("kurser:my-sessions" if access.is_ombud(request.user) else "kurser:session-list")


@access.require(access.is_ombud)
def my_sessions(request: HttpRequest) -> HttpResponse:
    upcoming, past = selectors.my_sessions(user=request.user)
    page = selectors.with_counts_for_page(Paginator(past, 25).get_page(request.GET.get("page")))
    return render(request, "kurser/my_sessions.html", {"upcoming": upcoming[:20], "page": page})


@access.require(access.is_ombud)
def my_reach(request: HttpRequest) -> HttpResponse:
    reach = selectors.my_reach(user=request.user)
    page = Paginator(selectors.reached_people(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "kurser/my_reach.html", {"reach": reach, "page": page})


@access.require(access.is_ombud)
def untrained(request: HttpRequest) -> HttpResponse:
    people = selectors.untrained(user=request.user)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    workplaces = selectors.covered_workplaces(user=request.user)
    return render(request, "kurser/untrained.html", {"page": page, "workplaces": workplaces})


# --- leader pages -----------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[SessionFilterForm, selectors.SessionFilter]:
    form = SessionFilterForm(request.GET or None, municipalities=access.municipalities_for(request.user))
    f = selectors.SessionFilter()
    if form.is_valid():
        d = form.cleaned_data
        f = selectors.SessionFilter(
            municipality=d["municipality"].pk if d["municipality"] else None,
            status=d["status"],
            course_type=d["course_type"],
            tool=d["tool"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    return form, f


@access.require(access.can_list_sessions)
def session_list(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    sessions = selectors.session_list(user=request.user, filters=f)
    page = selectors.with_counts_for_page(ids_first_page(sessions, 50, request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": access.can_run_sessions(request.user),
    }
    return render(request, "kurser/session_list.html", context)


@access.require(access.can_approve)
def approval_list(request: HttpRequest) -> HttpResponse:
    """Newest first; filtered by one of the user's municipalities and a date range. A filter
    that cannot be applied shows its message and no sessions (status 400)."""
    form = ApprovalFilterForm(request.GET or None, municipalities=access.municipalities_for(request.user))
    queue, status = selectors.approval_queue(user=request.user), 200
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        queue = selectors.approval_queue(
            user=request.user,
            filters=selectors.SessionFilter(
                municipality=d["municipality"].pk if d["municipality"] else None,
                date_from=d["date_from"],
                date_to=d["date_to"],
            ),
            oldest_first=d["ordning"] == OLDEST_FIRST,
        )
    elif form.is_bound:
        queue, status = queue.none(), 400
    page = selectors.with_counts_for_page(ids_first_page(queue, 50, request.GET.get("page")))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "kurser/approval_list.html", context, status=status)


@require_POST
@access.require(access.can_approve)
def session_approve(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        services.session_approve(session=session, by=request.user)
    except ValidationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("Godkänt: %(session)s") % {"session": session})
    return redirect(access.safe_next(request, reverse("kurser:approval-list")))


@require_POST
@access.require(access.can_approve)
def session_approve_bulk(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("ids")
    ids = access.parse_ids(raw)
    if len(ids) != len(raw):  # the page's checkboxes never send this: a crafted request
        return HttpResponseBadRequest(str(BULK_SELECTION_INVALID))
    approved, errors = services.sessions_approve(
        sessions=selectors.approval_queue(user=request.user).filter(pk__in=ids), by=request.user
    )
    if approved:
        messages.success(request, _("%(n)s tillfällen godkända.") % {"n": approved})
    for error in errors:
        messages.error(request, error)
    return redirect(access.safe_next(request, reverse("kurser:approval-list")))


@access.require(access.can_list_sessions)
def statistics(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    period = None
    if not (f.date_from or f.date_to):
        period = selectors.default_statistics_period(user=request.user)
        if period:
            f.date_from, f.date_to = period
    context = {
        "form": form,
        "period": period,
        "by_course": selectors.attendance_by_course(user=request.user, filters=f),
        "no_shows": selectors.no_shows(user=request.user, filters=f),
    }
    return render(request, "kurser/statistics.html", context)


# --- one session ------------------------------------------------------------------------------


@access.require(access.can_view_sessions)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    rows = selectors.session_attendance(session=session)
    context = {
        "session": session,
        "rows": rows,
        "can_run": access.can_run_sessions(request.user),
        "can_approve": access.can_approve(request.user),
        "started": not _not_started_reason(session),
    }
    return render(request, "kurser/session_detail.html", context)


def _session_form(request: HttpRequest, data=None) -> SessionForm:
    user = request.user
    trainers = access.people_for(user).filter(erased_at__isnull=True)
    # An ombud leads their own sessions; leaders pick one of the appointed ombud.
    if access.is_ombud(user):
        trainers = trainers.filter(pk=user.person_id)  # type: ignore[misc]
    else:
        trainers = trainers.filter(ombud__isnull=False)
    workplaces = access.workplaces_for(user)
    initial = {"date": timezone.localdate(), "start_time": "13:00"}
    if access.is_ombud(user) and user.person_id:
        initial.update(
            trainer=user.person_id,
            municipality=user.person.municipality_id,
            workplace=user.person.workplace_id,
        )
    return SessionForm(
        data,
        initial=initial,
        programmes=access.programmes_for(user),
        municipalities=access.municipalities_for(user),
        workplaces=workplaces.order_by("name"),
        trainers=trainers.order_by("first_name", "last_name"),
        fixed_trainer=access.is_ombud(user),
    )


@access.require(access.can_run_sessions)
def session_create(request: HttpRequest) -> HttpResponse:
    form = _session_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        repeat, count = int(d.pop("repeat")), d.pop("count")
        if access.is_ombud(request.user):
            d["trainer"] = request.user.person
            d["trainer_name"] = ""
        try:
            if repeat:
                sessions = services.session_series_create(
                    every_weeks=repeat, count=count, by=request.user, **d
                )
            else:
                sessions = [services.session_create(by=request.user, **d)]
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("%(n)s tillfällen skapade.") % {"n": len(sessions)})
            return redirect("kurser:session-invite", pk=sessions[0].pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "kurser/session_form.html", {"form": form}, status=status)


@access.require(access.can_run_sessions)
def session_invite(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    only_untrained = request.GET.get("ej_utbildade") == "1"
    candidates = selectors.invite_candidates(
        user=request.user, session=session, only_untrained=only_untrained
    )
    form = InviteForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.session_invite(session=session, people=form.cleaned_data["people"], by=request.user)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("%(n)s personer anmälda.") % {"n": n})
            return redirect("kurser:session-detail", pk=session.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "session": session,
        "form": form,
        "candidates": candidates[:200],
        "only_untrained": only_untrained,
    }
    return render(request, "kurser/session_invite.html", context, status=status)


@access.require(access.can_view_sessions)
def session_signup_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    rows = selectors.session_attendance(session=session)
    return render(request, "kurser/session_signup_sheet.html", {"session": session, "rows": rows})


@require_POST
@access.require(access.can_run_sessions)
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    try:
        form.is_valid()
        services.session_cancel(session=session, by=request.user, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("Tillfället är inställt."))
    return redirect("kurser:session-detail", pk=session.pk)


MOVED = _("Tillfället är flyttat. De inbjudna och ombudet får ett e-postmeddelande.")


@require_POST
@access.require(access.can_run_sessions)
def session_move(request: HttpRequest, pk: int) -> HttpResponse:
    """notify: move a planned session; the invited and the ombud get an e-mail after commit."""
    session = selectors.session_get(user=request.user, pk=pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        errors = " ".join(f"{form.fields[f].label}: {' '.join(e)}" for f, e in form.errors.items())
        messages.error(request, errors)
        return redirect("kurser:session-detail", pk=session.pk)
    try:
        services.session_move(session=session, by=request.user, **form.cleaned_data)
    except ValidationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, MOVED)
    return redirect("kurser:session-detail", pk=session.pk)


@require_POST
@access.require(access.can_run_sessions)
def session_mark_held(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        services.session_mark_held(session=session, by=request.user)
    except ValidationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("Tillfället är markerat som genomfört."))
    return redirect("kurser:session-detail", pk=session.pk)


# --- the tablet: attendance -------------------------------------------------------------------


def _not_started_reason(session) -> str:
    """Why no one can be marked as attended yet, in the service's own words ("" once the session
    has started). It asks the very check `attendance_submit` applies (`services._check_started`
    with `ATTENDANCE_FUTURE`) instead of keeping a second copy of the rule here."""
    try:
        services._check_started(session, services.ATTENDANCE_FUTURE)
    except ValidationError as e:
        return _error_text(e)
    return ""


@never_cache
@access.require(access.can_run_sessions)
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    rows = selectors.session_attendance(session=session)
    qr_url = request.build_absolute_uri(reverse("kurser:checkin", args=[checkin.make_token(session)]))
    can_approve = access.can_approve(request.user)
    # Controls that cannot succeed are disabled, with the reason next to them.
    locked = session.status == session.Status.CANCELLED or (session.is_approved and not can_approve)
    not_started = _not_started_reason(session)
    context = {
        "session": session,
        "rows": rows,
        "qr_svg": checkin.qr_svg(qr_url),
        "qr_url": qr_url,
        "locked": locked,
        "not_started": not_started,
        "blocked": locked or bool(not_started),
        "late_default": max(1, session.planned_minutes - 15),
        "can_approve": can_approve,
        "reason_required": services.SESSION_APPROVED_REASON,
    }
    return render(request, "kurser/session_attendance.html", context)


@require_POST
@access.require(access.can_run_sessions)
def session_attendance_submit(request: HttpRequest, pk: int) -> JsonResponse:
    """JSON in: `{"client_id": UUID, "marks": [{"person_id", "status", "minutes"}], "reason"}`.
    200 with the stored answer (also for a replay), 400 with a message, 409 on conflict."""
    session = selectors.session_get(user=request.user, pk=pk)
    try:
        body = json.loads(request.body or b"{}")
        client_id = uuid.UUID(str(body["client_id"]))
        marks = body["marks"]
        if not isinstance(marks, list):
            raise TypeError
        # Ids are read one way (ombud.access): an oversized number is a bad request, not a 500.
        if any(not isinstance(m, dict) or access.parse_id(m.get("person_id")) is None for m in marks):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("Felaktigt inskick.")}, status=400)
    try:
        answer, _created = services.attendance_submit(
            session=session,
            marks=marks,
            client_id=client_id,
            by=request.user,
            reason=str(body.get("reason", "")),
        )
    except services.SubmissionConflict as e:
        return JsonResponse({"error": str(e.message)}, status=409)
    except ValidationError as e:
        return JsonResponse({"error": _error_text(e)}, status=400)
    return JsonResponse(answer)


@never_cache
@require_GET
@access.require(access.can_run_sessions)
def session_attendance_state(request: HttpRequest, pk: int) -> JsonResponse:
    """What the server has now (QR check-ins arrive here): polled by the tablet screen."""
    session = selectors.session_get(user=request.user, pk=pk)
    rows = selectors.session_attendance(session=session)
    marks = [
        {
            "person_id": a.person_id,
            "status": a.status,
            "minutes": a.minutes,
            "name": a.person.full_name,
            "workplace": a.person.workplace.name if a.person.workplace else "",
        }
        for a in rows
    ]
    started = not _not_started_reason(session)
    return JsonResponse({"session_status": session.status, "started": started, "marks": marks})


@require_GET
@access.require(access.can_run_sessions)
def session_person_search(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    people = selectors.person_search(user=request.user, session=session, q=request.GET.get("q", ""))
    context = {"people": people, "q": request.GET.get("q", ""), "session": session}
    return render(request, "kurser/_person_search.html", context)


@access.require(access.can_view_sessions)
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(user=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("kurser:checkin", args=[checkin.make_token(session)]))
    opens, closes = checkin.window(session)
    context = {
        "session": session,
        "qr_svg": checkin.qr_svg(url),
        "qr_url": url,
        "opens": opens,
        "closes": closes,
    }
    return render(request, "kurser/session_qr.html", context)


# --- QR check-in on the participant's phone (no login) ---------------------------------------


@never_cache
def checkin_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        session = checkin.session_for_token(token)
    except checkin.CheckinError as e:
        return render(request, "kurser/checkin.html", {"error": e.message}, status=410)
    form = CheckinForm(request.POST or None)
    # The one client-address rule (behind a proxy too), named in settings: kurser does not import modig.
    client_ip = import_string(settings.CLIENT_IP_CALLABLE)(request)
    if request.method == "POST" and form.is_valid():
        try:
            checkin.check_attempts(session, client_ip)
            row = services.attendance_checkin(
                session=session, name=form.cleaned_data["name"], last_four=form.cleaned_data["last_four"]
            )
        except checkin.CheckinError as e:
            form.add_error(None, str(e.message))
        except ValidationError as e:
            checkin.record_failed_attempt(session, client_ip)
            form.add_error(None, e)
        else:
            return render(request, "kurser/checkin.html", {"session": session, "done": row})
    status = 400 if request.method == "POST" else 200
    return render(request, "kurser/checkin.html", {"session": session, "form": form}, status=status)
