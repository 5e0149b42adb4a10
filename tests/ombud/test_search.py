"""Issue 11 item 5: name search folds å, ä and ö like any letter (SQLite's LIKE does not) and
finds the staff list's own "Efternamn, Förnamn" form. `Person.search` is written by every path
that writes a name."""

from __future__ import annotations

import importlib
import io
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from kurser.selectors import person_search
from ombud import services
from ombud.importing import import_people
from ombud.models import Person
from ombud.search import search_text
from ombud.selectors import PersonFilter, person_list
from tests.factories import PersonFactory, SessionFactory, WorkplaceFactory

pytestmark = pytest.mark.django_db

HEADER = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post\n"


def found(user, q: str) -> list[str]:
    return [p.full_name for p in person_list(user=user, filters=PersonFilter(q=q))]


@pytest.fixture
def people(ale):
    workplace = WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge")
    asa = services.person_create(
        personnummer="19780314-1121",
        first_name="Åsa",
        last_name="Öberg",
        municipality=ale,
        workplace=workplace,
        target_group="baspersonal",
    )
    f = io.BytesIO((HEADER + "19670416-1006;Yasmin;Hansson;;Ale;Hemtjänst Nödinge;;baspersonal;\n").encode())
    f.name = "personal.csv"
    assert import_people(f).errors == []
    services.person_create(
        personnummer="851102-2355",
        first_name="Anna-Karin",
        last_name="Älv",
        municipality=ale,
        workplace=workplace,
        target_group="baspersonal",
    )
    return asa


@pytest.mark.parametrize(
    ("q", "names"),
    [
        ("åsa", ["Åsa Öberg"]),
        ("ÅSA", ["Åsa Öberg"]),
        ("Åsa", ["Åsa Öberg"]),
        ("öberg", ["Åsa Öberg"]),
        ("Öberg, Åsa", ["Åsa Öberg"]),
        ("Hansson, Yasmin", ["Yasmin Hansson"]),
        ("Yasmin Hansson", ["Yasmin Hansson"]),
        ("yas han", ["Yasmin Hansson"]),
        ("karin", ["Anna-Karin Älv"]),
        ("älv, anna-karin", ["Anna-Karin Älv"]),
        ("sa", []),  # a word must start a name, not sit inside it
        ("Hansson, Åsa", []),
    ],
)
def test_names_are_found_in_any_case_and_either_order(programme_leader, people, q, names):
    assert found(programme_leader, q) == names


def test_a_local_leader_still_sees_only_their_own_people(local_leader_ale, people, molndal):
    PersonFactory(first_name="Åsa", last_name="Berg", workplace=WorkplaceFactory(municipality=molndal))
    assert found(local_leader_ale, "åsa") == ["Åsa Öberg"]


def test_the_walk_in_search_uses_the_same_rule(programme_leader, people, ale):
    session = SessionFactory(municipality=ale)
    assert [p.full_name for p in person_search(user=programme_leader, session=session, q="åsa")] == [
        "Åsa Öberg"
    ]
    assert [
        p.full_name for p in person_search(user=programme_leader, session=session, q="Hansson, Yasmin")
    ] == ["Yasmin Hansson"]


def test_an_edited_name_is_found_under_the_new_name(programme_leader, people):
    services.person_update(person=people, first_name="Märta")
    assert found(programme_leader, "märta") == ["Märta Öberg"]
    assert found(programme_leader, "åsa") == []


def test_a_reimport_with_a_new_name_updates_the_search(programme_leader, people):
    f = io.BytesIO((HEADER + "19670416-1006;Yasmin;Ögren;;Ale;Hemtjänst Nödinge;;baspersonal;\n").encode())
    f.name = "v2.csv"
    assert import_people(f).updated == 1
    assert found(programme_leader, "ögren yasmin") == ["Yasmin Ögren"]


def test_an_erased_person_is_not_found_by_the_old_name(programme_leader, people):
    services.person_erase(person=people, user=programme_leader, reason="Begäran om radering")
    assert Person.objects.get(pk=people.pk).search == search_text(
        services.ERASED_FIRST_NAME, services.ERASED_LAST_NAME
    )
    assert "åsa" not in Person.objects.get(pk=people.pk).search


def test_seed_demo_writes_the_search_column():
    call_command("seed_demo", "--scale", "0.05", stdout=StringIO())
    wrong = [
        (p.first_name, p.last_name, p.search)
        for p in Person.objects.all()
        if p.search != search_text(p.first_name, p.last_name)
    ]
    assert Person.objects.exists() and wrong == []


def test_the_migration_fills_existing_rows(people):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ombud_person SET search = ''")
    import ombud.migrations

    # Found by its name, not its number: the number may change when branches are merged.
    [path] = Path(ombud.migrations.__file__).parent.glob("*_person_search.py")
    migration = importlib.import_module(f"ombud.migrations.{path.stem}")
    migration.fill_search(apps, None)
    assert {p.search for p in Person.objects.all()} == {"åsa öberg", "yasmin hansson", "anna karin älv"}


def test_search_text_keeps_swedish_letters_and_folds_case():
    assert search_text("ÅSA", "Öberg-Älv") == "åsa öberg älv"
    assert search_text("A\u030asa", "Lind") == "åsa lind"  # decomposed Å (macOS) is the same letter
