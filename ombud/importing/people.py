"""The people import (spec §1a): one row per member of staff, matched on personnummer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ombud import access
from ombud import personnummer as pnr
from ombud.importing.engine import (
    SETTINGS_LIMIT,
    Column,
    ImportContext,
    ImportResult,
    audit_log_import,
    run_import,
)
from ombud.importing.lookups import MunicipalityLookup, WorkplaceLookup
from ombud.importing.values import (
    MUNICIPALITY_UNKNOWN,
    VALUE_CHOICE,
    VALUE_EMAIL,
    VALUE_REQUIRED,
    check_length,
    choice,
    choices_of,
    parse_personnummer,
    personnummer_or_none,
)
from ombud.importing.writer import insert_rows
from ombud.models import Person, Sector, TargetGroup, Workplace
from ombud.search import search_text
from ombud.signals import people_changed

if TYPE_CHECKING:
    from ombud.models import User

PERSON_DUPLICATE_IN_FILE = _("samma personnummer finns redan på rad %(row)s")
# A scoped import (issue 9): says that the number is taken, never by whom or where.
PERSON_OUTSIDE_SCOPE = _("finns redan i en annan kommun – kontakta programledaren")
MUNICIPALITY_OUTSIDE_SCOPE = _("%(value)s är inte en av dina kommuner")

# Field lengths come from the models, so a migration that changes one changes the check too.
FIRST_NAME_MAX = Person._meta.get_field("first_name").max_length
LAST_NAME_MAX = Person._meta.get_field("last_name").max_length
EMAIL_MAX = Person._meta.get_field("email").max_length
WORKPLACE_NAME_MAX = Workplace._meta.get_field("name").max_length

GENDERS = {"kvinna": "kvinna", "man": "man", "annat": "annat"}
SECTORS = choices_of(Sector)
TARGET_GROUPS = choices_of(TargetGroup)
_PERSON_FIELDS = ["first_name", "last_name", "gender", "municipality", "workplace", "target_group", "email"]
# Compared with the stored person to tell "updated" from "unchanged".
_COMPARED = ["first_name", "last_name", "gender", "municipality_id", "workplace_id", "target_group", "email"]
_PERSON_INSERT = [
    "personnummer",
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "municipality_id",
    "workplace_id",
    "target_group",
    "email",
    "created_at",
    "updated_at",
    "search",
]


class StoredPerson(NamedTuple):
    """A registered person as the import compares it (`_COMPARED`, in that order)."""

    pk: int
    personnummer: str
    first_name: str
    last_name: str
    gender: str
    municipality_id: int
    workplace_id: int | None
    target_group: str
    email: str


def _stored_people(numbers: list[str]) -> dict[str, StoredPerson]:
    """The registered people among `numbers`, by personnummer: one query (on PostgreSQL a join
    with the numbers passed as one array parameter: no statement with thousands of parameters
    to build and plan per batch)."""
    if connection.vendor == "postgresql":
        columns = ", ".join(
            f"p.{Person._meta.get_field(f).column}" for f in ["id", "personnummer", *_COMPARED]
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {columns} FROM unnest(%s::varchar[]) AS k(number) "  # noqa: S608 - names from the model
                "JOIN ombud_person p ON p.personnummer = k.number",
                [numbers],
            )
            found = [StoredPerson(*row) for row in cursor.fetchall()]
    else:
        found = [
            StoredPerson(*row)
            for row in Person.objects.filter(personnummer__in=numbers).values_list(
                "pk", "personnummer", *_COMPARED
            )
        ]
    return {stored.personnummer: stored for stored in found}


@dataclass(slots=True)
class PersonRow:
    """One valid row of the file, ready to be written."""

    number: str  # 12 digits
    first_name: str
    last_name: str
    gender: str  # "" = derive from the personnummer (new) or keep the stored one
    municipality_id: int
    workplace: str  # name, resolved per batch by WorkplaceLookup
    sector: str
    target_group: str
    email: str  # "" = keep the stored address


class PeopleImport:
    """`import_people`: one row per member of staff, matched on personnummer.

    - New personnummer → a new person; known → updated when anything differs, else counted as
      unchanged. So a second import of the same file reports `0 nya, 0 uppdaterade`:
      "uppdaterade" counts only rows whose data actually changed.
    - `kön` empty: a new person gets the gender derived from the personnummer; a known person
      keeps the stored gender. `e-post` empty likewise keeps a stored address. The birth date
      always comes from the personnummer.
    - `kommun`: name (any case, with or without å/ä/ö) or kommunkod; must be registered.
    - `arbetsplats`: matched case-insensitively within the municipality; created if new, with
      `verksamhet` from its first row.
    - Scope (`access.people_import_scope`): an import run by a user with municipalities (a
      local leader on the web) creates people only in them and updates only people already
      registered in them; a row for someone registered elsewhere is refused without saying
      who or where. The `import_people` command (no user) is unscoped.
    """

    kind = "people"
    written_models = (Person,)
    columns = (
        Column("personnummer", "personnummer", required=True, aliases=("pnr",)),
        Column("fornamn", "förnamn", required=True),
        Column("efternamn", "efternamn", required=True),
        Column("kon", "kön"),
        Column("kommun", "kommun", required=True),
        Column("arbetsplats", "arbetsplats", required=True, aliases=("enhet",)),
        Column("verksamhet", "verksamhet"),
        Column("malgrupp", "målgrupp", required=True),
        Column("epost", "e-post", aliases=("email", "epostadress", "mejl")),
    )

    def __init__(self, *, user: User | None = None) -> None:
        self.user = user
        # Whose people this import may write (`ombud.access`): None for every municipality.
        self.scope = access.people_import_scope(user)
        self.municipalities = MunicipalityLookup()
        self.workplaces = WorkplaceLookup()
        # personnummer (as int: compact) → first row, to report duplicates inside the file.
        self.seen: dict[int, int] = {}

    def handle_batch(self, batch: list[tuple[int, dict[str, str]]], ctx: ImportContext) -> None:
        parsed: list[PersonRow] = []
        foreign = self._registered_elsewhere(batch)
        for row, v in batch:
            ok = True
            number = parse_personnummer(ctx, row, "personnummer", v["personnummer"])
            if number is None:
                ok = False
            else:
                first_row = self.seen.setdefault(int(number), row)
                if first_row != row:
                    ctx.error(row, "personnummer", PERSON_DUPLICATE_IN_FILE, row=first_row)
                    ok = False
                elif number in foreign:
                    ctx.error(row, "personnummer", PERSON_OUTSIDE_SCOPE)
                    ok = False
            names = []
            for key, label, max_length in (
                ("fornamn", "förnamn", FIRST_NAME_MAX),
                ("efternamn", "efternamn", LAST_NAME_MAX),
            ):
                if not v[key]:
                    ctx.error(row, label, VALUE_REQUIRED)
                    ok = False
                ok = check_length(ctx, row, label, v[key], max_length) and ok
                names.append(v[key])
            gender = ""
            if v["kon"]:
                gender = choice(v["kon"], GENDERS) or ""
                if not gender:
                    ctx.error(row, "kön", VALUE_CHOICE, value=v["kon"], choices="kvinna, man, annat")
                    ok = False
            municipality_id = None
            if not v["kommun"]:
                ctx.error(row, "kommun", VALUE_REQUIRED)
                ok = False
            else:
                municipality_id = self.municipalities.get(v["kommun"])
                if municipality_id is None:
                    ctx.error(row, "kommun", MUNICIPALITY_UNKNOWN, value=v["kommun"])
                    ok = False
                elif self.scope is not None and municipality_id not in self.scope:
                    ctx.error(row, "kommun", MUNICIPALITY_OUTSIDE_SCOPE, value=v["kommun"])
                    ok = False
            if not v["arbetsplats"]:
                ctx.error(row, "arbetsplats", VALUE_REQUIRED)
                ok = False
            ok = check_length(ctx, row, "arbetsplats", v["arbetsplats"], WORKPLACE_NAME_MAX) and ok
            sector = ""
            if v["verksamhet"]:
                sector = choice(v["verksamhet"], SECTORS) or ""
                if not sector:
                    ctx.error(
                        row,
                        "verksamhet",
                        VALUE_CHOICE,
                        value=v["verksamhet"],
                        choices=", ".join(Sector.values),
                    )
                    ok = False
            target_group = None
            if not v["malgrupp"]:
                ctx.error(row, "målgrupp", VALUE_REQUIRED)
                ok = False
            else:
                target_group = choice(v["malgrupp"], TARGET_GROUPS)
                if target_group is None:
                    ctx.error(
                        row,
                        "målgrupp",
                        VALUE_CHOICE,
                        value=v["malgrupp"],
                        choices=", ".join(TargetGroup.values),
                    )
                    ok = False
            email = v["epost"]
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    ctx.error(row, "e-post", VALUE_EMAIL, value=email)
                    ok = False
                ok = check_length(ctx, row, "e-post", email, EMAIL_MAX) and ok
            if ok:
                parsed.append(
                    PersonRow(
                        number=number,
                        first_name=names[0],
                        last_name=names[1],
                        gender=gender,
                        municipality_id=municipality_id,
                        workplace=v["arbetsplats"],
                        sector=sector,
                        target_group=target_group,
                        email=email,
                    )
                )
        if ctx.has_errors:
            return  # the file will be rejected: validate the rest, look nothing more up
        self._apply(parsed, ctx)

    def _registered_elsewhere(self, batch: list[tuple[int, dict[str, str]]]) -> set[str]:
        """Personnummer of this batch registered outside the import's scope (one query)."""
        if self.scope is None:
            return set()
        numbers = {personnummer_or_none(v["personnummer"]) for _row, v in batch} - {None}
        return set(
            Person.objects.filter(personnummer__in=numbers)
            .exclude(municipality_id__in=self.scope)
            .values_list("personnummer", flat=True)
        )

    def _apply(self, parsed: list[PersonRow], ctx: ImportContext) -> None:
        result = ctx.result
        write = ctx.writing
        keys = [self.workplaces.want(p.municipality_id, p.workplace, p.sector) for p in parsed]
        self.workplaces.flush(write=write)
        existing = _stored_people([p.number for p in parsed])
        now = timezone.now()
        creates: list[tuple] = []
        updates: list[Person] = []
        for p, key in zip(parsed, keys, strict=True):
            workplace_id = self.workplaces.ids[key]
            old = existing.get(p.number)
            if old is None:
                creates.append(
                    (
                        p.number,
                        p.first_name,
                        p.last_name,
                        p.gender or pnr.gender(p.number),
                        pnr.birth_date(p.number),
                        p.municipality_id,
                        workplace_id,
                        p.target_group,
                        p.email,
                        now,
                        now,
                        search_text(p.first_name, p.last_name),
                    )
                )
                continue
            # An empty `kön` or `e-post` keeps what is stored.
            new = {
                "first_name": p.first_name,
                "last_name": p.last_name,
                "gender": p.gender or old.gender,
                "municipality_id": p.municipality_id,
                "workplace_id": workplace_id,
                "target_group": p.target_group,
                "email": p.email or old.email,
            }
            if all(getattr(old, name) == value for name, value in new.items()):
                result.unchanged += 1
                continue
            updates.append(
                Person(pk=old.pk, **new, updated_at=now, search=search_text(p.first_name, p.last_name))
            )
        result.created += len(creates)
        result.updated += len(updates)
        if write:
            insert_rows(Person, _PERSON_INSERT, creates)
            if updates:
                Person.objects.bulk_update(updates, [*_PERSON_FIELDS, "updated_at", "search"], batch_size=500)
                people_changed.send(sender=Person, person_ids=[u.pk for u in updates])

    def finish(self, ctx: ImportContext) -> None:
        self.workplaces.note(ctx.result)
        if ctx.writing:
            audit_log_import(ctx, what=_g("Import av medarbetare: %(file)s") % {"file": ctx.result.filename})


def import_people(
    source: Any,
    *,
    filename: str | None = None,
    dry_run: bool = False,
    user: User | None = None,
    max_bytes: int | object | None = SETTINGS_LIMIT,
) -> ImportResult:
    return run_import(
        PeopleImport(user=user), source, filename=filename, dry_run=dry_run, user=user, max_bytes=max_bytes
    )


def people_summary(result: ImportResult) -> str:
    """The last line of `import_people` (spec §1a)."""
    params = {"n": result.total, "m": result.created, "k": result.updated}
    if result.dry_run:
        return (
            _g("Förhandsgranskning: %(n)s personer (%(m)s nya, %(k)s uppdaterade) – inget sparades") % params
        )
    return _g("Importerade %(n)s personer (%(m)s nya, %(k)s uppdaterade)") % params
