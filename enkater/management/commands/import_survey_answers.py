"""`python manage.py import_survey_answers FILE --programme CODE [--dry-run]` (spec §5b)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _g

from enkater.importing import import_survey_answers, survey_answers_summary
from ombud.importing import command_max_bytes, report_to_command
from ombud.models import Programme


class Command(BaseCommand):
    help = "Läser in enkätsvar (en rad per person, enkät och moment) till ett program."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Sökväg till .xlsx- eller .csv-filen.")
        parser.add_argument("--programme", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Kontrollera filen och visa resultatet utan att spara."
        )

    def handle(self, *args, file: str, programme: str, dry_run: bool, **options):
        found = Programme.objects.filter(code__iexact=programme.strip()).first()
        if found is None:
            raise CommandError(
                _g("Programmet %(code)s finns inte. Registrera det först med create_programme.")
                % {"code": programme}
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(_g("Filen %(file)s finns inte.") % {"file": file})
        result = import_survey_answers(path, programme=found, dry_run=dry_run, max_bytes=command_max_bytes())
        report_to_command(self, result, survey_answers_summary(result))
