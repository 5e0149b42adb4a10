"""Forms of the survey builder. They read what was typed; the rules (codes, fixed surveys,
answered questions) are in `enkater.services`, whose errors the views put on these forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enkater.models import Moment, QuestionKind, Survey
from ombud.forms import CrispyForm
from ombud.models import TargetGroup

OPTION_LINE_FORMAT = _("Rad %(n)s: skriv kod; svensk text; engelsk text (den engelska texten kan utelämnas).")


class SurveyForm(CrispyForm):
    code = forms.CharField(
        label=_("Kod"),
        max_length=30,
        required=False,
        help_text=_("A–Z, 0–9 och bindestreck, unik i programmet. Kolumnen enkät i importfilen."),
    )
    name_sv = forms.CharField(label=_("Namn (svenska)"), max_length=200, required=False)
    name_en = forms.CharField(label=_("Namn (engelska)"), max_length=200, required=False)
    target_group = forms.ChoiceField(
        label=_("Målgrupp"),
        required=False,
        choices=[("", _("Alla deltagare")), *TargetGroup.choices],
    )
    moments = forms.MultipleChoiceField(
        label=_("Moment"),
        choices=Moment.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("När enkäten besvaras: minst ett."),
    )

    rows = (("code", "target_group"), ("name_sv", "name_en"), ("moments",))

    def __init__(self, *args, survey: Survey | None = None, **kwargs):
        if survey is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": survey.code,
                "name_sv": survey.name_sv,
                "name_en": survey.name_en,
                "target_group": survey.target_group,
                "moments": list(survey.moments),
            }
        super().__init__(*args, **kwargs)
        if survey is not None and survey.fixed:
            # A default survey (spec §5a): only the names may change; the service says so too.
            for name in ("code", "target_group", "moments"):
                self.fields[name].disabled = True
        self.layout_rows()


class QuestionForm(CrispyForm):
    code = forms.CharField(
        label=_("Kod"),
        max_length=30,
        required=False,
        help_text=_("a–z, 0–9, bindestreck och understreck. Kolumnens namn i importfilen."),
    )
    kind = forms.ChoiceField(label=_("Typ"), choices=QuestionKind.choices)
    text_sv = forms.CharField(
        label=_("Fråga (svenska)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_en = forms.CharField(
        label=_("Fråga (engelska)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    options = forms.CharField(
        label=_("Svarsalternativ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Bara för ett val och flera val. Ett alternativ per rad: kod; svensk text; engelsk text, "
            "till exempel: teams; Teams; Teams"
        ),
    )

    rows = (("code", "kind"), ("text_sv", "text_en"), ("options",))

    def __init__(self, *args, question=None, fixed: bool = False, **kwargs):
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "code": question.code,
                "kind": question.kind,
                "text_sv": question.text_sv,
                "text_en": question.text_en,
                "options": "\n".join(
                    "; ".join(
                        [o, o, ""] if isinstance(o, str) else [o["code"], o.get("sv", ""), o.get("en", "")]
                    ).rstrip("; ")
                    for o in question.choices or []
                ),
            }
        super().__init__(*args, **kwargs)
        if fixed:
            self.fields["code"].disabled = True
            self.fields["kind"].disabled = True
        self.layout_rows()

    def clean_options(self) -> list[dict[str, str]]:
        """One option per line, `kod; svensk text; engelsk text`; blank lines skipped."""
        options = []
        errors = []
        for n, line in enumerate((self.cleaned_data.get("options") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split(";")]
            if len(parts) > 3 or not parts[0]:
                errors.append(forms.ValidationError(OPTION_LINE_FORMAT, code="format", params={"n": n}))
                continue
            code, sv, en = [*parts, "", ""][:3]
            options.append({"code": code, "sv": sv, "en": en})
        if errors:
            raise forms.ValidationError(errors)
        return options


class QuestionMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Upp")), ("down", _("Ned"))])
