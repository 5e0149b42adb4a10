"""Every read the rapporter pages need, scoped to the user through `ombud.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from kurser.models import ClosedMonth
from ombud import access
from ombud.datacache import data_version, single_flight
from ombud.models import Municipality, Programme
from rapporter.closing import with_needs_reissue
from rapporter.models import Report

if TYPE_CHECKING:
    from ombud.models import User

# Programme targets shown as progress on the dashboard. Modig's ESF application promised about
# 3,500 participants and 30,000 participant hours. Module constants until Programme has fields
# for them (ask the model owner before moving them).
# Counted figures on the dashboard are recomputed at the latest after this long.
# The dashboard shows the ombud who reached most colleagues; the full list is paginated
# (/personal/ombud/), so the page weighs the same with 30 ombud or 3,000 (issue 14).
TOP_OMBUD = 15
DASHBOARD_CACHE_SECONDS = 300
PARTICIPANTS_TARGET = 3500
PARTICIPANT_HOURS_TARGET = 30000

ACTIVE_STATUSES = (Report.Status.QUEUED, Report.Status.RUNNING)


# --- reports ---------------------------------------------------------------------------------


def reports_for_user(*, user: User) -> QuerySet[Report]:
    """The user's own reports that are still inside the user's scope.

    A report covering every municipality (no municipality) needs a whole-programme role; a
    participant list (personnummer) needs `can_export_personnummer`.
    """
    if not access.can_view_reports(user):
        return Report.objects.none()
    qs = Report.objects.filter(requested_by=user, programme__in=access.programmes_for(user))
    if not access.covers_all_municipalities(user):
        qs = access.scope(user, qs)
    if not access.can_export_personnummer(user):
        qs = qs.exclude(kind=Report.Kind.PARTICIPANTS)
    return with_needs_reissue(qs.select_related("programme", "municipality"))


def report_get_for_user(*, user: User, pk: int) -> Report:
    """One report of the user's, or 404 alike for missing, someone else's and out of scope."""
    report = reports_for_user(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def reports_active_count(reports: list[Report]) -> int:
    return sum(1 for r in reports if r.status in ACTIVE_STATUSES)


KIND_FILE_STEMS: dict[str, str] = {
    Report.Kind.ESF_SUMMARY: "ESF-sammanstallning",
    Report.Kind.CERTIFICATES: "Narvarorapport",
    Report.Kind.PARTICIPANTS: "Deltagarforteckning",
    Report.Kind.MUNICIPALITY: "Kommunrapport",
    Report.Kind.OUTCOMES: "Effektrapport",
}


def report_filename(report: Report) -> str:
    """`ESF-sammanstallning_MODIG_2019-04-01_2021-06-30.pdf`: ASCII only, so every browser and
    every municipal file server keeps it intact."""
    parts = [KIND_FILE_STEMS.get(report.kind, "Rapport"), report.programme.code]
    if report.municipality is not None:
        parts.append(report.municipality.code)
    month = (report.params or {}).get("month")
    if report.kind == Report.Kind.CERTIFICATES and month:
        parts.append(str(month))
    else:
        parts += [f"{report.period_from:%Y-%m-%d}", f"{report.period_to:%Y-%m-%d}"]
    return "_".join(parts) + f".{report.format}"


# --- closed months ---------------------------------------------------------------------------


def closed_months_for_user(*, user: User) -> QuerySet[ClosedMonth]:
    return (
        ClosedMonth.objects.filter(programme__in=access.programmes_for(user))
        .select_related("programme", "closed_by")
        .order_by("programme__code", "-month")
    )


# --- dashboard -------------------------------------------------------------------------------


@dataclass
class DashboardScope:
    programme: Programme
    date_from: dt.date
    date_to: dt.date
    municipality: Municipality | None


def dashboard_default_programme(*, user: User) -> Programme | None:
    return access.programmes_for(user).order_by("-start_date", "code").first()


def dashboard_scope(
    *,
    user: User,
    programme: Programme | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    municipality: Municipality | None = None,
) -> DashboardScope | None:
    """What the dashboard counts: the chosen (or newest) programme of the user's, its period
    unless narrowed, and for a municipality-scoped role always one of their municipalities."""
    programme = programme or dashboard_default_programme(user=user)
    if programme is None:
        return None
    if municipality is None and not access.covers_all_municipalities(user):
        municipality = access.municipalities_for(user).order_by("code").first()
        if municipality is None:
            return None
    return DashboardScope(
        programme=programme,
        date_from=date_from or programme.start_date,
        date_to=date_to or programme.end_date,
        municipality=municipality,
    )


def _counted(scope: DashboardScope, period: dict[str, Any]) -> tuple[dict, list, list]:
    """The counts, cached under the data version (ombud.datacache): any write through the services
    starts a new version; the timeout bounds staleness from writes made around them.

    The programme's whole period (the default view) is read from the rollups (`kurser.rollups`,
    well under a second at any scale); a custom period is counted live (`rapporter.queries`).
    Either way one computation per key at a time (`single_flight`): concurrent misses wait for it.
    """
    from rapporter import queries, rollup_queries

    key = "dashboard:{}:{}:{}:{}:{}:{}".format(
        data_version(),
        scope.programme.pk,
        scope.date_from.isoformat(),
        scope.date_to.isoformat(),
        scope.municipality.pk if scope.municipality else "-",
        get_language(),
    )

    def compute() -> tuple[dict, list, list]:
        if rollup_queries.available(scope.programme, scope.date_from, scope.date_to):
            return rollup_queries.counted(scope.programme, scope.municipality)
        return (
            queries.esf_summary(**period),
            queries.hours_per_month(**period),
            queries.reach_per_ombud(**period),
        )

    return single_flight(key, compute, timeout=DASHBOARD_CACHE_SECONDS)


def dashboard_totals(*, scope: DashboardScope) -> dict[str, Any]:
    """Just the headline totals (the start page), from the same cached counts as the dashboard."""
    summary, _monthly, _reach = _counted(scope, _period(scope))
    return summary["totals"]


def _period(scope: DashboardScope) -> dict[str, Any]:
    return {
        "programme": scope.programme,
        "date_from": scope.date_from,
        "date_to": scope.date_to,
        "municipality": scope.municipality,
    }


def dashboard_data(*, scope: DashboardScope) -> dict[str, Any]:
    """The ESF summary (the same function as every report) plus what the page shows around it.

    The number of queries is fixed: esf_summary's own aggregates plus the charts' data.
    """
    from rapporter import charts, labels

    summary, monthly, reach = _counted(scope, _period(scope))
    totals = summary["totals"]
    by_municipality = summary["by_municipality"]
    if scope.municipality is not None:
        # Restricted to one municipality: the others' rows are all zeros; leave them out.
        by_municipality = [row for row in by_municipality if row["code"] == scope.municipality.code]
    return {
        "summary": summary,
        "totals": totals,
        "targets": {
            "participants": PARTICIPANTS_TARGET,
            "participant_hours": PARTICIPANT_HOURS_TARGET,
        },
        "by_municipality": by_municipality,
        "by_target_group": labels.target_group_rows(summary),
        "by_type": labels.type_rows(summary),
        "cascade": _top_ombud(labels.cascade_rows(summary)),
        "cascade_count": len(summary["cascade"]),
        "charts": {
            "municipalities": charts.participants_by_municipality_chart(by_municipality),
            "months": charts.hours_per_month_chart(monthly),
            "cascade": charts.reach_per_ombud_chart(_top_ombud(reach)),
        },
    }


def _top_ombud(rows: list[dict]) -> list[dict]:
    """The TOP_OMBUD rows with the most colleagues reached; ties keep the rows' own (name) order."""
    return sorted(rows, key=lambda row: -row["reached"])[:TOP_OMBUD]


def _effect_card_key(scope: DashboardScope) -> str:
    """The card's cache key: the data version (answers and attendance bump it), the day (the
    follow-up's response rate moves with the date), the programme, the municipality, the language."""
    return "dashboard-effect:{}:{}:{}:{}:{}".format(
        data_version(),
        scope.programme.pk,
        scope.municipality.pk if scope.municipality else "-",
        timezone.localdate().isoformat(),
        get_language(),
    )


def dashboard_effect_card(*, scope: DashboardScope) -> Any:
    """The three result indicators for the dashboard's card (enkater.selectors.effect_card),
    cached like the dashboard's counts and single-flight (seconds at 100 × Modig)."""
    from enkater.selectors import effect_card

    return single_flight(
        _effect_card_key(scope),
        lambda: effect_card(programme=scope.programme, municipality=scope.municipality),
        timeout=DASHBOARD_CACHE_SECONDS,
    )


def dashboard_effect_card_cached(*, scope: DashboardScope) -> Any | None:
    """The card if it is already in the cache, else None (never computes): the Lägesbild shows
    it inline when cached and otherwise loads it afterwards (views.dashboard_effect_card)."""
    return cache.get(_effect_card_key(scope))
