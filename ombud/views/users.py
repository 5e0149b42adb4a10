"""User administration for the programme leader: list, invite, change role and scope, deactivate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ombud import access, selectors, services
from ombud.forms import UserInviteForm, UserRoleForm
from ombud.views import form_error


@access.require(access.can_administer)
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "ombud/user_list.html", {"users": selectors.user_list(user=request.user)})


@access.require(access.can_administer)
def user_invite(request: HttpRequest) -> HttpResponse:
    form = UserInviteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invited = services.user_invite(
                by=request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(
                request,
                _("%(name)s har bjudits in. En länk för att välja lösenord har skickats till %(email)s.")
                % {"name": invited.get_full_name() or invited.username, "email": invited.email},
            )
            return redirect("ombud:user-list")
    status = 400 if form.is_bound else 200
    return render(request, "ombud/user_form.html", {"form": form}, status=status)


@access.require(access.can_administer)
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.user_get(user=request.user, pk=pk)
    initial = {
        "role": account.role,
        "municipalities": list(account.municipalities.all()),
        "person": account.person_id,
    }
    form = UserRoleForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_role(user=account, by=request.user, **form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            messages.success(request, _("Rollen har sparats."))
            return redirect("ombud:user-list")
    status = 400 if form.is_bound else 200
    return render(request, "ombud/user_form.html", {"form": form, "account": account}, status=status)


@require_POST
@access.require(access.can_administer)
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Turn an account off, or on again with `active=1`; the account and its history stay."""
    account = selectors.user_get(user=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_deactivate(user=account, by=request.user, active=active)
    except ValidationError as e:
        for message in e.messages:
            messages.error(request, message)
        return redirect("ombud:user-list")
    done = _("Kontot %(name)s är aktivt igen.") if active else _("Kontot %(name)s har inaktiverats.")
    messages.success(request, done % {"name": account.username})
    return redirect("ombud:user-list")
