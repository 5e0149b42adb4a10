"""The attendance import obeys the same attendance rules as the tablet (spec §1b, issue 10):
closed months and approved sessions need `--reason` (then audited and reports marked for
re-issue), cancelled sessions are refused and never turned into held ones."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kurser import services
from kurser.importing import import_attendance
from kurser.models import Attendance, ClosedMonth, Session
from ombud.models import AuditLog, Programme
from rapporter.closing import reports_needing_reissue
from rapporter.models import Report
from tests.factories import CREATE_MODIG, ReportFactory
from tests.factories import SPEC_EXAMPLES as EXAMPLES

pytestmark = pytest.mark.django_db

HEADER = "datum,starttid,minuter,kurs,verktyg,nivå,typ,form,kommun,arbetsplats,utbildare,deltagare,närvaro,närvarominuter"
ANNA, KIM = "19780314-1121", "19940217-8942"
SESSION = "2019-09-17,13:00,90,Teams grund,Teams,grund,arbetsplatsutbildning,på plats,Ale,Hemtjänst Nödinge,851102-2355"


@pytest.fixture
def modig():
    call_command(*CREATE_MODIG, stdout=None)
    call_command("import_people", str(EXAMPLES / "people.csv"), stdout=None)
    return Programme.objects.get(code="MODIG")


def write(tmp_path, rows, name="attendance.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def imported(modig, tmp_path):
    """Anna present, Kim late in the Teams session of 2019-09-17 (September 2019)."""
    result = import_attendance(
        write(tmp_path, [f"{SESSION},{ANNA},närvarande,", f"{SESSION},{KIM},sen,60"]), programme=modig
    )
    assert result.errors == []
    return Session.objects.get()


def close_september(modig):
    ClosedMonth.objects.create(programme=modig, month=dt.date(2019, 9, 1))


def changed_file(tmp_path):
    return write(tmp_path, [f"{SESSION},{ANNA},delvis,45", f"{SESSION},{KIM},sen,60"], name="v2.csv")


def state():
    return sorted(Attendance.objects.values_list("person__first_name", "status", "minutes"))


def test_a_change_in_a_closed_month_is_refused_without_a_reason(modig, imported, tmp_path):
    close_september(modig)
    before = state()
    result = import_attendance(changed_file(tmp_path), programme=modig)
    assert result.errors == ["rad 2: närvaro: månaden 2019-09 är stängd"]
    assert state() == before
    assert not AuditLog.objects.filter(action=AuditLog.Action.CHANGE).exists()


def test_a_new_row_in_a_closed_month_is_refused_without_a_reason(modig, tmp_path):
    close_september(modig)
    result = import_attendance(write(tmp_path, [f"{SESSION},{ANNA},närvarande,"]), programme=modig)
    assert result.errors == ["rad 2: närvaro: månaden 2019-09 är stängd"]
    assert not Session.objects.exists() and not Attendance.objects.exists()


def test_reimporting_unchanged_rows_in_a_closed_month_needs_no_reason(modig, imported, tmp_path):
    close_september(modig)
    result = import_attendance(
        write(tmp_path, [f"{SESSION},{ANNA},närvarande,", f"{SESSION},{KIM},sen,60"], name="same.csv"),
        programme=modig,
    )
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_a_change_in_a_closed_month_with_a_reason_is_audited_and_marks_reports(modig, imported, tmp_path):
    close_september(modig)
    report = ReportFactory(programme=modig, status=Report.Status.DONE, finished_at=timezone.now())
    august = ReportFactory(
        programme=modig,
        status=Report.Status.DONE,
        finished_at=timezone.now(),
        period_to=dt.date(2019, 8, 31),
    )
    result = import_attendance(changed_file(tmp_path), programme=modig, reason="Rättad lista från enheten")
    assert result.errors == []
    assert Attendance.objects.get(person__first_name="Anna").minutes == 45
    entry = AuditLog.objects.get(action=AuditLog.Action.CHANGE, reason="Rättad lista från enheten")
    assert entry.detail["closed_month"] == "2019-09"
    assert entry.detail["session"] == imported.pk
    assert list(reports_needing_reissue(programme=modig)) == [report]
    assert august not in reports_needing_reissue(programme=modig)


def test_a_change_of_an_approved_session_is_refused_without_a_reason(
    modig, imported, tmp_path, programme_leader
):
    services.session_approve(session=imported, by=programme_leader)
    result = import_attendance(changed_file(tmp_path), programme=modig)
    assert result.errors == ["rad 2: närvaro: tillfället är godkänt"]
    assert Attendance.objects.get(person__first_name="Anna").minutes == 90
    result = import_attendance(changed_file(tmp_path), programme=modig, reason="Fel i listan")
    assert result.errors == []
    entry = AuditLog.objects.get(action=AuditLog.Action.CHANGE)
    assert entry.reason == "Fel i listan" and entry.detail["approved"] is True


def test_a_row_for_a_cancelled_session_is_refused_and_it_stays_cancelled(modig, imported, tmp_path):
    Session.objects.filter(pk=imported.pk).update(status=Session.Status.CANCELLED)
    result = import_attendance(changed_file(tmp_path), programme=modig, reason="spelar ingen roll")
    assert result.errors == [
        "rad 2: närvaro: tillfället är inställt",
        "rad 3: närvaro: tillfället är inställt",
    ]
    imported.refresh_from_db()
    assert imported.status == Session.Status.CANCELLED


def test_the_command_takes_a_reason(modig, imported, tmp_path, capsys):
    close_september(modig)
    with pytest.raises(CommandError):
        call_command("import_attendance", changed_file(tmp_path), "--programme", "MODIG")
    assert "rad 2: närvaro: månaden 2019-09 är stängd" in capsys.readouterr().err
    call_command(
        "import_attendance", changed_file(tmp_path), "--programme", "MODIG", "--reason", "Rättad lista"
    )
    assert AuditLog.objects.filter(reason="Rättad lista", detail__closed_month="2019-09").count() == 1


def test_the_tablet_refuses_the_same_closed_month_change(modig, imported, programme_leader):
    close_september(modig)
    with pytest.raises(services.ValidationError) as e:
        services.attendance_submit(
            session=imported,
            marks=[
                {
                    "person_id": Attendance.objects.get(person__first_name="Anna").person_id,
                    "status": "delvis",
                    "minutes": 45,
                }
            ],
            client_id=uuid.uuid4(),
            by=programme_leader,
        )
    assert e.value.messages == [str(services.MONTH_CLOSED_REASON)]
