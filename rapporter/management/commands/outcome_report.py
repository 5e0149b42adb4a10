"""`python manage.py outcome_report --programme CODE [--municipality KOD] --format json|pdf
--output FILE` (spec §5d).

JSON is `enkater.counting.outcome_summary` written directly; the PDF (Effektrapport) is a
Report job rendered by the Celery task `rapporter.tasks.report_generate`, exactly as the web UI
asks for it. The figures always cover the programme's whole period (spec §5c).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from enkater.counting import outcome_summary
from rapporter import render
from rapporter.management.commands import _report_cli as cli
from rapporter.models import Report
from rapporter.services import report_request, report_validate

FORMATS = ("json", "pdf")


class Command(BaseCommand):
    help = "Skriver effektrapporten (enkäternas resultatindikatorer) för ett program som JSON eller PDF."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument("--municipality", help="Bara en kommun (kommunkod).")
        parser.add_argument("--format", required=True, help="json eller pdf.")
        parser.add_argument("--output", required=True, help="Filen som skrivs.")
        parser.add_argument(
            "--timeout", type=float, default=cli.WAIT_SECONDS, help="Sekunder att vänta på Celery-arbetaren."
        )

    def handle(self, *args, **opts):
        fmt = (opts["format"] or "").strip().lower()
        if fmt not in FORMATS:
            raise CommandError(
                _("Okänt format: %(format)r. Välj json eller pdf.") % {"format": opts["format"]}
            )
        programme = cli.programme_by_code(opts["programme"])
        municipality = cli.municipality_in(programme, opts["municipality"])
        try:
            report_validate(
                kind=Report.Kind.OUTCOMES,
                format=fmt,
                programme=programme,
                period_from=programme.start_date,
                period_to=programme.end_date,
                municipality=municipality,
            )
        except ValidationError as exc:
            raise cli.validation_error(exc) from None
        if fmt == "json":
            cli.write_atomically(opts["output"], render.to_json(outcome_summary(programme, municipality)))
        else:
            cli.check_broker()
            report = report_request(
                kind=Report.Kind.OUTCOMES,
                format=fmt,
                programme=programme,
                period_from=programme.start_date,
                period_to=programme.end_date,
                municipality=municipality,
                by=None,
            )
            report = cli.run_report(report, out=self.stderr, timeout=opts["timeout"])
            cli.copy_report_file(report, opts["output"])
        self.stdout.write(
            _("Skrev %(output)s (effektrapport %(programme)s, %(format)s).")
            % {"output": opts["output"], "programme": programme.code, "format": fmt.upper()}
        )
