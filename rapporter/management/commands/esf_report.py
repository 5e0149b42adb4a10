"""`python manage.py esf_report --programme CODE [--from D] [--to D] [--municipality KOD]
--format json|pdf|xlsx --output FILE` (spec §3).

JSON is the `esf_summary` dict written directly; PDF and XLSX are Report jobs rendered by the
Celery task `rapporter.tasks.report_generate`, exactly as when the web UI asks for them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from rapporter import render
from rapporter.management.commands import _report_cli as cli
from rapporter.models import Report
from rapporter.queries import esf_summary
from rapporter.services import report_request, report_validate

FORMATS = ("json", "pdf", "xlsx")


class Command(BaseCommand):
    help = "Skriver ESF-sammanställningen för ett program som JSON, PDF eller XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument(
            "--from", dest="date_from", help="Från och med (ÅÅÅÅ-MM-DD); standard programmets start."
        )
        parser.add_argument(
            "--to", dest="date_to", help="Till och med (ÅÅÅÅ-MM-DD); standard programmets slut."
        )
        parser.add_argument("--municipality", help="Bara en kommun (kommunkod).")
        parser.add_argument("--format", required=True, help="json, pdf eller xlsx.")
        parser.add_argument("--output", required=True, help="Filen som skrivs.")
        parser.add_argument(
            "--timeout", type=float, default=cli.WAIT_SECONDS, help="Sekunder att vänta på Celery-arbetaren."
        )

    def handle(self, *args, **opts):
        fmt = (opts["format"] or "").strip().lower()
        if fmt not in FORMATS:
            raise CommandError(
                _("Okänt format: %(format)r. Välj json, pdf eller xlsx.") % {"format": opts["format"]}
            )
        programme = cli.programme_by_code(opts["programme"])
        date_from = cli.parse_date(opts["date_from"], "--from") or programme.start_date
        date_to = cli.parse_date(opts["date_to"], "--to") or programme.end_date
        municipality = cli.municipality_in(programme, opts["municipality"])
        try:
            report_validate(
                kind=Report.Kind.ESF_SUMMARY,
                format=fmt,
                programme=programme,
                period_from=date_from,
                period_to=date_to,
                municipality=municipality,
            )
        except ValidationError as exc:
            raise cli.validation_error(exc) from None

        if fmt == "json":
            summary = esf_summary(
                programme=programme, date_from=date_from, date_to=date_to, municipality=municipality
            )
            cli.write_atomically(opts["output"], render.to_json(summary))
        else:
            cli.check_broker()
            report = report_request(
                kind=Report.Kind.ESF_SUMMARY,
                format=fmt,
                programme=programme,
                period_from=date_from,
                period_to=date_to,
                municipality=municipality,
                by=None,
            )
            report = cli.run_report(report, out=self.stderr, timeout=opts["timeout"])
            cli.copy_report_file(report, opts["output"])
        self.stdout.write(
            _("Skrev %(output)s (ESF-sammanställning %(programme)s, %(format)s).")
            % {"output": opts["output"], "programme": programme.code, "format": fmt.upper()}
        )
