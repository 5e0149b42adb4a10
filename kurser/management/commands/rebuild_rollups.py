"""`python manage.py rebuild_rollups [--programme CODE] [--check]`: recompute the dashboards'
rollups, or with `--check` only compare them with a fresh computation.

The services keep the rollups (`kurser.rollups`) current with every write; this rebuilds them
from the attendance rows, e.g. after data was written past the services (a restore, a manual
fix). One transaction per programme; exit 1 with one line on an unknown code. `--check` changes
nothing: it lists every cell that differs from a rebuild (computed and rolled back) and exits 1
when any does, or when a programme is still waiting for its background rebuild.
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
CHECK_FAILED = _("Sammanställningarna stämmer inte för: %(codes)s. Kör rebuild_rollups för att bygga om dem.")


class Command(BaseCommand):
    help = "Bygger om sammanställningarna (rollups) som lägesbilden läser."

    def add_arguments(self, parser):
        parser.add_argument("--programme", default="", help="Bara detta program (kod, t.ex. MODIG).")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Ändra inget: jämför med en ny beräkning och avsluta med felkod om något skiljer.",
        )

    def handle(self, *args, programme: str, check: bool = False, **options):
        if programme.strip():
            found = Programme.objects.filter(code__iexact=programme.strip()).first()
            if found is None:
                raise CommandError(str(PROGRAMME_UNKNOWN) % {"code": programme})
            programmes = [found]
        else:
            programmes = list(Programme.objects.order_by("code"))
        if check:
            self._check(programmes)
            return
        for p in programmes:
            started = time.monotonic()
            with transaction.atomic():
                rollups.rebuild(programme_id=p.pk)
            self.stdout.write(
                _g("Sammanställningarna för %(code)s är ombyggda (%(s).1f s).")
                % {"code": p.code, "s": time.monotonic() - started}
            )

    def _check(self, programmes: list[Programme]) -> None:
        wrong = []
        for p in programmes:
            lines = rollups.differences(p.pk)
            if rollups.is_stale(p.pk):
                lines.insert(0, _g("väntar på att byggas om i bakgrunden"))
            if lines:
                wrong.append(p.code)
                self.stdout.write(_g("%(code)s: %(n)d skillnader") % {"code": p.code, "n": len(lines)})
                for line in lines:
                    self.stdout.write(f"  {line}")
            else:
                self.stdout.write(_g("%(code)s: sammanställningarna stämmer.") % {"code": p.code})
        if wrong:
            raise CommandError(str(CHECK_FAILED) % {"codes": ", ".join(wrong)})
