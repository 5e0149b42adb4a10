"""What the report commands share: argument parsing with Swedish errors, running a Report job
through the same Celery path as the web UI, and writing the output file atomically."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from kurser import rules
from ombud.models import Municipality, Programme
from rapporter.models import Report

WAIT_SECONDS = 600


def programme_by_code(code: str) -> Programme:
    programme = Programme.objects.filter(code__iexact=(code or "").strip()).first()
    if programme is None:
        known = ", ".join(Programme.objects.order_by("code").values_list("code", flat=True)) or _("inga")
        raise CommandError(
            _("Okänt program: %(code)r. Kända program: %(known)s.") % {"code": code, "known": known}
        )
    return programme


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("Ogiltigt datum för %(option)s: %(value)r (skriv ÅÅÅÅ-MM-DD).")
            % {"option": option, "value": value}
        ) from None


def parse_month(value: str) -> str:
    """`--month` read by the one month rule (`kurser.rules.parse_month`), as on the web."""
    month = rules.parse_month(value)
    if month is None:
        raise CommandError(_("Ogiltig månad för --month: %(value)r (skriv ÅÅÅÅ-MM).") % {"value": value})
    return month.strftime("%Y-%m")


def municipality_in(programme: Programme, value: str | None) -> Municipality | None:
    if not value:
        return None
    value = value.strip()
    municipality = (
        Municipality.objects.filter(code=value).first()
        or Municipality.objects.filter(name__iexact=value).first()
    )
    if municipality is None:
        raise CommandError(
            _("Okänd kommun: %(value)r (ange den fyrsiffriga kommunkoden, t.ex. 1481).") % {"value": value}
        )
    if not programme.municipalities.filter(pk=municipality.pk).exists():
        raise CommandError(
            _("Kommunen %(name)s (%(code)s) ingår inte i programmet %(programme)s.")
            % {"name": municipality.name, "code": municipality.code, "programme": programme.code}
        )
    return municipality


def validation_error(exc: ValidationError) -> CommandError:
    return CommandError(" ".join(exc.messages))


def write_atomically(path: str, content: bytes) -> None:
    """Write to a temporary file beside `path` and rename it: no half-written output."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CommandError(_("Mappen för --output finns inte: %(folder)s.") % {"folder": folder})
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        # mkstemp makes the file private (0600); give it the usual mode of a new file.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_broker() -> None:
    """With a broker configured, fail at once with a clear message when it cannot be reached
    (rather than queueing into nothing and waiting for the timeout)."""
    from modig.celery import app

    if app.conf.task_always_eager:
        return
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5, timeout=3)
    except Exception as exc:  # noqa: BLE001 - kombu and redis raise several kinds of connection errors
        raise CommandError(
            _(
                "Jobbkön (CELERY_BROKER_URL) svarar inte (%(error)s). Starta Redis eller kör utan CELERY_BROKER_URL."
            )
            % {"error": exc}
        ) from None


def run_report(report: Report, *, out, timeout: float = WAIT_SECONDS) -> Report:
    """Wait for the report's Celery task: eager (no broker) it has already run in this process;
    with a broker a worker runs it and we follow its progress on the row."""
    from modig.celery import app
    from rapporter.tasks import report_generate

    report.refresh_from_db()
    if app.conf.task_always_eager and report.status == Report.Status.QUEUED:
        # Eager, but the on-commit hook has not fired (we are inside a transaction): run now.
        # The service's claim makes a second delivery a no-op.
        report_generate.apply(args=(report.id,))
        report.refresh_from_db()
    shown = None
    deadline = time.monotonic() + timeout
    while report.status in (Report.Status.QUEUED, Report.Status.RUNNING):
        state = (report.status, report.progress)
        if state != shown:
            out.write(
                _("Rapport #%(id)s: %(status)s %(progress)s %%")
                % {
                    "id": report.id,
                    "status": report.get_status_display().lower(),
                    "progress": report.progress,
                }
            )
            shown = state
        if time.monotonic() > deadline:
            raise CommandError(
                _(
                    "Rapport #%(id)s blev inte klar inom %(seconds)d s (status: %(status)s). "
                    "Kontrollera att en Celery-arbetare är igång."
                )
                % {"id": report.id, "seconds": timeout, "status": report.get_status_display()}
            )
        time.sleep(0.5)
        report.refresh_from_db()
    if report.status == Report.Status.FAILED:
        raise CommandError(
            _("Rapport #%(id)s misslyckades: %(error)s") % {"id": report.id, "error": report.error}
        )
    return report


def copy_report_file(report: Report, output: str) -> None:
    with report.file.open("rb") as f:
        write_atomically(output, f.read())
