"""`python manage.py create_programme --code … --name … --from … --to … --funder …
--municipalities "1440:Ale,…" [--case-id …] [--unit-costs "2019:270,…"]` (spec §4).

Idempotent: a second run updates the programme; the programme's municipalities become exactly
the given list (municipalities not yet registered are created, known ones renamed).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _g

from ombud.models import Municipality
from ombud.services import programme_upsert

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str, option: str) -> dt.date:
    try:
        if not _DATE.match(value.strip()):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _g("%(option)s: %(value)s är inte ett datum (ÅÅÅÅ-MM-DD).") % {"option": option, "value": value}
        ) from None


def parse_municipalities(value: str) -> list[tuple[str, str]]:
    """`"1440:Ale,1401:Härryda"` → [("1440", "Ale"), ("1401", "Härryda")]. A bare code of an
    already registered municipality is accepted too."""
    result: list[tuple[str, str]] = []
    known = dict(Municipality.objects.values_list("code", "name"))
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        code, _sep, name = (s.strip() for s in part.partition(":"))
        if not re.fullmatch(r"\d{4}", code):
            raise CommandError(
                _g("--municipalities: %(part)s har ingen fyrsiffrig kommunkod (skriv t.ex. 1440:Ale).")
                % {"part": part}
            )
        if not name:
            if code not in known:
                raise CommandError(
                    _g("--municipalities: kommunen %(code)s saknar namn (skriv t.ex. 1440:Ale).")
                    % {"code": code}
                )
            name = known[code]
        if any(c == code for c, _n in result):
            raise CommandError(
                _g("--municipalities: kommunkoden %(code)s finns två gånger.") % {"code": code}
            )
        result.append((code, name))
    if not result:
        raise CommandError(_g("--municipalities: ange minst en kommun (t.ex. 1440:Ale)."))
    return result


def parse_unit_costs(value: str) -> dict[int, Decimal]:
    """`"2019:270,2020:275"` → {2019: Decimal("270"), 2020: Decimal("275")}."""
    result: dict[int, Decimal] = {}
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        year, _sep, amount = (s.strip() for s in part.partition(":"))
        try:
            if not re.fullmatch(r"\d{4}", year):
                raise InvalidOperation
            cost = Decimal(amount)
            if not cost.is_finite() or cost < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise CommandError(
                _g("--unit-costs: %(part)s ska skrivas år:kronor, t.ex. 2019:270.") % {"part": part}
            ) from None
        if int(year) in result:
            raise CommandError(_g("--unit-costs: året %(year)s finns två gånger.") % {"year": year})
        result[int(year)] = cost
    return result


class Command(BaseCommand):
    help = "Registrerar (eller uppdaterar) ett program och dess kommuner."

    def add_arguments(self, parser):
        parser.add_argument("--code", required=True, help="Programmets kod, t.ex. MODIG.")
        parser.add_argument("--name", required=True)
        parser.add_argument("--from", dest="start", required=True, help="Startdatum ÅÅÅÅ-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Slutdatum ÅÅÅÅ-MM-DD.")
        parser.add_argument("--funder", default="", help="Finansiär, t.ex. ESF.")
        parser.add_argument(
            "--municipalities",
            default=None,
            help='Kommuner som "kommunkod:namn", kommaseparerade: "1440:Ale,1401:Härryda".',
        )
        parser.add_argument("--case-id", default="", help="Ärende-id hos finansiären.")
        parser.add_argument(
            "--unit-costs", default=None, help='Timkostnad per år: "2019:270,2020:275,2021:280".'
        )
        parser.add_argument(
            "--final-payment-date", default=None, help="Datum för slututbetalning (styr gallring)."
        )

    def handle(self, *args, **o):
        start = parse_date(o["start"], "--from")
        end = parse_date(o["end"], "--to")
        if end < start:
            raise CommandError(
                _g("--to (%(end)s) ligger före --from (%(start)s).") % {"start": start, "end": end}
            )
        municipalities = (
            parse_municipalities(o["municipalities"]) if o["municipalities"] is not None else None
        )
        unit_costs = parse_unit_costs(o["unit_costs"]) if o["unit_costs"] is not None else None
        final_payment = (
            parse_date(o["final_payment_date"], "--final-payment-date") if o["final_payment_date"] else None
        )
        try:
            programme, created = programme_upsert(
                code=o["code"].strip(),
                name=o["name"].strip(),
                start_date=start,
                end_date=end,
                funder=o["funder"].strip(),
                case_id=o["case_id"].strip(),
                municipalities=municipalities,
                unit_costs=unit_costs,
                final_payment_date=final_payment,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        count = programme.municipalities.count()
        params = {"code": programme.code, "count": count}
        if created:
            self.stdout.write(_g("Programmet %(code)s skapades med %(count)s kommuner.") % params)
        else:
            self.stdout.write(_g("Programmet %(code)s uppdaterades (%(count)s kommuner).") % params)
