"""Form widgets shared by every app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

# The hint in an empty date field: Swedish dates are written ÅÅÅÅ-MM-DD (SS-ISO 8601).
DATE_PLACEHOLDER = _("ÅÅÅÅ-MM-DD")


class SwedishDateInput(forms.DateInput):
    """A date as the text `2026-12-01`, in every browser and whatever its language.

    Not `<input type="date">`: browsers draw that field in their own locale (Chrome on an
    English system shows mm/dd/yyyy, and `lang="sv"` does not change it), so the same page read
    differently on different municipal computers. ISO is how Swedish dates are written, what
    the portal shows everywhere else and what the imports accept, so the field takes it as text
    with a hint and a pattern; the server checks it like any date.
    """

    input_type = "text"

    def __init__(self, attrs: dict | None = None, **kwargs):
        attrs = {
            "placeholder": DATE_PLACEHOLDER,
            "pattern": r"\d{4}-\d{2}-\d{2}",
            "inputmode": "numeric",
            "autocomplete": "off",
            "maxlength": "10",
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format="%Y-%m-%d", **kwargs)
