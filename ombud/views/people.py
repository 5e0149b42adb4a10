"""Staff: the list (search, filters, htmx), XLSX export, the person page, add/edit, personnummer
reveal, and the programme leader's GDPR tools (export everything, erase)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from ombud import access, extract, selectors, services, xlsx
from ombud.forms import EraseForm, PersonFilterForm, PersonForm, RevealForm
from ombud.models import AuditLog
from ombud.paging import ids_first_page
from ombud.personnummer import formatted, masked_text
from ombud.views import form_error, search_data, search_moved_out_of_url, search_params

PER_PAGE = 50


FILTER_FIELDS = ["q", "municipality", "workplace", "target_group", "trained"]


def _filters(request: HttpRequest, data=None) -> tuple[PersonFilterForm, selectors.PersonFilter]:
    data = search_data(request) if data is None else data
    form = PersonFilterForm(data or None, user=request.user)
    if not form.is_bound:
        return form, selectors.PersonFilter()
    # A stale or invalid value (a bookmark, a workplace of another municipality) drops only that
    # filter: cleaned_data holds the fields that were valid.
    form.is_valid()
    return form, selectors.PersonFilter.from_cleaned(form.cleaned_data)


@vary_on_headers("HX-Request")
@access.require(access.can_view_people)
def person_list(request: HttpRequest, *, counts: selectors.TrainingCounts) -> HttpResponse:
    """GET shows the list; the filter form is POSTed and answered with the list's URL (a redirect,
    or for htmx the table plus `HX-Push-Url`), a personnummer search replaced by a session key."""
    if request.method == "POST":
        query = search_params(request, request.POST, FILTER_FIELDS)
        url = reverse("ombud:person-list") + (f"?{query}" if query else "")
        if not request.htmx:  # type: ignore[attr-defined]  # set by HtmxMiddleware
            see_other = redirect(url)
            see_other.status_code = 303  # See Other: the browser GETs the list, no resubmission
            return see_other
        form, filters = _filters(request, request.POST)
        response = render(
            request, "ombud/_person_table.html", _list_context(request, form, filters, counts, oob=True)
        )
        response["HX-Push-Url"] = url
        return response
    if moved := search_moved_out_of_url(request, FILTER_FIELDS):
        return moved
    form, filters = _filters(request)
    context = _list_context(request, form, filters, counts)
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:  # type: ignore[attr-defined]
        return render(request, "ombud/_person_table.html", {**context, "oob_filters": True})
    return render(request, "ombud/person_list.html", context)


def _list_context(
    request: HttpRequest,
    form,
    filters: selectors.PersonFilter,
    counts: selectors.TrainingCounts,
    *,
    oob: bool = False,
) -> dict:
    people = selectors.person_list(user=request.user, filters=filters, counts=counts)
    return {
        "form": form,
        "page": ids_first_page(people, PER_PAGE, request.GET.get("page")),
        "show_pnr": access.can_see_personnummer(request.user),
        "can_edit": access.can_edit_people(request.user),
        "can_export": access.can_export_people(request.user),
        "filtered": any(
            [filters.q, filters.municipality, filters.workplace, filters.target_group, filters.trained]
        ),
        "oob_filters": oob,
    }


# The import file's column names (spec §1a), so an exported list can be edited and imported again.
EXPORT_COLUMNS = [
    ("personnummer", 15),
    ("förnamn", 14),
    ("efternamn", 16),
    ("kön", 9),
    ("kommunkod", 11),
    ("kommun", 14),
    ("arbetsplats", 32),
    ("målgrupp", 20),
    ("e-post", 32),
    ("utbildad", 10),
]


def _people_xlsx(rows, *, with_pnr: bool):
    """Write (personnummer, …, is_trained) rows to an XLSX file, streamed through the project's
    one writer (`ombud.xlsx`: never a formula); returns (file, number of rows)."""
    columns = EXPORT_COLUMNS if with_pnr else EXPORT_COLUMNS[1:]
    book = xlsx.Workbook()
    _sheet, n = book.table(
        _("Medarbetare"),
        [name for name, _width in columns],
        (_export_row(row, with_pnr=with_pnr) for row in rows),
        widths=[width for _name, width in columns],
    )
    return book.to_file(), n


def _export_row(row, *, with_pnr: bool) -> list:
    pnr, *rest, trained = row
    values = [*rest, _("ja") if trained else _("nej")]
    return [formatted(pnr) if pnr else "", *values] if with_pnr else values


@access.require(access.can_export_people)
def person_list_export(
    request: HttpRequest, *, counts: selectors.TrainingCounts
) -> FileResponse | HttpResponseRedirect:
    """The filtered staff list as XLSX, read with a batched iterator so 350,000 rows never sit
    in memory as model objects. Personnummer only for roles that may export it; audited."""
    if moved := search_moved_out_of_url(request, FILTER_FIELDS):
        return moved
    _form, filters = _filters(request)
    with_pnr = access.can_export_personnummer(request.user)
    rows = selectors.person_list(user=request.user, filters=filters, counts=counts).values_list(  # type: ignore[misc]
        "personnummer",
        "first_name",
        "last_name",
        "gender",
        "municipality__code",
        "municipality__name",
        "workplace__name",
        "target_group",
        "email",
        "is_trained",
    )
    out, n = _people_xlsx(rows.iterator(chunk_size=2000), with_pnr=with_pnr)
    # The audit keeps what was asked for, with a searched personnummer masked.
    asked = {name: search_data(request).get(name, "") for name in FILTER_FIELDS}
    asked = {name: masked_text(value) for name, value in asked.items() if value}
    services.audit_log(
        user=request.user,
        action=AuditLog.Action.EXPORT,
        what=_("Medarbetarlista (XLSX), %(n)s rader") % {"n": n},
        detail={"rows": n, "personnummer": with_pnr, "filters": asked},
    )
    name = f"medarbetare-{timezone.localdate():%Y-%m-%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name)


@login_required
def person_detail(request: HttpRequest, pk: int, *, counts: selectors.TrainingCounts) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    if not access.can_view_people(request.user):
        raise PermissionDenied
    return render(request, "ombud/person_detail.html", _detail_context(request, person, counts))


def _detail_context(request: HttpRequest, person, counts: selectors.TrainingCounts, **extra) -> dict:
    user = request.user
    ombud = (
        selectors.ombud_get(user=user, pk=person.ombud.pk, counts=counts)
        if hasattr(person, "ombud")
        else None
    )
    return {
        "person": person,
        "ombud": ombud,
        "attendances": selectors.person_attendances(person=person),
        "show_pnr": access.can_see_personnummer(user),
        "can_edit": access.can_edit_people(user),
        "can_administer": access.can_administer(user),
        "audit": selectors.person_audit(person=person) if access.can_administer(user) else [],
        **extra,
    }


@access.require(access.can_edit_people)
def person_create(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            person = services.person_create(by=request.user, **data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("%(name)s har lagts till.") % {"name": person.full_name})
            return redirect("ombud:person-detail", pk=person.pk)
    status = 400 if form.is_bound else 200
    return render(request, "ombud/person_form.html", {"form": form}, status=status)


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    if not access.can_edit_people(request.user) or person.erased_at:
        raise PermissionDenied
    initial = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "municipality": person.municipality_id,
        "workplace": person.workplace_id,
        "target_group": person.target_group,
        "gender": person.gender,
        "email": person.email,
    }
    form = PersonForm(request.POST or None, initial=initial, user=request.user, editing=True)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.person_update(person=person, by=request.user, **changed)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Uppgifterna har sparats."))
            return redirect("ombud:person-detail", pk=person.pk)
    status = 400 if form.is_bound else 200
    return render(request, "ombud/person_form.html", {"form": form, "person": person}, status=status)


@require_POST
@login_required
def person_reveal(request: HttpRequest, pk: int, *, counts: selectors.TrainingCounts) -> HttpResponse:
    """Show the full personnummer once; every reveal is written to the audit log."""
    person = selectors.person_get(user=request.user, pk=pk)
    if not access.can_see_personnummer(request.user):
        raise PermissionDenied
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    number = services.person_reveal_personnummer(person=person, user=request.user, reason=reason)
    if request.htmx:  # type: ignore[attr-defined]  # set by HtmxMiddleware
        return render(request, "ombud/_personnummer.html", {"person": person, "revealed": number})
    return render(
        request, "ombud/person_detail.html", _detail_context(request, person, counts, revealed=number)
    )


# --- GDPR (programme leader) -----------------------------------------------------------------


@login_required
def person_gdpr_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything stored about the person (register extract, art. 15): JSON download, or with
    `?format=html` a print-ready page. Audited by the service."""
    person = selectors.person_get(user=request.user, pk=pk)
    if not access.can_administer(request.user):
        raise PermissionDenied
    data = services.person_export(person=person, user=request.user)
    if request.GET.get("format") == "html":
        context = {"person": person, "extract": extract.sections(data), "generated": timezone.now()}
        return render(request, "ombud/person_gdpr_export.html", context)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="registerutdrag-{person.pk}.json"'
    return response


@login_required
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    if not access.can_administer(request.user):
        raise PermissionDenied
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.person_erase(person=person, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(
                request, _("Personuppgifterna har raderats. Närvaron finns kvar utan identitet.")
            )
            return redirect("ombud:person-list")
    status = 400 if form.is_bound else 200
    return render(request, "ombud/person_erase.html", {"form": form, "person": person}, status=status)
