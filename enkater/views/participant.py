"""The participant's own page (signed link, no account), the monthly confirmation with a
one-time code, and the staff's side: which months are confirmed, and a participant's link to
hand out."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enkater import confirmation, participant
from kurser import rules
from kurser.counting import hours
from ombud import access
from ombud.models import Person, Programme
from ombud.notifications import portal_url, recipient_of_person
from ombud.paging import ids_first_page

PER_PAGE = 50
BAD_MONTH = gettext_lazy("Välj en av månaderna i listan.")


def _no_store(response: HttpResponse) -> HttpResponse:
    # A personal page on a shared phone or computer: never kept in any cache.
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
    # The token is in the address: never sent to another site. (Not "no-referrer": the browser
    # then posts forms with "Origin: null", which the CSRF check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def _link_error(request: HttpRequest, error: participant.LinkError) -> HttpResponse:
    response = render(
        request,
        "enkater/participant_error.html",
        {"error": error.message},
        status=410 if error.expired else 400,
    )
    return _no_store(response)


def _month_row(data: participant.PageData, programme_id: str, month: str) -> participant.MonthRow | None:
    """The page's own month row named by the form (programme id, YYYY-MM): ids from the request
    are only ever matched against the person's own rows."""
    pid = access.parse_id(programme_id)
    first = rules.parse_month(month)
    for row in data.months:
        if row.programme.pk == pid and row.month == first:
            return row
    return None


def _page(request: HttpRequest, token: str, person: Person, **extra: object) -> HttpResponse:
    data = participant.page_data(person)
    status = int(extra.pop("status", 200))  # type: ignore[call-overload]
    context = {
        "token": token,
        "data": data,
        "has_email": recipient_of_person(person) is not None,
        "just_confirmed": extra.pop("just_confirmed", None),
        **extra,
    }
    return _no_store(render(request, "enkater/participant.html", context, status=status))


@never_cache
@require_GET
def participant_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        person = participant.read_participant_token(token)
    except participant.LinkError as e:
        return _link_error(request, e)
    just = rules.parse_month(request.GET.get("bekraftad", ""))
    return _page(request, token, person, just_confirmed=just)


@never_cache
@require_POST
def participant_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """`action=send`: a code for the month; `action=verify`: the code. The code form is shown on
    the month's row of the same page."""
    try:
        person = participant.read_participant_token(token)
    except participant.LinkError as e:
        return _link_error(request, e)
    data = participant.page_data(person)
    row = _month_row(data, request.POST.get("programme", ""), request.POST.get("month", ""))
    if row is None:
        return _page(request, token, person, error=BAD_MONTH, status=400)
    client_ip = import_string(settings.CLIENT_IP_CALLABLE)(request)
    try:
        if request.POST.get("action") == "verify":
            confirmation.code_verify(
                person=person,
                programme=row.programme,
                month=row.month,
                code=request.POST.get("code", ""),
                client_ip=client_ip,
            )
            # 303: the browser fetches the page (GET), and a reload does not post the code again.
            done = HttpResponseRedirect(participant.participant_url(person) + f"?bekraftad={row.month:%Y-%m}")
            done.status_code = 303
            return done
        confirmation.code_send(person=person, programme=row.programme, month=row.month)
    except ValidationError as e:
        message = " ".join(e.messages)
        return _page(request, token, person, error=message, error_row=row.key, code_row=row.key, status=400)
    return _page(request, token, person, code_row=row.key, code_sent=True)


# --- staff: which months are confirmed, and handing out a participant's link --------------------


def _previous_month(today: dt.date) -> dt.date:
    return rules.month_of(rules.month_of(today) - dt.timedelta(days=1))


@access.require(access.can_view_month_confirmations)
@require_GET
def confirmation_list(request: HttpRequest) -> HttpResponse:
    """Per participant with counted hours in a programme's month: confirmed, when, or changed
    after confirmation. Scoped by the person's municipality (ombud.access)."""
    errors = []
    programmes = list(access.programmes_for(request.user).order_by("-start_date", "code"))
    municipalities = list(access.municipalities_for(request.user).order_by("name"))
    programme: Programme | None = programmes[0] if programmes else None
    if request.GET.get("program"):
        wanted = access.parse_id(request.GET["program"])
        programme = next((p for p in programmes if p.pk == wanted), None)
        if programme is None:
            errors.append(_("Programmet finns inte eller ligger utanför det du har behörighet till."))
    month = _previous_month(timezone.localdate())
    if request.GET.get("manad"):
        parsed = rules.parse_month(request.GET["manad"])
        if parsed is None:
            errors.append(_("Månaden ska skrivas ÅÅÅÅ-MM, till exempel 2020-03."))
        else:
            month = parsed
    municipality = None
    if request.GET.get("kommun"):
        wanted = access.parse_id(request.GET["kommun"])
        municipality = next((m for m in municipalities if m.pk == wanted), None)
        if municipality is None:
            errors.append(_("Kommunen finns inte eller ligger utanför det du har behörighet till."))
    page = None
    if programme is not None and not errors:
        people = access.people_for(request.user)
        if municipality is not None:
            people = people.filter(municipality=municipality)
        rows = confirmation.month_overview(people=people, programme=programme, month=month)
        page = ids_first_page(rows, PER_PAGE, request.GET.get("page"))
        for p in page.object_list:
            p.current_hours = hours(p.minutes)
            p.changed = p.confirmed_at is not None and confirmation.as_decimal(
                p.confirmed_hours
            ) != confirmation.as_decimal(p.current_hours)
    context = {
        "programmes": programmes,
        "municipalities": municipalities,
        "programme": programme,
        "municipality": municipality,
        "month": month,
        "month_text": request.GET.get("manad") or f"{month:%Y-%m}",
        "page": page,
        "errors": errors,
        "can_hand_out": access.can_hand_out_participant_link(request.user),
    }
    return render(request, "enkater/confirmation_list.html", context, status=400 if errors else 200)


@access.require(access.can_hand_out_participant_link)
@require_http_methods(["GET", "POST"])
def person_participant_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A participant's personal link with its QR code, to print or read out, or (POST) to send
    to the person's own e-mail (a temporary walk-in has no page: 404, as a person outside the
    scope)."""
    person = access.get_in_scope(request.user, access.people_for(request.user), pk=pk)
    if not participant.has_page(person):
        raise Http404
    if request.method == "POST":
        try:
            email = participant.participant_link_send(person=person)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, _("Länken är skickad till %(email)s.") % {"email": email})
        return redirect("enkater:person-participant-link", pk=person.pk)
    from kurser.checkin import qr_svg

    url = portal_url(participant.participant_url(person))
    expires = timezone.localdate() + participant.max_age()
    recipient = recipient_of_person(person)
    context = {
        "person": person,
        "url": url,
        "qr_svg": qr_svg(url),
        "expires": expires,
        "email": recipient.email if recipient else "",
    }
    return _no_store(render(request, "enkater/participant_link.html", context))
