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

from ombud.models import Municipality, Programme
from rapporter.models import Report

WAIT_SECONDS = 600


def programme_by_code(code: str) -> Programme:
    programme = Programme.objects.filter(code__iexact=(code or "").strip()).first()
    if programme is None:
        known = ", ".join(Programme.objects.order_by("code").values_list("code", flat=True)) or "inga"
        raise CommandError(f"Okänt program: {code!r}. Kända program: {known}.")
    return programme


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"Ogiltigt datum för {option}: {value!r} (skriv ÅÅÅÅ-MM-DD).") from None


def parse_month(value: str) -> str:
    try:
        month = dt.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        raise CommandError(f"Ogiltig månad för --month: {value!r} (skriv ÅÅÅÅ-MM).") from None
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
        raise CommandError(f"Okänd kommun: {value!r} (ange den fyrsiffriga kommunkoden, t.ex. 1481).")
    if not programme.municipalities.filter(pk=municipality.pk).exists():
        raise CommandError(
            f"Kommunen {municipality.name} ({municipality.code}) ingår inte i programmet {programme.code}."
        )
    return municipality


def validation_error(exc: ValidationError) -> CommandError:
    return CommandError(" ".join(exc.messages))


def write_atomically(path: str, content: bytes) -> None:
    """Write to a temporary file beside `path` and rename it: no half-written output."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise CommandError(f"Mappen för --output finns inte: {folder}.")
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
            f"Jobbkön (CELERY_BROKER_URL) svarar inte ({exc}). Starta Redis eller kör utan CELERY_BROKER_URL."
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
            out.write(f"Rapport #{report.id}: {report.get_status_display().lower()} {report.progress} %")
            shown = state
        if time.monotonic() > deadline:
            raise CommandError(
                f"Rapport #{report.id} blev inte klar inom {timeout:.0f} s (status: {report.get_status_display()}). "
                "Kontrollera att en Celery-arbetare är igång."
            )
        time.sleep(0.5)
        report.refresh_from_db()
    if report.status == Report.Status.FAILED:
        raise CommandError(f"Rapport #{report.id} misslyckades: {report.error}")
    return report


def copy_report_file(report: Report, output: str) -> None:
    with report.file.open("rb") as f:
        write_atomically(output, f.read())
