"""The key page (issue 13): a programme leader creates, sees and revokes API keys."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from api.forms import ApiKeyForm
from ombud import access
from ombud.apikeys import api_key_create, api_key_revoke
from ombud.models import ApiKey
from ombud.views import form_error


def _page(request: HttpRequest, form: ApiKeyForm, *, new_key: str = "", status: int = 200) -> HttpResponse:
    keys = ApiKey.objects.select_related("user", "created_by").prefetch_related("user__municipalities")
    context = {"form": form, "keys": keys, "new_key": new_key}
    return render(request, "api/key_list.html", context, status=status)


@access.require(access.can_administer)
def key_list(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None, user=request.user)
    if request.method != "POST":
        return _page(request, form)
    if form.is_valid():
        try:
            _key, raw = api_key_create(by=request.user, **form.cleaned_data)
        except ValidationError as e:
            form_error(form, e)
        else:
            # Shown on this answer only (never stored, never in a redirect's URL or session).
            return _page(request, ApiKeyForm(user=request.user), new_key=raw)
    return _page(request, form, status=400)


@require_POST
@access.require(access.can_administer)
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(ApiKey, pk=access.parse_id(pk) or 0)
    try:
        api_key_revoke(key=key, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Nyckeln %(name)s är återkallad.") % {"name": key.name})
    return redirect("api:key-list")
