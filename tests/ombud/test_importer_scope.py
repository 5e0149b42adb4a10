"""Issue 9 item 1: a scoped people import (a local leader on the web) may create people only in
its municipalities and update only people already registered there. A row naming someone
registered elsewhere is a row error that does not say who; nothing is written."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from ombud.importing import import_people
from ombud.models import Person, Workplace
from ombud.personnummer import formatted
from tests.factories import PersonFactory, WorkplaceFactory, make_personnummer

pytestmark = pytest.mark.django_db

IMPORT = reverse("ombud:person-import")
HEADER = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post\n"
ELSEWHERE = "rad 2: personnummer: finns redan i en annan kommun – kontakta programledaren"


def _file(*rows: str) -> io.BytesIO:
    f = io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode("utf-8"))
    f.name = "personal.csv"
    return f


@pytest.fixture
def yasmin(molndal):
    """Registered in Mölndal: no business of Ale's."""
    workplace = WorkplaceFactory(municipality=molndal, name="Lindome vård- och omsorgsboende")
    return PersonFactory(
        personnummer="196704161006", first_name="Yasmin", last_name="Hansson", workplace=workplace
    )


def _row(number: str, kommun: str = "Ale", first: str = "Yasmin", last: str = "Hansson") -> str:
    return f"{number};{first};{last};;{kommun};Hemtjänst Nödinge;äldreomsorg;baspersonal;"


def _unchanged(person: Person) -> None:
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.municipality_id, fresh.workplace_id, fresh.first_name, fresh.updated_at) == (
        person.municipality_id,
        person.workplace_id,
        person.first_name,
        person.updated_at,
    )


def test_local_leader_cannot_take_over_a_person_of_another_municipality(
    client_as, local_leader_ale, ale, yasmin
):
    people, workplaces = Person.objects.count(), Workplace.objects.count()
    response = client_as(local_leader_ale).post(IMPORT, {"file": _file(_row("19670416-1006"))})
    html = response.content.decode()
    assert response.status_code == 400
    assert ELSEWHERE in html
    assert 'name="token"' not in html
    # The preview does not say who she is or where: only what the uploader typed.
    assert "Mölndal" not in html and "Lindome" not in html
    assert (Person.objects.count(), Workplace.objects.count()) == (people, workplaces)
    _unchanged(yasmin)


def test_the_refusal_does_not_depend_on_the_name_in_the_file(local_leader_ale, ale, yasmin, tmp_path):
    """Any name gives the same answer: the message reveals only that the number is taken."""
    result = import_people(_file(_row("196704161006", first="X", last="Y")), user=local_leader_ale)
    assert result.errors == [ELSEWHERE]
    assert not result.committed and (result.created, result.updated) == (0, 0)
    _unchanged(yasmin)


def test_every_path_with_a_user_is_scoped(local_leader_ale, ale, yasmin):
    """The rule lives in the engine: a caller that forgets to scope cannot skip it."""
    result = import_people(_file(_row("19670416-1006")), user=local_leader_ale, dry_run=True)
    assert result.errors == [ELSEWHERE]


def test_every_foreign_row_is_listed_with_the_other_errors(local_leader_ale, ale, yasmin, molndal):
    other = PersonFactory(workplace=WorkplaceFactory(municipality=molndal))
    result = import_people(
        _file(
            _row(formatted(make_personnummer(500))),
            _row("19670416-1006"),
            _row(formatted(make_personnummer(501)), kommun="Mölndal"),
            _row(other.personnummer),
        ),
        user=local_leader_ale,
    )
    assert result.errors == [
        "rad 3: personnummer: finns redan i en annan kommun – kontakta programledaren",
        "rad 4: kommun: Mölndal är inte en av dina kommuner",
        "rad 5: personnummer: finns redan i en annan kommun – kontakta programledaren",
    ]
    assert not Person.objects.filter(personnummer=make_personnummer(500)).exists()


def test_local_leader_creates_and_updates_people_in_scope(local_leader_ale, ale):
    anna = PersonFactory(workplace=WorkplaceFactory(municipality=ale), first_name="Anna")
    result = import_people(
        _file(_row(anna.personnummer, first="Annie"), _row(formatted(make_personnummer(600)))),
        user=local_leader_ale,
    )
    assert result.errors == []
    assert (result.created, result.updated) == (1, 1)
    assert Person.objects.get(pk=anna.pk).first_name == "Annie"


def test_programme_leader_on_the_web_is_not_scoped(client_as, programme_leader, ale, yasmin):
    client = client_as(programme_leader)
    response = client.post(IMPORT, {"file": _file(_row("19670416-1006"))})
    assert response.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    client.post(IMPORT, {"token": token})
    assert Person.objects.get(pk=yasmin.pk).municipality == ale


def test_the_command_for_it_staff_is_not_scoped(ale, yasmin, tmp_path):
    path = tmp_path / "personal.csv"
    path.write_bytes(_file(_row("19670416-1006")).getvalue())
    out = io.StringIO()
    call_command("import_people", str(path), stdout=out)
    assert "Importerade 1 personer (0 nya, 1 uppdaterade)" in out.getvalue()
    assert Person.objects.get(pk=yasmin.pk).municipality == ale
