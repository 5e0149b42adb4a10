"""`python manage.py import_attendance FILE --programme CODE [--dry-run] [--reason TEXT]` (spec §1b)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _g

from kurser.importing import attendance_summary, import_attendance
from ombud.importing import command_max_bytes, report_to_command
from ombud.models import Programme


class Command(BaseCommand):
    help = "Läser in närvarohistorik (en rad per deltagare och tillfälle) till ett program."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Sökväg till .xlsx- eller .csv-filen.")
        parser.add_argument("--programme", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Kontrollera filen och visa resultatet utan att spara."
        )
        parser.add_argument(
            "--reason",
            default="",
            help="Skäl till ändringar i stängda månader och godkända tillfällen (loggas).",
        )

    def handle(self, *args, file: str, programme: str, dry_run: bool, reason: str, **options):
        found = Programme.objects.filter(code__iexact=programme.strip()).first()
        if found is None:
            raise CommandError(
                _g("Programmet %(code)s finns inte. Registrera det först med create_programme.")
                % {"code": programme}
            )
        path = Path(file)
        if not path.is_file():
            raise CommandError(_g("Filen %(file)s finns inte.") % {"file": file})
        result = import_attendance(
            path, programme=found, dry_run=dry_run, reason=reason, max_bytes=command_max_bytes()
        )
        report_to_command(self, result, attendance_summary(result))
