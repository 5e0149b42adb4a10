"""Issue 14: the people import writes only the difference. A re-import of an unchanged file
writes nothing (on SQLite and on PostgreSQL: set DATABASE_URL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ombud.importing import engine, import_people
from ombud.models import Person, Workplace
from tests.factories import make_personnummer

HEADER = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_list(tmp_path, ale, molndal):
    """25 people in two municipalities and four workplaces, some with gender and e-mail."""
    rows = [HEADER]
    for i in range(25):
        number = make_personnummer(i)
        municipality = "Ale" if i % 2 else "1481"
        workplace = f"Hemtjänst {i % 4}"
        gender = ["", "kvinna", "man"][i % 3]
        email = f"p{i}@example.se" if i % 5 else ""
        rows.append(
            f"{number};Förnamn{i};Efternamn{i};{gender};{municipality};{workplace};äldreomsorg;baspersonal;{email}"
        )
    path = tmp_path / "personal.csv"
    path.write_text("\r\n".join(rows) + "\r\n", encoding="utf-8")
    return path


def writes(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote to a table other than the audit log."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE", "COPY")
        and "ombud_auditlog" not in q["sql"]
    ]


def test_a_reimport_of_an_unchanged_file_writes_nothing(staff_list, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 7)
    first = import_people(str(staff_list))
    assert (first.errors, first.created) == ([], 25)
    before = list(Person.objects.order_by("pk").values())
    workplaces = list(Workplace.objects.order_by("pk").values())
    with CaptureQueriesContext(connection) as queries:
        again = import_people(str(staff_list))
    assert again.errors == []
    assert again.committed
    assert (again.total, again.created, again.updated, again.unchanged) == (25, 0, 0, 25)
    assert writes(queries) == []
    # COPY does not go through the query log: the rows themselves are untouched, updated_at too.
    assert list(Person.objects.order_by("pk").values()) == before
    assert list(Workplace.objects.order_by("pk").values()) == workplaces


def test_a_reimport_updates_only_the_changed_person(staff_list, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 7)
    import_people(str(staff_list))
    lines = staff_list.read_text(encoding="utf-8").splitlines()
    lines[9] = lines[9].replace("Efternamn8", "Nytt namn")
    changed = tmp_path / "ändrad.csv"
    changed.write_text("\r\n".join(lines), encoding="utf-8")
    untouched = list(Person.objects.exclude(last_name="Efternamn8").order_by("pk").values())
    with CaptureQueriesContext(connection) as queries:
        result = import_people(str(changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 24)
    assert len(writes(queries)) == 1, writes(queries)
    assert Person.objects.get(first_name="Förnamn8").last_name == "Nytt namn"
    assert list(Person.objects.exclude(first_name="Förnamn8").order_by("pk").values()) == untouched


def test_copy_text_a_column_at_a_time_is_the_same_as_a_value_at_a_time():
    import datetime as dt

    from ombud.importing.writer import _copy_column, _copy_text

    now = dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC)
    rows = [
        (1, "Anna\tmed tabb", None, now, True, dt.date(2020, 1, 2), "närvarande", 7),
        (2, "rad\\ny\nrad", 5, now, False, dt.date(2020, 1, 3), "sen", None),
        (3, "vanlig", None, now, True, dt.date(2020, 1, 3), "sen", None),
    ]
    by_column = [_copy_column(column) for column in zip(*rows, strict=True)]
    assert ["\t".join(row) for row in zip(*by_column, strict=True)] == [
        "\t".join(map(_copy_text, row)) for row in rows
    ]
    assert _copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's (CI runs it)")
def test_a_large_import_refreshes_the_planner_statistics(staff_list, monkeypatch):
    # The staff list's deep pages walk an index only once PostgreSQL knows how many people there
    # are; a large import tells it at once instead of waiting for autovacuum.
    monkeypatch.setattr(engine, "ANALYZE_ABOVE", 25)
    with CaptureQueriesContext(connection) as queries:
        assert import_people(str(staff_list)).created == 25
    assert [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")] == [
        'ANALYZE "ombud_person"'
    ]
    with CaptureQueriesContext(connection) as queries:  # unchanged: nothing written, no ANALYZE
        import_people(str(staff_list))
    assert not [q for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
