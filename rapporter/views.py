"""Report requests and downloads, the programme dashboard, closed reporting months."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kurser.services import month_close, month_reopen
from ombud import access
from ombud.models import AuditLog
from ombud.paging import ids_first_page
from ombud.services import audit_log
from rapporter import selectors
from rapporter.forms import DashboardFilterForm, MonthCloseForm, MonthReopenForm, ReportRequestForm
from rapporter.models import Report
from rapporter.services import FORMATS, report_request, report_sweep
from rapporter.services import report_retry as retry

can_view_reports = access.require(access.can_view_reports)

logger = logging.getLogger(__name__)


# The newest first; older ones a page further (ids first: fast at any depth, ombud.paging).
REPORTS_PER_PAGE = 25


def _rows_context(request) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # The embedded mode has no Celery beat: the list itself fails reports whose render died
        # with a restarted server, so they show "Försök igen" instead of "Pågår" for ever.
        report_sweep()
    page = ids_first_page(
        selectors.reports_for_user(user=request.user).order_by("-created_at", "-pk"),
        REPORTS_PER_PAGE,
        request.GET.get("page"),
    )
    active = selectors.reports_active_count(page.object_list)
    return {"reports": page.object_list, "page": page, "active_count": active, "polling": active > 0}


def _report_list_context(request, form: ReportRequestForm) -> dict:
    formats = json.dumps({str(k): [str(f) for f in v] for k, v in FORMATS.items()})
    return {"form": form, "formats_json": formats, **_rows_context(request)}


@can_view_reports
@require_http_methods(["GET", "POST"])
def report_list(request):
    if request.method == "POST":
        form = ReportRequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = report_request(
                    kind=data["kind"],
                    format=data["format"],
                    programme=data["programme"],
                    period_from=data["period_from"],
                    period_to=data["period_to"],
                    municipality=data["municipality"],
                    params=data["params"],
                    by=request.user,
                )
            except ValidationError as e:
                form.add_error(None, e)
            else:
                report.refresh_from_db(fields=["status", "error"])
                if report.status == Report.Status.FAILED:  # the job queue did not answer
                    messages.error(request, report.error)
                else:
                    messages.success(request, _("Rapporten är beställd. Den visas i listan när den är klar."))
                return redirect("rapporter:report-list")
        return render(request, "rapporter/report_list.html", _report_list_context(request, form), status=400)
    if request.htmx:
        return render(request, "rapporter/_report_rows.html", _rows_context(request))
    programme = selectors.dashboard_default_programme(user=request.user)
    initial = {}
    if programme is not None:
        initial = {
            "programme": programme,
            "period_from": programme.start_date,
            "period_to": programme.end_date,
        }
    form = ReportRequestForm(initial=initial, user=request.user)
    return render(request, "rapporter/report_list.html", _report_list_context(request, form))


@can_view_reports
@require_POST
def report_retry(request, pk: int):
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    try:
        report = retry(report=report, by=request.user)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        report.refresh_from_db(fields=["status", "error"])
        if report.status == Report.Status.FAILED:  # the job queue did not answer
            messages.error(request, report.error)
        else:
            messages.success(request, _("Rapporten är beställd på nytt."))
    return redirect("rapporter:report-list")


@can_view_reports
@require_POST
def report_reissue(request, pk: int):
    """Order a new copy of a report whose numbers changed after its month was closed."""
    old = selectors.report_get_for_user(user=request.user, pk=pk)
    try:
        report_request(
            kind=old.kind,
            format=old.format,
            programme=old.programme,
            period_from=old.period_from,
            period_to=old.period_to,
            municipality=old.municipality,
            params=old.params,
            by=request.user,
        )
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("En ny version av rapporten är beställd."))
    return redirect("rapporter:report-list")


@can_view_reports
def report_download(request, pk: int):
    report = selectors.report_get_for_user(user=request.user, pk=pk)
    if report.status != Report.Status.DONE or not report.file:
        raise Http404
    filename = selectors.report_filename(report)
    if report.kind == Report.Kind.PARTICIPANTS:
        # Participant lists carry personnummer: every download is audited.
        audit_log(
            user=request.user,
            action=AuditLog.Action.EXPORT,
            what=_("Deltagarförteckning %(file)s") % {"file": filename},
            detail={"report": report.pk, "programme": report.programme.code, "file": filename},
        )
    response = FileResponse(report.file.open("rb"), as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _dashboard_form_and_scope(request) -> tuple[DashboardFilterForm, selectors.DashboardScope | None]:
    """The dashboard's query (programme, period, municipality) through its form and
    `selectors.dashboard_scope`: the page and its effect card scope alike. No scope when the form
    is invalid (the caller answers 400 with the form's errors) or there is nothing to show."""
    form = DashboardFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    data = form.cleaned_data if form.is_bound else {}
    scope = selectors.dashboard_scope(
        user=request.user,
        programme=data.get("programme"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
        municipality=data.get("municipality"),
    )
    return form, scope


@can_view_reports
def dashboard(request):
    form, scope = _dashboard_form_and_scope(request)
    if scope is not None and not form.is_bound:
        # Show what is counted: the default programme, its period, the leader's municipality.
        initial = {
            "programme": scope.programme,
            "date_from": scope.date_from,
            "date_to": scope.date_to,
            "municipality": scope.municipality,
        }
        form = DashboardFilterForm(initial=initial, user=request.user)
    context: dict[str, Any] = {
        "form": form,
        "scope": scope,
        "can_list_ombud": access.can_manage_places(request.user),
    }
    if scope is not None:
        context.update(selectors.dashboard_data(scope=scope))
        # The three result indicators as a card linking to the effect dashboard (issue 12):
        # inline when cached, else loaded after the page (dashboard_effect_card) — issue 14.
        context["effect_card"] = selectors.dashboard_effect_card_cached(scope=scope)
        context["effect_card_url"] = _with_query(reverse("rapporter:dashboard-effect-card"), request)
    return render(
        request, "rapporter/dashboard.html", context, status=200 if scope or not form.errors else 400
    )


def _with_query(url: str, request) -> str:
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


@can_view_reports
def dashboard_effect_card(request):
    """The Lägesbild's effect card alone (htmx, after the page): the same query and scope as the
    page. A failed computation shows a short message in the card's frame, not a broken page."""
    form, scope = _dashboard_form_and_scope(request)
    if scope is None:
        status = 400 if form.errors else 200
        return render(request, "rapporter/_effect_card.html", {"form": form}, status=status)
    try:
        card = selectors.dashboard_effect_card(scope=scope)
    except Exception:
        logger.exception("The Lägesbild's effect card failed for %s", scope)
        return render(request, "rapporter/_effect_card.html", {"scope": scope, "failed": True})
    return render(request, "rapporter/_effect_card.html", {"scope": scope, "effect_card": card})


def _months_page(request, *, form=None, reopen_form=None, confirm=None, status=200):
    context = {
        "form": form or MonthCloseForm(user=request.user),
        "reopen_form": reopen_form,
        "confirm": confirm,
        "may_close": access.can_close_months(request.user),
        "closed_months": selectors.closed_months_for_user(user=request.user),
    }
    return render(request, "rapporter/months.html", context, status=status)


@can_view_reports
@require_http_methods(["GET", "POST"])
def months(request):
    """Reporting months: everyone with reports sees them; programme leaders close a month (after
    a confirmation step) and reopen one with a reason."""
    if request.method == "GET":
        return _months_page(request)
    if not access.can_close_months(request.user):
        raise PermissionDenied
    if request.POST.get("action") == "reopen":
        return _month_reopen(request)
    form = MonthCloseForm(request.POST, user=request.user)
    if not form.is_valid():
        return _months_page(request, form=form, status=400)
    programme, month = form.cleaned_data["programme"], form.cleaned_data["month"]
    if request.POST.get("confirm") != "1":
        return _months_page(request, form=form, confirm={"programme": programme, "month": month})
    try:
        closed = month_close(programme=programme, month=month, by=request.user)
    except ValidationError as e:
        form.add_error(None, e)
        return _months_page(request, form=form, status=400)
    messages.success(request, _("Månaden %(month)s är stängd.") % {"month": f"{closed.month:%Y-%m}"})
    return redirect("rapporter:months")


def _month_reopen(request):
    form = MonthReopenForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            reopened = month_reopen(
                programme=form.cleaned_data["programme"],
                month=form.cleaned_data["month"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request, _("Månaden %(month)s är öppnad igen.") % {"month": f"{reopened.month:%Y-%m}"}
            )
            return redirect("rapporter:months")
    return _months_page(request, reopen_form=form, status=400)
