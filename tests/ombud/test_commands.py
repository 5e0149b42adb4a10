"""The spec's commands end to end (spec §1a, §1b, §4): arguments, last lines, exit codes."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from kurser.models import Attendance, Session
from ombud.models import AuditLog, Municipality, Person, Programme
from tests.factories import (
    CREATE_MODIG,
    MODIG_MUNICIPALITIES,
    SPEC_EXAMPLES,
    AttendanceFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
)

EXAMPLES = SPEC_EXAMPLES

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def last_line(text: str) -> str:
    return text.rstrip("\n").splitlines()[-1]


def test_the_spec_example_imports_cleanly_with_the_spec_commands():
    out, _ = run(*CREATE_MODIG)
    assert last_line(out) == "Programmet MODIG skapades med 7 kommuner."
    out, _ = run("import_people", str(EXAMPLES / "people.csv"))
    assert last_line(out) == "Importerade 8 personer (8 nya, 0 uppdaterade)"
    out, _ = run("import_attendance", str(EXAMPLES / "attendance.csv"), "--programme", "MODIG")
    assert last_line(out) == "Importerade 8 närvarorader i 3 utbildningstillfällen"
    assert Person.objects.count() == 8
    assert Session.objects.filter(status=Session.Status.HELD).count() == 3
    assert Attendance.objects.count() == 8
    # Importing the same files again changes nothing.
    out, _ = run("import_people", str(EXAMPLES / "people.csv"))
    assert last_line(out) == "Importerade 8 personer (0 nya, 0 uppdaterade)"
    out, _ = run("import_attendance", str(EXAMPLES / "attendance.csv"), "--programme", "MODIG")
    assert last_line(out) == "Importerade 8 närvarorader i 3 utbildningstillfällen"
    assert Session.objects.count() == 3
    assert Attendance.objects.count() == 8
    assert AuditLog.objects.filter(action=AuditLog.Action.IMPORT).count() == 4


def test_dry_run_reports_and_writes_nothing():
    run(*CREATE_MODIG)
    out, _ = run("import_people", str(EXAMPLES / "people.csv"), "--dry-run")
    assert last_line(out) == "Förhandsgranskning: 8 personer (8 nya, 0 uppdaterade) – inget sparades"
    assert not Person.objects.exists()
    run("import_people", str(EXAMPLES / "people.csv"))
    out, _ = run("import_attendance", str(EXAMPLES / "attendance.csv"), "--programme", "MODIG", "--dry-run")
    assert last_line(out) == "Förhandsgranskning: 8 närvarorader i 3 utbildningstillfällen – inget sparades"
    assert not Session.objects.exists()


def test_a_rejected_file_lists_every_row_error_and_exits_1(tmp_path):
    run(*CREATE_MODIG)
    lines = (EXAMPLES / "people.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[2] = lines[2].replace("851102-2355", "851102-2356")
    lines[5] = lines[5].replace("Mölndal", "Göteborg")
    bad = tmp_path / "people.csv"
    bad.write_text("\n".join(lines), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_people", str(bad), stdout=out, stderr=err)
    assert exc.value.returncode == 1
    expected = [
        "rad 3: personnummer: fel kontrollsiffra i personnumret",
        "rad 6: kommun: Göteborg är inte en registrerad kommun (namn eller fyrsiffrig kommunkod)",
    ]
    assert out.getvalue().splitlines() == expected
    assert err.getvalue().splitlines() == expected
    assert str(exc.value) == "Inget importerades: 2 fel."
    assert not Person.objects.exists()


def test_the_commands_apply_the_size_limit_only_when_it_is_set_in_the_environment(settings, monkeypatch):
    run(*CREATE_MODIG)
    settings.IMPORT_MAX_BYTES = 100  # the web upload limit
    monkeypatch.delenv("IMPORT_MAX_BYTES", raising=False)
    out, _ = run("import_people", str(EXAMPLES / "people.csv"))
    assert last_line(out) == "Importerade 8 personer (8 nya, 0 uppdaterade)"
    monkeypatch.setenv("IMPORT_MAX_BYTES", "100")
    with pytest.raises(CommandError):
        run("import_attendance", str(EXAMPLES / "attendance.csv"), "--programme", "MODIG")


def test_a_missing_file_or_unknown_programme_is_a_clear_error():
    with pytest.raises(CommandError, match="finns inte"):
        run("import_people", "/nonexistent/people.csv")
    with pytest.raises(CommandError, match="Programmet NOPE finns inte"):
        run("import_attendance", str(EXAMPLES / "attendance.csv"), "--programme", "NOPE")


def test_exit_status_from_the_command_line(tmp_path):
    """The real process: exit 0 with the spec's last line, exit 1 on a rejected file."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DEBUG": "true"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]

    def sh(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*manage, *args], env=env, capture_output=True, text=True, timeout=120)

    assert sh("migrate", "-v", "0").returncode == 0
    assert sh(*CREATE_MODIG).returncode == 0
    ok = sh("import_people", str(EXAMPLES / "people.csv"))
    assert ok.returncode == 0, ok.stderr
    assert last_line(ok.stdout) == "Importerade 8 personer (8 nya, 0 uppdaterade)"
    bad = tmp_path / "bad.csv"
    bad.write_text("personnummer;förnamn\n123;x\n", encoding="utf-8")
    rejected = sh("import_people", str(bad))
    assert rejected.returncode == 1
    assert "Obligatoriska kolumner saknas" in rejected.stdout + rejected.stderr
    assert "Traceback" not in rejected.stderr


# --- create_programme ---------------------------------------------------------------------------


def test_create_programme_registers_the_programme_and_its_municipalities():
    run(*CREATE_MODIG, "--case-id", "2019-00123", "--unit-costs", "2019:270,2020:275,2021:280")
    programme = Programme.objects.get(code="MODIG")
    assert programme.name == "Modig – Mer omsorg med digital teknik"
    assert (programme.start_date, programme.end_date) == (dt.date(2019, 4, 1), dt.date(2021, 6, 30))
    assert (programme.funder, programme.case_id) == ("ESF", "2019-00123")
    assert sorted(programme.municipalities.values_list("code", flat=True)) == sorted(
        code for code, _name in MODIG_MUNICIPALITIES
    )
    assert Municipality.objects.get(code="1401").name == "Härryda"
    assert dict(programme.unit_costs.values_list("year", "amount")) == {
        2019: Decimal("270"),
        2020: Decimal("275"),
        2021: Decimal("280"),
    }


def test_create_programme_twice_updates_instead_of_duplicating():
    run(*CREATE_MODIG, "--unit-costs", "2019:270,2020:275")
    out, _ = run(
        "create_programme",
        "--code",
        "MODIG",
        "--name",
        "Modig 2",
        "--from",
        "2019-05-01",
        "--to",
        "2021-12-31",
        "--funder",
        "ESF+",
        "--municipalities",
        "1440:Ale kommun,1481:Mölndal",
        "--unit-costs",
        "2020:300",
    )
    assert last_line(out) == "Programmet MODIG uppdaterades (2 kommuner)."
    programme = Programme.objects.get()
    assert (programme.name, programme.funder, programme.end_date) == (
        "Modig 2",
        "ESF+",
        dt.date(2021, 12, 31),
    )
    assert sorted(programme.municipalities.values_list("code", flat=True)) == ["1440", "1481"]
    assert Municipality.objects.get(code="1440").name == "Ale kommun"
    assert Municipality.objects.count() == 7  # municipalities are kept, only the list changes
    assert dict(programme.unit_costs.values_list("year", "amount")) == {2020: Decimal("300")}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--from", "2019-13-01"), "--from: 2019-13-01 är inte ett datum (ÅÅÅÅ-MM-DD)."),
        (("--to", "30/6 2021"), "--to: 30/6 2021 är inte ett datum (ÅÅÅÅ-MM-DD)."),
        (("--to", "2019-01-01"), "--to (2019-01-01) ligger före --from (2019-04-01)."),
        (("--municipalities", "144:Ale"), "--municipalities: 144:Ale har ingen fyrsiffrig kommunkod"),
        (("--municipalities", "1440:Ale,1440:Ale"), "--municipalities: kommunkoden 1440 finns två gånger."),
        (("--municipalities", "9999"), "--municipalities: kommunen 9999 saknar namn"),
        (("--unit-costs", "2019=270"), "--unit-costs: 2019=270 ska skrivas år:kronor, t.ex. 2019:270."),
        (("--unit-costs", "2019:tvåhundra"), "--unit-costs: 2019:tvåhundra ska skrivas år:kronor"),
        (("--unit-costs", "2030:270"), "Timkostnaden måste gälla ett år inom programmets period."),
        (("--code", "MO DIG"), "Koden får bara innehålla A–Z, 0–9, - och _."),
    ],
)
def test_create_programme_rejects_bad_values_with_a_clear_message(change, message):
    args = list(CREATE_MODIG)
    option, value = change
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert message in str(exc.value)
    assert not Programme.objects.exists()


# --- retention ----------------------------------------------------------------------------------


def test_retention_lists_and_erases_people_of_programmes_past_retention():
    old = ProgrammeFactory(code="OLD", final_payment_date=dt.date(2019, 6, 1))
    gone = PersonFactory(first_name="Gammal")
    AttendanceFactory(person=gone, session=SessionFactory(programme=old))
    out, _ = run("retention")
    assert "Gammal" not in out  # names are not printed, only ids and masked numbers
    assert gone.personnummer_masked in out
    assert last_line(out) == "1 personer har passerat lagringstiden. Kör med --erase för att radera dem."
    out, _ = run("retention", "--erase")
    assert last_line(out) == "Raderade 1 personer."
    gone.refresh_from_db()
    assert gone.personnummer is None and gone.erased_at is not None
    out, _ = run("retention")
    assert last_line(out) == "Ingen har passerat lagringstiden."
