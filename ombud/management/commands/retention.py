"""`python manage.py retention [--erase]`: people whose retention period has ended.

Personal data of a programme is kept five years after 31 December of the year of the
programme's final payment (ESF). Without `--erase` the command only lists; with it, each person
is anonymised (`ombud.services.person_erase`) and the erasure is written to the audit log.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _g

from ombud.selectors import people_due_for_retention
from ombud.services import retention_erase


class Command(BaseCommand):
    help = "Visar (eller raderar, med --erase) personer vars lagringstid har gått ut."

    def add_arguments(self, parser):
        parser.add_argument("--erase", action="store_true", help="Radera (anonymisera) personerna.")

    def handle(self, *args, erase: bool, **options):
        due = people_due_for_retention().select_related("municipality").order_by("pk")
        if erase:
            count = retention_erase()
            self.stdout.write(_g("Raderade %(count)s personer.") % {"count": count})
            return
        count = 0
        for person in due.iterator(chunk_size=2000):
            count += 1
            self.stdout.write(f"{person.pk}\t{person.personnummer_masked}\t{person.municipality.name}")
        if count:
            self.stdout.write(
                _g("%(count)s personer har passerat lagringstiden. Kör med --erase för att radera dem.")
                % {"count": count}
            )
        else:
            self.stdout.write(_g("Ingen har passerat lagringstiden."))
