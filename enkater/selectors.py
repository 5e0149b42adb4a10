"""Every read the enkater pages need, scoped to the user through `ombud.access`; the figures
themselves come from `enkater.counting` (outcomes) and `kurser.counting` (participants, hours),
and who is due a follow-up from `enkater.pending`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from enkater import counting
from enkater.defaults import UPPF_CHEF, UPPF_PERSONAL, ensure_default_surveys
from enkater.labels import DIGCOMP_LABELS, INDICATOR_LABELS
from enkater.models import QuestionKind, Survey
from enkater.pending import FOLLOW_UP_AFTER_DAYS, follow_up_non_responders
from kurser.counting import hours
from ombud import access
from ombud.datacache import data_version, single_flight
from ombud.models import Municipality, Person, Programme, Workplace

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ombud.models import User

# Workplaces per page in the reach table, non-responders per page: the page weighs the same with
# 20 workplaces or 2,000.
WORKPLACES_PER_PAGE = 25
NON_RESPONDERS_PER_PAGE = 50

# The follow-up survey whose response rate goes with each indicator.
INDICATOR_SURVEY = {key: survey for key, survey, _question in counting.INDICATORS}


@dataclass
class EffectScope:
    programme: Programme
    # The chosen municipality; None: every municipality of the programme (whole-programme roles).
    municipality: Municipality | None
    # The municipalities the page lists: the programme's, within the user's scope.
    municipalities: list[Municipality] = field(default_factory=list)


def effect_programmes(*, user: User | AnonymousUser) -> QuerySet[Programme]:
    return access.programmes_for(user).order_by("-start_date", "code")


def effect_scope(
    *,
    user: User | AnonymousUser,
    programme: Programme | None = None,
    municipality: Municipality | None = None,
) -> EffectScope | None:
    """The chosen (or newest) programme of the user's; a municipality-scoped role always has one
    of their municipalities (the first by name when none is chosen). `programme` and
    `municipality` come from forms whose querysets are already scoped."""
    programme = programme or effect_programmes(user=user).first()
    if programme is None:
        return None
    in_programme = access.municipalities_for(user).filter(programmes=programme).order_by("name")
    if municipality is None and not access.covers_all_municipalities(user):
        municipality = in_programme.first()
        if municipality is None:
            return None
    if municipality is not None and not in_programme.filter(pk=municipality.pk).exists():
        return None
    listed = [municipality] if municipality is not None else list(in_programme)
    return EffectScope(programme=programme, municipality=municipality, municipalities=listed)


def _indicator_rows(
    indicators: list[dict[str, Any]], rates: dict[int, dict], surveys: dict[str, Survey], group: Any
):
    rows = []
    for figure in indicators:
        survey = surveys.get(INDICATOR_SURVEY[figure["key"]])
        rate = counting.response_rate(rates.get(survey.pk, {}), group) if survey else None
        rows.append({**figure, "label": INDICATOR_LABELS[figure["key"]], "rate": rate})
    return rows


def effect_card(
    *, programme: Programme, municipality: Municipality | None = None, today: dt.date | None = None
):
    """The three indicators of the selection (the programme, or one municipality) with their
    respondents and response rates: the card on the effect dashboard and on the Lägesbild."""
    ensure_default_surveys(programme)
    rolled = counting.rollups_answer(programme)
    surveys = {s.code: s for s in counting.follow_up_surveys(programme)}
    defaults = [s for code, s in surveys.items() if code in (UPPF_CHEF, UPPF_PERSONAL)]
    rates = counting.response_rates(programme, municipality, today=today, surveys=defaults, rolled=rolled)
    counts = counting.indicator_counts(programme, municipality, rolled=rolled)
    return _card(programme, municipality, counts, rates, surveys)


def _card(programme, municipality, counts: counting.IndicatorCounts, rates, surveys) -> dict[str, Any]:
    indicators = counting.indicators_of(counts)[None]
    return {
        "programme": programme,
        "municipality": municipality,
        "indicators": _indicator_rows(indicators, rates, surveys, None),
    }


# The effect page's figures are recomputed at the latest after this long (answers and attendance
# writes bump the data version at once).
EFFECT_CACHE_SECONDS = 300


def effect_data_cached(*, scope: EffectScope) -> dict[str, Any]:
    """`effect_data` cached like the Lägesbild's counts: under the data version (attendance and
    answers bump it), per day (the follow-up comes due with the date) and single-flight, so
    concurrent misses compute once (about a second cold at 100 × Modig, DigComp most of it)."""
    key = "effect:{}:{}:{}:{}:{}:{}".format(
        data_version(),
        scope.programme.pk,
        scope.municipality.pk if scope.municipality else "-",
        ",".join(str(m.pk) for m in scope.municipalities),
        timezone.localdate().isoformat(),
        get_language(),
    )
    return single_flight(key, lambda: effect_data(scope=scope), timeout=EFFECT_CACHE_SECONDS)


def effect_data(*, scope: EffectScope, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the effect dashboard shows, in a fixed number of queries whatever the data.
    Each figure is counted once per municipality; the selection's totals (and the card) are
    their sums, as a person counts in one municipality."""
    today = today or timezone.localdate()
    programme, municipality = scope.programme, scope.municipality
    ensure_default_surveys(programme)
    rolled = counting.rollups_answer(programme)
    surveys = counting.follow_up_surveys(programme)
    by_code = {s.code: s for s in surveys}
    rates = counting.response_rates(
        programme, municipality, today=today, by="municipality", surveys=surveys, rolled=rolled
    )
    totals_rates = counting.total_rates(rates)
    participation = counting.participation(programme, municipality, rolled=rolled)
    counts = counting.indicator_counts(programme, municipality, by="municipality", rolled=rolled)
    per_municipality = counting.indicators_of(counts)
    rows = []
    for m in scope.municipalities:
        rows.append(
            {
                "municipality": m,
                "participants": participation.get(m.pk, {}).get("participants", 0),
                "hours": participation.get(m.pk, {}).get("hours", 0.0),
                "rates": [counting.response_rate(rates.get(s.pk, {}), m.pk) for s in surveys],
                "indicators": _indicator_rows(
                    per_municipality.get(m.pk) or counting.empty_indicators(), rates, by_code, m.pk
                ),
            }
        )
    totals = {
        "participants": sum(r["participants"] for r in rows),
        "hours": hours(sum(participation.get(m.pk, {}).get("minutes", 0) for m in scope.municipalities)),
        "rates": [counting.response_rate(totals_rates.get(s.pk, {}), None) for s in surveys],
    }
    return {
        "card": _card(programme, municipality, counting.total_counts(counts), totals_rates, by_code),
        "surveys": surveys,
        "rows": rows,
        "totals": totals,
        "digcomp": [
            {**r, "label": DIGCOMP_LABELS[r["area"]]}
            for r in counting.digcomp(programme, municipality, rolled=rolled)
        ],
        "follow_up_days": FOLLOW_UP_AFTER_DAYS,
        "suppress_below": counting.SUPPRESS_BELOW,
    }


def effect_workplaces(*, scope: EffectScope, page: str | int | None = 1) -> Page:
    """The reach table: the listed municipalities' workplaces by municipality and name, each
    with its registered staff, those who took part in the programme and the share."""
    workplaces = (
        Workplace.objects.filter(municipality__in=[m.pk for m in scope.municipalities])
        .select_related("municipality")
        .order_by("municipality__name", "name", "pk")
    )
    result = Paginator(counting.workplace_reach(scope.programme, workplaces), WORKPLACES_PER_PAGE).get_page(
        page
    )
    for w in result.object_list:
        w.reach = counting.reach(w)
    return result


def effect_free_texts(*, user: User | AnonymousUser, scope: EffectScope) -> list[dict[str, Any]]:
    """Programme leaders: the free-text answers to the programme's own surveys (not the fixed
    defaults), for the selection, each question shown only from SUPPRESS_BELOW respondents
    (`counting.free_texts` decides). Other roles: nothing."""
    if not access.can_administer(user):
        return []
    from enkater.models import Question

    questions = Question.objects.filter(
        survey__programme=scope.programme, survey__fixed=False, kind=QuestionKind.TEXT
    ).select_related("survey")
    return [
        {"question": q, **counting.free_texts(scope.programme, q, scope.municipality)}
        for q in questions.order_by("survey__code", "position", "pk")
    ]


# --- who has not answered a follow-up --------------------------------------------------------


def follow_up_surveys(*, programme: Programme) -> list[Survey]:
    ensure_default_surveys(programme)
    return counting.follow_up_surveys(programme)


def follow_up_survey_for_user(
    *, user: User | AnonymousUser, programme: Programme, survey_id: object
) -> Survey | None:
    """A follow-up survey of the programme by an id from the request, or the first one."""
    surveys = follow_up_surveys(programme=programme)
    wanted = access.parse_id(survey_id)
    if wanted is not None:
        return next((s for s in surveys if s.pk == wanted), None)
    return surveys[0] if surveys else None


def non_responders(
    *, user: User | AnonymousUser, scope: EffectScope, survey: Survey, today: dt.date | None = None
) -> QuerySet[Person]:
    """People of the listed municipalities (within the user's scope) for whom the follow-up of
    `survey` is due and not answered: names, workplace and whether they have an address only."""
    if not access.can_remind_participants(user) or survey.programme_id != scope.programme.pk:
        return Person.objects.none()
    people = access.scope(user, follow_up_non_responders(survey, today))
    return (
        people.filter(municipality__in=[m.pk for m in scope.municipalities])
        .select_related("workplace", "municipality", "user")
        .order_by("last_name", "first_name", "pk")
    )


def non_responders_page(people: QuerySet[Person], page: str | int | None = 1) -> Page:
    return Paginator(people, NON_RESPONDERS_PER_PAGE).get_page(page)
