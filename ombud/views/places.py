"""Municipalities (with their workplaces) and programmes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ombud import access, selectors, services
from ombud.forms import MunicipalityForm, ProgrammeForm, WorkplaceForm
from ombud.views import form_error

# --- municipalities and workplaces -----------------------------------------------------------


@access.require(access.can_manage_places)
def municipality_list(request: HttpRequest) -> HttpResponse:
    municipalities = selectors.municipality_list(user=request.user).order_by("name")
    return render(
        request,
        "ombud/municipality_list.html",
        {"municipalities": municipalities, "can_administer": access.can_administer(request.user)},
    )


@login_required
def municipality_detail(request: HttpRequest, pk: int, *, counts: selectors.TrainingCounts) -> HttpResponse:
    municipality = selectors.municipality_get(user=request.user, pk=pk)
    if not access.can_manage_places(request.user):
        raise PermissionDenied
    return render(
        request,
        "ombud/municipality_detail.html",
        {
            "municipality": municipality,
            "workplaces": selectors.workplace_list(municipality=municipality),
            "ombud_list": selectors.ombud_list(user=request.user, municipality=municipality, counts=counts),
            "form": WorkplaceForm(),
            "can_administer": access.can_administer(request.user),
        },
    )


@access.require(access.can_administer)
def municipality_create(request: HttpRequest) -> HttpResponse:
    return _municipality_form(request, None)


@login_required
def municipality_edit(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = selectors.municipality_get(user=request.user, pk=pk)
    if not access.can_administer(request.user):
        raise PermissionDenied
    return _municipality_form(request, municipality)


def _municipality_form(request: HttpRequest, municipality) -> HttpResponse:
    initial = (
        {"code": municipality.code, "name": municipality.name, "org_number": municipality.org_number}
        if municipality
        else None
    )
    form = MunicipalityForm(request.POST or None, initial=initial)
    if municipality:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.municipality_upsert(**form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            saved = saved[0] if isinstance(saved, tuple) else saved
            messages.success(request, _("Kommunen %(name)s har sparats.") % {"name": saved.name})
            return redirect("ombud:municipality-detail", pk=saved.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "ombud/municipality_form.html", {"form": form, "municipality": municipality}, status=status
    )


@login_required
def workplace_create(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = selectors.municipality_get(user=request.user, pk=pk)
    if not access.can_edit_people(request.user):
        raise PermissionDenied
    form = WorkplaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workplace = services.workplace_create(municipality=municipality, **form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Arbetsplatsen %(name)s har lagts till.") % {"name": workplace.name})
            return redirect("ombud:municipality-detail", pk=municipality.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "ombud/workplace_form.html", {"form": form, "municipality": municipality}, status=status
    )


@access.require(access.can_edit_people)
def workplace_options(request: HttpRequest) -> HttpResponse:
    """`<option>`s of one municipality's workplaces (htmx, for the person form)."""
    municipality_id = access.parse_id(request.GET.get("municipality"))
    workplaces = selectors.workplaces_for(user=request.user).none()
    if municipality_id is not None:
        workplaces = selectors.workplaces_for(user=request.user).filter(municipality_id=municipality_id)
    return render(request, "ombud/_workplace_options.html", {"workplaces": workplaces})


@login_required
def workplace_edit(request: HttpRequest, pk: int) -> HttpResponse:
    workplace = selectors.workplace_get(user=request.user, pk=pk)
    if not access.can_edit_people(request.user):
        raise PermissionDenied
    form = WorkplaceForm(request.POST or None, initial={"name": workplace.name, "sector": workplace.sector})
    if request.method == "POST" and form.is_valid():
        try:
            services.workplace_update(workplace=workplace, **form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Arbetsplatsen har sparats."))
            return redirect("ombud:municipality-detail", pk=workplace.municipality_id)
    status = 400 if form.is_bound else 200
    context = {"form": form, "workplace": workplace, "municipality": workplace.municipality}
    return render(request, "ombud/workplace_form.html", context, status=status)


# --- programmes ------------------------------------------------------------------------------


@access.require(access.can_administer)
def programme_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "ombud/programme_list.html", {"programmes": selectors.programme_list(user=request.user)}
    )


@access.require(access.can_administer)
def programme_create(request: HttpRequest) -> HttpResponse:
    return _programme_form(request, None)


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = selectors.programme_get(user=request.user, pk=pk)
    if not access.can_administer(request.user):
        raise PermissionDenied
    return _programme_form(request, programme)


def _programme_initial(programme) -> dict:
    return {
        "code": programme.code,
        "name": programme.name,
        "funder": programme.funder,
        "case_id": programme.case_id,
        "start_date": programme.start_date,
        "end_date": programme.end_date,
        "final_payment_date": programme.final_payment_date,
        "municipalities": list(programme.municipalities.all()),
        "unit_costs": "\n".join(f"{c.year}: {c.amount.normalize():f}" for c in programme.unit_costs.all()),
    }


def _programme_form(request: HttpRequest, programme) -> HttpResponse:
    initial = _programme_initial(programme) if programme else {"funder": "ESF"}
    form = ProgrammeForm(request.POST or None, initial=initial, editing=programme is not None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["municipalities"] = [(m.code, m.name) for m in data["municipalities"]]
        try:
            saved, _created = services.programme_upsert(**data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Programmet %(code)s har sparats.") % {"code": saved.code})
            return redirect("ombud:programme-list")
    status = 400 if form.is_bound else 200
    return render(request, "ombud/programme_form.html", {"form": form, "programme": programme}, status=status)
