"""Walk-ins not in the register (issue 13 item 3): added on the tablet, then merged or
completed by a local leader in "Tillfälliga deltagare". Thin views over `kurser.walkin` and
`ombud.services`; who sees what is `ombud.access`."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from kurser import selectors, walkin
from kurser.forms import TemporaryCompleteForm
from kurser.models import ATTENDED_STATUSES
from ombud import access
from ombud import services as ombud_services
from ombud.search import name_condition

if TYPE_CHECKING:
    from ombud.models import User

WALKIN_BAD_REQUEST = gettext_lazy("Felaktigt inskick.")
MERGE_PICK = gettext_lazy("Välj en registrerad medarbetare att slå ihop med.")


def _user(request: HttpRequest) -> User:
    """The signed-in user (`access.require` has let only signed-in users with a role in)."""
    return cast("User", request.user)


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def _session_workplaces(request: HttpRequest, session):
    return (
        access.workplaces_for(request.user).filter(municipality_id=session.municipality_id).order_by("name")
    )


# --- the tablet -------------------------------------------------------------------------------


@access.require(access.can_run_sessions)
def session_walkin(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the "Lägg till ny deltagare" form (an htmx partial). POST, JSON in:
    `{"client_id", "first_name", "last_name", "workplace_id", "personnummer"}`; out:
    `{"person_id", "name", "workplace"}` (200 also for a replay of the same client id), or 400
    with `{"error"}`. The tablet then marks the person through the ordinary submission."""
    session = selectors.session_get(user=request.user, pk=pk)
    workplaces = _session_workplaces(request, session)
    if request.method != "POST":
        q = request.GET.get("q", "").split()
        context = {
            "session": session,
            "workplaces": workplaces,
            "first_name": q[0] if q else "",
            "last_name": " ".join(q[1:]),
            "default_workplace": session.workplace_id,
        }
        return render(request, "kurser/_walkin_form.html", context)
    try:
        body = json.loads(request.body or b"{}")
        if not isinstance(body, dict):
            raise TypeError
        client_id = uuid.UUID(str(body["client_id"]))
        fields = {k: body.get(k, "") for k in ("first_name", "last_name", "personnummer")}
        if not all(isinstance(v, str) for v in fields.values()):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": str(WALKIN_BAD_REQUEST)}, status=400)
    # The workplace is resolved through the user's scope, within the session's municipality.
    workplace_id = access.parse_id(body.get("workplace_id"))
    workplace = workplaces.filter(pk=workplace_id).first() if workplace_id else None
    try:
        person, _created = ombud_services.person_create_temporary(
            workplace=workplace, client_id=client_id, by=_user(request), **fields
        )
    except ValidationError as e:
        return JsonResponse({"error": _error_text(e)}, status=400)
    # A replayed id answers with its person only where this session may mark them.
    if not access.people_markable(request.user, session).filter(pk=person.pk).exists():
        return JsonResponse({"error": str(WALKIN_BAD_REQUEST)}, status=400)
    return JsonResponse(
        {
            "person_id": person.pk,
            "name": person.full_name,
            "workplace": person.workplace.name if person.workplace else "",
        }
    )


# --- the local leader's list ------------------------------------------------------------------


@access.require(access.can_handle_temporary)
def temporary_list(request: HttpRequest) -> HttpResponse:
    people = (
        access.temporary_people_for(request.user)
        .annotate(n_attended=Count("attendances", filter=Q(attendances__status__in=ATTENDED_STATUSES)))
        .order_by("-created_at", "pk")
    )
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    return render(request, "kurser/temporary_list.html", {"page": page})


def _candidates(request: HttpRequest, temporary, q: str):
    """Registered people the user may merge into: by name (the query, else the temporary
    person's own name)."""
    registered = access.people_for(request.user).filter(temporary=False, erased_at__isnull=True)
    words = q or f"{temporary.first_name} {temporary.last_name}"
    found = registered.filter(name_condition(words))
    if not q and not found.exists():
        found = registered.filter(name_condition(temporary.last_name))
    return found.order_by("last_name", "first_name", "pk")[:20]


def _detail(request: HttpRequest, temporary, *, form=None, proposal=None, status: int = 200) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    context = {
        "temporary": temporary,
        "rows": temporary.attendances.select_related("session__course").order_by("session__date"),
        "q": q,
        "candidates": _candidates(request, temporary, q),
        "proposal": proposal,
        "form": form or TemporaryCompleteForm(),
        "can_see_personnummer": access.can_see_personnummer(request.user),
    }
    return render(request, "kurser/temporary_detail.html", context, status=status)


def _temporary(request: HttpRequest, pk: int):
    return access.get_in_scope(request.user, access.temporary_people_for(request.user), pk=pk)


@access.require(access.can_handle_temporary)
def temporary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _temporary(request, pk))


@require_POST
@access.require(access.can_handle_temporary)
def temporary_merge(request: HttpRequest, pk: int) -> HttpResponse:
    temporary = _temporary(request, pk)
    into_id = access.parse_id(request.POST.get("into"))
    registered = access.people_for(request.user).filter(temporary=False, erased_at__isnull=True)
    into = registered.filter(pk=into_id).first() if into_id else None
    if into is None:
        messages.error(request, str(MERGE_PICK))
        return _detail(request, temporary, status=400)
    try:
        result = walkin.temporary_merge(temporary=temporary, into=into, by=_user(request))
    except ValidationError as e:
        messages.error(request, _error_text(e))
        return _detail(request, temporary, status=400)
    text = ngettext(
        "%(temp)s är sammanslagen med %(person)s: %(n)s närvarorad flyttad.",
        "%(temp)s är sammanslagen med %(person)s: %(n)s närvarorader flyttade.",
        result["moved"],
    )
    messages.success(
        request, text % {"temp": temporary.full_name, "person": into.full_name, "n": result["moved"]}
    )
    for same in result["same_session"]:
        messages.warning(
            request,
            _("Båda fanns på %(session)s: den bästa raden (%(status)s) behölls.")
            % {"session": same["session"], "status": same["kept"][0]},
        )
    return redirect("kurser:temporary-list")


@require_POST
@access.require(access.can_handle_temporary)
def temporary_complete(request: HttpRequest, pk: int) -> HttpResponse:
    temporary = _temporary(request, pk)
    form = TemporaryCompleteForm(request.POST)
    if not form.is_valid():
        return _detail(request, temporary, form=form, status=400)
    registered = access.people_for(request.user).filter(temporary=False, erased_at__isnull=True)
    try:
        ombud_services.person_complete(
            person=temporary, in_scope=registered, by=_user(request), **form.cleaned_data
        )
    except ombud_services.MergeProposal as proposal:
        return _detail(request, temporary, form=form, proposal=proposal.person, status=409)
    except ValidationError as e:
        temporary.refresh_from_db()
        form.add_error(None, e)
        return _detail(request, temporary, form=form, status=400)
    messages.success(request, _("%(name)s är nu registrerad.") % {"name": temporary.full_name})
    return redirect("kurser:temporary-list")
