"""`outcome_report` (spec §5d): JSON from enkater.counting, the Effektrapport PDF through the
same Celery + WeasyPrint path as the ESF report."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import CommandError, call_command

from enkater.counting import outcome_summary
from ombud.models import TargetGroup
from rapporter import render
from rapporter.models import Report
from tests.enkater.test_counting import answer, participant
from tests.factories import ProgrammeFactory
from tests.rapporter.test_commands import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(ale, molndal):
    from enkater.defaults import ensure_default_surveys

    p = ProgrammeFactory(
        code="MODIG", name="Modig – Mer omsorg med digital teknik", municipalities=[ale, molndal]
    )
    ensure_default_surveys(p)
    # Ale: 6 managers, 4 changed a routine; Mölndal: 3 managers (suppressed), 3 staff.
    for i in range(6):
        answer(p, participant(p, ale), "UPPF-CHEF", rutin="ja" if i < 4 else "nej", leda="ja")
    for _ in range(3):
        answer(p, participant(p, molndal), "UPPF-CHEF", rutin="ja", leda="nej")
    for i in range(6):
        person = participant(p, molndal if i < 3 else ale, TargetGroup.BASE_STAFF)
        answer(p, person, "DIGKOMP", "före", information=2, sakerhet=3)
        answer(p, person, "DIGKOMP", "efter", information=4)
    return p


def run(tmp_path, fmt, *args):
    out = tmp_path / f"effekt.{fmt}"
    call_command("outcome_report", "--programme", "MODIG", "--format", fmt, "--output", str(out), *args)
    return out


def test_json_has_the_spec_keys_in_the_spec_order(programme, tmp_path):
    data = json.loads(run(tmp_path, "json").read_text(encoding="utf-8"))
    assert list(data) == ["programme", "indicators", "by_municipality", "digcomp"]
    assert data["programme"] == {
        "code": "MODIG",
        "name": "Modig – Mer omsorg med digital teknik",
        "from": "2019-04-01",
        "to": "2021-06-30",
    }
    assert data["indicators"][0] == {
        "key": "managers_changed_routine",
        "respondents": 9,
        "yes": 7,
        "share": 0.778,
        "suppressed": False,
    }
    assert [m["code"] for m in data["by_municipality"]] == ["1440", "1481"]
    assert data["by_municipality"][1]["indicators"][0] == {
        "key": "managers_changed_routine",
        "respondents": 3,
        "yes": None,
        "share": None,
        "suppressed": True,
    }
    assert data["digcomp"][0] == {
        "area": "information",
        "pairs": 6,
        "before": 2.0,
        "after": 4.0,
        "suppressed": False,
    }
    assert data == outcome_summary(programme)


def test_json_for_one_municipality(programme, tmp_path):
    data = json.loads(run(tmp_path, "json", "--municipality", "1440").read_text(encoding="utf-8"))
    assert data["indicators"][0]["respondents"] == 6 and data["indicators"][0]["yes"] == 4
    # Ale's three DigComp pairs are under five.
    assert data["digcomp"][0] == {
        "area": "information",
        "pairs": 3,
        "before": None,
        "after": None,
        "suppressed": True,
    }


def test_pdf_is_the_effektrapport_with_suppressed_groups_marked(programme, tmp_path):
    out = run(tmp_path, "pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    text = pdf_text(out)
    assert "Effektrapport" in text
    assert "Modig – Mer omsorg med digital teknik" in text
    assert "77,8 %" in text
    assert "färre än 5 svar" in text
    report = Report.objects.get()
    assert (report.kind, report.status, report.format) == (Report.Kind.OUTCOMES, Report.Status.DONE, "pdf")


def test_a_suppressed_group_never_shows_its_figures(programme):
    summary = outcome_summary(programme)
    html = render.outcome_html(summary, meta={"municipality": None, "generated_at": None}, charts={})
    molndal = html[html.index("Mölndal") :]
    molndal = molndal[: molndal.index("</tr>")]
    assert "färre än 5 svar" in molndal
    # Mölndal's managers: 3 respondents, all ja; neither the 3 yes nor 100 % may appear.
    assert not re.search(r"100[,.]0|\b3 av 3\b", molndal)


def test_bad_format_is_refused_in_swedish(programme, tmp_path):
    with pytest.raises(CommandError, match=r"Okänt format: 'xlsx'\. Välj json eller pdf\."):
        run(tmp_path, "xlsx")
    assert not Report.objects.exists()


def test_the_web_form_orders_the_effektrapport_for_the_whole_programme(
    client_as, coordinator, programme, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    client = client_as(coordinator)
    assert "Effektrapport" in client.get(reverse("rapporter:report-list")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("rapporter:report-list"),
            {
                "kind": "effektrapport",
                "format": "pdf",
                "programme": programme.pk,
                "period_from": "2020-01-01",
                "period_to": "2020-01-31",
            },
        )
    report = Report.objects.get()
    assert (report.kind, report.status) == (Report.Kind.OUTCOMES, Report.Status.DONE)
    # The figures cover the programme's whole period (spec §5c), so the report says so.
    assert (report.period_from, report.period_to) == (programme.start_date, programme.end_date)
    download = client.get(reverse("rapporter:report-download", args=[report.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content if download.streaming else [download.content])[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--programme", "NOPE", "--format", "json"], "Okänt program: 'NOPE'. Kända program: MODIG."),
        (
            ["--programme", "MODIG", "--format", "json", "--municipality", "1480"],
            "Kommunen Göteborg (1480) ingår inte i programmet MODIG.",
        ),
    ],
)
def test_bad_input_gives_a_swedish_error_and_no_file(programme, tmp_path, args, message):
    from tests.factories import MunicipalityFactory

    MunicipalityFactory(code="1480", name="Göteborg")
    out = tmp_path / "out.json"
    with pytest.raises(CommandError) as exc:
        call_command("outcome_report", *args, "--output", str(out))
    assert message in str(exc.value)
    assert not out.exists()
