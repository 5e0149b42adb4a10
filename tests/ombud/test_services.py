"""ombud.services: every rule, asserting the message constants."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError

from ombud import personnummer as pnr
from ombud import services
from ombud.models import AuditLog, Municipality, Ombud, Person, Programme, Role
from ombud.tasks import retention_sweep
from tests.factories import (
    AttendanceFactory,
    OmbudFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
    make_personnummer,
)

pytestmark = pytest.mark.django_db


def messages_of(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.messages


# --- municipalities and programmes --------------------------------------------------------------


def test_municipality_upsert_creates_then_renames():
    created = services.municipality_upsert(code="1440", name="Ale")
    renamed = services.municipality_upsert(code="1440", name="Ale kommun", org_number="212000-1355")
    assert created.pk == renamed.pk
    assert Municipality.objects.get().name == "Ale kommun"


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("144", "Ale", services.MUNICIPALITY_CODE),
        ("14a0", "Ale", services.MUNICIPALITY_CODE),
        ("1440", " ", services.MUNICIPALITY_NAME_REQUIRED),
    ],
)
def test_municipality_upsert_rules(code, name, message):
    with pytest.raises(ValidationError) as exc:
        services.municipality_upsert(code=code, name=name)
    assert messages_of(exc) == [str(message)]


def _programme(**overrides):
    data = {
        "code": "MODIG",
        "name": "Modig",
        "start_date": dt.date(2019, 4, 1),
        "end_date": dt.date(2021, 6, 30),
        "funder": "ESF",
        "municipalities": [("1440", "Ale"), ("1481", "Mölndal")],
        "unit_costs": {2019: Decimal("270"), 2020: Decimal("275")},
    }
    return services.programme_upsert(**{**data, **overrides})


def test_programme_upsert_creates_then_updates():
    programme, created = _programme()
    assert created
    assert programme.municipalities.count() == 2
    again, created = _programme(name="Modig 2", municipalities=[("1481", "Mölndal")], unit_costs={2021: 280})
    assert (again.pk, created, again.name) == (programme.pk, False, "Modig 2")
    assert list(again.municipalities.values_list("code", flat=True)) == ["1481"]
    assert dict(again.unit_costs.values_list("year", "amount")) == {2021: Decimal("280")}


def test_programme_upsert_without_lists_leaves_them_alone():
    _programme()
    programme, _ = _programme(municipalities=None, unit_costs=None, final_payment_date=dt.date(2021, 9, 1))
    assert programme.municipalities.count() == 2
    assert programme.unit_costs.count() == 2
    assert programme.final_payment_date == dt.date(2021, 9, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_date": dt.date(2019, 1, 1)}, services.PROGRAMME_PERIOD),
        ({"unit_costs": {2030: Decimal("1")}}, services.UNIT_COST_YEAR),
        ({"unit_costs": {2020: Decimal("-1")}}, services.UNIT_COST_NEGATIVE),
        ({"municipalities": [("12", "X")]}, services.MUNICIPALITY_CODE),
    ],
)
def test_programme_upsert_rules(overrides, message):
    with pytest.raises(ValidationError) as exc:
        _programme(**overrides)
    assert messages_of(exc) == [str(message)]
    assert not Programme.objects.exists()


# --- workplaces ---------------------------------------------------------------------------------


def test_workplace_names_are_unique_within_a_municipality_in_any_case(ale, molndal):
    services.workplace_create(municipality=ale, name="Hemtjänst Nödinge", sector="äldreomsorg")
    services.workplace_create(municipality=molndal, name="Hemtjänst Nödinge")
    with pytest.raises(ValidationError) as exc:
        services.workplace_create(municipality=ale, name="hemtjänst nödinge")
    assert "Kommunen har redan en arbetsplats med det namnet." in messages_of(exc)


def test_workplace_update_changes_name_but_not_municipality(ale, molndal):
    workplace = services.workplace_create(municipality=ale, name="A")
    services.workplace_update(workplace=workplace, name="B", sector="funktionshinder")
    workplace.refresh_from_db()
    assert (workplace.name, workplace.sector) == ("B", "funktionshinder")
    with pytest.raises(ValidationError) as exc:
        services.workplace_update(workplace=workplace, municipality=molndal)
    assert messages_of(exc) == [str(services.WORKPLACE_MUNICIPALITY_FIXED)]
    services.workplace_update(workplace=workplace, municipality=ale)  # unchanged is fine
    with pytest.raises(ValidationError) as exc:
        services.workplace_update(workplace=workplace, colour="red")
    assert messages_of(exc) == ["Okänt fält för arbetsplats: colour"]


# --- people -------------------------------------------------------------------------------------


@pytest.fixture
def hemtjanst(ale):
    return WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge")


def _person(workplace, **overrides):
    data = {
        "personnummer": "851102-2355",
        "first_name": " Mohammed ",
        "last_name": "Haddad",
        "municipality": workplace.municipality,
        "workplace": workplace,
        "target_group": "baspersonal",
    }
    return services.person_create(**{**data, **overrides})


def test_person_create_normalises_and_derives_from_the_personnummer(hemtjanst):
    person = _person(hemtjanst)
    assert person.personnummer == "198511022355"
    assert (person.gender, person.birth_date, person.first_name) == ("man", dt.date(1985, 11, 2), "Mohammed")
    other = _person(hemtjanst, personnummer="19780314-1121", gender="annat")
    assert other.gender == "annat"


def test_person_create_rules(hemtjanst, molndal):
    _person(hemtjanst)
    with pytest.raises(ValidationError) as exc:
        _person(hemtjanst, personnummer="198511022355")
    assert messages_of(exc) == [str(services.PERSON_DUPLICATE)]
    with pytest.raises(ValidationError) as exc:
        _person(hemtjanst, personnummer="19780314-1121", municipality=molndal)
    assert messages_of(exc) == [str(services.PERSON_WORKPLACE_MUNICIPALITY)]
    with pytest.raises(ValidationError) as exc:
        _person(hemtjanst, personnummer="19780314-1122")
    assert messages_of(exc) == [str(pnr.PNR_CHECKSUM)]


def test_person_update_rederives_birth_date_and_refuses_duplicates(hemtjanst):
    person = _person(hemtjanst)
    other = _person(hemtjanst, personnummer="19780314-1121")
    services.person_update(person=person, personnummer="9901094525", email="m@example.se")
    person.refresh_from_db()
    assert (person.personnummer, person.birth_date, person.email) == (
        "199901094525",
        dt.date(1999, 1, 9),
        "m@example.se",
    )
    with pytest.raises(ValidationError) as exc:
        services.person_update(person=other, personnummer="990109-4525")
    assert messages_of(exc) == [str(services.PERSON_DUPLICATE)]
    with pytest.raises(ValidationError) as exc:
        services.person_update(person=other, shoe_size=42)
    assert messages_of(exc) == ["Okänt fält för medarbetare: shoe_size"]


def test_an_erased_person_cannot_be_changed(hemtjanst, programme_leader):
    person = _person(hemtjanst)
    services.person_erase(person=person, user=programme_leader, reason="Begäran")
    with pytest.raises(ValidationError) as exc:
        services.person_update(person=person, first_name="Ny")
    assert messages_of(exc) == [str(services.PERSON_ERASED)]


# --- ombud --------------------------------------------------------------------------------------


def test_appointing_an_ombud_sets_the_target_group(hemtjanst):
    person = _person(hemtjanst)
    ombud = services.ombud_appoint(person=person, appointed_on=dt.date(2019, 5, 1), workplaces=[hemtjanst])
    person.refresh_from_db()
    assert person.target_group == "digitaliseringsombud"
    assert (ombud.reach_goal, ombud.active, list(ombud.workplaces.all())) == (36, True, [hemtjanst])


def test_ombud_rules(hemtjanst, molndal):
    person = _person(hemtjanst)
    elsewhere = WorkplaceFactory(municipality=molndal)
    with pytest.raises(ValidationError) as exc:
        services.ombud_appoint(person=person, appointed_on=dt.date(2019, 5, 1), workplaces=[elsewhere])
    assert messages_of(exc) == [str(services.OMBUD_WORKPLACE_MUNICIPALITY)]
    ombud = services.ombud_appoint(person=person, appointed_on=dt.date(2019, 5, 1))
    with pytest.raises(ValidationError) as exc:
        services.ombud_appoint(person=person, appointed_on=dt.date(2019, 5, 1))
    assert messages_of(exc) == [str(services.OMBUD_ALREADY)]
    services.ombud_update(ombud=ombud, reach_goal=40, workplaces=[hemtjanst], active=False)
    ombud.refresh_from_db()
    assert (ombud.reach_goal, ombud.active, ombud.workplaces.count()) == (40, False, 1)
    with pytest.raises(ValidationError) as exc:
        services.ombud_update(ombud=ombud, workplaces=[elsewhere])
    assert messages_of(exc) == [str(services.OMBUD_WORKPLACE_MUNICIPALITY)]
    with pytest.raises(ValidationError):
        services.ombud_update(ombud=ombud, reach_goal=0)
    with pytest.raises(ValidationError) as exc:
        services.ombud_update(ombud=ombud, person=person)
    assert messages_of(exc) == ["Okänt fält för ombud: person"]


# --- audit and GDPR -----------------------------------------------------------------------------


def test_revealing_a_personnummer_is_audited(hemtjanst, local_leader_ale):
    person = _person(hemtjanst)
    shown = services.person_reveal_personnummer(person=person, user=local_leader_ale, reason="Intyg")
    assert shown == "19851102-2355"
    entry = AuditLog.objects.get()
    assert (entry.action, entry.user, entry.person, entry.reason) == (
        AuditLog.Action.VIEW_PERSONNUMMER,
        local_leader_ale,
        person,
        "Intyg",
    )


def test_export_holds_everything_about_the_person_and_is_audited(hemtjanst, programme_leader):
    person = _person(hemtjanst, email="m@example.se")
    OmbudFactory(person=person)
    AttendanceFactory(person=person, session=SessionFactory(date=dt.date(2020, 3, 12)))
    data = services.person_export(person=person, user=programme_leader)
    assert data["personnummer"] == "19851102-2355"
    assert data["email"] == "m@example.se"
    assert data["municipality"] == {"code": "1440", "name": "Ale"}
    assert data["ombud"]["reach_goal"] == 36
    assert [(a["date"], a["status"], a["minutes"]) for a in data["attendance"]] == [
        ("2020-03-12", "närvarande", 60)
    ]
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, person=person).count() == 1


def test_erasure_anonymises_but_keeps_what_the_totals_need(hemtjanst, programme_leader):
    person = _person(hemtjanst, email="m@example.se")
    AttendanceFactory(person=person)
    services.person_erase(person=person, user=programme_leader, reason="Begäran från personen")
    person.refresh_from_db()
    assert person.personnummer is None
    assert (person.first_name, person.last_name, person.email) == ("Raderad", "person", "")
    assert person.erased_at is not None
    assert (person.gender, person.birth_date, person.target_group) == (
        "man",
        dt.date(1985, 11, 2),
        "baspersonal",
    )
    assert person.municipality == hemtjanst.municipality
    assert person.attendances.count() == 1
    entry = AuditLog.objects.get(action=AuditLog.Action.ERASE)
    assert "Mohammed" not in entry.what and "198511022355" not in str(entry.detail)
    with pytest.raises(ValidationError) as exc:
        services.person_erase(person=person, user=programme_leader, reason="igen")
    assert messages_of(exc) == [str(services.ERASE_ALREADY)]


def test_erasure_needs_a_reason(hemtjanst, programme_leader):
    person = _person(hemtjanst)
    with pytest.raises(ValidationError) as exc:
        services.person_erase(person=person, user=programme_leader, reason="  ")
    assert messages_of(exc) == [str(services.ERASE_REASON_REQUIRED)]


def test_retention_ends_five_years_after_the_final_payment_year():
    ended = ProgrammeFactory(code="OLD", final_payment_date=dt.date(2020, 3, 1))
    live = ProgrammeFactory(code="NEW", final_payment_date=dt.date(2024, 3, 1))
    open_ = ProgrammeFactory(code="OPEN")
    only_old = AttendanceFactory(session=SessionFactory(programme=ended)).person
    both = AttendanceFactory(session=SessionFactory(programme=ended)).person
    AttendanceFactory(person=both, session=SessionFactory(programme=live))
    in_open = AttendanceFactory(session=SessionFactory(programme=ended)).person
    AttendanceFactory(person=in_open, session=SessionFactory(programme=open_))
    trainer = PersonFactory()
    SessionFactory(programme=ended, trainer=trainer)
    PersonFactory()  # never took part: not linked to a programme

    assert not services.people_due_for_retention(today=dt.date(2025, 12, 31)).exists()
    due = set(services.people_due_for_retention(today=dt.date(2026, 1, 1)))
    assert due == {only_old, trainer}
    assert set(services.people_due_for_retention(today=dt.date(2031, 1, 1))) == {only_old, trainer, both}


def test_retention_sweep_only_counts(time_machine):
    time_machine.move_to(dt.datetime(2030, 1, 1, 12, 0))
    ended = ProgrammeFactory(final_payment_date=dt.date(2020, 3, 1))
    person = AttendanceFactory(session=SessionFactory(programme=ended)).person
    assert retention_sweep.delay().get() == 1
    person.refresh_from_db()
    assert person.erased_at is None
    assert services.retention_erase() == 1
    assert retention_sweep() == 0


# --- users --------------------------------------------------------------------------------------


def _invite(**overrides):
    data = {
        "username": "lokal.molndal",
        "email": "lena@example.se",
        "first_name": "Lena",
        "last_name": "Ek",
        "role": Role.LOCAL_LEADER,
        "municipalities": [Municipality.objects.get_or_create(code="1481", defaults={"name": "Mölndal"})[0]],
        "by": None,
    }
    return services.user_invite(**{**data, **overrides})


def test_an_invited_user_gets_no_password_and_a_link_by_email(
    programme_leader, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = _invite(by=programme_leader, base_url="https://modig.example.se/")
    assert not user.has_usable_password()
    assert user.municipalities.count() == 1
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["lena@example.se"]
    assert user.password_set_link in mailoutbox[0].body
    assert user.password_set_link.startswith("https://modig.example.se/konto/reset/")
    token = user.password_set_link.rstrip("/").rsplit("/", 1)[1]
    assert default_token_generator.check_token(user, token)
    assert AuditLog.objects.filter(user=programme_leader, action=AuditLog.Action.CHANGE).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "PROGRAMLEDARE"}, services.USER_USERNAME_TAKEN),
        ({"email": ""}, services.USER_EMAIL_REQUIRED),
        ({"municipalities": []}, services.USER_LOCAL_LEADER_MUNICIPALITIES),
        ({"role": Role.OMBUD, "municipalities": []}, services.USER_OMBUD_PERSON),
        ({"role": "kung"}, services.USER_ROLE_UNKNOWN),
    ],
)
def test_invite_rules(programme_leader, overrides, message):
    with pytest.raises(ValidationError) as exc:
        _invite(**overrides)
    assert messages_of(exc) == [str(message)]


def test_a_person_can_have_only_one_account(ombud_molndal):
    with pytest.raises(ValidationError) as exc:
        _invite(role=Role.OMBUD, person=ombud_molndal.person, municipalities=[])
    assert messages_of(exc) == [str(services.USER_PERSON_TAKEN)]


def test_changing_a_role_changes_the_scope(local_leader_ale, molndal, programme_leader):
    from ombud import access

    assert access.municipality_ids(local_leader_ale) == {Municipality.objects.get(code="1440").pk}
    services.user_update_role(
        user=local_leader_ale, role=Role.LOCAL_LEADER, municipalities=[molndal], by=programme_leader
    )
    assert access.municipality_ids(local_leader_ale) == {molndal.pk}
    services.user_update_role(user=local_leader_ale, role=Role.COORDINATOR, by=programme_leader)
    local_leader_ale.refresh_from_db()
    assert local_leader_ale.role == Role.COORDINATOR
    assert access.municipality_ids(local_leader_ale) is access.ALL
    with pytest.raises(ValidationError) as exc:
        services.user_update_role(user=local_leader_ale, role=Role.OMBUD, by=programme_leader)
    assert messages_of(exc) == [str(services.USER_OMBUD_PERSON)]


def test_deactivating_an_account(local_leader_ale, programme_leader):
    services.user_deactivate(user=local_leader_ale, by=programme_leader)
    local_leader_ale.refresh_from_db()
    assert not local_leader_ale.is_active
    with pytest.raises(ValidationError) as exc:
        services.user_deactivate(user=programme_leader, by=programme_leader)
    assert messages_of(exc) == [str(services.USER_DEACTIVATE_SELF)]


def test_audit_log_entry(programme_leader):
    person = PersonFactory(personnummer=make_personnummer(5))
    entry = services.audit_log(
        user=programme_leader, action=AuditLog.Action.CHANGE, what="x" * 400, person=person
    )
    assert len(entry.what) == 300
    assert Ombud.objects.count() == 0 and Person.objects.count() >= 1
