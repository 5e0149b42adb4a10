"""`import_survey_answers` (spec §5b) through the one import engine."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enkater.defaults import ensure_default_surveys
from enkater.importing import import_survey_answers, survey_answers_summary
from enkater.models import Answer, Response, Survey
from ombud.models import TargetGroup
from tests.factories import PersonFactory, ProgrammeFactory, UserFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

HEADER = "personnummer;enkät;moment;datum;rutin;leda;kompetens;information;kommunikation"


@pytest.fixture
def setup(ale, molndal):
    programme = ProgrammeFactory(code="MODIG", municipalities=[ale, molndal])
    chef = PersonFactory(
        workplace=WorkplaceFactory(municipality=ale), target_group=TargetGroup.OPERATIVE_MANAGER
    )
    staff = PersonFactory(
        workplace=WorkplaceFactory(municipality=molndal), target_group=TargetGroup.BASE_STAFF
    )
    return programme, chef, staff


def write(tmp_path, rows, header=HEADER):
    path = tmp_path / "svar.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return str(path)


def run(path, programme, **kwargs):
    return import_survey_answers(path, programme=programme, **kwargs)


def test_a_clean_file_imports_every_row_and_reports_the_spec_line(setup, tmp_path):
    programme, chef, staff = setup
    path = write(
        tmp_path,
        [
            f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;nej;;;",
            f"{staff.personnummer};UPPF-PERSONAL;uppfoljning;2020-06-02;;;JA;;",
            f"{staff.personnummer};DIGKOMP;före;2019-09-01;;;;2;3",
        ],
    )
    result = run(path, programme)
    assert result.errors == []
    assert survey_answers_summary(result) == "Importerade 3 svar (3 nya, 0 uppdaterade)"
    chef_response = Response.objects.get(person=chef)
    assert {a.question.code: a.value for a in chef_response.answers.all()} == {"rutin": "ja", "leda": "nej"}
    digkomp = Response.objects.get(person=staff, survey__code="DIGKOMP")
    assert sorted(a.number for a in digkomp.answers.all()) == [2, 3]


def test_the_same_file_twice_changes_nothing_and_a_changed_row_updates(setup, tmp_path):
    programme, chef, _staff = setup
    row = f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;nej;;;"
    path = write(tmp_path, [row])
    run(path, programme)
    again = run(path, programme)
    assert survey_answers_summary(again) == "Importerade 1 svar (0 nya, 0 uppdaterade)"
    changed = write(tmp_path, [f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;;;;"])
    result = run(changed, programme)
    assert survey_answers_summary(result) == "Importerade 1 svar (0 nya, 1 uppdaterade)"
    # The empty leda cell: the person is no longer a respondent to leda.
    assert list(Answer.objects.values_list("question__code", "value")) == [("rutin", "ja")]
    assert Response.objects.count() == 1


def test_the_command_prints_the_spec_line(setup, tmp_path, capsys):
    _programme, chef, _staff = setup
    path = write(tmp_path, [f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;ja;;;"])
    call_command("import_survey_answers", path, "--programme", "MODIG")
    assert capsys.readouterr().out.strip().splitlines()[-1] == "Importerade 1 svar (1 nya, 0 uppdaterade)"


def test_dry_run_writes_nothing(setup, tmp_path):
    programme, chef, _staff = setup
    path = write(tmp_path, [f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;ja;;;"])
    result = run(path, programme, dry_run=True)
    assert result.errors == [] and result.created == 1
    assert Response.objects.count() == 0


def test_every_bad_row_is_listed_and_nothing_is_written(setup, tmp_path):
    programme, chef, staff = setup
    unknown = PersonFactory.build().personnummer
    path = write(
        tmp_path,
        [
            f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;nej;;;",  # fine
            f"{staff.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;;;;",
            f"{chef.personnummer};UPPF-CHEF;före;2020-06-01;ja;;;;",
            f"{unknown};DIGKOMP;före;2020-06-01;;;;3;",
            f"{chef.personnummer};NYKEL;uppföljning;2020-06-01;ja;;;;",
            f"{chef.personnummer};DIGKOMP;efter;2020-13-01;;;;6;",
            f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-02;kanske;;ja;;",
            f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-02;ja;;;;",
            f"{staff.personnummer};DIGKOMP;efter;2020-06-01;;;;;",
        ],
    )
    result = run(path, programme)
    assert result.errors == [
        "rad 3: enkät: UPPF-CHEF gäller målgruppen operativ chef",
        "rad 4: moment: före är inte ett moment i enkäten UPPF-CHEF (uppföljning)",
        f"rad 5: personnummer: ingen medarbetare med personnumret {unknown} är registrerad "
        "(importera personerna först)",
        "rad 6: enkät: NYKEL är ingen enkät i programmet MODIG (DIGKOMP, UPPF-CHEF, UPPF-PERSONAL)",
        "rad 7: datum: 2020-13-01 är inte ett datum (ÅÅÅÅ-MM-DD)",
        "rad 7: information: 6 är inte ett svar på frågan (1–5)",
        "rad 8: rutin: kanske är inte ett tillåtet värde (ja, nej)",
        "rad 8: kompetens: frågan finns inte i enkäten UPPF-CHEF",
        "rad 8: personnummer: samma person, enkät och moment finns redan på rad 2",
        "rad 9: personnummer: samma person, enkät och moment finns redan på rad 2",
        "rad 10: enkät: raden har inga svar",
    ]
    assert Response.objects.count() == 0
    assert Answer.objects.count() == 0


def test_a_scoped_import_takes_only_people_of_the_users_municipalities(setup, tmp_path, local_leader_ale):
    programme, chef, staff = setup
    path = write(
        tmp_path,
        [
            f"{chef.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;nej;;;",
            f"{staff.personnummer};UPPF-PERSONAL;uppföljning;2020-06-02;;;ja;;",
        ],
    )
    result = run(path, programme, user=local_leader_ale)
    assert result.errors == ["rad 3: personnummer: personen är inte registrerad i någon av dina kommuner"]
    assert Response.objects.count() == 0
    unscoped = run(path, programme, user=UserFactory(username="pl"))
    assert unscoped.errors == []


def test_the_command_exits_1_with_the_row_errors(setup, tmp_path):
    _programme, _chef, staff = setup
    path = write(tmp_path, [f"{staff.personnummer};UPPF-CHEF;uppföljning;2020-06-01;ja;;;;"])
    with pytest.raises(CommandError, match=r"Inget importerades: 1 fel\."):
        call_command("import_survey_answers", path, "--programme", "MODIG", stdout=None)


def test_default_surveys_are_created_once(setup):
    programme, _chef, _staff = setup
    assert ensure_default_surveys(programme) == 3
    assert ensure_default_surveys(programme) == 0
    surveys = {
        s.code: (s.target_group, s.moments, [q.code for q in s.questions.all()]) for s in Survey.objects.all()
    }
    assert surveys == {
        "DIGKOMP": (
            "",
            ["före", "efter"],
            ["information", "kommunikation", "innehall", "sakerhet", "problemlosning"],
        ),
        "UPPF-CHEF": ("operativ chef", ["uppföljning"], ["rutin", "leda"]),
        "UPPF-PERSONAL": ("baspersonal", ["uppföljning"], ["kompetens"]),
    }


def test_the_data_migration_gives_existing_programmes_the_default_surveys(ale):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("enkater.migrations.0002_default_surveys")
    first = ProgrammeFactory(code="A", municipalities=[ale])
    second = ProgrammeFactory(code="B", municipalities=[ale])
    ensure_default_surveys(second)
    migration.forwards(apps, None)
    migration.forwards(apps, None)
    for programme in (first, second):
        assert sorted(programme.surveys.values_list("code", flat=True)) == [
            "DIGKOMP",
            "UPPF-CHEF",
            "UPPF-PERSONAL",
        ]
    assert Survey.objects.count() == 6


def test_an_xlsx_file_with_other_header_spellings(setup, tmp_path):
    from openpyxl import Workbook

    programme, chef, _staff = setup
    wb = Workbook()
    ws = wb.active
    ws.append([" Personnummer", "ENKAT", "Moment", "Datum", "Rutin", "Leda", "Kommentar"])
    ws.append([chef.personnummer, "uppf-chef", "Uppföljning", "2020-06-01", "Ja", "Nej", "bra kurs"])
    path = tmp_path / "svar.xlsx"
    wb.save(path)
    result = run(str(path), programme)
    assert result.errors == []
    assert result.warnings == ["Okända kolumner hoppas över: Kommentar."]
    assert survey_answers_summary(result) == "Importerade 1 svar (1 nya, 0 uppdaterade)"
