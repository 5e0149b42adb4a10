"""Shape of input for the rapporter pages. Business rules (period inside the programme, the
municipality taking part…) are the services' (`rapporter.services.report_request`)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kurser import services as kurser_services
from kurser.rules import month_end, parse_month
from ombud import access
from ombud.forms import MunicipalityChoiceField
from ombud.widgets import SwedishDateInput
from rapporter.models import Report

if TYPE_CHECKING:
    from ombud.models import User

MONTH_REQUIRED = _("Välj vilken månad närvarorapporten gäller.")
MONTH_INVALID = _("Ange månaden som ÅÅÅÅ-MM.")
PERIOD_ORDER = _("Från-datum kan inte ligga efter till-datum.")


DateInput = SwedishDateInput  # ÅÅÅÅ-MM-DD in every browser (see ombud.widgets)


class MonthInput(forms.TextInput):
    input_type = "month"


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Rapport"), choices=Report.Kind.choices)
    format = forms.ChoiceField(label=_("Format"), choices=Report.Format.choices)
    programme = forms.ModelChoiceField(label=_("Program"), queryset=None, empty_label=None)
    period_from = forms.DateField(label=_("Från"), required=False, widget=DateInput())
    period_to = forms.DateField(label=_("Till"), required=False, widget=DateInput())
    month = forms.CharField(
        label=_("Månad"),
        required=False,
        widget=MonthInput(attrs={"placeholder": _("ÅÅÅÅ-MM")}),
        help_text=_("Gäller månatlig närvarorapport."),
    )
    municipality = MunicipalityChoiceField(
        label=_("Kommun"), queryset=None, required=False, empty_label=_("Alla kommuner"), with_code=False
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["programme"].queryset = access.programmes_for(user).order_by("-start_date", "code")
        self.fields["municipality"].queryset = access.municipalities_for(user).order_by("name")
        if not access.can_export_personnummer(user):
            self.fields["kind"].choices = [c for c in Report.Kind.choices if c[0] != Report.Kind.PARTICIPANTS]
        if not access.covers_all_municipalities(user):
            # A local leader's reports always concern their own municipality.
            self.fields["municipality"].required = True
            self.fields["municipality"].empty_label = None

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        programme = data.get("programme")
        if kind == Report.Kind.CERTIFICATES:
            raw = data.get("month") or ""
            first = parse_month(raw)
            if not raw:
                self.add_error("month", MONTH_REQUIRED)
            elif first is None:
                self.add_error("month", MONTH_INVALID)
            else:
                data["period_from"], data["period_to"] = first, month_end(first)
                data["params"] = {"month": f"{first:%Y-%m}"}
        if programme is not None and kind == Report.Kind.OUTCOMES:
            # The Effektrapport counts the programme's whole period (spec §5c).
            data["period_from"], data["period_to"] = programme.start_date, programme.end_date
        if programme is not None:
            data["period_from"] = data.get("period_from") or programme.start_date
            data["period_to"] = data.get("period_to") or programme.end_date
        # The order and range of the period, the format and the municipality are the service's
        # rules (report_request): its messages are shown above the form.
        data.setdefault("params", {})
        return data


class DashboardFilterForm(forms.Form):
    """GET filter of the dashboard: every field optional, defaults from the programme."""

    programme = forms.ModelChoiceField(label=_("Program"), queryset=None, required=False, empty_label=None)
    date_from = forms.DateField(label=_("Från"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Till"), required=False, widget=DateInput())
    municipality = MunicipalityChoiceField(
        label=_("Kommun"), queryset=None, required=False, empty_label=_("Alla kommuner"), with_code=False
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = access.programmes_for(user).order_by("-start_date", "code")
        self.fields["municipality"].queryset = access.municipalities_for(user).order_by("name")
        if not access.covers_all_municipalities(user):
            self.fields["municipality"].empty_label = None

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", PERIOD_ORDER)
        return data


class MonthCloseForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Program"), queryset=None, empty_label=None)
    month = forms.CharField(label=_("Månad"), widget=MonthInput(attrs={"placeholder": _("ÅÅÅÅ-MM")}))

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = access.programmes_for(user).order_by("-start_date", "code")

    def clean_month(self) -> dt.date:
        first = parse_month(self.cleaned_data["month"])
        if first is None:
            raise forms.ValidationError(MONTH_INVALID)
        return first

    def clean(self):
        # A month outside the programme is refused before the confirmation step, by the rule
        # closing itself applies.
        data = super().clean()
        if data.get("programme") and data.get("month"):
            try:
                kurser_services.month_in_programme(data["programme"], data["month"])
            except ValidationError as e:
                self.add_error("month", e)
        return data


# --- reopening a reporting month (attendance rules) --------------------------------------------


class MonthReopenForm(MonthCloseForm):
    reason = forms.CharField(label=_("Skäl"), max_length=500)
