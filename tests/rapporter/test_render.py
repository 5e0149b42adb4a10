"""Renderers: PDF, XLSX and JSON of the same data show the same numbers."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess

import pytest
from openpyxl import load_workbook

from ombud.formatting import num
from ombud.models import UnitCost
from rapporter import render
from rapporter.queries import certificates, esf_summary, participant_list
from rapporter.services import esf_charts
from tests.factories import load_spec_example, modig_programme

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    return out.decode("utf-8")


def pdf_pages(content: bytes, tmp_path) -> int:
    path = tmp_path / "p.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture
def prog():
    p = modig_programme(case_id="2019/00123")
    load_spec_example(p)
    UnitCost.objects.create(programme=p, year=2019, amount=270)
    UnitCost.objects.create(programme=p, year=2020, amount=275)
    return p


# The labels users read, the same in the PDF, the XLSX and on the dashboard (issue 11 item 8).
GROUP_LABELS = {
    "strateg": "Strateg",
    "operativ chef": "Operativ chef",
    "lokal projektledare": "Lokal projektledare",
    "digitaliseringsombud": "Digitaliseringsombud",
    "baspersonal": "Baspersonal",
}
TYPE_LABELS = {
    "ombudsutbildning": "Ombudsutbildning",
    "arbetsplatsutbildning": "Arbetsplatsutbildning",
    "chefsutbildning": "Chefsutbildning",
}

META = {"funder": "ESF", "case_id": "2019/00123", "municipality": None, "title": "ESF-sammanställning"}


def test_pdf_xlsx_and_json_show_identical_numbers(prog, tmp_path):
    summary = esf_summary(programme=prog)
    args = (prog, prog.start_date, prog.end_date, None)
    meta = {**META, "generated_at": dt.datetime(2021, 7, 1, 12, 0)}
    as_json = json.loads(render.to_json(summary))
    wb = load_workbook(filename=__import__("io").BytesIO(render.esf_xlsx(summary, meta=meta)))
    text = pdf_text(render.esf_pdf(summary, meta=meta, charts=esf_charts(prog, summary, args)), tmp_path)
    text = " ".join(text.split())  # pdftotext -layout spacing is not ours to test

    assert as_json == summary

    def cells(sheet):
        return [list(r) for r in wb[sheet].iter_rows(min_row=2, values_only=True)]

    def pdf_row(*values) -> str:
        shown = (v if isinstance(v, str) else num(v, 2 if isinstance(v, float) else 0) for v in values)
        return " ".join(shown).replace("\xa0", " ")

    for m, row in zip(summary["by_municipality"], cells("Kommuner"), strict=True):
        values = [m["participants"], m["women"], m["men"], m["other"], m["participant_hours"]]
        assert row == [m["code"], m["name"], *values]
        assert pdf_row(m["name"], m["code"], *values) in text
    for a, row in zip(summary["by_age_band"], cells("Åldersgrupper"), strict=True):
        values = [a["participants"], a["women"], a["men"], a["other"]]
        assert row == [a["band"], *values]
        assert pdf_row(a["band"], *values) in text
    for g, row in zip(summary["by_target_group"], cells("Målgrupper"), strict=True):
        values = [g["participants"], g["women"], g["men"], g["other"], g["participant_hours"]]
        assert row == [GROUP_LABELS[g["group"]], *values]
        assert pdf_row(GROUP_LABELS[g["group"]], *values) in text
    for t, row in zip(summary["by_type"], cells("Utbildningstyper"), strict=True):
        assert row == [TYPE_LABELS[t["type"]], t["sessions"], t["participant_hours"]]
        assert pdf_row(TYPE_LABELS[t["type"]], t["sessions"], t["participant_hours"]) in text
    for t, row in zip(summary["by_tool"], cells("Verktyg"), strict=True):
        values = [t["sessions"], t["participants"], t["participant_hours"]]
        assert row == [t["tool"], *values]
        assert pdf_row(t["tool"], *values) in text
    names = {"1440": "Ale", "1481": "Mölndal"}
    for c, row in zip(summary["cascade"], cells("Kaskad"), strict=True):
        assert row == [c["ombud"], names[c["municipality"]], c["municipality"], c["reached"]]
        # The PDF lists the cascade per municipality ("Ale (1440): 1 ombud", then "Namn 3").
        assert f"{names[c['municipality']]} ({c['municipality']}): " in text
        assert pdf_row(c["ombud"], c["reached"]) in text
    cof = cells("Samfinansiering")
    for c, row in zip(summary["cofinancing"], cof, strict=False):
        assert row == [c["year"], c["participant_hours"], c["unit_cost"], c["value"]]
        assert pdf_row(str(c["year"]), c["participant_hours"], float(c["unit_cost"]), c["value"]) in text
    assert cof[-1][-1] == summary["cofinancing_total"] == 2102.5
    assert "Totalt 2 102,50" in text
    assert "2019/00123" in text


def test_cofinancing_pdf_and_xlsx_print_the_hours_the_value_is_computed_from(prog, tmp_path):
    """Spec §3: value = the printed (rounded) hours × the printed cost, in both files."""
    summary = esf_summary(programme=prog)
    summary["cofinancing"] = [
        {"year": 2020, "participant_hours": 6083.58, "unit_cost": 270, "value": 1642566.6}
    ]
    summary["cofinancing_total"] = 1642566.6
    wb = load_workbook(filename=__import__("io").BytesIO(render.esf_xlsx(summary, meta=META)))
    rows = [list(r) for r in wb["Samfinansiering"].iter_rows(values_only=True)]
    assert rows[0] == ["År", "Deltagartimmar", "Kronor per timme", "Värde (kr)"]
    assert rows[1] == [2020, 6083.58, 270, 1642566.6]
    text = pdf_text(render.esf_pdf(summary, meta={**META, "generated_at": None}, charts={}), tmp_path)
    assert "2020 6 083,58 270,00 1 642 566,60" in " ".join(text.replace("\xa0", " ").split())


def test_xlsx_has_bold_headers_and_number_formats(prog):
    summary = esf_summary(programme=prog)
    wb = load_workbook(filename=__import__("io").BytesIO(render.esf_xlsx(summary, meta=META)))
    assert wb.sheetnames == [
        "Sammanfattning",
        "Kommuner",
        "Åldersgrupper",
        "Målgrupper",
        "Utbildningstyper",
        "Verktyg",
        "Kaskad",
        "Samfinansiering",
    ]
    ws = wb["Kommuner"]
    assert all(c.font.bold for c in ws[1])
    assert ws["C2"].number_format == render.INT_FORMAT
    assert ws["G6"].number_format == render.HOURS_FORMAT
    assert isinstance(ws["G6"].value, float)
    assert ws.freeze_panes == "A2"


def test_without_unit_costs_both_renderers_say_cofinancing_is_not_configured(tmp_path):
    p = modig_programme()
    load_spec_example(p)
    summary = esf_summary(programme=p)
    wb = load_workbook(filename=__import__("io").BytesIO(render.esf_xlsx(summary, meta=META)))
    assert "Samfinansiering" not in wb.sheetnames
    assert ("Samfinansiering", "samfinansiering ej konfigurerad") in [
        r[:2] for r in wb["Sammanfattning"].iter_rows(values_only=True)
    ]
    text = pdf_text(render.esf_pdf(summary, meta={**META, "generated_at": None}, charts={}), tmp_path)
    assert "samfinansiering ej konfigurerad" in text.lower()


def test_certificates_pdf_has_one_page_per_participant_with_a_signature_line(prog, tmp_path):
    people = certificates(prog, "2020-03")
    meta = {
        "programme": {"code": "MODIG", "name": prog.name, "funder": "ESF", "case_id": ""},
        "month": dt.date(2020, 3, 1),
    }
    content = render.certificates_pdf(people, meta=meta)
    assert pdf_pages(content, tmp_path) == len(people) == 2
    text = pdf_text(content, tmp_path)
    assert "mars 2020" in text
    assert text.count("Deltagarens underskrift") == 2


def test_certificates_pdf_without_participants_says_so(prog, tmp_path):
    meta = {"programme": {"code": "MODIG", "name": prog.name}, "month": dt.date(2021, 1, 1)}
    text = pdf_text(render.certificates_pdf([], meta=meta), tmp_path)
    assert "Inga deltagare med närvaro under januari 2021" in text


def test_participant_list_shows_full_personnummer(prog, tmp_path):
    rows = participant_list(prog)
    meta = {
        "programme": {"code": "MODIG", "name": prog.name},
        "period": "2019-04-01 – 2021-06-30",
        "municipality": None,
    }
    text = pdf_text(render.participants_pdf(rows, meta=meta), tmp_path)
    assert "19780314-1121" in text
    wb = load_workbook(filename=__import__("io").BytesIO(render.participants_xlsx(rows, meta=meta)))
    pnrs = [r[0] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    assert "19780314-1121" in pnrs and len(pnrs) == 6


def test_participant_list_xlsx_shows_the_labels_the_pdf_and_pages_use(prog):
    rows = participant_list(prog)
    wb = load_workbook(filename=__import__("io").BytesIO(render.participants_xlsx(rows, meta={})))
    values = list(wb.active.iter_rows(values_only=True))
    header, anna = values[0], next(r for r in values if r[0] == "19780314-1121")
    assert (anna[header.index("Kön")], anna[header.index("Målgrupp")]) == ("Kvinna", "Baspersonal")


def test_json_renderer_writes_dates_and_swedish_letters():
    assert render.to_json({"å": dt.date(2020, 1, 2)}) == '{\n "å": "2020-01-02"\n}'.encode()


# --- issue 14 item 3: the cascade stays compact at 3,000 ombud ----------------------------------


def test_esf_pdf_lists_3000_ombud_compactly_per_municipality(prog, tmp_path):
    from rapporter import charts
    from rapporter.services import top_reach

    summary = esf_summary(programme=prog)
    codes = [m["code"] for m in summary["by_municipality"]]
    summary["cascade"] = [
        {"ombud": f"Ombud Nummer{i:04d}", "municipality": codes[i % len(codes)], "reached": 1 + i % 40}
        for i in range(3000)
    ]
    reach = [{**c, "goal": 36} for c in summary["cascade"]]
    chart = {"ombud": charts.reach_per_ombud_chart(top_reach(reach))}
    content = render.esf_pdf(summary, meta={**META, "generated_at": None}, charts=chart)
    text = " ".join(pdf_text(content, tmp_path).replace("\xa0", " ").split())

    assert pdf_pages(content, tmp_path) <= 16  # a 3,000-row table alone took about 70 pages
    # Every ombud is still listed, with the number reached, under its municipality.
    assert all(f"{c['ombud']} {c['reached']}" in text for c in summary["cascade"])
    in_molndal = sum(c["municipality"] == "1481" for c in summary["cascade"])
    assert in_molndal > 400 and f"Mölndal (1481): {in_molndal} ombud" in text
    # The chart shows the ombud who reached most, not 3,000 bars.
    assert "De 20 digitaliseringsombud som nått flest kollegor" in text
