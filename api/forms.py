from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ombud import access
from ombud.apikeys import KEY_ROLES
from ombud.models import ApiKey, Municipality, Role


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Namn"),
        max_length=ApiKey._meta.get_field("name").max_length,
        help_text=_("Vilket system nyckeln är till, till exempel HR-systemet i Ale."),
    )
    role = forms.ChoiceField(
        label=_("Roll"),
        choices=[(r, Role(r).label) for r in KEY_ROLES],
        help_text=_("Nyckeln ser och gör det en användare med rollen får."),
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Kommuner"),
        queryset=Municipality.objects.none(),
        required=False,
        help_text=_("För en lokal projektledare: de kommuner nyckeln gäller."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].queryset = access.municipalities_for(user).order_by("name")
