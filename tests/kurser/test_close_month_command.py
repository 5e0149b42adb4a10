"""`close_month --programme CODE --month YYYY-MM [--reopen --reason TEXT]` (spec §4): exit 1 with
one clear line for an unknown programme, a month outside the programme or a month already in
that state; reopening needs a reason; both are audited."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kurser import services
from kurser.models import ClosedMonth
from ombud.models import AuditLog
from tests.factories import CREATE_MODIG

pytestmark = pytest.mark.django_db


@pytest.fixture
def modig():
    call_command(*CREATE_MODIG, stdout=io.StringIO())


def run(*args):
    out = io.StringIO()
    call_command("close_month", *args, stdout=out)
    return out.getvalue().strip()


def refused(*args) -> str:
    with pytest.raises(CommandError) as e:
        run(*args)
    return str(e.value)


def test_closing_a_month_prints_one_line_and_is_audited(modig):
    assert run("--programme", "MODIG", "--month", "2020-03") == "Månaden 2020-03 är stängd i MODIG."
    month = ClosedMonth.objects.get()
    assert (month.month, month.is_closed) == (dt.date(2020, 3, 1), True)
    assert AuditLog.objects.get().detail == {"programme": "MODIG", "month": "2020-03", "closed": True}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--programme", "OKÄND", "--month", "2020-03"), "Programmet OKÄND finns inte."),
        (("--programme", "MODIG", "--month", "2019-03"), str(services.MONTH_OUTSIDE_PROGRAMME)),
        (("--programme", "MODIG", "--month", "9999-12"), str(services.MONTH_OUTSIDE_PROGRAMME)),
        (("--programme", "MODIG", "--month", "mars"), "Ange månaden som ÅÅÅÅ-MM, t.ex. 2020-03."),
        (
            ("--programme", "MODIG", "--month", "2020-03", "--reopen", "--reason", "x"),
            str(services.MONTH_NOT_CLOSED),
        ),
    ],
)
def test_refusals_are_one_clear_line(modig, args, message):
    assert refused(*args) == message
    assert not ClosedMonth.objects.exists()


def test_a_month_already_closed_is_refused(modig):
    run("--programme", "MODIG", "--month", "2020-03")
    assert refused("--programme", "MODIG", "--month", "2020-03") == str(services.MONTH_ALREADY_CLOSED)


def test_reopening_needs_a_reason_and_is_audited(modig):
    run("--programme", "MODIG", "--month", "2020-03")
    assert refused("--programme", "MODIG", "--month", "2020-03", "--reopen") == str(
        services.MONTH_REOPEN_REASON
    )
    assert ClosedMonth.objects.get().is_closed
    out = run("--programme", "modig", "--month", "2020-03", "--reopen", "--reason", "Rättad lista från Ale")
    assert out == "Månaden 2020-03 är öppnad igen i MODIG."
    assert not ClosedMonth.objects.get().is_closed
    assert AuditLog.objects.filter(reason="Rättad lista från Ale", detail__closed=False).count() == 1


def test_a_reason_without_reopen_is_refused(modig):
    assert refused("--programme", "MODIG", "--month", "2020-03", "--reason", "x") == (
        "--reason hör till --reopen: ett skäl anges när en månad öppnas igen."
    )


def test_exit_status_is_1_with_the_message_on_stderr(tmp_path):
    """The real command line, in a fresh database: an unknown programme."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], env=env, check=True)
    done = subprocess.run(
        [sys.executable, "manage.py", "close_month", "--programme", "NEJ", "--month", "2020-03"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["CommandError: Programmet NEJ finns inte."]
