"""`python manage.py send_notifications [--date YYYY-MM-DD]`: the daily e-mails without Celery beat.

Sends the day-before reminders for the sessions of the day after `--date` (default today) and
each local leader's approval digest for `--date` — the same functions the beat tasks
`kurser.tasks.session_reminders` and `kurser.tasks.approval_digests` call. Safe to run again:
every mail is recorded and goes once; a run stopped by a mail server that is down sends the rest
when run again. The embedded mode runs it from cron (README "E-postaviseringar").
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kurser.notifications import notify_approval_digests, notify_session_reminders

DATE_FORMAT = _("Ange datumet som ÅÅÅÅ-MM-DD, t.ex. 2020-03-12.")
MAIL_DOWN = _(
    "E-postservern svarar inte (%(error)s). Kör kommandot igen senare: det som redan skickats skickas inte igen."
)
SENT = _("Skickade %(reminders)s påminnelser och %(digests)s sammanfattningar att godkänna.")


class Command(BaseCommand):
    help = "Skickar dagens e-postaviseringar: påminnelser inför morgondagens tillfällen och sammanfattningar att godkänna."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", default="", help="Dagen att köra för, ÅÅÅÅ-MM-DD (i dag om inget anges)."
        )

    def handle(self, *args, date: str, **options):
        try:
            day = dt.date.fromisoformat(date) if date.strip() else timezone.localdate()
        except ValueError:
            raise CommandError(str(DATE_FORMAT)) from None
        # One claim name per day: a rerun after a crash takes its own unsent claims over.
        task_id = f"send_notifications:{day:%Y-%m-%d}"
        try:
            reminders = notify_session_reminders(day=day + dt.timedelta(days=1), task_id=task_id)
            digests = notify_approval_digests(day=day, task_id=task_id)
        except OSError as exc:
            raise CommandError(str(MAIL_DOWN) % {"error": type(exc).__name__}) from exc
        self.stdout.write(str(SENT) % {"reminders": reminders, "digests": digests})
