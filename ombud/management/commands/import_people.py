"""`python manage.py import_people FILE [--dry-run]` (spec §1a)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _g

from ombud.importing import command_max_bytes, import_people, people_summary, report_to_command


class Command(BaseCommand):
    help = "Läser in medarbetare från en .xlsx- eller .csv-fil (allt eller inget)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Sökväg till .xlsx- eller .csv-filen.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Kontrollera filen och visa resultatet utan att spara."
        )

    def handle(self, *args, file: str, dry_run: bool, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_g("Filen %(file)s finns inte.") % {"file": file})
        result = import_people(path, dry_run=dry_run, max_bytes=command_max_bytes())
        report_to_command(self, result, people_summary(result))
