"""The effect dashboard (issue 12 item 4): outcomes per municipality, reach per workplace, and
the list of participants who have not answered a follow-up, with reminders.

Thin views: the figures come from `enkater.selectors` (which counts through `enkater.counting`),
the reminders from `enkater.notifications`. Ids from the request go through forms whose
querysets are the user's scope, or `access.parse_id(s)`."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from enkater import selectors
from enkater.notifications import survey_reminders_send
from ombud import access
from ombud.forms import MunicipalityChoiceField

SURVEY_UNKNOWN = _("Enkäten finns inte bland programmets uppföljningsenkäter. Välj en enkät i listan.")
NO_SCOPE = _("Du har ingen kommun i det valda programmet.")
NOT_IN_PROGRAMME = _(
    "Kommunen deltar inte i det valda programmet. Välj en annan kommun eller ett annat program."
)


class EffectFilterForm(forms.Form):
    programme: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("Program"), queryset=None, required=False, empty_label=None
    )
    municipality = MunicipalityChoiceField(
        label=_("Kommun"), queryset=None, required=False, empty_label=_("Alla kommuner"), with_code=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = selectors.effect_programmes(user=user)  # type: ignore[attr-defined]
        self.fields["municipality"].queryset = access.municipalities_for(user).order_by("name")  # type: ignore[attr-defined]
        if not access.covers_all_municipalities(user):
            # A local leader sees their own municipality: no "all municipalities" choice.
            self.fields["municipality"].empty_label = None  # type: ignore[attr-defined]


def _scope(request, data):
    """(form, scope) from the query string or the posted form; scope None when invalid."""
    form = EffectFilterForm(data or None, user=request.user)
    scope = None
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {}
        scope = selectors.effect_scope(
            user=request.user, programme=cleaned.get("programme"), municipality=cleaned.get("municipality")
        )
        if scope is None and cleaned.get("municipality") is not None:
            form.add_error("municipality", NOT_IN_PROGRAMME)
        elif scope is None and selectors.effect_programmes(user=request.user).exists():
            form.add_error(None, NO_SCOPE)
    if scope is not None:
        # Show what is counted: the default programme and the leader's municipality.
        initial = {"programme": scope.programme, "municipality": scope.municipality}
        if not form.is_bound:
            form = EffectFilterForm(initial=initial, user=request.user)
    return form, scope


@access.require(access.can_view_effects)
@require_http_methods(["GET"])
def effect(request):
    form, scope = _scope(request, request.GET.copy())
    context = {
        "form": form,
        "scope": scope,
        "can_remind": access.can_remind_participants(request.user),
    }
    if scope is not None:
        context.update(selectors.effect_data_cached(scope=scope))
        context["workplaces"] = selectors.effect_workplaces(scope=scope, page=request.GET.get("page"))
        context["free_texts"] = selectors.effect_free_texts(user=request.user, scope=scope)
    return render(request, "enkater/effect.html", context, status=400 if form.errors else 200)


def _list_url(scope, survey) -> str:
    query = {"programme": scope.programme.pk, "survey": survey.pk}
    if scope.municipality is not None:
        query["municipality"] = scope.municipality.pk
    return reverse("enkater:effect-non-responders") + "?" + urlencode(query)


@access.require(access.can_remind_participants)
@require_http_methods(["GET", "POST"])
def effect_non_responders(request):
    data = request.POST if request.method == "POST" else request.GET
    form, scope = _scope(request, data.copy())
    context = {"form": form, "scope": scope}
    survey = None
    errors: list[str] = []
    if scope is not None:
        survey = selectors.follow_up_survey_for_user(
            user=request.user, programme=scope.programme, survey_id=data.get("survey")
        )
        if survey is None and (data.get("survey") or request.method == "POST"):
            errors.append(str(SURVEY_UNKNOWN))
    if request.method == "POST" and scope is not None and survey is not None:
        try:
            result = survey_reminders_send(
                user=request.user,
                scope=scope,
                survey=survey,
                person_ids=access.parse_ids(request.POST.getlist("person")),
                everyone=request.POST.get("everyone") == "1",
            )
        except ValidationError as e:
            errors.extend(e.messages)
        else:
            _report(request, result)
            return HttpResponseRedirect(_list_url(scope, survey))
    if scope is not None:
        context["surveys"] = selectors.follow_up_surveys(programme=scope.programme)
    if survey is not None and scope is not None:
        people = selectors.non_responders(user=request.user, scope=scope, survey=survey)
        context["page"] = selectors.non_responders_page(people, request.GET.get("page"))
        context["survey"] = survey
        context["follow_up_days"] = selectors.FOLLOW_UP_AFTER_DAYS
    context["errors"] = errors
    status = 400 if errors or (scope is None and form.errors) else 200
    return render(request, "enkater/effect_non_responders.html", context, status=status)


def _report(request, result) -> None:
    if result.queued:
        messages.success(
            request,
            ngettext(
                "En påminnelse skickas till %(n)s deltagare.",
                "Påminnelser skickas till %(n)s deltagare.",
                result.queued,
            )
            % {"n": result.queued},
        )
    if result.already:
        messages.info(
            request,
            ngettext(
                "%(n)s deltagare har redan fått en påminnelse om enkäten i dag och får ingen till.",
                "%(n)s deltagare har redan fått en påminnelse om enkäten i dag och får ingen till.",
                result.already,
            )
            % {"n": result.already},
        )
    if result.without_email:
        names = ", ".join(f"{p.first_name} {p.last_name}" for p in result.without_email[:20])
        more = len(result.without_email) - 20
        if more > 0:
            names += " " + _g("och %(n)s till") % {"n": more}
        messages.warning(
            request,
            _g(
                "Saknar e-post, ingen påminnelse skickades: %(names)s. Lägg till e-post på personen eller påminn på annat sätt."
            )
            % {"names": names},
        )
    if not (result.queued or result.already or result.without_email):
        messages.info(request, _g("Ingen påminnelse skickades."))
