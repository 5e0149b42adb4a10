"""The requester hears when their report is ready (a link, never the file) or failed."""

from __future__ import annotations

from django.urls import reverse

from ombud.models import NotificationKind
from ombud.notifications import deliver, portal_url, recipient_of_user
from rapporter.models import Report


def notify_report(*, report_id: int, task_id: str | None = None) -> int:
    report = (
        Report.objects.select_related("programme", "municipality", "requested_by__notification_settings")
        .filter(pk=report_id)
        .first()
    )
    if report is None or report.status not in (Report.Status.DONE, Report.Status.FAILED):
        return 0
    recipient = recipient_of_user(report.requested_by)
    if recipient is None:  # queued by a command or beat: nobody to tell
        return 0
    if report.status == Report.Status.DONE:
        kind = NotificationKind.REPORT_READY
        key = f"report:{report.pk}:ready"
        url = portal_url(reverse("rapporter:report-download", args=[report.pk]))
    else:
        kind = NotificationKind.REPORT_FAILED
        # A report retried and failing again is a new event: its own mail.
        finished = report.finished_at.isoformat() if report.finished_at else ""
        key = f"report:{report.pk}:failed:{finished}"
        url = portal_url(reverse("rapporter:report-list"))
    context = {"report": report, "title": str(report.get_kind_display()), "url": url, "error": report.error}
    return int(deliver(kind=kind, event_key=key, recipient=recipient, context=context, task_id=task_id))
