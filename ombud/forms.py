"""Shape of the input of the ombud pages: types, required fields, lengths, Swedish labels.

Business rules (uniqueness, scope of a municipality, personnummer rules beyond the format) live
in `ombud.services`; the views pass cleaned data to a service and show its ValidationError.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from ombud import access, selectors
from ombud.formatting import sv_sort_key
from ombud.models import Gender, Municipality, Person, Role, Sector, TargetGroup, Workplace
from ombud.personnummer import normalise
from ombud.widgets import SwedishDateInput

FILE_TYPE = _("Filen måste vara en .csv- eller .xlsx-fil.")
FILE_EMPTY = _("Filen är tom.")
FILE_TOO_LARGE = _("Filen är för stor (högst %(mb)s MB).")
UNIT_COSTS_FORMAT = _("Skriv ett år och ett belopp per rad, till exempel 2020: 275.")
UNIT_COSTS_YEAR_TWICE = _("Året %(year)s står två gånger.")
MUNICIPALITY_REQUIRED = _("Välj minst en kommun för en lokal projektledare.")
PERSON_REQUIRED = _("Välj medarbetaren som kontot hör till för ett ombud.")
WORKPLACE_OTHER_MUNICIPALITY = _("Arbetsplatsen hör inte till den valda kommunen.")
IMPORT_SUFFIXES = (".csv", ".xlsx")


DateInput = SwedishDateInput  # ÅÅÅÅ-MM-DD in every browser (see ombud.widgets)


class CrispyForm(forms.Form):
    """A form rendered by crispy inside the page's own <form> tag. `rows` lays out fields side by
    side on wide screens: each tuple is one row; fields the form does not have are skipped."""

    rows: tuple[tuple[str, ...], ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def layout_rows(self) -> None:
        """Call at the end of a subclass's __init__, after fields were added or removed."""
        if not self.rows:
            return
        mentioned: set[str] = set()
        parts = []
        for row in self.rows:
            names = [name for name in row if name in self.fields]
            mentioned.update(names)
            if len(names) == 1:
                parts.append(names[0])
            elif names:
                parts.append(Row(*(Column(name, css_class="col-md") for name in names)))
        parts += [name for name in self.fields if name not in mentioned]
        self.helper.layout = Layout(*parts)


class SwedishOrder(ModelChoiceIterator):
    """Choices in Swedish alphabetical order of their labels (Å Ä Ö after Z), whatever the
    database's collation (SQLite sorts Ä before Å). The one order of every municipality choice."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        objects = sorted(self.queryset, key=lambda obj: sv_sort_key(self.field.label_from_instance(obj)))
        for obj in objects:
            yield self.choice(obj)


class MunicipalityChoiceField(forms.ModelChoiceField):
    """A municipality, in Swedish order; `with_code` shows "Ale (1440)"."""

    iterator = SwedishOrder

    def __init__(self, *args, with_code: bool = True, **kwargs):
        self.with_code = with_code
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Municipality) -> str:
        return f"{obj.name} ({obj.code})" if self.with_code else obj.name


class WorkplaceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Workplace) -> str:
        return f"{obj.name} – {obj.municipality.name}"


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of objects whose ids are read with `access.parse_id` before any query:
    an id no database integer can hold is an invalid choice (400), not a server error."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            for item in value:
                if item not in self.empty_values and access.parse_id(item) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": item}
                    )
        return super().clean(value)


class MunicipalitiesChoiceField(IdsChoiceField):
    """Several municipalities (checkboxes), in Swedish order."""

    iterator = SwedishOrder


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        place = obj.workplace.name if obj.workplace_id else obj.municipality.name
        return f"{obj.last_name}, {obj.first_name} ({place})"


# --- staff -----------------------------------------------------------------------------------


class PersonFilterForm(forms.Form):
    """The staff list's search and filters (GET). Every field is optional; an invalid value is
    simply ignored by the view (a stale bookmark should not fail)."""

    TRAINED_CHOICES = [("", _("Alla")), ("ja", _("Utbildade")), ("nej", _("Ej utbildade"))]

    q = forms.CharField(label=_("Sök"), required=False, max_length=100)
    municipality = MunicipalityChoiceField(
        label=_("Kommun"), queryset=Municipality.objects.none(), required=False, empty_label=_("Alla")
    )
    workplace = WorkplaceChoiceField(
        label=_("Arbetsplats"), queryset=Workplace.objects.none(), required=False, empty_label=_("Alla")
    )
    target_group = forms.ChoiceField(
        label=_("Målgrupp"), choices=[("", _("Alla")), *TargetGroup.choices], required=False
    )
    trained = forms.ChoiceField(label=_("Utbildning"), choices=TRAINED_CHOICES, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = access.municipalities_for(user).order_by("name")
        # Workplaces of one municipality only: the chosen one, or the user's only one. A select
        # of every workplace of a large programme would be thousands of options.
        municipality_id = self.data.get("municipality") if self.is_bound else None
        only = access.only_municipality(user)
        self.single_municipality = only is not None
        municipality_id = access.parse_id(municipality_id)
        if municipality_id is None and self.single_municipality:
            municipality_id = only
        if municipality_id is not None:
            self.fields["workplace"].queryset = selectors.workplaces_for(user=user).filter(
                municipality_id=municipality_id
            )
        else:
            self.fields["workplace"].empty_label = _("Välj kommun först")
        self.fields["q"].widget.attrs.update(
            {
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Namn eller personnummer")
                if access.can_see_personnummer(user)
                else _("Namn"),
            }
        )
        for name in ("municipality", "workplace", "target_group", "trained"):
            self.fields[name].widget.attrs["class"] = "form-select"
        self.fields["q"].widget.attrs["class"] = "form-control"


class PersonForm(CrispyForm):
    personnummer = forms.CharField(
        label=_("Personnummer"),
        max_length=13,
        help_text=_("ÅÅÅÅMMDD-NNNN"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    first_name = forms.CharField(label=_("Förnamn"), max_length=100)
    last_name = forms.CharField(label=_("Efternamn"), max_length=100)
    municipality = MunicipalityChoiceField(label=_("Kommun"), queryset=Municipality.objects.none())
    workplace = WorkplaceChoiceField(label=_("Arbetsplats"), queryset=Workplace.objects.none())
    target_group = forms.ChoiceField(
        label=_("Målgrupp"), choices=TargetGroup.choices, initial=TargetGroup.BASE_STAFF
    )
    gender = forms.ChoiceField(
        label=_("Kön"),
        choices=[("", _("Enligt personnumret")), *Gender.choices],
        required=False,
    )
    email = forms.EmailField(label=_("E-post"), required=False)

    rows = (
        ("personnummer", "gender"),
        ("first_name", "last_name"),
        ("municipality", "workplace"),
        ("target_group", "email"),
    )

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        municipalities = access.municipalities_for(user).order_by("name")
        self.fields["municipality"].queryset = municipalities
        if not editing and not self.is_bound:
            only = list(municipalities[:2])
            if len(only) == 1:  # a local leader of one municipality: nothing to choose
                self.fields["municipality"].initial = only[0].pk
        # The workplaces of the chosen municipality (all in scope while none is chosen, so the
        # form works without JavaScript); htmx reloads the options when the municipality changes.
        workplaces = selectors.workplaces_for(user=user)
        chosen = self.data.get("municipality") if self.is_bound else self.initial.get("municipality")
        chosen = access.parse_id(chosen or self.fields["municipality"].initial)
        if chosen is not None:
            workplaces = workplaces.filter(municipality_id=chosen)
        self.fields["workplace"].queryset = workplaces
        self.fields["municipality"].widget.attrs.update(
            {
                "hx-get": reverse_lazy("ombud:workplace-options"),
                "hx-target": "#id_workplace",
                "hx-trigger": "change",
            }
        )
        if editing:
            # The personnummer identifies the person (imports match on it): not edited here.
            del self.fields["personnummer"]
            self.fields["gender"].choices = Gender.choices
            self.fields["gender"].required = True
        self.layout_rows()

    def clean_personnummer(self) -> str:
        return normalise(self.cleaned_data["personnummer"])

    def clean(self):
        data = super().clean()
        municipality, workplace = data.get("municipality"), data.get("workplace")
        if municipality and workplace and workplace.municipality_id != municipality.pk:
            self.add_error("workplace", WORKPLACE_OTHER_MUNICIPALITY)
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Skäl"), max_length=500, required=False)


class EraseForm(CrispyForm):
    reason = forms.CharField(
        label=_("Skäl för radering"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Till exempel: begäran från den registrerade enligt artikel 17 GDPR."),
    )
    confirm = forms.BooleanField(label=_("Jag förstår att raderingen inte kan ångras."))


class ImportForm(CrispyForm):
    file = forms.FileField(
        label=_("Fil med medarbetare"),
        help_text=_("Excel (.xlsx) eller CSV. Första raden är rubriker."),
        error_messages={"required": _("Välj en fil."), "empty": FILE_EMPTY},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in IMPORT_SUFFIXES:
            raise ValidationError(FILE_TYPE, code="type")
        if not upload.size:
            raise ValidationError(FILE_EMPTY, code="empty")
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(FILE_TOO_LARGE, code="size", params={"mb": limit // (1024 * 1024)})
        return upload


# --- places ----------------------------------------------------------------------------------


class MunicipalityForm(CrispyForm):
    code = forms.RegexField(
        label=_("Kommunkod"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Kommunkoden ska vara fyra siffror.")},
    )
    name = forms.CharField(label=_("Namn"), max_length=100)
    org_number = forms.CharField(label=_("Organisationsnummer"), max_length=11, required=False)


class WorkplaceForm(CrispyForm):
    name = forms.CharField(label=_("Namn"), max_length=200)
    sector = forms.ChoiceField(
        label=_("Verksamhet"), choices=[("", _("Ej angiven")), *Sector.choices], required=False
    )


class ProgrammeForm(CrispyForm):
    code = forms.RegexField(
        label=_("Kod"),
        max_length=30,
        regex=r"^[A-Za-z0-9_-]+$",
        error_messages={"invalid": _("Koden får bara innehålla A–Z, 0–9, - och _.")},
    )
    name = forms.CharField(label=_("Namn"), max_length=200)
    funder = forms.CharField(label=_("Finansiär"), max_length=100, required=False)
    case_id = forms.CharField(label=_("Ärende-id (ESF)"), max_length=50, required=False)
    start_date = forms.DateField(label=_("Startdatum"), widget=DateInput())
    end_date = forms.DateField(label=_("Slutdatum"), widget=DateInput())
    final_payment_date = forms.DateField(
        label=_("Datum för slututbetalning"),
        required=False,
        widget=DateInput(),
        help_text=_("Styr gallring: uppgifterna sparas fem år efter den 31 december det året."),
    )
    municipalities = MunicipalitiesChoiceField(
        label=_("Kommuner"),
        queryset=Municipality.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    unit_costs = forms.CharField(
        label=_("Timkostnad per år (kr)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ett år per rad, till exempel 2020: 275"),
    )

    rows = (
        ("code", "name"),
        ("funder", "case_id"),
        ("start_date", "end_date", "final_payment_date"),
        ("municipalities", "unit_costs"),
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
        self.layout_rows()

    def clean_unit_costs(self) -> dict[int, Decimal]:
        costs: dict[int, Decimal] = {}
        for line in (self.cleaned_data.get("unit_costs") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            m = re.match(r"^(\d{4})\s*[:=;\s]\s*(\d[\d\s]*(?:[.,]\d{1,2})?)\s*(?:kr)?$", line)
            if not m:
                raise ValidationError(UNIT_COSTS_FORMAT, code="format")
            year = int(m.group(1))
            if year in costs:
                raise ValidationError(UNIT_COSTS_YEAR_TWICE, code="twice", params={"year": year})
            try:
                costs[year] = Decimal(m.group(2).replace(" ", "").replace(",", "."))
            except InvalidOperation:
                raise ValidationError(UNIT_COSTS_FORMAT, code="format") from None
        return costs

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Slutdatum kan inte ligga före startdatum."))
        return data


# --- ombud -----------------------------------------------------------------------------------


class OmbudForm(CrispyForm):
    """Appoint (for a person chosen beforehand) or edit an ombud. The covered workplaces are
    those of the ombud's own municipality."""

    workplaces = IdsChoiceField(
        label=_("Arbetsplatser som ombudet utbildar på"),
        queryset=Workplace.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    appointed_on = forms.DateField(label=_("Utsedd"), widget=DateInput())
    trainer_training_completed_on = forms.DateField(
        label=_("Ombudsutbildning klar"), required=False, widget=DateInput()
    )
    reach_goal = forms.IntegerField(label=_("Mål för antal nådda kollegor"), min_value=1, initial=36)
    active = forms.BooleanField(label=_("Aktiv"), required=False, initial=True)

    rows = (("appointed_on", "trainer_training_completed_on", "reach_goal"), ("workplaces",), ("active",))

    def __init__(self, *args, user, person: Person, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["workplaces"].queryset = selectors.workplaces_for(user=user).filter(
            municipality_id=person.municipality_id
        )
        if not editing:
            del self.fields["active"]
        self.layout_rows()


class PersonSearchForm(forms.Form):
    q = forms.CharField(label=_("Sök medarbetare"), required=False, max_length=100)


# --- users -----------------------------------------------------------------------------------


class UserRoleForm(CrispyForm):
    role = forms.ChoiceField(label=_("Roll"), choices=[("", _("Välj roll")), *Role.choices])
    municipalities = MunicipalitiesChoiceField(
        label=_("Kommuner (för lokal projektledare)"),
        queryset=Municipality.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    person = PersonChoiceField(
        label=_("Medarbetare (för ombud)"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("Ingen"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = selectors.ombud_people(user=user)
        self.layout_rows()

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role == Role.LOCAL_LEADER and not data.get("municipalities"):
            self.add_error("municipalities", MUNICIPALITY_REQUIRED)
        if role == Role.OMBUD and not data.get("person"):
            self.add_error("person", PERSON_REQUIRED)
        return data


class UserInviteForm(UserRoleForm):
    username = forms.RegexField(
        label=_("Användarnamn"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Användarnamnet får bara innehålla bokstäver, siffror och . @ + - _")},
    )
    email = forms.EmailField(label=_("E-post"))
    first_name = forms.CharField(label=_("Förnamn"), max_length=150)
    last_name = forms.CharField(label=_("Efternamn"), max_length=150)

    field_order = ["username", "email", "first_name", "last_name", "role", "municipalities", "person"]
    rows = (("username", "email"), ("first_name", "last_name"), ("role",), ("municipalities",), ("person",))


# --- notify: the user's e-mail settings -------------------------------------------------------


class NotificationSettingsForm(forms.Form):
    """One checkbox per kind the user may turn off (duty kinds are not fields), and the language."""

    language = forms.ChoiceField(label=_("Språk i e-post"), choices=settings.LANGUAGES, initial="sv")

    def __init__(self, *args, **kwargs):
        from ombud.models import NotificationKind
        from ombud.notifications import optional_kinds

        super().__init__(*args, **kwargs)
        for kind in optional_kinds():
            self.fields[kind] = forms.BooleanField(label=NotificationKind(kind).label, required=False)

    def wanted(self) -> list[str]:
        from ombud.notifications import optional_kinds

        return [k for k in optional_kinds() if self.cleaned_data.get(k)]
