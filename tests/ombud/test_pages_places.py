"""Municipalities, workplaces and programmes pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ombud.models import Municipality, Programme, Workplace
from tests.factories import (
    MunicipalityFactory,
    OmbudFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db

MUNICIPALITIES = reverse("ombud:municipality-list")
PROGRAMMES = reverse("ombud:programme-list")


def html_of(response) -> str:
    return response.content.decode()


# --- municipalities --------------------------------------------------------------------------


def test_municipality_list_counts_people_workplaces_and_ombud(client_as, programme_leader, ale, molndal):
    wp1, wp2 = WorkplaceFactory(municipality=ale), WorkplaceFactory(municipality=ale)
    for wp in (wp1, wp1, wp2):
        PersonFactory(workplace=wp)
    OmbudFactory(person__workplace=wp2)
    response = client_as(programme_leader).get(MUNICIPALITIES)
    assert response.status_code == 200
    row = next(m for m in response.context["municipalities"] if m.pk == ale.pk)
    assert (row.n_people, row.n_workplaces, row.n_ombud) == (4, 2, 1)
    other = next(m for m in response.context["municipalities"] if m.pk == molndal.pk)
    assert (other.n_people, other.n_workplaces, other.n_ombud) == (0, 0, 0)


def test_local_leader_sees_only_own_municipality(client_as, local_leader_ale, ale, molndal):
    response = client_as(local_leader_ale).get(MUNICIPALITIES)
    assert [m.pk for m in response.context["municipalities"]] == [ale.pk]
    assert "Lägg till kommun" not in html_of(response)


def test_municipality_list_is_for_leaders_only(client_as, ombud_molndal, coordinator, outsider):
    for user in (ombud_molndal, coordinator, outsider):
        assert client_as(user).get(MUNICIPALITIES).status_code == 403


def _fill(municipality, n: int) -> None:
    workplaces = [WorkplaceFactory(municipality=municipality) for _ in range(2)]
    for i in range(n):
        PersonFactory(workplace=workplaces[i % 2])
    OmbudFactory(person__workplace=workplaces[0])


def test_municipality_list_query_count_is_flat(client_as, programme_leader, django_assert_max_num_queries):
    client = client_as(programme_leader)
    _fill(MunicipalityFactory(), 5)
    with CaptureQueriesContext(connection) as small:
        client.get(MUNICIPALITIES)
    for _ in range(3):
        _fill(MunicipalityFactory(), 50)
    with django_assert_max_num_queries(len(small)):
        assert client.get(MUNICIPALITIES).status_code == 200


def test_municipality_page_lists_workplaces_and_ombud(client_as, local_leader_ale, ale):
    wp = WorkplaceFactory(municipality=ale, name="Gruppbostad LSS Nödinge")
    ombud = OmbudFactory(person__workplace=wp)
    html = html_of(client_as(local_leader_ale).get(reverse("ombud:municipality-detail", args=[ale.pk])))
    assert "Gruppbostad LSS Nödinge" in html and ombud.person.full_name in html


def test_municipality_page_query_count_is_flat(
    client_as, programme_leader, ale, django_assert_max_num_queries
):
    client = client_as(programme_leader)
    url = reverse("ombud:municipality-detail", args=[ale.pk])
    _fill(ale, 5)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(5):
        _fill(ale, 10)
    with django_assert_max_num_queries(len(small)):
        assert client.get(url).status_code == 200


def test_municipality_page_outside_scope_is_404_and_wrong_role_403(
    client_as, local_leader_ale, outsider, ombud_molndal, molndal
):
    url = reverse("ombud:municipality-detail", args=[molndal.pk])
    assert client_as(local_leader_ale).get(url).status_code == 404
    assert client_as(outsider).get(url).status_code == 404
    assert client_as(ombud_molndal).get(url).status_code == 403


def test_programme_leader_adds_and_edits_a_municipality(client_as, programme_leader):
    client = client_as(programme_leader)
    response = client.post(reverse("ombud:municipality-create"), {"code": "1480", "name": "Göteborg"})
    m = Municipality.objects.get(code="1480")
    assert response.status_code == 302
    response = client.post(reverse("ombud:municipality-edit", args=[m.pk]), {"name": "Göteborgs stad"})
    m.refresh_from_db()
    assert response.status_code == 302 and m.name == "Göteborgs stad" and m.code == "1480"


def test_municipality_bad_code_is_400(client_as, programme_leader, local_leader_ale):
    response = client_as(programme_leader).post(
        reverse("ombud:municipality-create"), {"code": "14", "name": "X"}
    )
    assert response.status_code == 400 and "Kommunkoden ska vara fyra siffror." in html_of(response)
    assert client_as(local_leader_ale).get(reverse("ombud:municipality-create")).status_code == 403


# --- workplaces ------------------------------------------------------------------------------


def test_local_leader_adds_and_renames_a_workplace(client_as, local_leader_ale, ale):
    client = client_as(local_leader_ale)
    response = client.post(
        reverse("ombud:workplace-create", args=[ale.pk]), {"name": "Hemtjänst Surte", "sector": "äldreomsorg"}
    )
    assert response.status_code == 302
    wp = Workplace.objects.get(name="Hemtjänst Surte")
    assert wp.municipality == ale and wp.sector == "äldreomsorg"
    response = client.post(reverse("ombud:workplace-edit", args=[wp.pk]), {"name": "Hemtjänst Surte norra"})
    wp.refresh_from_db()
    assert response.status_code == 302 and wp.name == "Hemtjänst Surte norra" and wp.sector == ""


def test_duplicate_workplace_name_is_400_with_message(client_as, local_leader_ale, ale):
    WorkplaceFactory(municipality=ale, name="Hemtjänst Surte")
    response = client_as(local_leader_ale).post(
        reverse("ombud:workplace-create", args=[ale.pk]), {"name": "hemtjänst surte"}
    )
    assert response.status_code == 400
    assert "Kommunen har redan en arbetsplats med det namnet." in html_of(response)


def test_workplace_outside_scope_is_404_and_ombud_gets_403(
    client_as, local_leader_ale, ombud_molndal, molndal
):
    wp = WorkplaceFactory(municipality=molndal)
    assert client_as(local_leader_ale).get(reverse("ombud:workplace-edit", args=[wp.pk])).status_code == 404
    assert (
        client_as(local_leader_ale).post(reverse("ombud:workplace-create", args=[molndal.pk])).status_code
        == 404
    )
    assert client_as(ombud_molndal).get(reverse("ombud:workplace-edit", args=[wp.pk])).status_code == 403


# --- programmes ------------------------------------------------------------------------------


def _programme_data(**overrides) -> dict:
    data = {
        "code": "MODIG",
        "name": "Modig – Mer omsorg med digital teknik",
        "funder": "ESF",
        "case_id": "2018/00464",
        "start_date": "2019-04-01",
        "end_date": "2021-06-30",
        "final_payment_date": "2021-12-15",
        "unit_costs": "2019: 270\n2020: 275,50\n2021 280",
    }
    return {**data, **overrides}


def test_programme_leader_creates_a_programme_with_unit_costs(client_as, programme_leader, ale, molndal):
    response = client_as(programme_leader).post(
        reverse("ombud:programme-create"), {**_programme_data(), "municipalities": [ale.pk, molndal.pk]}
    )
    assert response.status_code == 302
    p = Programme.objects.get(code="MODIG")
    assert p.case_id == "2018/00464" and set(p.municipalities.all()) == {ale, molndal}
    assert p.final_payment_date == dt.date(2021, 12, 15)
    assert {c.year: c.amount for c in p.unit_costs.all()} == {
        2019: Decimal("270"),
        2020: Decimal("275.50"),
        2021: Decimal("280"),
    }


def test_programme_list_and_edit(client_as, programme_leader, ale):
    p = ProgrammeFactory(code="MODIG", municipalities=[ale])
    client = client_as(programme_leader)
    assert "MODIG" in html_of(client.get(PROGRAMMES))
    url = reverse("ombud:programme-edit", args=[p.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {**_programme_data(name="Nytt namn", unit_costs=""), "municipalities": [ale.pk]}
    )
    p.refresh_from_db()
    assert response.status_code == 302 and p.name == "Nytt namn" and p.code == "MODIG"
    assert p.start_date == dt.date(2019, 4, 1)


def test_programme_bad_input_is_400(client_as, programme_leader):
    client = client_as(programme_leader)
    response = client.post(reverse("ombud:programme-create"), _programme_data(unit_costs="tvåtusen"))
    assert response.status_code == 400 and "Skriv ett år och ett belopp per rad" in html_of(response)
    response = client.post(reverse("ombud:programme-create"), _programme_data(unit_costs="2030: 300"))
    assert response.status_code == 400
    assert "Timkostnaden måste gälla ett år inom programmets period." in html_of(response)
    response = client.post(reverse("ombud:programme-create"), _programme_data(end_date="2018-01-01"))
    assert response.status_code == 400 and "Slutdatum kan inte ligga före startdatum." in html_of(response)
    assert not Programme.objects.exists()


def test_programmes_are_for_the_programme_leader_only(client_as, local_leader_ale, coordinator, ale):
    p = ProgrammeFactory(municipalities=[ale])
    assert client_as(local_leader_ale).get(PROGRAMMES).status_code == 403
    assert client_as(local_leader_ale).get(reverse("ombud:programme-edit", args=[p.pk])).status_code == 403
    assert client_as(coordinator).get(reverse("ombud:programme-create")).status_code == 403


def test_programme_outside_scope_is_404(client_as, outsider, molndal):
    p = ProgrammeFactory(municipalities=[molndal])
    assert client_as(outsider).get(reverse("ombud:programme-edit", args=[p.pk])).status_code == 404


def test_workplace_options_for_the_person_form_are_scoped(
    client_as, local_leader_ale, ombud_molndal, ale, molndal
):
    WorkplaceFactory(municipality=ale, name="Hemtjänst Surte")
    WorkplaceFactory(municipality=molndal, name="Boendestöd Lindome")
    client = client_as(local_leader_ale)
    url = reverse("ombud:workplace-options")
    html = html_of(client.get(url, {"municipality": ale.pk}, HTTP_HX_REQUEST="true"))
    assert "Hemtjänst Surte" in html and "<html" not in html
    assert "Boendestöd Lindome" not in html_of(client.get(url, {"municipality": molndal.pk}))
    assert client_as(ombud_molndal).get(url, {"municipality": molndal.pk}).status_code == 403
