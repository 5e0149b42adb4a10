"""`python manage.py seed_demo [--scale F]`: the deterministic demo programme (spec §4).

Foundation version: the Modig programme, its seven municipalities and one demo user per role.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ombud.models import Municipality, Person, Programme, Role, TargetGroup, Workplace

DEMO_PASSWORD = "modig-demo-2019"  # noqa: S105 - demo data only, documented in the spec
MUNICIPALITIES = [
    ("1440", "Ale"),
    ("1401", "Härryda"),
    ("1482", "Kungälv"),
    ("1481", "Mölndal"),
    ("1402", "Partille"),
    ("1415", "Stenungsund"),
    ("1419", "Tjörn"),
]


class Command(BaseCommand):
    help = "Skapar ett realistiskt demoprogram (Modig) med demoanvändare för varje roll."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument(
            "--if-empty", action="store_true", help="Gör ingenting om databasen redan har program."
        )

    def handle(self, *args, scale: float, if_empty: bool, **options):
        if scale <= 0:
            raise CommandError("--scale måste vara större än 0.")
        if if_empty and Programme.objects.exists():
            self.stdout.write("Databasen har redan data; demodata lades inte in.")
            return
        with transaction.atomic():
            programme = self._programme()
            self._users(programme)
        self.stdout.write(self.style.SUCCESS("Demodata klar."))

    def _programme(self) -> Programme:
        programme, _ = Programme.objects.update_or_create(
            code="MODIG",
            defaults={
                "name": "Modig – Mer omsorg med digital teknik",
                "funder": "ESF",
                "case_id": "2019-00123",
                "start_date": dt.date(2019, 4, 1),
                "end_date": dt.date(2021, 6, 30),
            },
        )
        for code, name in MUNICIPALITIES:
            m, _ = Municipality.objects.get_or_create(code=code, defaults={"name": name})
            programme.municipalities.add(m)
        return programme

    def _users(self, programme: Programme) -> None:
        User = get_user_model()
        molndal = Municipality.objects.get(code="1481")
        ale = Municipality.objects.get(code="1440")
        workplace, _ = Workplace.objects.get_or_create(
            municipality=molndal, name="Hemtjänst Centrum", defaults={"sector": "äldreomsorg"}
        )
        ombud_person, _ = Person.objects.get_or_create(
            personnummer="198503122387",
            defaults={
                "first_name": "Maria",
                "last_name": "Svensson",
                "gender": "kvinna",
                "birth_date": dt.date(1985, 3, 12),
                "municipality": molndal,
                "workplace": workplace,
                "target_group": TargetGroup.OMBUD,
            },
        )
        specs = [
            ("programledare", "Eva", "Larsson", Role.PROGRAMME_LEADER, None, None),
            ("lokal.ale", "Johan", "Berg", Role.LOCAL_LEADER, ale, None),
            ("ombud.molndal", "Maria", "Svensson", Role.OMBUD, None, ombud_person),
            ("samordnare", "Karin", "Holm", Role.COORDINATOR, None, None),
        ]
        for username, first, last, role, municipality, person in specs:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "role": role, "person": person},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            if municipality:
                user.municipalities.add(municipality)
