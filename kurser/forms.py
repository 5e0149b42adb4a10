"""Shape of input only: types, required fields, lengths. Rules live in kurser.services."""

from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from kurser import rules
from kurser.models import KNOWN_TOOLS, AttendanceStatus, Course, CourseType, Form, Session
from ombud.forms import IdsChoiceField, MunicipalityChoiceField
from ombud.models import Municipality, Person, Programme, Workplace
from ombud.widgets import SwedishDateInput


class SessionForm(forms.Form):
    programme = forms.ModelChoiceField(
        Programme.objects.none(), label=_("Program"), empty_label=_("Välj program")
    )
    course = forms.ModelChoiceField(
        Course.objects.order_by("type", "title"), label=_("Kurs"), empty_label=_("Välj kurs")
    )
    municipality = MunicipalityChoiceField(
        Municipality.objects.none(), label=_("Kommun"), empty_label=_("Välj kommun"), with_code=False
    )
    workplace = forms.ModelChoiceField(Workplace.objects.none(), label=_("Arbetsplats"), required=False)
    trainer = forms.ModelChoiceField(Person.objects.none(), label=_("Utbildare"), required=False)
    trainer_name = forms.CharField(label=_("Extern utbildare"), max_length=200, required=False)
    date = forms.DateField(label=_("Datum"), widget=SwedishDateInput())
    start_time = forms.TimeField(label=_("Starttid"), widget=forms.TimeInput(attrs={"type": "time"}))
    planned_minutes = forms.IntegerField(
        label=_("Planerade minuter"), min_value=1, max_value=rules.MAX_SESSION_MINUTES, initial=60
    )
    form = forms.ChoiceField(label=_("Form"), choices=Form.choices, initial=Form.ON_SITE)
    small_group = forms.BooleanField(label=_("Smågrupp"), required=False)
    repeat = forms.ChoiceField(
        label=_("Upprepa"),
        choices=[("0", _("Ett tillfälle")), ("1", _("Varje vecka")), ("2", _("Varannan vecka"))],
        initial="0",
    )
    count = forms.IntegerField(
        label=_("Antal tillfällen i serien"), min_value=1, max_value=26, required=False
    )

    def __init__(
        self, *args, programmes, municipalities, workplaces, trainers, fixed_trainer=False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        self.fields["municipality"].queryset = municipalities.order_by("name")
        self.fields["workplace"].queryset = workplaces
        self.fields["trainer"].queryset = trainers
        if len(programmes) == 1:
            self.fields["programme"].initial = programmes[0].pk
        if fixed_trainer:
            # An ombud plans their own sessions: the trainer is them.
            del self.fields["trainer"]
            del self.fields["trainer_name"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Skapa")))

    def clean(self):
        data = super().clean()
        if data.get("repeat", "0") != "0" and not data.get("count"):
            self.add_error("count", _("Ange hur många tillfällen serien har."))
        return data


class SessionFilterForm(forms.Form):
    municipality = MunicipalityChoiceField(
        Municipality.objects.none(),
        label=_("Kommun"),
        required=False,
        empty_label=_("Alla kommuner"),
        with_code=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Alla")), *list(Session.Status.choices)]
    )
    course_type = forms.ChoiceField(
        label=_("Typ"), required=False, choices=[("", _("Alla typer")), *list(CourseType.choices)]
    )
    tool = forms.ChoiceField(
        label=_("Verktyg"), required=False, choices=[("", _("Alla verktyg"))] + [(t, t) for t in KNOWN_TOOLS]
    )
    date_from = forms.DateField(label=_("Från"), required=False, widget=SwedishDateInput())
    date_to = forms.DateField(label=_("Till"), required=False, widget=SwedishDateInput())

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities.order_by("name")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


# --- the approval queue (issue 11 item 6) ---------------------------------------------------------

APPROVAL_MUNICIPALITY_UNKNOWN = _("Kommun: välj en av dina kommuner i listan.")
DATE_RANGE_REVERSED = _("Datum: från-datumet är efter till-datumet.")
NEWEST_FIRST, OLDEST_FIRST = "nyast", "aldst"


class ApprovalFilterForm(forms.Form):
    """The approval queue's filter: the user's own municipalities only (the choices come from
    ombud/access.py), a date range, newest first unless asked otherwise."""

    municipality = MunicipalityChoiceField(
        Municipality.objects.none(),
        with_code=False,
        label=_("Kommun"),
        required=False,
        empty_label=_("Alla mina kommuner"),
        error_messages={"invalid_choice": APPROVAL_MUNICIPALITY_UNKNOWN},
    )
    date_from = forms.DateField(label=_("Från"), required=False, widget=SwedishDateInput())
    date_to = forms.DateField(label=_("Till"), required=False, widget=SwedishDateInput())
    ordning = forms.ChoiceField(
        label=_("Ordning"),
        required=False,
        choices=[(NEWEST_FIRST, _("Nyast först")), (OLDEST_FIRST, _("Äldst först"))],
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities.order_by("name")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(DATE_RANGE_REVERSED)
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Skäl"), max_length=500, required=False)


class MoveForm(forms.Form):
    """notify: a planned session to another date or time (the invited are told by e-mail)."""

    date = forms.DateField(label=_("Nytt datum"), widget=SwedishDateInput())
    start_time = forms.TimeField(label=_("Ny starttid"), widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(label=_("Skäl"), max_length=500, required=False)


class CheckinForm(forms.Form):
    name = forms.CharField(
        label=_("Ditt namn"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    last_four = forms.CharField(
        label=_("De fyra sista siffrorna i ditt personnummer"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}),
    )


class InviteForm(forms.Form):
    people = IdsChoiceField(Person.objects.none(), label=_("Bjud in"), required=True)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = candidates


def marks_status_choices() -> list[str]:
    return [s for s in AttendanceStatus.values if s != AttendanceStatus.REGISTERED]


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- temporary participants (issue 13 item 3) -------------------------------------------------


class TemporaryCompleteForm(forms.Form):
    """Complete a walk-in's record; the personnummer is read by the import's parser (service)."""

    personnummer = forms.CharField(label=_("Personnummer"), max_length=20)
    gender = forms.ChoiceField(
        label=_("Kön"),
        choices=[("", _("Enligt personnumret"))],
        required=False,
    )
    target_group = forms.ChoiceField(label=_("Målgrupp"))

    def __init__(self, *args, **kwargs):
        from ombud.models import Gender, TargetGroup

        super().__init__(*args, **kwargs)
        self.fields["gender"].choices = [("", _("Enligt personnumret")), *Gender.choices]
        self.fields["target_group"].choices = TargetGroup.choices
        self.fields["target_group"].initial = TargetGroup.BASE_STAFF
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_personnummer(self) -> str:
        from ombud import personnummer as pnr

        return pnr.normalise(self.cleaned_data["personnummer"])
