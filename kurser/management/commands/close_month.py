"""`python manage.py close_month --programme CODE --month YYYY-MM [--reopen --reason TEXT]` (spec §4).

Closes a reporting month as the programme leader does on the web, or reopens it with a reason;
both audited (`kurser.services.month_close` / `month_reopen`). Exit 1 with one line otherwise.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

from kurser import rules, services
from ombud.models import Programme

PROGRAMME_UNKNOWN = _("Programmet %(code)s finns inte.")
MONTH_FORMAT = _("Ange månaden som ÅÅÅÅ-MM, t.ex. 2020-03.")
REASON_WITHOUT_REOPEN = _("--reason hör till --reopen: ett skäl anges när en månad öppnas igen.")
CLOSED = _("Månaden %(month)s är stängd i %(programme)s.")
REOPENED = _("Månaden %(month)s är öppnad igen i %(programme)s.")


class Command(BaseCommand):
    help = "Stänger en rapporteringsmånad (eller öppnar den igen, med skäl)."

    def add_arguments(self, parser):
        parser.add_argument("--programme", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument("--month", required=True, help="Månaden, ÅÅÅÅ-MM.")
        parser.add_argument("--reopen", action="store_true", help="Öppna en stängd månad igen.")
        parser.add_argument("--reason", default="", help="Skäl till att månaden öppnas igen (loggas).")

    def handle(self, *args, programme: str, month: str, reopen: bool, reason: str, **options):
        found = Programme.objects.filter(code__iexact=programme.strip()).first()
        if found is None:
            raise CommandError(str(PROGRAMME_UNKNOWN) % {"code": programme})
        first = rules.parse_month(month)
        if first is None:
            raise CommandError(str(MONTH_FORMAT))
        if reason.strip() and not reopen:
            raise CommandError(str(REASON_WITHOUT_REOPEN))
        try:
            if reopen:
                services.month_reopen(programme=found, month=first, by=None, reason=reason)
            else:
                services.month_close(programme=found, month=first, by=None)
        except ValidationError as e:
            raise CommandError(" ".join(e.messages)) from None
        done = REOPENED if reopen else CLOSED
        self.stdout.write(str(done) % {"month": f"{first:%Y-%m}", "programme": found.code})
