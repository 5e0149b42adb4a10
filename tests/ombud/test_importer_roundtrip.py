"""Issue 10: the staff list exported as XLSX can be edited and imported again; unchanged, it
imports with 0 changes."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from ombud import services
from ombud.importing import import_people, people_summary
from ombud.models import Person
from tests.factories import WorkplaceFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("ombud:person-export")


def _export(client) -> io.BytesIO:
    response = client.get(EXPORT)
    assert response.status_code == 200
    f = io.BytesIO(b"".join(response.streaming_content))
    f.name = "medarbetare.xlsx"
    return f


@pytest.fixture
def staff(ale, molndal):
    nodinge = WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge", sector="äldreomsorg")
    lindome = WorkplaceFactory(municipality=molndal, name="LSS Kvarnbygatan", sector="funktionshinder")
    rows = [
        ("19780314-1121", "Åsa", "Öberg", ale, nodinge, "baspersonal", "", "asa@example.se"),
        ("851102-2355", "Mohammed", "Haddad", ale, nodinge, "digitaliseringsombud", "", ""),
        ("9901094525", "Sara", "Nilsson", molndal, lindome, "operativ chef", "annat", "sara@example.se"),
    ]
    for number, first, last, municipality, workplace, group, gender, email in rows:
        services.person_create(
            personnummer=number,
            first_name=first,
            last_name=last,
            municipality=municipality,
            workplace=workplace,
            target_group=group,
            gender=gender,
            email=email,
        )


def test_an_exported_staff_list_reimports_with_no_changes(client_as, programme_leader, staff):
    before = list(Person.objects.order_by("pk").values())
    result = import_people(_export(client_as(programme_leader)), user=programme_leader)
    assert result.errors == []
    assert people_summary(result) == "Importerade 3 personer (0 nya, 0 uppdaterade)"
    assert list(Person.objects.order_by("pk").values()) == before
    # The export's extra columns are reported, not refused.
    assert result.warnings == ["Okända kolumner hoppas över: kommunkod, utbildad."]


@pytest.mark.xfail(
    strict=True,
    reason="Reported to the lead: the export writes an empty `arbetsplats` for people without a "
    "workplace (strategists, local leaders), and the import requires one (spec §1a).",
)
def test_people_without_a_workplace_reimport_too(client_as, programme_leader, staff, ale):
    services.person_create(
        personnummer="19670416-1006",
        first_name="Yasmin",
        last_name="Hansson",
        municipality=ale,
        workplace=None,
        target_group="strateg",
    )
    result = import_people(_export(client_as(programme_leader)), user=programme_leader)
    assert result.errors == []
