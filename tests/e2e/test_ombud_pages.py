"""The staff pages in a real browser at desktop size: list with htmx filtering, person page with
the audited reveal, and the import flow (upload → preview → import)."""

from __future__ import annotations

import pytest

from ombud.models import AuditLog, Person
from ombud.personnummer import formatted
from tests.e2e.conftest import assert_no_axe_violations, shot_path
from tests.factories import (
    AttendanceFactory,
    OmbudFactory,
    PersonFactory,
    WorkplaceFactory,
    make_personnummer,
)

SIZE = "1024x768"


@pytest.fixture
def staff(ale, molndal):
    wps = [
        WorkplaceFactory(municipality=ale, name="Hemtjänst Alafors"),
        WorkplaceFactory(municipality=ale, name="Äldreboendet Bohus"),
        WorkplaceFactory(municipality=molndal, name="Boendestöd Centrum"),
    ]
    people = [PersonFactory(workplace=wps[i % 3]) for i in range(30)]
    for person in people[::2]:
        AttendanceFactory(person=person, session__course__title="Teams grund")
    OmbudFactory(person__workplace=wps[0], person__first_name="Olle", person__last_name="Ombudsson")
    return people


def test_staff_list_filters_with_htmx_and_is_accessible(page_as, programme_leader, staff):
    page = page_as(programme_leader, SIZE)
    page.goto(page.base_url + "/personal/")
    assert page.locator("h1").inner_text() == "Medarbetare"
    assert page.locator("#person-count").inner_text().startswith("31 medarbetare")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("ombud-person-list", SIZE))
    page.select_option("#id_trained", "ja")
    page.wait_for_url("**trained=ja**")
    page.wait_for_load_state("networkidle")
    assert page.locator("#person-count").inner_text().startswith("15 medarbetare")
    # The filter changed the table only (htmx), the URL is bookmarkable.
    assert page.locator("h1").count() == 1
    page.fill("#id_q", "Ombudsson")
    page.wait_for_url("**q=Ombudsson**")
    page.wait_for_load_state("networkidle")
    assert page.locator("tbody tr").count() == 0 or "Ombudsson" in page.locator("#person-table").inner_text()


def test_person_page_reveals_personnummer_once_audited(page_as, local_leader_ale, staff):
    person = next(p for p in staff if p.municipality.code == "1440" and p.attendances.exists())
    page = page_as(local_leader_ale, SIZE)
    page.goto(page.base_url + f"/personal/{person.pk}/")
    assert page.locator("h1").inner_text().startswith(person.full_name)
    assert person.personnummer_masked in page.locator("#pnr-value").inner_text()
    assert "Teams grund" in page.content()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("ombud-person-detail", SIZE))
    page.get_by_role("button", name="Visa hela personnumret").click()
    page.wait_for_selector(".pnr-revealed")
    assert page.locator(".pnr-revealed").inner_text() == formatted(person.personnummer)
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW_PERSONNUMMER, person=person).count() == 1


def test_import_upload_preview_and_confirm(page_as, programme_leader, ale, tmp_path):
    csv = tmp_path / "personal.csv"
    rows = ["personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post"]
    rows += [
        f"{formatted(make_personnummer(900 + i))};Anna{i};Import{i};;Ale;Hemtjänst Surte;äldreomsorg;baspersonal;"
        for i in range(3)
    ]
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    page = page_as(programme_leader, SIZE)
    page.goto(page.base_url + "/personal/import/")
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("ombud-import", SIZE))
    page.set_input_files("#id_file", str(csv))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_selector("#h-preview")
    assert "Import0" in page.locator(".preview-table").inner_text()
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("ombud-import-preview", SIZE), full_page=True)
    page.get_by_role("button", name="Importera 3 personer").click()
    page.wait_for_url("**/personal/")
    assert "Importerade 3 personer (3 nya, 0 uppdaterade)" in page.locator(".messages").inner_text()
    assert Person.objects.filter(last_name__startswith="Import").count() == 3


def test_import_with_errors_lists_every_row(page_as, local_leader_ale, ale, molndal, tmp_path):
    csv = tmp_path / "fel.csv"
    csv.write_text(
        "personnummer;förnamn;efternamn;kommun;arbetsplats;målgrupp\n"
        "19850312-1235;Anna;Ek;Ale;Hemtjänst;baspersonal\n"
        f"{formatted(make_personnummer(5))};Bo;Lund;Mölndal;Hemtjänst;chef\n",
        encoding="utf-8",
    )
    page = page_as(local_leader_ale, SIZE)
    page.goto(page.base_url + "/personal/import/")
    page.set_input_files("#id_file", str(csv))
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_selector(".import-errors")
    errors = page.locator(".import-errors").inner_text()
    assert "rad 2: personnummer: fel kontrollsiffra i personnumret" in errors
    assert "rad 3: kommun: Mölndal är inte en av dina kommuner" in errors
    assert "rad 3: målgrupp:" in errors
    assert_no_axe_violations(page)
    page.screenshot(path=shot_path("ombud-import-errors", SIZE), full_page=True)


def test_other_ombud_pages_have_no_accessibility_violations(page_as, programme_leader, staff, ale):
    from tests.factories import ProgrammeFactory

    ProgrammeFactory(code="MODIG", municipalities=[ale])
    person = staff[0]
    page = page_as(programme_leader, SIZE)
    paths = [
        "/personal/kommuner/",
        f"/personal/kommuner/{ale.pk}/",
        "/personal/ombud/",
        "/personal/ombud/ny/?q=a",
        f"/personal/ombud/ny/?person={person.pk}",
        "/personal/program/",
        "/personal/program/nytt/",
        "/personal/anvandare/",
        "/personal/anvandare/bjud-in/",
        "/personal/ny/",
        f"/personal/{person.pk}/andra/",
        f"/personal/{person.pk}/radera/",
        f"/personal/{person.pk}/registerutdrag/?format=html",
    ]
    for path in paths:
        response = page.goto(page.base_url + path)
        assert response.status == 200, path
        assert_no_axe_violations(page)
    page.screenshot(path=shot_path("ombud-register-extract", SIZE), full_page=True)
