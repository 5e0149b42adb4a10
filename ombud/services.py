"""Every write in the ombud app: programmes, municipalities, workplaces, people, ombud, users,
the audit log and the GDPR tools (export, erasure, retention).

Keyword-only arguments; business rules raise `ValidationError` with the module-level message
constants below (tests assert the exact text); `full_clean()` before `save()`.

The bulk importer (`ombud.importing`) is the one exception to "one service call per object":
at 350,000 rows a per-row `full_clean()` (which queries for uniqueness) is far too slow, so it
applies the same rules itself (the same personnummer module, the same choices) in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from ombud import personnummer as pnr
from ombud.datacache import data_changed
from ombud.extract import extract_sections
from ombud.models import (
    AuditLog,
    Municipality,
    Ombud,
    Person,
    Programme,
    Role,
    TargetGroup,
    UnitCost,
    Workplace,
)
from ombud.search import search_text
from ombud.selectors import people_due_for_retention
from ombud.signals import people_changed

if TYPE_CHECKING:
    from ombud.models import User

PROGRAMME_PERIOD = _("Slutdatum kan inte ligga före startdatum.")
MUNICIPALITY_CODE = _("Kommunkoden ska vara fyra siffror.")
MUNICIPALITY_NAME_REQUIRED = _("Kommunen måste ha ett namn.")
UNIT_COST_YEAR = _("Timkostnaden måste gälla ett år inom programmets period.")
UNIT_COST_NEGATIVE = _("Timkostnaden kan inte vara negativ.")
WORKPLACE_MUNICIPALITY_FIXED = _("En arbetsplats kan inte flyttas till en annan kommun.")
WORKPLACE_UNKNOWN_FIELD = _("Okänt fält för arbetsplats: %(field)s")
PERSON_DUPLICATE = _("Det finns redan en medarbetare med det personnumret.")
PERSON_WORKPLACE_MUNICIPALITY = _("Arbetsplatsen hör inte till medarbetarens kommun.")
PERSON_ERASED = _("Uppgifterna om personen är raderade och kan inte ändras.")
PERSON_UNKNOWN_FIELD = _("Okänt fält för medarbetare: %(field)s")
OMBUD_ALREADY = _("Personen är redan digitaliseringsombud.")
OMBUD_WORKPLACE_MUNICIPALITY = _("Ombudets arbetsplatser måste höra till ombudets kommun.")
OMBUD_UNKNOWN_FIELD = _("Okänt fält för ombud: %(field)s")
ERASE_REASON_REQUIRED = _("Ange ett skäl till raderingen.")
ERASE_ALREADY = _("Personen är redan raderad.")
USER_USERNAME_TAKEN = _("Användarnamnet är upptaget.")
USER_EMAIL_REQUIRED = _("En inbjudan kräver en e-postadress.")
USER_ROLE_UNKNOWN = _("Okänd roll.")
USER_LOCAL_LEADER_MUNICIPALITIES = _("En lokal projektledare måste ha minst en kommun.")
USER_OMBUD_PERSON = _("Ett ombudskonto måste kopplas till en medarbetare.")
USER_PERSON_TAKEN = _("Medarbetaren har redan ett konto.")
USER_DEACTIVATE_SELF = _("Du kan inte inaktivera ditt eget konto.")

# Personal data is kept five years after 31 December of the year of the final payment (ESF).
ERASED_FIRST_NAME = "Raderad"
ERASED_LAST_NAME = "person"


# --- audit ------------------------------------------------------------------------------------


def audit_log(
    *,
    user: User | None,
    action: str,
    what: str,
    person: Person | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    """Append one entry to the audit log (runs inside the caller's transaction, if any)."""
    entry = AuditLog(
        user=user if user is not None and getattr(user, "pk", None) else None,
        action=action,
        what=str(what)[:300],
        person=person,
        reason=str(reason)[:500],
        detail=detail or {},
    )
    entry.full_clean()
    entry.save()
    return entry


# --- programmes and municipalities --------------------------------------------------------------


@transaction.atomic
def municipality_upsert(*, code: str, name: str, org_number: str = "") -> Municipality:
    """Register a municipality by kommunkod, or update its name (and org number when given)."""
    code = (code or "").strip()
    name = (name or "").strip()
    if len(code) != 4 or not code.isdigit():
        raise ValidationError(MUNICIPALITY_CODE)
    if not name:
        raise ValidationError(MUNICIPALITY_NAME_REQUIRED)
    municipality = Municipality.objects.select_for_update().filter(code=code).first()
    if municipality is None:
        municipality = Municipality(code=code, name=name, org_number=org_number.strip())
    else:
        municipality.name = name
        if org_number:
            municipality.org_number = org_number.strip()
    municipality.full_clean()
    municipality.save()
    return municipality


@transaction.atomic
def programme_upsert(
    *,
    code: str,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    funder: str = "",
    case_id: str = "",
    municipalities: list[tuple[str, str]] | None = None,
    unit_costs: dict[int, Decimal] | None = None,
    final_payment_date: dt.date | None = None,
) -> tuple[Programme, bool]:
    """Create or update the programme `code`; returns (programme, created).

    `municipalities` ([(kommunkod, name)]) registers missing municipalities, renames known ones,
    and sets the programme's list to exactly these; None leaves the list alone. `unit_costs`
    ({year: SEK per hour}) likewise replaces the programme's unit costs when given;
    `final_payment_date` (drives retention) is set when given, else left alone.
    """
    if start_date and end_date and end_date < start_date:
        raise ValidationError(PROGRAMME_PERIOD)
    for year, amount in (unit_costs or {}).items():
        if not start_date.year <= int(year) <= end_date.year:
            raise ValidationError(UNIT_COST_YEAR)
        if Decimal(amount) < 0:
            raise ValidationError(UNIT_COST_NEGATIVE)
    programme = Programme.objects.select_for_update().filter(code=code).first()
    created = programme is None
    if programme is None:
        programme = Programme(code=code)
    programme.name = name
    programme.start_date = start_date
    programme.end_date = end_date
    programme.funder = funder
    programme.case_id = case_id
    if final_payment_date is not None:
        programme.final_payment_date = final_payment_date
    programme.full_clean()
    programme.save()
    if municipalities is not None:
        members = [municipality_upsert(code=c, name=n) for c, n in municipalities]
        programme.municipalities.set(members)
    if unit_costs is not None:
        programme.unit_costs.exclude(year__in=[int(y) for y in unit_costs]).delete()
        for year, amount in unit_costs.items():
            UnitCost.objects.update_or_create(
                programme=programme, year=int(year), defaults={"amount": Decimal(amount)}
            )
    return programme, created


# --- workplaces -------------------------------------------------------------------------------


@transaction.atomic
def workplace_create(*, municipality: Municipality, name: str, sector: str = "") -> Workplace:
    workplace = Workplace(municipality=municipality, name=(name or "").strip(), sector=sector)
    workplace.full_clean()
    workplace.save()
    return workplace


_WORKPLACE_FIELDS = {"name", "sector"}


@transaction.atomic
def workplace_update(*, workplace: Workplace, **fields: Any) -> Workplace:
    """Change name and/or sector. The municipality is fixed: people and sessions hang on it."""
    if "municipality" in fields or "municipality_id" in fields:
        new = fields.pop("municipality", None)
        new_id = fields.pop("municipality_id", None) or getattr(new, "pk", None)
        if new_id != workplace.municipality_id:
            raise ValidationError(WORKPLACE_MUNICIPALITY_FIXED)
    for field, value in fields.items():
        if field not in _WORKPLACE_FIELDS:
            raise ValidationError(WORKPLACE_UNKNOWN_FIELD, params={"field": field})
        setattr(workplace, field, value.strip() if isinstance(value, str) else value)
    workplace.full_clean()
    workplace.save()
    return workplace


# --- people -----------------------------------------------------------------------------------


def _check_workplace(municipality: Municipality | None, workplace: Workplace | None) -> None:
    if workplace is not None and municipality is not None and workplace.municipality_id != municipality.pk:
        raise ValidationError(PERSON_WORKPLACE_MUNICIPALITY)


@transaction.atomic
def person_create(
    *,
    personnummer: str,
    first_name: str,
    last_name: str,
    municipality: Municipality,
    workplace: Workplace | None,
    target_group: str,
    gender: str = "",
    email: str = "",
    by: User | None = None,
) -> Person:
    """Register a member of staff. The personnummer is validated and stored as 12 digits; the
    birth date always, and the gender when not given, come from it (spec §1a)."""
    number = pnr.normalise(personnummer)
    if Person.objects.filter(personnummer=number).exists():
        raise ValidationError(PERSON_DUPLICATE)
    _check_workplace(municipality, workplace)
    person = Person(
        personnummer=number,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        gender=gender or pnr.gender(number),
        birth_date=pnr.birth_date(number),
        municipality=municipality,
        workplace=workplace,
        target_group=target_group,
        email=(email or "").strip(),
    )
    person.search = search_text(person.first_name, person.last_name)
    person.full_clean()
    person.save()
    data_changed()
    return person


_PERSON_FIELDS = {
    "personnummer",
    "first_name",
    "last_name",
    "gender",
    "municipality",
    "workplace",
    "target_group",
    "email",
}


@transaction.atomic
def person_update(*, person: Person, by: User | None = None, **fields: Any) -> Person:
    """Change a person. A new personnummer is normalised and re-derives the birth date;
    an erased person cannot be changed."""
    if person.erased_at is not None:
        raise ValidationError(PERSON_ERASED)
    for field in fields:
        if field not in _PERSON_FIELDS:
            raise ValidationError(PERSON_UNKNOWN_FIELD, params={"field": field})
    if "personnummer" in fields:
        number = pnr.normalise(fields.pop("personnummer"))
        if Person.objects.filter(personnummer=number).exclude(pk=person.pk).exists():
            raise ValidationError(PERSON_DUPLICATE)
        person.personnummer = number
        person.birth_date = pnr.birth_date(number)
    for field, value in fields.items():
        setattr(person, field, value.strip() if isinstance(value, str) else value)
    if not person.gender and person.personnummer:
        person.gender = pnr.gender(person.personnummer)
    _check_workplace(person.municipality, person.workplace)
    person.search = search_text(person.first_name, person.last_name)
    person.full_clean()
    person.save()
    people_changed.send(sender=Person, person_ids=[person.pk])
    data_changed()
    return person


# --- temporary participants (walk-ins added on the tablet, issue 13 item 3) -------------------

TEMPORARY_NAME_REQUIRED = _("Ange förnamn och efternamn.")
TEMPORARY_WORKPLACE_REQUIRED = _("Välj en arbetsplats i tillfällets kommun.")
TEMPORARY_PERSONNUMMER_KNOWN = _("Personen finns redan i registret. Sök på namnet i stället.")
TEMPORARY_NOT_TEMPORARY = _("Personen är inte en tillfällig deltagare.")
TEMPORARY_PERSONNUMMER_REQUIRED = _("Ange personnummer.")
TEMPORARY_PERSONNUMMER_OTHER_SCOPE = _(
    "Personnumret tillhör en medarbetare utanför din behörighet. Be en programledare slå ihop dem."
)


class MergeProposal(ValidationError):
    """Completing a temporary record with the personnummer of a registered person: never a
    duplicate, the caller proposes a merge with `person` instead."""

    def __init__(self, person: Person) -> None:
        super().__init__(PERSON_DUPLICATE)
        self.person = person


@transaction.atomic
def person_create_temporary(
    *,
    first_name: str,
    last_name: str,
    workplace: Workplace | None,
    client_id: Any,
    personnummer: str = "",
    by: User | None = None,
) -> tuple[Person, bool]:
    """A walk-in who is not in the register: `(person, created)`. Registered in the
    workplace's municipality and marked temporary; the same `client_id` again (a replay) gives
    the person added the first time. A personnummer is read by the import's parser; one that
    is already registered is refused (the ombud should pick that person in the search)."""
    previous = Person.objects.filter(client_id=client_id).first()
    if previous is not None:
        return previous, False
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name or not last_name:
        raise ValidationError(TEMPORARY_NAME_REQUIRED)
    if workplace is None:
        raise ValidationError(TEMPORARY_WORKPLACE_REQUIRED)
    number = pnr.normalise(personnummer) if (personnummer or "").strip() else None
    if number and Person.objects.filter(personnummer=number).exists():
        raise ValidationError(TEMPORARY_PERSONNUMMER_KNOWN)
    person = Person(
        personnummer=number,
        first_name=first_name,
        last_name=last_name,
        gender=pnr.gender(number) if number else "",
        birth_date=pnr.birth_date(number) if number else None,
        municipality_id=workplace.municipality_id,
        workplace=workplace,
        # A walk-in at workplace training is base staff until the leader says otherwise.
        target_group=TargetGroup.BASE_STAFF,
        temporary=True,
        client_id=client_id,
    )
    person.search = search_text(first_name, last_name)
    person.full_clean()
    person.save()
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Lade till tillfällig deltagare %(name)s") % {"name": person.full_name},
        person=person,
        detail={"temporary": person.pk, "client_id": str(client_id)},
    )
    data_changed()
    return person, True


@transaction.atomic
def person_complete(
    *,
    person: Person,
    personnummer: str,
    target_group: str,
    gender: str = "",
    in_scope: Any = None,
    by: User | None = None,
) -> Person:
    """Complete a temporary record: it becomes an ordinary registered person (and counts).

    A personnummer that is already registered is never a second record: `MergeProposal` with
    that person when `in_scope` (a Person queryset: whom the user may merge into) holds them,
    otherwise a message to ask a programme leader."""
    if not person.temporary:
        raise ValidationError(TEMPORARY_NOT_TEMPORARY)
    if not (personnummer or "").strip():
        raise ValidationError(TEMPORARY_PERSONNUMMER_REQUIRED)
    number = pnr.normalise(personnummer)
    existing = Person.objects.filter(personnummer=number).exclude(pk=person.pk).first()
    if existing is not None:
        if in_scope is not None and in_scope.filter(pk=existing.pk, temporary=False).exists():
            raise MergeProposal(existing)
        raise ValidationError(TEMPORARY_PERSONNUMMER_OTHER_SCOPE)
    person.personnummer = number
    person.birth_date = pnr.birth_date(number)
    person.gender = gender or pnr.gender(number)
    person.target_group = target_group
    person.temporary = False
    person.full_clean()
    person.save()
    people_changed.send(sender=Person, person_ids=[person.pk])
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Kompletterade tillfällig deltagare %(name)s") % {"name": person.full_name},
        person=person,
        detail={"completed": person.pk},
    )
    data_changed()
    return person


# --- ombud ------------------------------------------------------------------------------------


def _check_ombud_workplaces(person: Person, workplaces: Iterable[Workplace]) -> list[Workplace]:
    workplaces = list(workplaces)
    if any(w.municipality_id != person.municipality_id for w in workplaces):
        raise ValidationError(OMBUD_WORKPLACE_MUNICIPALITY)
    return workplaces


@transaction.atomic
def ombud_appoint(
    *,
    person: Person,
    appointed_on: dt.date,
    workplaces: Iterable[Workplace] = (),
    trainer_training_completed_on: dt.date | None = None,
    reach_goal: int = 36,
    active: bool = True,
    by: User | None = None,
) -> Ombud:
    """Appoint a person as digitaliseringsombud. The person's target group becomes
    `digitaliseringsombud`, because the reports count ombud by target group (spec §2)."""
    if person.erased_at is not None:
        raise ValidationError(PERSON_ERASED)
    if Ombud.objects.filter(person=person).exists():
        raise ValidationError(OMBUD_ALREADY)
    workplaces = _check_ombud_workplaces(person, workplaces)
    ombud = Ombud(
        person=person,
        appointed_on=appointed_on,
        trainer_training_completed_on=trainer_training_completed_on,
        reach_goal=reach_goal,
        active=active,
    )
    ombud.full_clean()
    ombud.save()
    ombud.workplaces.set(workplaces)
    if person.target_group != TargetGroup.OMBUD:
        person.target_group = TargetGroup.OMBUD
        person.full_clean()
        person.save(update_fields=["target_group", "updated_at"])
        people_changed.send(sender=Person, person_ids=[person.pk])
        data_changed()
    return ombud


_OMBUD_FIELDS = {"appointed_on", "trainer_training_completed_on", "reach_goal", "active", "workplaces"}


@transaction.atomic
def ombud_update(*, ombud: Ombud, **fields: Any) -> Ombud:
    fields.pop("by", None)
    for field in fields:
        if field not in _OMBUD_FIELDS:
            raise ValidationError(OMBUD_UNKNOWN_FIELD, params={"field": field})
    workplaces = fields.pop("workplaces", None)
    if workplaces is not None:
        workplaces = _check_ombud_workplaces(ombud.person, workplaces)
    for field, value in fields.items():
        setattr(ombud, field, value)
    ombud.full_clean()
    ombud.save()
    if workplaces is not None:
        ombud.workplaces.set(workplaces)
    return ombud


# --- GDPR -------------------------------------------------------------------------------------


@transaction.atomic
def person_reveal_personnummer(*, person: Person, user: User, reason: str = "") -> str:
    """The full personnummer for display; every reveal is written to the audit log."""
    audit_log(
        user=user,
        action=AuditLog.Action.VIEW_PERSONNUMMER,
        what=_g("Visade personnummer för %(name)s") % {"name": person.full_name},
        person=person,
        reason=reason,
    )
    return pnr.formatted(person.personnummer)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value) if value is not None and not isinstance(value, int | float | bool | str) else value


@transaction.atomic
def person_export(*, person: Person, user: User) -> dict[str, Any]:
    """Everything stored about one person (GDPR art. 15), as plain JSON-able data; audited.

    Attendance is read through the reverse relation `person.attendances` so that this app
    needs no import of `kurser`.
    """
    data: dict[str, Any] = {
        "personnummer": pnr.formatted(person.personnummer) if person.personnummer else "",
        "first_name": person.first_name,
        "last_name": person.last_name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "municipality": {"code": person.municipality.code, "name": person.municipality.name},
        "workplace": person.workplace.name if person.workplace is not None else "",
        "target_group": person.target_group,
        "email": person.email,
        "created_at": _jsonable(person.created_at),
        "updated_at": _jsonable(person.updated_at),
        "erased_at": _jsonable(person.erased_at),
    }
    ombud = Ombud.objects.filter(person=person).prefetch_related("workplaces").first()
    data["ombud"] = (
        {
            "appointed_on": _jsonable(ombud.appointed_on),
            "trainer_training_completed_on": _jsonable(ombud.trainer_training_completed_on),
            "reach_goal": ombud.reach_goal,
            "active": ombud.active,
            "workplaces": [w.name for w in ombud.workplaces.all()],
        }
        if ombud
        else None
    )
    account = get_user_model().objects.filter(person=person).first()
    data["account"] = (
        {"username": account.username, "email": account.email, "role": account.role} if account else None
    )
    attendances = getattr(person, "attendances", None)
    rows = []
    if attendances is not None:
        status_labels = dict(attendances.model._meta.get_field("status").flatchoices)
        for row in attendances.order_by("session__date", "session__start_time").values(
            "session__date",
            "session__start_time",
            "session__course__title",
            "session__programme__code",
            "session__municipality__name",
            "status",
            "minutes",
            "recorded_at",
        ):
            rows.append(
                {
                    "date": _jsonable(row["session__date"]),
                    "start_time": _jsonable(row["session__start_time"]),
                    "course": row["session__course__title"],
                    "programme": row["session__programme__code"],
                    "municipality": row["session__municipality__name"],
                    "status": row["status"],
                    "status_label": str(status_labels.get(row["status"], row["status"])),
                    "minutes": row["minutes"],
                    "recorded_at": _jsonable(row["recorded_at"]),
                }
            )
    data["attendance"] = rows
    # Apps built on ombud (surveys, confirmations) add what they store about the person.
    for section in extract_sections():
        data[section.key] = section.rows(person)
    data["audit"] = [
        {"at": _jsonable(a.at), "action": a.action, "what": a.what}
        for a in AuditLog.objects.filter(person=person).order_by("at")
    ]
    audit_log(
        user=user,
        action=AuditLog.Action.EXPORT,
        what=_g("Registerutdrag för %(name)s") % {"name": person.full_name},
        person=person,
    )
    return data


@transaction.atomic
def person_erase(*, person: Person, user: User | None, reason: str) -> None:
    """Anonymise a person (GDPR erasure). Gender, birth date, municipality and target group
    stay, and so do the attendance rows, so that reported totals do not change afterwards."""
    if not (reason or "").strip():
        raise ValidationError(ERASE_REASON_REQUIRED)
    if person.erased_at is not None:
        raise ValidationError(ERASE_ALREADY)
    person.personnummer = None
    person.first_name = ERASED_FIRST_NAME
    person.last_name = ERASED_LAST_NAME
    person.email = ""
    person.erased_at = timezone.now()
    person.search = search_text(person.first_name, person.last_name)
    person.full_clean()
    person.save()
    # What other apps store about the person in their own words (free-text answers) goes too.
    for section in extract_sections():
        section.erase(person)
    # Audit text must not contain the name or number that were just erased.
    audit_log(
        user=user,
        action=AuditLog.Action.ERASE,
        what=_g("Raderade personuppgifter för medarbetare %(id)s") % {"id": person.pk},
        person=person,
        reason=reason.strip(),
    )
    data_changed()


def retention_erase(*, user: User | None = None, today: dt.date | None = None) -> int:
    """Erase everyone due for retention; returns how many. One transaction per person so a
    long run leaves finished work behind if interrupted."""
    count = 0
    for person in people_due_for_retention(today=today).iterator():
        person_erase(person=person, user=user, reason=_g("Gallring: lagringstiden har gått ut"))
        count += 1
    return count


# --- users ------------------------------------------------------------------------------------


def _check_role(role: str, municipalities: Iterable[Municipality], person: Person | None) -> list:
    if role not in Role.values:
        raise ValidationError(USER_ROLE_UNKNOWN)
    municipalities = list(municipalities)
    if role == Role.LOCAL_LEADER and not municipalities:
        raise ValidationError(USER_LOCAL_LEADER_MUNICIPALITIES)
    if role == Role.OMBUD and person is None:
        raise ValidationError(USER_OMBUD_PERSON)
    return municipalities


def password_set_link(*, user: User, base_url: str = "") -> str:
    """A one-time link to Django's password-reset-confirm view, used to set a first password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    try:
        path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    except NoReverseMatch:  # pragma: no cover - the auth URLs are always installed
        path = f"/konto/reset/{uid}/{token}/"
    return f"{base_url.rstrip('/')}{path}"


@transaction.atomic
def user_invite(
    *,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    municipalities: Iterable[Municipality] = (),
    person: Person | None = None,
    by: User | None,
    base_url: str = "",
) -> User:
    """Create an account without a password and e-mail a link to set one.

    The link is also left on the returned user as `password_set_link` so that the page can
    show it when e-mail is not configured.
    """
    User = get_user_model()
    username = (username or "").strip()
    email = (email or "").strip()
    if not email:
        raise ValidationError(USER_EMAIL_REQUIRED)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(USER_USERNAME_TAKEN)
    municipalities = _check_role(role, municipalities, person)
    if person is not None and User.objects.filter(person=person).exists():
        raise ValidationError(USER_PERSON_TAKEN)
    user = User(
        username=username,
        email=email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        role=role,
        person=person,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    user.municipalities.set(municipalities)
    link = password_set_link(user=user, base_url=base_url)
    user.password_set_link = link  # type: ignore[attr-defined]  # for the page, see above
    message = _g(
        "Hej %(name)s!\n\nDu har fått ett konto i Modig-portalen med användarnamnet %(username)s.\n"
        "Välj ditt lösenord här:\n\n%(link)s\n\nLänken kan bara användas en gång."
    ) % {"name": user.get_full_name() or username, "username": username, "link": link}
    transaction.on_commit(
        lambda: send_mail(_g("Ditt konto i Modig-portalen"), message, None, [email], fail_silently=True)
    )
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Bjöd in användaren %(username)s (%(role)s)") % {"username": username, "role": role},
        person=person,
    )
    return user


@transaction.atomic
def user_update_role(
    *,
    user: User,
    role: str,
    municipalities: Iterable[Municipality] = (),
    person: Person | None = None,
    by: User | None,
) -> User:
    municipalities = _check_role(role, municipalities, person)
    if person is not None and get_user_model().objects.filter(person=person).exclude(pk=user.pk).exists():
        raise ValidationError(USER_PERSON_TAKEN)
    user.role = role
    user.person = person
    user.full_clean()
    user.save()
    user.municipalities.set(municipalities)
    if hasattr(user, "_scope_municipality_ids"):
        del user._scope_municipality_ids
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=_g("Ändrade rollen för %(username)s till %(role)s") % {"username": user.username, "role": role},
        person=person,
    )
    return user


@transaction.atomic
def user_deactivate(*, user: User, by: User | None, active: bool = False) -> User:
    """Turn an account off (or on again with `active=True`); the account and its history stay."""
    if not active and by is not None and user.pk == by.pk:
        raise ValidationError(USER_DEACTIVATE_SELF)
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit_log(
        user=by,
        action=AuditLog.Action.CHANGE,
        what=(_g("Aktiverade kontot %(username)s") if active else _g("Inaktiverade kontot %(username)s"))
        % {"username": user.username},
    )
    return user
