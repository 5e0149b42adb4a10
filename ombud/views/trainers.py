"""Digitaliseringsombud: the list with cascade reach against the goal, appoint, edit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ombud import access, selectors, services
from ombud.forms import OmbudForm, PersonSearchForm
from ombud.models import Person
from ombud.paging import ids_first_page
from ombud.views import form_error, search_data, search_moved_out_of_url, search_params

PICK_LIMIT = 20
PER_PAGE = 50


@access.require(access.can_manage_places)
def ombud_list(request: HttpRequest, *, counts: selectors.TrainingCounts) -> HttpResponse:
    return render(
        request,
        "ombud/ombud_list.html",
        {
            "page": ids_first_page(
                selectors.ombud_list(user=request.user, counts=counts), PER_PAGE, request.GET.get("page")
            ),
            "can_edit": access.can_edit_people(request.user),
        },
    )


@access.require(access.can_edit_people)
def ombud_create(request: HttpRequest) -> HttpResponse:
    """Step 1 without `?person=`: find the colleague (search, at most 20 hits, so this works
    with hundreds of thousands of people). Step 2 with it: dates, goal and workplaces."""
    person_id = request.GET.get("person", "")
    if not person_id:
        if request.method == "POST":  # the search is posted: a personnummer never in a URL
            query = search_params(request, request.POST, ["q"])
            response = redirect(reverse("ombud:ombud-create") + (f"?{query}" if query else ""))
            response.status_code = 303
            return response
        if moved := search_moved_out_of_url(request, ["q"]):
            return moved
        search = PersonSearchForm(search_data(request) or None)
        q = search.data.get("q", "").strip() if search.is_bound else ""
        hits: list[Person] = []
        if q:
            filters = selectors.PersonFilter(q=q)
            found = selectors.person_list(user=request.user, filters=filters).filter(ombud__isnull=True)
            hits = list(found[:PICK_LIMIT])
        context = {"search": search, "q": q, "hits": hits, "limit": PICK_LIMIT}
        return render(request, "ombud/ombud_pick.html", context)
    person = selectors.person_get(user=request.user, pk=person_id)
    if hasattr(person, "ombud"):
        messages.info(request, _("%(name)s är redan ombud.") % {"name": person.full_name})
        return redirect("ombud:ombud-edit", pk=person.ombud.pk)
    form = OmbudForm(request.POST or None, initial={"reach_goal": 36}, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            services.ombud_appoint(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("%(name)s är nu digitaliseringsombud.") % {"name": person.full_name})
            return redirect("ombud:ombud-list")
    status = 400 if form.is_bound else 200
    return render(request, "ombud/ombud_form.html", {"form": form, "person": person}, status=status)


@login_required
def ombud_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ombud = selectors.ombud_get(user=request.user, pk=pk)
    if not access.can_edit_people(request.user):
        raise PermissionDenied
    initial = {
        "workplaces": list(ombud.workplaces.all()),
        "appointed_on": ombud.appointed_on,
        "trainer_training_completed_on": ombud.trainer_training_completed_on,
        "reach_goal": ombud.reach_goal,
        "active": ombud.active,
    }
    form = OmbudForm(
        request.POST or None, initial=initial, user=request.user, person=ombud.person, editing=True
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ombud_update(ombud=ombud, **form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Ombudet har sparats."))
            return redirect("ombud:ombud-list")
    status = 400 if form.is_bound else 200
    context = {"form": form, "ombud": ombud, "person": ombud.person}
    return render(request, "ombud/ombud_form.html", context, status=status)
