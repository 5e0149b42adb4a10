"""`python manage.py attendance_certificates --programme CODE --month YYYY-MM --output FILE.pdf
[--municipality KOD]` (spec §4): the monthly närvarorapport, one page per participant with
attended rows that month, rendered by the same Celery task as in the web UI."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rapporter.management.commands import _report_cli as cli
from rapporter.models import Report
from rapporter.queries import month_bounds
from rapporter.services import report_request


class Command(BaseCommand):
    help = "Skriver månadens närvarorapporter (en sida per deltagare) som PDF."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument("--month", required=True, help="Månaden, ÅÅÅÅ-MM.")
        parser.add_argument("--output", required=True, help="PDF-filen som skrivs.")
        parser.add_argument("--municipality", help="Bara deltagare registrerade i en kommun (kommunkod).")
        parser.add_argument(
            "--timeout", type=float, default=cli.WAIT_SECONDS, help="Sekunder att vänta på Celery-arbetaren."
        )

    def handle(self, *args, **opts):
        programme = cli.programme_by_code(opts["programme"])
        month = cli.parse_month(opts["month"])
        municipality = cli.municipality_in(programme, opts["municipality"])
        first, last = month_bounds(month)
        if last < programme.start_date or first > programme.end_date:
            raise CommandError(
                _("Månaden %(month)s ligger utanför programmets period (%(start)s – %(end)s).")
                % {"month": month, "start": programme.start_date, "end": programme.end_date}
            )
        cli.check_broker()
        try:
            report = report_request(
                kind=Report.Kind.CERTIFICATES,
                format=Report.Format.PDF,
                programme=programme,
                period_from=max(first, programme.start_date),
                period_to=min(last, programme.end_date),
                municipality=municipality,
                params={"month": month},
                by=None,
            )
        except ValidationError as exc:
            raise cli.validation_error(exc) from None
        report = cli.run_report(report, out=self.stderr, timeout=opts["timeout"])
        cli.copy_report_file(report, opts["output"])
        self.stdout.write(
            _("Skrev %(output)s (närvarorapporter %(programme)s %(month)s).")
            % {"output": opts["output"], "programme": programme.code, "month": month}
        )
