"""`esf_report` (spec §3) and `attendance_certificates` (spec §4) as a user runs them."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ombud.models import UnitCost
from rapporter.models import Report
from tests.factories import CREATE_MODIG, MunicipalityFactory, import_spec_example
from tests.modig.test_celery_worker import real_worker  # noqa: F401 - the real-worker fixture
from tests.rapporter.spec_expected import spec_summary_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(db):
    """The spec's example imported with the spec's own commands."""
    return import_spec_example()


def esf(tmp_path, fmt: str, *args: str, name: str | None = None):
    out = tmp_path / (name or f"esf.{fmt}")
    call_command("esf_report", "--programme", "MODIG", "--format", fmt, "--output", str(out), *args)
    return out


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    return text.decode("utf-8").replace("\xa0", " ").replace("\u202f", " ")


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


# --- JSON ------------------------------------------------------------------------------------


def test_json_of_the_spec_example_is_the_spec_file_byte_for_byte(example, tmp_path):
    out = esf(tmp_path, "json")
    assert out.read_text(encoding="utf-8") == spec_summary_text()
    assert not Report.objects.exists()  # JSON is written directly, no job


def test_json_with_period_and_municipality(example, tmp_path):
    out = esf(tmp_path, "json", "--from", "2019-10-01", "--to", "2020-12-31", "--municipality", "1481")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["programme"]["from"] == "2019-10-01"
    # Exactly the spec's keys: the scope is what the caller asked for.
    assert list(data["programme"]) == ["code", "name", "from", "to"]
    # Mölndal participants: Erik (ombudsutbildning 2019-10-01), Sara and Lars (2020-03-12).
    assert data["totals"]["participants"] == 3
    assert data["totals"]["participant_hours"] == 3.25
    # Sessions held in Mölndal in the period: both Mölndal sessions.
    assert data["totals"]["sessions"] == 2
    assert data["totals"]["session_hours"] == 3.0


def test_json_with_unit_costs_has_cofinancing(example, tmp_path):
    call_command(*CREATE_MODIG, "--unit-costs", "2019:270,2020:275,2021:280")
    assert UnitCost.objects.count() == 3
    data = json.loads(esf(tmp_path, "json").read_text(encoding="utf-8"))
    # 2019: 90 + 60 + 120 + 75 minutes = 5.75 h × 270; 2020: 60 + 60 = 2 h × 275.
    assert data["cofinancing"] == [
        {"year": 2019, "participant_hours": 5.75, "unit_cost": 270, "value": 1552.5},
        {"year": 2020, "participant_hours": 2.0, "unit_cost": 275, "value": 550.0},
        {"year": 2021, "participant_hours": 0.0, "unit_cost": 280, "value": 0.0},
    ]
    assert data["cofinancing_total"] == 2102.5


# --- PDF and XLSX through the report job ------------------------------------------------------


def test_pdf_is_a_real_pdf_with_the_numbers(example, tmp_path):
    out = esf(tmp_path, "pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    text = pdf_text(out)
    assert "ESF-sammanställning" in text
    assert "Modig – Mer omsorg med digital teknik" in text
    assert "2019-04-01 – 2021-06-30" in text
    assert "7,75" in text and "4,50" in text
    assert re.search(r"Mölndal\s+1481\s+3\s+1\s+2\s+0\s+3,25", text)
    assert re.search(r"Ale\s+1440\s+3\s+1\s+1\s+1\s+4,50", text)
    assert re.search(r"Mölndal \(1481\): 1 ombud\s+Erik Johansson 2", text)  # the cascade, per municipality
    assert "samfinansiering ej konfigurerad" in text.lower()
    report = Report.objects.get()
    assert report.status == Report.Status.DONE and report.format == "pdf"
    assert report.requested_by is None


def test_xlsx_cells_equal_the_json_numbers(example, tmp_path):
    data = json.loads(esf(tmp_path, "json").read_text(encoding="utf-8"))
    wb = load_workbook(esf(tmp_path, "xlsx"))
    rows = list(wb["Kommuner"].iter_rows(min_row=2, values_only=True))
    assert rows == [
        (m["code"], m["name"], m["participants"], m["women"], m["men"], m["other"], m["participant_hours"])
        for m in data["by_municipality"]
    ]
    cover = {r[0]: r[1] for r in wb["Sammanfattning"].iter_rows(min_row=2, values_only=True) if r[0]}
    assert cover["Deltagare"] == data["totals"]["participants"] == 6
    assert cover["Deltagartimmar"] == data["totals"]["participant_hours"] == 7.75
    kaskad = list(wb["Kaskad"].iter_rows(min_row=2, values_only=True))
    names = {m["code"]: m["name"] for m in data["by_municipality"]}
    assert kaskad == [
        (c["ombud"], names[c["municipality"]], c["municipality"], c["reached"]) for c in data["cascade"]
    ]


def test_municipality_pdf_shows_the_municipality_on_the_cover(example, tmp_path):
    text = pdf_text(esf(tmp_path, "pdf", "--municipality", "1440"))
    assert "Ale (1440)" in text
    assert re.search(r"Ale\s+1440\s+3\s+1\s+1\s+1\s+4,50", text)
    assert "Mölndal" not in text.split("Deltagare per kommun")[1].split("Åldersgrupp")[0]


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "NOPE", "--format", "json"], "Okänt program: 'NOPE'"),
        (["--programme", "MODIG", "--format", "docx"], "Okänt format: 'docx'. Välj json, pdf eller xlsx."),
        (["--programme", "MODIG", "--format", "json", "--from", "2020-13-01"], "Ogiltigt datum för --from"),
        (
            ["--programme", "MODIG", "--format", "json", "--from", "2020-06-01", "--to", "2020-01-01"],
            "Periodens startdatum ligger efter slutdatumet.",
        ),
        (
            ["--programme", "MODIG", "--format", "pdf", "--from", "2019-01-01"],
            "Perioden ligger utanför programmets period (2019-04-01 – 2021-06-30).",
        ),
        (["--programme", "MODIG", "--format", "json", "--municipality", "9999"], "Okänd kommun: '9999'"),
        (
            ["--programme", "MODIG", "--format", "json", "--municipality", "1480"],
            "Kommunen Göteborg (1480) ingår inte i programmet MODIG.",
        ),
    ],
)
def test_bad_input_gives_a_swedish_error_and_no_file(example, tmp_path, args, message):
    MunicipalityFactory(code="1480", name="Göteborg")
    out = tmp_path / "out.file"
    with pytest.raises(CommandError) as exc:
        call_command("esf_report", *args, "--output", str(out))
    assert message in str(exc.value)
    assert not out.exists()
    assert not Report.objects.exists()


def test_a_failed_job_reports_its_reason_and_writes_no_file(example, tmp_path, monkeypatch):
    from rapporter import render

    monkeypatch.setattr(render, "esf_pdf", lambda *a, **k: 1 / 0)
    out = tmp_path / "esf.pdf"
    with pytest.raises(CommandError) as exc:
        call_command("esf_report", "--programme", "MODIG", "--format", "pdf", "--output", str(out))
    assert "misslyckades: Rapporten kunde inte skapas (ZeroDivisionError)" in str(exc.value)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


# --- attendance certificates ------------------------------------------------------------------


def test_attendance_certificates_one_page_per_participant(example, tmp_path):
    out = tmp_path / "sep.pdf"
    call_command(
        "attendance_certificates", "--programme", "MODIG", "--month", "2019-09", "--output", str(out)
    )
    # September 2019: Anna (närvarande) and Kim (sen); Birgitta was absent.
    assert pdf_pages(out) == 2
    text = pdf_text(out)
    assert "Anna Lindqvist" in text and "Kim Berg" in text and "Birgitta" not in text
    assert "september 2019" in text
    assert "2019-09-17" in text and "Teams grund" in text
    assert re.search(r"Summa för månaden\s+1,50", text)
    assert re.search(r"Summa för månaden\s+1,00", text)
    assert text.count("Deltagarens underskrift") == 2
    assert "19780314-****" in text


def test_attendance_certificates_for_one_municipality(example, tmp_path):
    out = tmp_path / "mar.pdf"
    call_command(
        "attendance_certificates",
        "--programme",
        "MODIG",
        "--month",
        "2020-03",
        "--municipality",
        "1481",
        "--output",
        str(out),
    )
    assert pdf_pages(out) == 2  # Sara and Lars; Fatima had förhinder
    text = pdf_text(out)
    assert "Sara Nilsson" in text and "Lars Persson" in text and "Fatima" not in text


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2019-13", "Ogiltig månad för --month: '2019-13' (skriv ÅÅÅÅ-MM)."),
        ("2020-3", "Ogiltig månad för --month: '2020-3' (skriv ÅÅÅÅ-MM)."),  # read as on the web
        ("2019-03", "Månaden 2019-03 ligger utanför programmets period (2019-04-01 – 2021-06-30)."),
    ],
)
def test_attendance_certificates_bad_month(example, tmp_path, month, message):
    out = tmp_path / "x.pdf"
    with pytest.raises(CommandError) as exc:
        call_command(
            "attendance_certificates", "--programme", "MODIG", "--month", month, "--output", str(out)
        )
    assert str(exc.value) == message
    assert not out.exists()


# --- with a real broker and worker (CI; skipped locally without PostgreSQL and Redis) -----------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("real_worker")
def test_with_a_broker_the_command_queues_the_job_and_waits_for_the_worker(tmp_path, capsys):
    import_spec_example()
    out = tmp_path / "esf.xlsx"
    call_command(
        "esf_report", "--programme", "MODIG", "--format", "xlsx", "--output", str(out), "--timeout", "90"
    )
    assert "Rapport #" in capsys.readouterr().err  # progress while waiting
    cover = {r[0]: r[1] for r in load_workbook(out)["Sammanfattning"].iter_rows(values_only=True) if r[0]}
    assert cover["Deltagartimmar"] == 7.75
    report = Report.objects.get()
    assert report.status == Report.Status.DONE
