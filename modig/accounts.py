"""Choosing a password: the link in an invitation and "Glömt lösenordet?" are the same flow.

Django's own views do the work (tokens, one-time links, validators); this module only decides
three things a municipal user expects:
- an invited account has no password yet, and its owner may still ask for a new link when the
  invitation has expired or got lost (Django skips accounts without a usable password);
- after choosing a password you are signed in and land on the start page;
- every page and e-mail of the flow is in Swedish (templates/registration/).
"""

from __future__ import annotations

import unicodedata
from typing import cast

from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from ombud import notifications
from ombud.forms import NotificationSettingsForm
from ombud.models import DUTY_KINDS, NotificationKind, User

RESET_SENT = _(
    "Om adressen hör till ett konto i portalen har vi skickat en länk för att välja nytt lösenord. "
    "Kolla din e-post (även skräpposten)."
)
PASSWORD_SET = _("Ditt lösenord är sparat och du är inloggad.")
LINK_INVALID = _(
    "Länken fungerar inte längre: den har redan använts eller har gått ut. Be om en ny länk nedan."
)


def _same_address(a: str, b: str) -> bool:
    """Case-insensitive, Unicode-normalised comparison, as Django's own reset form does."""
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        """Active accounts with this address, including invited ones that have no password yet."""
        User = get_user_model()
        field = User.get_email_field_name()
        users = User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (u for u in users if _same_address(email, getattr(u, field)))


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    subject_template_name = "registration/password_reset_subject.txt"
    email_template_name = "registration/password_reset_email.txt"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    post_reset_login = True
    # Two backends are installed (axes + ModelBackend): name the one that keeps the session.
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, PASSWORD_SET)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["link_invalid_message"] = LINK_INVALID
        return context


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    extra_context = {"reset_sent_message": RESET_SENT}


# --- notify: e-mail settings (the user's own page, in the user menu) -----------------------------

SETTINGS_SAVED = _("Dina val för e-post är sparade.")
DUTY_EXPLAINED = _("Dessa skickas alltid, eftersom de hör till ditt uppdrag eller ändrar var du ska vara:")


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    choices = notifications.settings_for(user)
    if request.method == "POST":
        form = NotificationSettingsForm(request.POST)
        if form.is_valid():
            notifications.notification_settings_save(
                user=user, language=form.cleaned_data["language"], wanted=form.wanted()
            )
            messages.success(request, SETTINGS_SAVED)
            return redirect("notification_settings")
        status = 400
    else:
        initial = {k: k not in choices.opted_out for k in notifications.optional_kinds()}
        form = NotificationSettingsForm(initial={**initial, "language": choices.language or "sv"})
        status = 200
    duties = [NotificationKind(k).label for k in NotificationKind.values if k in DUTY_KINDS]
    context = {"form": form, "duties": duties, "duty_explained": DUTY_EXPLAINED}
    return render(request, "registration/notification_settings.html", context, status=status)
