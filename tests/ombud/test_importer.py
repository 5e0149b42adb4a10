"""The import engine (spec §1) through the people import (§1a)."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from ombud import importing as importer
from ombud.importing import encodings, engine, import_people, people_summary
from ombud.models import AuditLog, Person, Workplace
from tests.factories import WorkplaceFactory, make_personnummer

HEADER = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post"
ROWS = [
    "19780314-1121;Anna;Lindqvist;kvinna;Ale;Hemtjänst Nödinge;äldreomsorg;baspersonal;anna@example.se",
    "851102-2355;Mohammed;Haddad;;1440;Hemtjänst Nödinge;äldreomsorg;digitaliseringsombud;",
    "9901094525;Sara;Nilsson;;Mölndal;LSS Kvarnbygatan;funktionshinder;baspersonal;sara@example.se",
]


def write(tmp_path, text: str, *, name: str = "people.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def csv_text(rows=ROWS, header=HEADER, sep=";") -> str:
    lines = [header, *rows]
    return "\r\n".join(line.replace(";", sep) for line in lines) + "\r\n"


@pytest.fixture
def municipalities(ale, molndal):
    return ale, molndal


pytestmark = pytest.mark.django_db


# --- containers and encodings -----------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_csv_in_every_encoding_and_separator_imports(tmp_path, municipalities, encoding, sep):
    result = import_people(write(tmp_path, csv_text(sep=sep), encoding=encoding))
    assert result.errors == []
    assert (result.total, result.created, result.updated) == (3, 3, 0)
    anna = Person.objects.get(personnummer="197803141121")
    assert anna.workplace.name == "Hemtjänst Nödinge"
    assert anna.municipality.name == "Ale"
    assert people_summary(result) == "Importerade 3 personer (3 nya, 0 uppdaterade)"


def test_header_names_match_without_case_spaces_or_swedish_letters(tmp_path, municipalities):
    header = " PERSONNUMMER ;Fornamn;EFTERNAMN;Kon;kommun;Arbetsplats;verksamhet;Malgrupp;epost"
    result = import_people(write(tmp_path, csv_text(header=header)))
    assert result.errors == []
    assert result.created == 3


def test_column_order_is_free(tmp_path, municipalities):
    cols = HEADER.split(";")
    order = [8, 7, 6, 5, 4, 3, 2, 1, 0]
    rows = [";".join(r.split(";")[i] for i in order) for r in ROWS]
    result = import_people(write(tmp_path, csv_text(rows=rows, header=";".join(cols[i] for i in order))))
    assert result.errors == []
    assert Person.objects.get(personnummer="198511022355").first_name == "Mohammed"


def test_unknown_columns_are_a_warning_not_an_error(tmp_path, municipalities):
    rows = [r + ";x" for r in ROWS]
    result = import_people(write(tmp_path, csv_text(rows=rows, header=HEADER + ";Anställningsnr")))
    assert result.errors == []
    assert result.warnings == ["Okända kolumner hoppas över: Anställningsnr."]
    assert result.created == 3


def test_missing_required_columns_are_one_error(tmp_path, municipalities):
    header = "personnummer;efternamn;kommun;arbetsplats"
    result = import_people(write(tmp_path, "\n".join([header, "19780314-1121;Lindqvist;Ale;X"])))
    assert result.errors == ["Obligatoriska kolumner saknas: förnamn, målgrupp."]
    assert not Person.objects.exists()


def test_xlsx_first_sheet_imports_with_numbers_as_cells(tmp_path, municipalities):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(";"))
    ws.append([197803141121, "Anna", "Lindqvist", "kvinna", "Ale", "Hemtjänst Nödinge", None, "baspersonal"])
    ws.append(
        [8511022355, "Mohammed", "Haddad", None, 1440, "Hemtjänst Nödinge", None, "digitaliseringsombud"]
    )
    ws.append([None] * 9)  # Excel's trailing empty row
    wb.create_sheet("Annat blad").append(["ignoreras"])
    path = tmp_path / "people.xlsx"
    wb.save(path)
    result = import_people(str(path))
    assert result.errors == []
    assert result.created == 2
    assert Person.objects.get(personnummer="198511022355").gender == "man"


def test_an_uploaded_file_object_is_read_like_a_path(municipalities):
    upload = SimpleUploadedFile("lista.csv", csv_text().encode("cp1252"), content_type="text/csv")
    result = import_people(upload)
    assert result.errors == []
    assert result.filename == "lista.csv"
    assert result.preview[0]["förnamn"] == "Anna"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "people.csv", importer.FILE_EMPTY),
        (b"%PDF-1.4 binary\x00\x01", "people.pdf", importer.FILE_TYPE),
        (b"abc\x00\x00\x01\x02", "people.csv", importer.FILE_BINARY),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "people.xls", importer.FILE_OLD_EXCEL),
        (b"PK\x03\x04not really a workbook", "people.xlsx", importer.FILE_XLSX_BROKEN),
        (b"PK\x03\x04a zip", "people.docx", importer.FILE_TYPE),
        (b"\r\n\r\n", "people.csv", importer.FILE_NO_HEADER),
        (HEADER.encode() + b"\r\n", "people.csv", importer.FILE_NO_ROWS),
    ],
)
def test_bad_containers_give_one_clear_message(tmp_path, municipalities, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    result = import_people(str(path))
    assert result.errors == [str(message)]
    assert not result.committed


def test_a_broken_csv_further_down_is_one_clear_message(tmp_path, municipalities):
    text = csv_text() + '"' + "x" * 200_000 + "\r\n"  # a quote never closed
    result = import_people(write(tmp_path, text))
    assert len(result.errors) == 1
    assert result.errors[0].startswith("CSV-filen kunde inte läsas efter rad")
    assert not Person.objects.exists()


def test_a_missing_file_is_a_message_not_a_traceback(tmp_path, municipalities):
    result = import_people(str(tmp_path / "saknas.csv"))
    assert result.errors == [str(importer.FILE_UNREADABLE)]


def test_a_file_over_the_size_limit_is_refused(tmp_path, municipalities, settings):
    settings.IMPORT_MAX_BYTES = 100
    result = import_people(write(tmp_path, csv_text()))
    assert result.errors == [str(importer.FILE_TOO_LARGE) % {"max": "0"}]


# --- rows: all or nothing -----------------------------------------------------------------------


def test_every_invalid_row_is_listed_with_its_spreadsheet_row_and_nothing_is_written(
    tmp_path, municipalities
):
    rows = [
        ROWS[0],  # row 2: fine
        "19780314-1122;Bo;Ek;;Ale;Hemtjänst Nödinge;;baspersonal;",  # row 3: check digit
        "",  # row 4: empty, skipped but counted
        "19720821-5652;;Johansson;man;Göteborg;LSS;vård;chef;inte-en-adress",  # row 5: five errors
        "556036-0793;Volvo;AB;;Ale;X;;baspersonal;",  # row 6: organisation number
    ]
    result = import_people(write(tmp_path, csv_text(rows=rows)))
    assert result.errors == [
        "rad 3: personnummer: fel kontrollsiffra i personnumret",
        "rad 5: förnamn: värde saknas",
        "rad 5: kommun: Göteborg är inte en registrerad kommun (namn eller fyrsiffrig kommunkod)",
        "rad 5: verksamhet: vård är inte ett tillåtet värde (äldreomsorg, funktionshinder)",
        "rad 5: målgrupp: chef är inte ett tillåtet värde "
        "(strateg, operativ chef, lokal projektledare, digitaliseringsombud, baspersonal)",
        "rad 5: e-post: inte-en-adress är inte en giltig e-postadress",
        "rad 6: personnummer: är ett organisationsnummer, inte ett personnummer",
    ]
    assert not Person.objects.exists()
    assert not Workplace.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_bad_row_after_the_first_batch_rolls_back_the_batches_already_written(
    tmp_path, municipalities, monkeypatch
):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    rows = [*ROWS, "19780314-1122;Bo;Ek;;Ale;X;;baspersonal;"]
    result = import_people(write(tmp_path, csv_text(rows=rows)))
    assert result.errors == ["rad 5: personnummer: fel kontrollsiffra i personnumret"]
    assert not Person.objects.exists()


def test_the_same_personnummer_twice_in_a_file_is_reported(tmp_path, municipalities, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)  # the duplicate is in another batch
    rows = [*ROWS, "780314-1121;Anna;Lindqvist;;Ale;X;;baspersonal;"]
    result = import_people(write(tmp_path, csv_text(rows=rows)))
    assert result.errors == ["rad 5: personnummer: samma personnummer finns redan på rad 2"]
    assert not Person.objects.exists()


def test_dry_run_validates_and_counts_but_writes_nothing(tmp_path, municipalities):
    result = import_people(write(tmp_path, csv_text()), dry_run=True)
    assert result.errors == []
    assert (result.total, result.created) == (3, 3)
    assert not result.committed
    assert not Person.objects.exists()
    assert not Workplace.objects.exists()
    assert result.notes == ["Nya arbetsplatser: Hemtjänst Nödinge, LSS Kvarnbygatan."]


# --- matching and idempotency -------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(tmp_path, municipalities):
    path = write(tmp_path, csv_text())
    first = import_people(path)
    before = list(Person.objects.order_by("pk").values())
    second = import_people(path)
    assert (second.total, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    assert people_summary(second) == "Importerade 3 personer (0 nya, 0 uppdaterade)"
    assert list(Person.objects.order_by("pk").values()) == before
    assert first.committed and second.committed
    assert Workplace.objects.count() == 2


def test_known_personnummer_are_updated_and_counted_only_when_changed(tmp_path, municipalities):
    import_people(write(tmp_path, csv_text()))
    rows = [ROWS[0].replace("baspersonal", "strateg"), ROWS[1], ROWS[2]]
    result = import_people(write(tmp_path, csv_text(rows=rows), name="v2.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert Person.objects.get(personnummer="197803141121").target_group == "strateg"


def test_empty_gender_and_email_keep_stored_values_of_a_known_person(tmp_path, municipalities):
    import_people(write(tmp_path, csv_text()))
    Person.objects.filter(personnummer="198511022355").update(gender="annat", email="m@example.se")
    result = import_people(write(tmp_path, csv_text(), name="again.csv"))
    assert result.updated == 0
    mohammed = Person.objects.get(personnummer="198511022355")
    assert (mohammed.gender, mohammed.email) == ("annat", "m@example.se")


def test_gender_and_birth_date_are_derived_from_the_personnummer(tmp_path, municipalities):
    import_people(write(tmp_path, csv_text()))
    sara = Person.objects.get(personnummer="199901094525")
    assert sara.gender == "kvinna"
    assert str(sara.birth_date) == "1999-01-09"


def test_workplaces_match_case_insensitively_within_the_municipality(tmp_path, ale, molndal):
    existing = WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge", sector="äldreomsorg")
    rows = [ROWS[0].replace("Hemtjänst Nödinge", "HEMTJÄNST NÖDINGE"), ROWS[1]]
    rows.append("9901094525;Sara;Nilsson;;Mölndal;hemtjänst nödinge;;baspersonal;")
    result = import_people(write(tmp_path, csv_text(rows=rows)))
    assert result.errors == []
    assert Person.objects.get(personnummer="197803141121").workplace == existing
    sara = Person.objects.get(personnummer="199901094525")
    assert sara.workplace != existing
    assert sara.workplace.municipality == molndal


def test_municipality_by_name_in_any_case_or_by_code(tmp_path, municipalities):
    rows = [ROWS[0].replace(";Ale;", ";ALE;"), ROWS[1], ROWS[2].replace("Mölndal", "molndal")]
    result = import_people(write(tmp_path, csv_text(rows=rows)))
    assert result.errors == []


def test_target_group_and_gender_accept_any_case(tmp_path, municipalities):
    rows = [ROWS[0].replace("kvinna", "Kvinna").replace("baspersonal", "Baspersonal"), ROWS[1], ROWS[2]]
    rows[1] = rows[1].replace("digitaliseringsombud", "DIGITALISERINGSOMBUD")
    result = import_people(write(tmp_path, csv_text(rows=rows)))
    assert result.errors == []
    assert Person.objects.get(personnummer="198511022355").target_group == "digitaliseringsombud"


def test_a_committed_import_is_written_to_the_audit_log(tmp_path, municipalities, programme_leader):
    import_people(write(tmp_path, csv_text()), user=programme_leader)
    entry = AuditLog.objects.get()
    assert entry.action == AuditLog.Action.IMPORT
    assert entry.user == programme_leader
    assert entry.detail["created"] == 3


# --- bounded work -------------------------------------------------------------------------------


def _big_file(tmp_path, n: int, name: str) -> str:
    rows = [
        f"{make_personnummer(i)};Förnamn{i};Efternamn;;{'Ale' if i % 2 else '1481'};Enhet {i % 7};;baspersonal;"
        for i in range(n)
    ]
    return write(tmp_path, csv_text(rows=rows), name=name)


def test_query_count_does_not_grow_with_rows(tmp_path, municipalities):
    small, large = _big_file(tmp_path, 10, "small.csv"), _big_file(tmp_path, 1000, "large.csv")
    with CaptureQueriesContext(connection) as q_small:
        assert import_people(small).errors == []
    with CaptureQueriesContext(connection) as q_large:
        result = import_people(large)
    assert result.errors == []
    assert result.created == 990
    # Only the database's own insert batching (SQLite: a few hundred values per INSERT) adds
    # statements; nothing is queried per row.
    assert len(q_large) <= len(q_small) + 15, [q["sql"][:80] for q in q_large.captured_queries]


def test_the_large_import_stays_within_a_fixed_number_of_queries(
    tmp_path, municipalities, django_assert_max_num_queries
):
    path = _big_file(tmp_path, 1000, "large.csv")
    with django_assert_max_num_queries(30):
        assert import_people(path).created == 1000
    with django_assert_max_num_queries(12):
        assert import_people(path).unchanged == 1000


def test_preview_holds_the_first_rows_by_column_label(tmp_path, municipalities):
    result = import_people(write(tmp_path, csv_text()), dry_run=True)
    assert result.columns[:3] == ["personnummer", "förnamn", "efternamn"]
    assert result.preview[1]["personnummer"] == "851102-2355"
    assert len(result.preview) == 3


def test_stream_decoding_handles_chunks_across_multibyte_letters():
    text = "å" * 700_000 + "\nslut"
    lines = list(encodings.decoded_lines(io.BytesIO(text.encode("utf-8")), "utf-8-sig"))
    assert lines == ["å" * 700_000 + "\n", "slut"]
