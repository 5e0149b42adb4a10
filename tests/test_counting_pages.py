"""The spec's worked example, imported with the spec's own commands, shows the same figures on
every page, export and report (issue 10, Deliver 3): each counted thing has one definition
(`kurser.counting`), so no path can count it differently.

The expected figures are the spec example's (examples/summary.json): 6 participants (2 women,
3 men, 1 other), 7.75 participant hours, 3 held sessions, 4.5 session hours, 2 ombud who each
reached 2 colleagues.
"""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ombud.models import Ombud, Person, Role
from rapporter.models import Report
from tests.factories import UserFactory, import_spec_example
from tests.rapporter.spec_expected import spec_summary

pytestmark = pytest.mark.django_db

PARTICIPANTS = {
    "Anna Lindqvist",
    "Kim Berg",
    "Mohammed Haddad",
    "Erik Johansson",
    "Sara Nilsson",
    "Lars Persson",
}
NOT_PARTICIPANTS = {"Birgitta Ek", "Fatima Ali"}  # frånvarande, förhinder
REACH = {"Erik Johansson": 2, "Mohammed Haddad": 2}
TOTALS = spec_summary()["totals"]


@pytest.fixture
def example(db):
    programme = import_spec_example()
    # Both ombud of the example appointed, as a programme leader does after the people import.
    for name in REACH:
        first, last = name.split()
        person = Person.objects.get(first_name=first, last_name=last)
        Ombud.objects.create(person=person, appointed_on=programme.start_date, reach_goal=36)
    return programme


def person(name: str) -> Person:
    first, last = name.split()
    return Person.objects.get(first_name=first, last_name=last)


def page(client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response.content.decode().replace("\xa0", " ")


def squeeze(text: str) -> str:
    """Text as read: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("\xa0", " ").split())


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    return squeeze(out.decode("utf-8"))


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def ordered_report(client, programme, kind: str, fmt: str, on_commit) -> bytes:
    """Order a report on the web (eager Celery, queued on commit), then download it."""
    data = {"kind": kind, "format": fmt, "programme": programme.pk, "period_from": "", "period_to": ""}
    with on_commit(execute=True):
        response = client.post(reverse("rapporter:report-list"), data)
    assert response.status_code == 302
    report = Report.objects.filter(kind=kind, format=fmt).latest("pk")
    assert report.status == Report.Status.DONE
    response = client.get(reverse("rapporter:report-download", args=[report.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_esf_report_json_pdf_and_xlsx_give_the_spec_figures(example, tmp_path):
    out = tmp_path / "esf.json"
    call_command("esf_report", "--programme", "MODIG", "--format", "json", "--output", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["totals"] == TOTALS

    call_command(
        "esf_report", "--programme", "MODIG", "--format", "xlsx", "--output", str(tmp_path / "e.xlsx")
    )
    cover = {
        r[0]: r[1] for r in workbook((tmp_path / "e.xlsx").read_bytes())["Sammanfattning"].values if r[0]
    }
    assert (cover["Deltagare"], cover["Kvinnor"], cover["Män"], cover["Annat"]) == (6, 2, 3, 1)
    assert (cover["Deltagartimmar"], cover["Utbildningstillfällen"], cover["Lärarledda timmar"]) == (
        7.75,
        3,
        4.5,
    )
    assert cover["Digitaliseringsombud som nått kollegor"] == 2

    call_command("esf_report", "--programme", "MODIG", "--format", "pdf", "--output", str(tmp_path / "e.pdf"))
    text = pdf_text((tmp_path / "e.pdf").read_bytes(), tmp_path)
    assert "Totalt (alla deltagare) 6 2 3 1 7,75" in text
    assert "Totalt 3 7,75" in text  # the per-type table's footer: sessions, participant hours
    assert "4,50" in text  # session hours, the cover's key figure
    for name, reached in REACH.items():
        # The cascade per municipality: "Mölndal (1481): 1 ombud Erik Johansson 2".
        assert re.search(rf"\w+ \(\d{{4}}\): \d+ ombud [^()]*?\b{name} {reached}\b", text), name


def test_the_dashboard_and_the_start_page_show_the_spec_figures(example, client_as, coordinator):
    client = client_as(coordinator)
    html = page(client, reverse("rapporter:dashboard"))
    shown = dict(re.findall(r'data-stat="(\w+)">([^<]*)<', html))
    assert shown == {
        "participants": "6",
        "participant_hours": "7,75",
        "sessions": "3",
        "session_hours": "4,50",
        "ombud": "2",
        "municipalities": "2",
    }
    assert "2 kvinnor · 3 män · 1 annat" in html
    # The ombud figure is "ombud who reached someone" (spec §3), named as on the start page and in
    # the PDF, not "Aktiva ombud", which the municipality list uses for appointed, active ombud.
    assert "Ombud som nått kollegor" in html and "Aktiva ombud" not in html
    home = dict(re.findall(r'data-stat="(\w+)">([^<]*)<', page(client, "/")))
    assert home["participants"] == "6" and home["participant_hours"] == "7,75"


def test_the_staff_list_and_its_export_mark_exactly_the_participants_as_trained(
    example, client_as, programme_leader
):
    client = client_as(programme_leader)
    trained = page(client, reverse("ombud:person-list"), {"trained": "ja"})
    untrained = page(client, reverse("ombud:person-list"), {"trained": "nej"})
    for name in PARTICIPANTS:
        first, last = name.split()
        assert f"{last}, {first}" in trained and f"{last}, {first}" not in untrained
    for name in NOT_PARTICIPANTS:
        first, last = name.split()
        assert f"{last}, {first}" in untrained and f"{last}, {first}" not in trained

    response = client.get(reverse("ombud:person-export"))
    assert response.status_code == 200
    rows = list(workbook(b"".join(response.streaming_content)).active.values)
    header = rows[0]
    marked = {
        f"{r[header.index('förnamn')]} {r[header.index('efternamn')]}"
        for r in rows[1:]
        if r[header.index("utbildad")] == "ja"
    }
    assert marked == PARTICIPANTS


def test_every_page_showing_reach_shows_the_reports_cascade(example, client_as, programme_leader):
    client = client_as(programme_leader)
    ombud_list = squeeze(page(client, reverse("ombud:ombud-list")))
    for name, reached in REACH.items():
        p = person(name)
        assert re.search(rf"{p.last_name}, {p.first_name}.*?\b{reached} av 36\b", ombud_list), name
        detail = squeeze(page(client, reverse("ombud:person-detail", args=[p.pk])))
        assert f"{reached} av 36" in detail
        muni = squeeze(page(client, reverse("ombud:municipality-detail", args=[p.municipality_id])))
        assert f"{reached} av 36" in muni
        ombud_client = Client()
        ombud_client.force_login(
            UserFactory(username=f"ombud.{p.first_name.lower()}", role=Role.OMBUD, person=p)
        )
        mine = squeeze(page(ombud_client, reverse("kurser:my-reach")))
        assert f"{reached} av målet 36 kollegor" in mine


def test_the_course_statistics_show_the_reports_tool_figures(example, client_as, programme_leader):
    html = squeeze(
        page(
            client_as(programme_leader),
            reverse("kurser:statistics"),
            {"date_from": "2019-04-01", "date_to": "2021-06-30"},
        )
    )
    # One course per tool in the example: the per-course figures are the report's per-tool ones.
    for row in spec_summary()["by_tool"]:
        hours = f"{row['participant_hours']:.2f}".replace(".", ",")
        assert re.search(rf"{row['sessions']} {row['participants']} {hours}\b", html), row


def test_the_participant_list_and_the_certificates_add_up_to_the_report(
    example, client_as, coordinator, tmp_path, django_capture_on_commit_callbacks
):
    client = client_as(coordinator)
    content = ordered_report(
        client, example, "deltagarforteckning", "xlsx", django_capture_on_commit_callbacks
    )
    rows = list(workbook(content).active.values)
    header, body = rows[0], rows[1:]
    assert len(body) == TOTALS["participants"]
    assert round(sum(r[header.index("Deltagartimmar")] for r in body), 2) == TOTALS["participant_hours"]

    months = {"2019-09": "2,50", "2019-10": "3,25", "2020-03": "2,00"}
    for month, total in months.items():
        out = tmp_path / f"cert-{month}.pdf"
        call_command(
            "attendance_certificates", "--programme", "MODIG", "--month", month, "--output", str(out)
        )
        text = pdf_text(out.read_bytes(), tmp_path)
        shown = re.findall(r"Summa för månaden (\d+,\d\d)", text)
        assert f"{sum(float(h.replace(',', '.')) for h in shown):.2f}".replace(".", ",") == total
