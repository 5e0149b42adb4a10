"""Every write of the rapporter app: requesting, rendering and retrying report jobs.

A report is a row (`Report`) that a Celery worker turns into a file. The request only validates
and queues; the worker claims the row atomically, so a redelivered task never writes a second
file, and records any failure on the row with a readable Swedish reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enkater import confirmation as enkater_confirmation
from enkater import counting as enkater_counting
from enkater import labels as enkater_labels
from ombud import access, notifications
from ombud.models import AuditLog, Municipality, Programme
from ombud.services import audit_log
from rapporter import charts, queries, render, rollup_queries
from rapporter.models import Report

if TYPE_CHECKING:
    from ombud.models import User

logger = logging.getLogger(__name__)

PERIOD_ORDER = gettext_lazy("Periodens startdatum ligger efter slutdatumet.")
PERIOD_OUTSIDE = gettext_lazy("Perioden ligger utanför programmets period ({start} – {end}).")
MUNICIPALITY_NOT_IN_PROGRAMME = gettext_lazy("Kommunen {name} ({code}) ingår inte i programmet {programme}.")
MUNICIPALITY_REQUIRED = gettext_lazy("Kommunrapporten gäller en kommun: välj kommun.")
FORMAT_NOT_AVAILABLE = gettext_lazy("Rapporten {kind} finns inte i formatet {format}.")
PERSONNUMMER_EXPORT_DENIED = gettext_lazy(
    "Deltagarförteckningen innehåller personnummer och får bara beställas av samordnare och programledare."
)
QUEUE_DOWN = gettext_lazy(
    "Rapporten kunde inte köas: jobbkön (Redis) svarar inte. Försök igen om en stund eller kontakta support."
)
RETRY_ONLY_FAILED = gettext_lazy("Bara en rapport som misslyckats kan köras om.")
FAILED_TIMEOUT = gettext_lazy(
    "Rapporten tog för lång tid att skapa och avbröts. Försök igen med en kortare period."
)
FAILED_UNEXPECTED = gettext_lazy("Rapporten kunde inte skapas ({error}). Försök igen eller kontakta support.")
FAILED_WORKER_LOST = gettext_lazy(
    "Rapporten avbröts: jobbet som skapade den slutade svara. Klicka på Försök igen."
)
FAILED_NOT_STARTED = gettext_lazy(
    "Rapporten kom aldrig igång: jobbkön tappade beställningen. Klicka på Försök igen."
)
FAILED_CHUNK = gettext_lazy(
    "Rapporten kunde inte skapas: del {part} av {parts} (sidorna {first}–{last}) misslyckades ({error}). "
    "Klicka på Försök igen."
)

ACTIVE = (Report.Status.QUEUED, Report.Status.RUNNING)

# Which formats each kind can be rendered to.
FORMATS: dict[str, tuple[str, ...]] = {
    Report.Kind.ESF_SUMMARY: (Report.Format.PDF, Report.Format.XLSX, Report.Format.JSON),
    Report.Kind.CERTIFICATES: (Report.Format.PDF,),
    Report.Kind.PARTICIPANTS: (Report.Format.PDF, Report.Format.XLSX),
    Report.Kind.MUNICIPALITY: (Report.Format.PDF, Report.Format.XLSX, Report.Format.JSON),
    Report.Kind.OUTCOMES: (Report.Format.PDF, Report.Format.JSON),
}


def report_validate(
    *,
    kind: str,
    format: str,
    programme: Programme,
    period_from: dt.date,
    period_to: dt.date,
    municipality: Municipality | None = None,
) -> None:
    """Raise ValidationError (Swedish message) when the request cannot be rendered."""
    if kind not in Report.Kind.values:
        raise ValidationError(_("Okänd rapporttyp: %(kind)s.") % {"kind": kind})
    if format not in FORMATS[kind]:
        raise ValidationError(
            str(FORMAT_NOT_AVAILABLE).format(kind=Report.Kind(kind).label, format=str(format).upper())
        )
    if period_from > period_to:
        raise ValidationError(str(PERIOD_ORDER))
    if period_from < programme.start_date or period_to > programme.end_date:
        raise ValidationError(str(PERIOD_OUTSIDE).format(start=programme.start_date, end=programme.end_date))
    if municipality is not None and not programme.municipalities.filter(pk=municipality.pk).exists():
        raise ValidationError(
            str(MUNICIPALITY_NOT_IN_PROGRAMME).format(
                name=municipality.name, code=municipality.code, programme=programme.code
            )
        )
    if kind == Report.Kind.MUNICIPALITY and municipality is None:
        raise ValidationError(str(MUNICIPALITY_REQUIRED))


def _queue(report: Report) -> None:
    transaction.on_commit(partial(_send, report.id))


def _send(report_id: int) -> None:
    """Hand the job to Celery. When the broker cannot be reached the report fails with a reason
    instead of staying queued for ever."""
    from rapporter.tasks import report_generate

    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) and getattr(
        settings, "REPORT_EAGER_IN_BACKGROUND", False
    ):
        _run_in_background(report_id)
        return
    try:
        report_generate.delay(report_id)
    except Exception:  # broker or result store unreachable (kombu/redis raise several kinds)
        logger.exception("could not queue report %s", report_id)
        Report.objects.filter(id=report_id, status=Report.Status.QUEUED).update(
            status=Report.Status.FAILED, error=str(QUEUE_DOWN), finished_at=timezone.now()
        )


def _run_in_background(report_id: int) -> None:
    """The embedded mode has no worker: the task runs in a thread of the web process, so the
    request answers at once and the report list follows the progress (it polls while a report is
    queued or running) instead of a button frozen for seconds. The claim makes it run once."""
    import threading

    from rapporter.tasks import report_generate

    def run() -> None:
        import time

        from django.db import OperationalError, connection

        try:
            for attempt in range(5):
                try:
                    # A long render beats from its own thread here too (the list sweeps).
                    report_generate.apply(args=(report_id,), kwargs={"heartbeat": True})
                    break
                except OperationalError:
                    # SQLite busy with the request that queued us (its session write): the claim
                    # wrote nothing, so trying again is safe.
                    if attempt == 4:
                        raise
                    time.sleep(0.2)
        except Exception:  # recorded on the row by the service; never kill the web process
            logger.exception("report %s failed in the background", report_id)
        finally:
            connection.close()

    threading.Thread(target=run, name=f"report-{report_id}", daemon=True).start()


@transaction.atomic
def report_request(
    *,
    kind: str,
    format: str,
    programme: Programme,
    period_from: dt.date,
    period_to: dt.date,
    municipality: Municipality | None = None,
    params: dict[str, Any] | None = None,
    by: User | None,
) -> Report:
    """Validate and queue a report. Asking again for an identical report while one is queued or
    running returns that one (a double click makes one job)."""
    report_validate(
        kind=kind,
        format=format,
        programme=programme,
        period_from=period_from,
        period_to=period_to,
        municipality=municipality,
    )
    if kind == Report.Kind.PARTICIPANTS and by is not None and not access.can_export_personnummer(by):
        raise PermissionDenied(str(PERSONNUMMER_EXPORT_DENIED))
    params = params or {}
    # Lock the programme row so two simultaneous identical requests serialise here.
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    existing = (
        Report.objects.filter(
            kind=kind,
            format=format,
            programme=programme,
            municipality=municipality,
            period_from=period_from,
            period_to=period_to,
            requested_by=by,
        )
        # Only a job that is still alive is shared; one the sweeper would fail is asked anew.
        .filter(_alive(timezone.now()))
        .order_by("-created_at")
        .first()
    )
    if existing is not None and existing.params == params:
        return existing
    report = Report(
        kind=kind,
        format=format,
        programme=programme,
        municipality=municipality,
        period_from=period_from,
        period_to=period_to,
        params=params,
        requested_by=by,
    )
    report.full_clean()
    report.save()
    _queue(report)
    return report


def stale_after() -> dt.timedelta:
    """How long a running report may take before it counts as abandoned."""
    return dt.timedelta(seconds=getattr(settings, "CELERY_TASK_TIME_LIMIT", 360) + 60)


def heartbeat_interval() -> float:
    return float(getattr(settings, "REPORT_HEARTBEAT_SECONDS", 10))


def heartbeat_timeout() -> dt.timedelta:
    """A running report whose worker has not beaten for this long is dead (killed, out of memory)."""
    return dt.timedelta(seconds=getattr(settings, "REPORT_HEARTBEAT_TIMEOUT", 120))


def queued_timeout() -> dt.timedelta:
    """A queued report that no worker has started for this long was lost by the broker."""
    return dt.timedelta(seconds=getattr(settings, "REPORT_QUEUED_TIMEOUT", 3600))


def _silent(now: dt.datetime) -> Q:
    """Running, but its worker stopped beating (rows from before heartbeats: started long ago).
    A chunked run (rapporter.chunks) whose chunks wait in the queue for a free worker is not
    silent until the queue timeout, as a queued report is not."""
    from django.db.models import Exists, OuterRef

    from rapporter.models import ReportChunk

    cut = now - heartbeat_timeout()
    waiting = Exists(
        ReportChunk.objects.filter(
            report=OuterRef("pk"), claim=OuterRef("task_id"), status=ReportChunk.Status.QUEUED
        )
    ) & Q(heartbeat_at__gte=now - queued_timeout())
    return (
        Q(status=Report.Status.RUNNING)
        & (Q(heartbeat_at__lt=cut) | Q(heartbeat_at__isnull=True, started_at__lt=cut))
        & ~waiting
    )


def _alive(now: dt.datetime) -> Q:
    """The one definition of a job that is still going to finish: the request reuses exactly
    these, the sweeper fails every other active job."""
    queued = Q(status=Report.Status.QUEUED, created_at__gte=now - queued_timeout())
    return queued | (Q(status=Report.Status.RUNNING) & ~_silent(now))


def _set_progress(report_id: int, progress: int, *, task_id: str | None = None) -> None:
    """Progress is also a heartbeat; only the attempt that holds the claim may write it."""
    rows = Report.objects.filter(id=report_id, status=Report.Status.RUNNING)
    if task_id is not None:
        rows = rows.filter(task_id=task_id)
    rows.update(progress=progress, heartbeat_at=timezone.now())


class _Heartbeat:
    """Beats every `heartbeat_interval()` seconds from a thread while a report renders, so a long
    WeasyPrint run between two progress steps is not taken for a dead worker. The thread has its
    own database connection and closes it."""

    def __init__(self, report_id: int, task_id: str) -> None:
        import threading

        self.report_id = report_id
        self.task_id = task_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"report-heartbeat-{report_id}", daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stop.wait(heartbeat_interval()):
                try:
                    Report.objects.filter(
                        id=self.report_id, status=Report.Status.RUNNING, task_id=self.task_id
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # a missed beat is not fatal; the next one may pass
                    logger.warning("heartbeat of report %s failed", self.report_id, exc_info=True)
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def report_render(
    *,
    report_id: int,
    task_id: str | None = None,
    heartbeat_thread: bool | None = None,
    queue: str | None = None,
) -> bool:
    """Claim the report for the worker attempt `task_id` (the Celery task id) and render its
    file. Returns False when there is nothing to do: the report is missing, finished, failed, or
    running under another attempt that is still alive.

    A redelivery of the same task (the broker hands it out again after its worker process was
    killed) takes its own claim over at once; any attempt may take a report whose worker stopped
    beating. The last write checks the claim, so a report is finished exactly once.

    Not one transaction on purpose: the claim, progress and heartbeat must be visible to the web
    page and to the sweeper while the worker renders. The heartbeat thread runs in workers (not
    in the eager mode, where the web request renders the report itself).
    """
    import uuid

    task_id = task_id or f"direct-{uuid.uuid4()}"
    if heartbeat_thread is None:
        heartbeat_thread = not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    now = timezone.now()
    claimable = (
        Q(status=Report.Status.QUEUED) | Q(status=Report.Status.RUNNING, task_id=task_id) | _silent(now)
    )
    claimed = Report.objects.filter(claimable, id=report_id).update(
        status=Report.Status.RUNNING, task_id=task_id, started_at=now, heartbeat_at=now, progress=0, error=""
    )
    if claimed != 1:
        logger.debug("report %s not claimable by %s; nothing to do", report_id, task_id)
        return False
    report = Report.objects.select_related("programme", "municipality").get(id=report_id)
    if report.kind == Report.Kind.CERTIFICATES:
        from rapporter import chunks

        # A large month is split into chunks rendered by their own tasks (None: render it whole).
        planned = chunks.plan_and_send(
            report, task_id=task_id, fail=_fail, heartbeat_thread=heartbeat_thread, queue=queue
        )
        if planned is not None:
            return planned
    try:
        if heartbeat_thread:
            with _Heartbeat(report_id, task_id):
                content, filename = _build(
                    report, progress=lambda p: _set_progress(report_id, p, task_id=task_id)
                )
        else:
            content, filename = _build(
                report, progress=lambda p: _set_progress(report_id, p, task_id=task_id)
            )
        with transaction.atomic():
            report.file.save(filename, ContentFile(content), save=False)
            finished = Report.objects.filter(
                id=report_id, status=Report.Status.RUNNING, task_id=task_id
            ).update(
                status=Report.Status.DONE,
                progress=100,
                file=report.file.name,
                finished_at=timezone.now(),
                error="",
            )
        if finished != 1:
            # The sweeper failed it meanwhile (or another attempt took it): leave that result.
            logger.warning("report %s lost its claim (%s) while rendering", report_id, task_id)
            _remove_file(report)
            return False
        _notify_requester(report_id)
    except Exception as exc:  # any failure is recorded on the row (logged below)
        _fail(report, exc, task_id=task_id)
        if _is_soft_time_limit(exc):
            return False
        logger.exception("report %s failed", report_id)
        return False
    return True


@transaction.atomic
def report_sweep() -> list[int]:
    """Fail every active report that will never finish (Celery beat, every minute): running with
    a silent worker, or queued and never started. Users see the reason and "Försök igen"."""
    now = timezone.now()
    active = Report.objects.select_for_update().filter(status__in=ACTIVE)
    silent = list(active.filter(_silent(now)).values_list("id", flat=True))
    lost = list(
        active.filter(status=Report.Status.QUEUED, created_at__lt=now - queued_timeout()).values_list(
            "id", flat=True
        )
    )
    Report.objects.filter(id__in=silent, status=Report.Status.RUNNING).update(
        status=Report.Status.FAILED, error=str(FAILED_WORKER_LOST), finished_at=now
    )
    Report.objects.filter(id__in=lost, status=Report.Status.QUEUED).update(
        status=Report.Status.FAILED, error=str(FAILED_NOT_STARTED), finished_at=now
    )
    if silent:  # the parts a chunked run had rendered (rapporter.chunks) go with it
        from rapporter import chunks
        from rapporter.models import ReportChunk

        chunks.discard(ReportChunk.objects.filter(report_id__in=silent), keep_rows=True)
    swept = sorted(silent + lost)
    for report_id in swept:
        _notify_requester(report_id)
    if swept:
        logger.warning("swept %d abandoned reports: %s", len(swept), swept)
    return swept


def _is_soft_time_limit(exc: BaseException) -> bool:
    from celery.exceptions import SoftTimeLimitExceeded

    return isinstance(exc, SoftTimeLimitExceeded)


def _remove_file(report: Report) -> None:
    if report.file:
        try:
            report.file.delete(save=False)
        except OSError:
            logger.warning("could not remove partial file of report %s", report.id)


def _fail(report: Report, exc: BaseException, *, task_id: str) -> None:
    if _is_soft_time_limit(exc):
        message = str(FAILED_TIMEOUT)
    elif isinstance(exc, ValidationError):
        message = " ".join(exc.messages)
    else:
        message = str(FAILED_UNEXPECTED).format(error=type(exc).__name__)
    # No half-written file: remove what may have been stored before the failure.
    _remove_file(report)
    # Only the attempt holding the claim records its failure (not over a newer attempt's run).
    failed = Report.objects.filter(id=report.id, status=Report.Status.RUNNING, task_id=task_id).update(
        status=Report.Status.FAILED, error=message, finished_at=timezone.now(), file=""
    )
    if failed == 1:
        _notify_requester(report.id)


def _notify_requester(report_id: int) -> None:
    """E-mail the requester after commit (ready or failed); a mail problem never fails the job."""
    from rapporter.tasks import report_notify

    has_address = Report.objects.filter(id=report_id, requested_by__is_active=True).exclude(
        requested_by__email=""
    )
    if has_address.exists():  # reports queued by commands and beat have nobody to tell
        notifications.queue(report_notify, report_id)


def _build(report: Report, *, progress: Callable[[int], None]) -> tuple[bytes, str]:
    """Collect the numbers (queries) and render them (render). Returns (content, filename)."""
    with translation.override(report_language(report)):
        builder = _BUILDERS[report.kind]
        content = builder(report, progress)
    return content, report_filename(report)


def report_language(report: Report) -> str:
    return report.params.get("language") or settings.LANGUAGE_CODE


def report_filename(report: Report) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    scope = f"-{report.municipality.code}" if report.municipality is not None else ""
    name = (
        f"{report.kind}-{report.programme.code}{scope}-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}"
    )
    return f"{name}-{stamp}.{report.format}"


def _programme_meta(report: Report) -> dict[str, Any]:
    p = report.programme
    return {
        "programme": {"code": p.code, "name": p.name, "case_id": p.case_id, "funder": p.funder},
        "funder": p.funder,
        "case_id": p.case_id,
        "municipality": (
            {"code": report.municipality.code, "name": report.municipality.name}
            if report.municipality is not None
            else None
        ),
        "period": f"{report.period_from:%Y-%m-%d} – {report.period_to:%Y-%m-%d}",
        "generated_at": timezone.localtime(),
    }


def top_reach(rows: list[dict], limit: int = render.REACH_CHART_TOP) -> list[dict]:
    """The `limit` ombud who reached most colleagues (ties by name), for a chart that stays one
    page at any number of ombud; the cascade section lists every ombud."""
    return sorted(rows, key=lambda r: (-r["reached"], r["ombud"]))[:limit]


def esf_charts(
    programme: Programme,
    summary: dict,
    args: tuple,
    monthly: list[dict] | None = None,
    reach: list[dict] | None = None,
) -> dict[str, str]:
    """The three charts of the ESF report (the dashboard embeds the same functions); hours per
    month and reach counted live unless given (from the rollups, `esf_counts`)."""
    by_municipality = summary["by_municipality"]
    if args[3] is not None:
        by_municipality = [m for m in by_municipality if m["code"] == args[3].code]
    if monthly is None:
        monthly = queries.hours_per_month(*args)
    if reach is None:
        reach = queries.reach_per_ombud(*args)
    return {
        "municipalities": charts.participants_by_municipality_chart(by_municipality),
        "months": charts.hours_per_month_chart(monthly),
        "ombud": charts.reach_per_ombud_chart(top_reach(reach)),
    }


def esf_counts(report: Report) -> tuple[dict, list[dict] | None, list[dict] | None]:
    """(esf_summary, hours per month, reach per ombud) of the report: from the rollups when they
    answer for its period (`rollup_queries.available`, the programme's whole period), otherwise
    the summary counted live and the charts' figures left to `esf_charts`."""
    if rollup_queries.available(report.programme, report.period_from, report.period_to):
        return rollup_queries.counted(report.programme, report.municipality)
    summary = queries.esf_summary(
        programme=report.programme,
        date_from=report.period_from,
        date_to=report.period_to,
        municipality=report.municipality,
    )
    return summary, None, None


def _build_esf(report: Report, progress: Callable[[int], None]) -> bytes:
    args = (report.programme, report.period_from, report.period_to, report.municipality)
    summary, monthly, reach = esf_counts(report)
    progress(40)
    if report.format == Report.Format.JSON:
        return render.to_json(summary)
    meta = _programme_meta(report)
    if report.kind == Report.Kind.MUNICIPALITY:
        meta["title"] = _("Kommunrapport")
    else:
        meta["title"] = _("ESF-sammanställning")
    if report.format == Report.Format.XLSX:
        return render.esf_xlsx(summary, meta=meta)
    chart_svgs = esf_charts(report.programme, summary, args, monthly, reach)
    progress(60)
    return render.esf_pdf(summary, meta=meta, charts=chart_svgs)


def certificates_month(report: Report) -> str:
    return report.params.get("month") or report.period_from.strftime("%Y-%m")


def _build_certificates(
    report: Report,
    progress: Callable[[int], None],
    person_ids: list[int] | None = None,
    pages: tuple[int, int] | None = None,
) -> bytes:
    """The whole month, or with `person_ids` one chunk of it (rapporter.chunks), `pages` then
    being (its first page, the document's pages)."""
    month = certificates_month(report)
    people = queries.certificates(report.programme, month, report.municipality, person_ids)
    # The participant's own confirmation of the month (issue 12 item 5), also in a chunk.
    people = enkater_confirmation.certificate_confirmations(
        programme=report.programme, month=month, people=people
    )
    progress(40)
    meta = _programme_meta(report)
    meta["month"] = queries.month_bounds(month)[0]
    if pages is not None:
        meta["first_page"], meta["pages"] = pages
    return render.certificates_pdf(people, meta=meta)


def _build_participants(report: Report, progress: Callable[[int], None]) -> bytes:
    rows = queries.participant_list(
        report.programme, report.period_from, report.period_to, report.municipality
    )
    progress(40)
    # Personnummer leave the portal in this file: audited (design: every export of it is logged).
    audit_log(
        user=report.requested_by,
        action=AuditLog.Action.EXPORT,
        what=f"Deltagarförteckning {report.programme.code} {report.period_from}–{report.period_to}"
        + (f" {report.municipality.code}" if report.municipality is not None else ""),
        reason=str(_("Rapport #%(id)s (%(format)s)") % {"id": report.id, "format": report.format}),
        detail={"report": report.id, "participants": len(rows), "format": report.format},
    )
    meta = _programme_meta(report)
    if report.format == Report.Format.XLSX:
        return render.participants_xlsx(rows, meta=meta)
    return render.participants_pdf(rows, meta=meta)


def outcome_charts(summary: dict) -> dict[str, Any]:
    """The Effektrapport's charts: DigComp before/after, and each indicator per municipality."""
    return {
        "digcomp": charts.digcomp_chart(summary["digcomp"]),
        "indicators": [
            {
                "title": enkater_labels.INDICATOR_LABELS[key],
                "svg": charts.indicator_by_municipality_chart(
                    summary["by_municipality"], key, title=str(enkater_labels.INDICATOR_LABELS[key])
                ),
            }
            for key, _survey, _question in enkater_counting.INDICATORS
        ],
    }


def _build_outcomes(report: Report, progress: Callable[[int], None]) -> bytes:
    """Effektrapport (spec §5d): always the programme's whole period (§5c)."""
    summary = enkater_counting.outcome_summary(report.programme, report.municipality)
    progress(40)
    if report.format == Report.Format.JSON:
        return render.to_json(summary)
    meta = _programme_meta(report)
    meta["title"] = _("Effektrapport")
    chart_svgs = outcome_charts(summary)
    progress(60)
    return render.outcome_pdf(summary, meta=meta, charts=chart_svgs)


_BUILDERS: dict[str, Callable[[Report, Callable[[int], None]], bytes]] = {
    Report.Kind.ESF_SUMMARY: _build_esf,
    Report.Kind.MUNICIPALITY: _build_esf,
    Report.Kind.CERTIFICATES: _build_certificates,
    Report.Kind.PARTICIPANTS: _build_participants,
    Report.Kind.OUTCOMES: _build_outcomes,
}


def certificates_request_month(*, month: str, by: User | None = None) -> list[int]:
    """Queue the monthly certificates (närvarorapporter) of `month` for every programme running
    in it (Celery beat on the 1st). Returns the report ids."""
    first, last = queries.month_bounds(month)
    ids = []
    for programme in Programme.objects.filter(start_date__lte=last, end_date__gte=first):
        report = report_request(
            kind=Report.Kind.CERTIFICATES,
            format=Report.Format.PDF,
            programme=programme,
            period_from=max(first, programme.start_date),
            period_to=min(last, programme.end_date),
            params={"month": month},
            by=by,
        )
        ids.append(report.id)
    return ids


@transaction.atomic
def report_retry(*, report: Report, by: User | None) -> Report:
    """Queue a failed report again (the same row, so a page polling it follows the new run)."""
    updated = Report.objects.filter(id=report.id, status=Report.Status.FAILED).update(
        status=Report.Status.QUEUED,
        progress=0,
        error="",
        started_at=None,
        finished_at=None,
        heartbeat_at=None,
        task_id="",
        created_at=timezone.now(),
        requested_by=by or report.requested_by,
    )
    if updated != 1:
        raise ValidationError(str(RETRY_ONLY_FAILED))
    report.refresh_from_db()
    _queue(report)
    return report
