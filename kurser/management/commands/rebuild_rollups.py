"""`python manage.py rebuild_rollups [--programme CODE]`: recompute the dashboards' rollups.

The services keep the rollups (`kurser.rollups`) current with every attendance write; this
rebuilds them from the attendance rows, e.g. after data was written past the services (a
restore, a manual fix). One transaction per programme; exit 1 with one line on an unknown code.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from kurser import rollups
from ombud.models import Programme

PROGRAMME_UNKNOWN = _("Programmet %(code)s finns inte.")


class Command(BaseCommand):
    help = "Bygger om sammanställningarna (rollups) som lägesbilden läser."

    def add_arguments(self, parser):
        parser.add_argument("--programme", default="", help="Bara detta program (kod, t.ex. MODIG).")

    def handle(self, *args, programme: str, **options):
        if programme.strip():
            found = Programme.objects.filter(code__iexact=programme.strip()).first()
            if found is None:
                raise CommandError(str(PROGRAMME_UNKNOWN) % {"code": programme})
            programmes = [found]
        else:
            programmes = list(Programme.objects.order_by("code"))
        for p in programmes:
            started = time.monotonic()
            with transaction.atomic():
                rollups.rebuild(programme_id=p.pk)
            self.stdout.write(
                _g("Sammanställningarna för %(code)s är ombyggda (%(s).1f s).")
                % {"code": p.code, "s": time.monotonic() - started}
            )
