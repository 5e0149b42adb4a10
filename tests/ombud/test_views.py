"""Staff pages: list, person page, reveal, add/edit, export, GDPR tools, import."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kurser.models import AttendanceStatus
from ombud.models import AuditLog, Person
from ombud.personnummer import formatted
from tests.factories import (
    AttendanceFactory,
    PersonFactory,
    WorkplaceFactory,
    make_personnummer,
)

pytestmark = pytest.mark.django_db

LIST = reverse("ombud:person-list")


@pytest.fixture
def ale_person(ale):
    return PersonFactory(workplace=WorkplaceFactory(municipality=ale, name="Hemtjänst Alafors"))


@pytest.fixture
def molndal_person(molndal):
    return PersonFactory(workplace=WorkplaceFactory(municipality=molndal, name="Boendestöd Centrum"))


def html_of(response) -> str:
    return response.content.decode()


# --- staff list ------------------------------------------------------------------------------


def test_staff_list_shows_people_with_masked_personnummer(client_as, programme_leader, ale_person):
    response = client_as(programme_leader).get(LIST)
    html = html_of(response)
    assert response.status_code == 200
    assert ale_person.last_name in html
    assert ale_person.personnummer_masked in html
    assert formatted(ale_person.personnummer) not in html
    assert ale_person.personnummer not in html


def test_local_leader_sees_only_own_municipality(client_as, local_leader_ale, ale_person, molndal_person):
    html = html_of(client_as(local_leader_ale).get(LIST))
    assert ale_person.last_name in html
    assert f'href="{reverse("ombud:person-detail", args=[molndal_person.pk])}"' not in html


def test_ombud_never_sees_a_personnummer_on_the_list(client_as, ombud_molndal, molndal_person):
    html = html_of(client_as(ombud_molndal).get(LIST))
    assert molndal_person.last_name in html
    assert molndal_person.personnummer[:8] not in html
    assert "Personnummer" not in html


def test_outsider_gets_403_on_the_staff_list(client_as, outsider):
    assert client_as(outsider).get(LIST).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/konto/login/" in response.url


def test_htmx_request_gets_only_the_table_partial(client_as, programme_leader, ale_person):
    response = client_as(programme_leader).get(LIST, {"q": ale_person.last_name}, HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert response.status_code == 200
    assert "<html" not in html and ale_person.last_name in html


def test_htmx_partial_refreshes_the_workplace_filter_and_history_restore_gets_the_page(
    client_as, programme_leader, ale_person, ale
):
    client = client_as(programme_leader)
    response = client.get(LIST, {"municipality": ale.pk}, HTTP_HX_REQUEST="true")
    html = html_of(response)
    assert 'id="workplace-filter" hx-swap-oob="true"' in html and "Hemtjänst Alafors" in html
    assert "HX-Request" in response["Vary"]
    restore = client.get(LIST, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in html_of(restore)


def test_search_by_name_and_by_personnummer(client_as, programme_leader, ale):
    wp = WorkplaceFactory(municipality=ale)
    anna = PersonFactory(workplace=wp, first_name="Anna", last_name="Lindqvist")
    bo = PersonFactory(workplace=wp, first_name="Bo", last_name="Ek")
    client = client_as(programme_leader)
    html = html_of(client.get(LIST, {"q": "anna lind"}))
    assert "Lindqvist" in html and "Ek, Bo" not in html
    html = html_of(client.get(LIST, {"q": formatted(bo.personnummer)}, follow=True))
    assert "Ek, Bo" in html and "Lindqvist" not in html
    html = html_of(client.get(LIST, {"q": bo.personnummer[2:8]}, follow=True))
    assert "Ek, Bo" in html
    html = html_of(client.get(LIST, {"q": anna.personnummer}, follow=True))
    assert "Lindqvist, Anna" in html and "Ek, Bo" not in html


def test_ombud_cannot_search_by_personnummer(client_as, ombud_molndal, molndal_person):
    # A name no other text on the page can contain (a generated one sometimes matched the menu).
    Person.objects.filter(pk=molndal_person.pk).update(last_name="Sökbarsson")
    molndal_person.last_name = "Sökbarsson"
    html = html_of(client_as(ombud_molndal).get(LIST, {"q": molndal_person.personnummer}, follow=True))
    assert molndal_person.last_name not in html
    assert "Ingen medarbetare matchar filtret." in html


def test_filters_by_trained_workplace_and_target_group(client_as, programme_leader, ale):
    wp = WorkplaceFactory(municipality=ale, name="Äldreboendet Bohus")
    trained = PersonFactory(workplace=wp, last_name="Tränad")
    untrained = PersonFactory(workplace=wp, last_name="Otränad")
    absent = PersonFactory(workplace=wp, last_name="Frånvarosson")
    chief = PersonFactory(
        workplace=WorkplaceFactory(municipality=ale), last_name="Chefsson", target_group="operativ chef"
    )
    AttendanceFactory(person=trained)
    AttendanceFactory(person=absent, status=AttendanceStatus.ABSENT)
    client = client_as(programme_leader)
    html = html_of(client.get(LIST, {"trained": "ja"}))
    assert "Tränad" in html and "Otränad" not in html and "Frånvarosson" not in html
    html = html_of(client.get(LIST, {"trained": "nej"}))
    assert "Otränad" in html and "Frånvarosson" in html and "Tränad," not in html
    html = html_of(client.get(LIST, {"municipality": ale.pk, "workplace": wp.pk}))
    assert "Chefsson" not in html and "Otränad" in html
    html = html_of(client.get(LIST, {"target_group": "operativ chef"}))
    assert "Chefsson" in html and "Otränad" not in html
    # The row is the chief's own, a link to their page, not just a matching name.
    assert f'href="{reverse("ombud:person-detail", args=[chief.pk])}"' in html
    assert f'href="{reverse("ombud:person-detail", args=[untrained.pk])}"' not in html


def test_invalid_filter_values_are_ignored_not_an_error(client_as, programme_leader, ale_person):
    response = client_as(programme_leader).get(LIST, {"municipality": "abc", "page": "999"})
    assert response.status_code == 200


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def _people(n: int, municipality) -> None:
    workplaces = [WorkplaceFactory(municipality=municipality) for _ in range(3)]
    for i in range(n):
        person = PersonFactory(workplace=workplaces[i % 3])
        if i % 2:
            AttendanceFactory(person=person)


def test_staff_list_query_count_does_not_grow_with_people(
    client_as, programme_leader, ale, django_assert_max_num_queries
):
    client = client_as(programme_leader)
    _people(5, ale)
    small = _queries(client, LIST)
    _people(45, ale)
    with django_assert_max_num_queries(small):
        assert client.get(LIST).status_code == 200
    assert _queries(client, LIST, q="a", trained="ja") <= small


# --- person page -----------------------------------------------------------------------------


def test_person_page_shows_details_and_attendance_history(client_as, local_leader_ale, ale_person):
    AttendanceFactory(person=ale_person, session__course__title="Teams för nybörjare")
    response = client_as(local_leader_ale).get(reverse("ombud:person-detail", args=[ale_person.pk]))
    html = html_of(response)
    assert response.status_code == 200
    assert ale_person.full_name in html and "Teams för nybörjare" in html and "Hemtjänst Alafors" in html
    assert ale_person.personnummer_masked in html and formatted(ale_person.personnummer) not in html


def test_person_outside_scope_is_404(client_as, local_leader_ale, molndal_person, outsider):
    url = reverse("ombud:person-detail", args=[molndal_person.pk])
    assert client_as(local_leader_ale).get(url).status_code == 404
    assert client_as(outsider).get(url).status_code == 404


def test_ombud_sees_colleague_without_personnummer(client_as, ombud_molndal, molndal_person):
    html = html_of(client_as(ombud_molndal).get(reverse("ombud:person-detail", args=[molndal_person.pk])))
    assert molndal_person.full_name in html
    assert molndal_person.personnummer[:8] not in html
    assert "person-reveal" not in html and "personnummer/" not in html and "Ändra uppgifter" not in html


# --- reveal ----------------------------------------------------------------------------------


def test_reveal_returns_the_full_number_and_is_audited(client_as, local_leader_ale, ale_person):
    url = reverse("ombud:person-reveal", args=[ale_person.pk])
    response = client_as(local_leader_ale).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert formatted(ale_person.personnummer) in html_of(response)
    entry = AuditLog.objects.get()
    assert entry.action == AuditLog.Action.VIEW_PERSONNUMMER
    assert entry.person == ale_person and entry.user == local_leader_ale


def test_reveal_without_htmx_renders_the_person_page(client_as, programme_leader, ale_person):
    response = client_as(programme_leader).post(reverse("ombud:person-reveal", args=[ale_person.pk]))
    html = html_of(response)
    assert response.status_code == 200 and "<html" in html
    assert formatted(ale_person.personnummer) in html


def test_ombud_cannot_reveal_and_nothing_is_logged(client_as, ombud_molndal, molndal_person):
    url = reverse("ombud:person-reveal", args=[molndal_person.pk])
    assert client_as(ombud_molndal).post(url).status_code == 403
    assert not AuditLog.objects.exists()


def test_reveal_outside_scope_is_404_and_get_is_not_allowed(
    client_as, local_leader_ale, molndal_person, ale_person
):
    client = client_as(local_leader_ale)
    assert client.post(reverse("ombud:person-reveal", args=[molndal_person.pk])).status_code == 404
    assert client.get(reverse("ombud:person-reveal", args=[ale_person.pk])).status_code == 405


# --- add and edit ----------------------------------------------------------------------------


def _person_data(workplace, **overrides) -> dict:
    data = {
        "personnummer": formatted(make_personnummer(7001)),
        "first_name": "Sara",
        "last_name": "Nyström",
        "municipality": workplace.municipality_id,
        "workplace": workplace.pk,
        "target_group": "baspersonal",
        "gender": "",
        "email": "sara@example.se",
    }
    return {**data, **overrides}


def test_local_leader_adds_a_person(client_as, local_leader_ale, ale):
    wp = WorkplaceFactory(municipality=ale)
    response = client_as(local_leader_ale).post(reverse("ombud:person-create"), _person_data(wp))
    person = Person.objects.get(last_name="Nyström")
    assert response.status_code == 302 and response.url == reverse("ombud:person-detail", args=[person.pk])
    assert person.personnummer == make_personnummer(7001)


def test_bad_personnummer_is_400_with_the_swedish_message(client_as, local_leader_ale, ale):
    wp = WorkplaceFactory(municipality=ale)
    response = client_as(local_leader_ale).post(
        reverse("ombud:person-create"), _person_data(wp, personnummer="19850312-1235")
    )
    assert response.status_code == 400
    assert "fel kontrollsiffra i personnumret" in html_of(response)
    assert not Person.objects.exists()


def test_duplicate_personnummer_shows_the_service_message(client_as, programme_leader, ale_person):
    data = _person_data(ale_person.workplace, personnummer=ale_person.personnummer)
    response = client_as(programme_leader).post(reverse("ombud:person-create"), data)
    assert response.status_code == 400
    assert "Det finns redan en medarbetare med det personnumret." in html_of(response)


def test_local_leader_cannot_add_into_another_municipality(client_as, local_leader_ale, molndal):
    wp = WorkplaceFactory(municipality=molndal)
    response = client_as(local_leader_ale).post(reverse("ombud:person-create"), _person_data(wp))
    assert response.status_code == 400
    assert not Person.objects.exists()


def test_ombud_and_coordinator_cannot_add_people(client_as, ombud_molndal, coordinator):
    assert client_as(ombud_molndal).get(reverse("ombud:person-create")).status_code == 403
    assert client_as(coordinator).get(reverse("ombud:person-create")).status_code == 403


def test_edit_person(client_as, local_leader_ale, ale_person):
    url = reverse("ombud:person-edit", args=[ale_person.pk])
    client = client_as(local_leader_ale)
    assert client.get(url).status_code == 200
    data = _person_data(ale_person.workplace, first_name="Greta", gender="kvinna")
    del data["personnummer"]
    assert client.post(url, data).status_code == 302
    ale_person.refresh_from_db()
    assert ale_person.first_name == "Greta" and ale_person.email == "sara@example.se"


def test_edit_person_bad_input_and_roles(client_as, local_leader_ale, ombud_molndal, outsider, ale_person):
    url = reverse("ombud:person-edit", args=[ale_person.pk])
    data = _person_data(ale_person.workplace, first_name="", gender="kvinna")
    response = client_as(local_leader_ale).post(url, data)
    assert response.status_code == 400 and "Detta fält måste fyllas i." in html_of(response)
    assert client_as(outsider).get(url).status_code == 404
    own = ombud_molndal.person
    assert client_as(ombud_molndal).get(reverse("ombud:person-edit", args=[own.pk])).status_code == 403


# --- XLSX export -----------------------------------------------------------------------------


def _sheet(response):
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_programme_leader_exports_with_personnummer_and_it_is_audited(
    client_as, programme_leader, ale_person
):
    response = client_as(programme_leader).get(reverse("ombud:person-export"))
    assert response.status_code == 200
    rows = _sheet(response)
    assert rows[0][0] == "personnummer"
    assert rows[1][0] == formatted(ale_person.personnummer)
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT)
    assert entry.detail["personnummer"] is True and entry.detail["rows"] == 1


def test_local_leader_export_has_no_personnummer_and_respects_filters(client_as, local_leader_ale, ale):
    wp = WorkplaceFactory(municipality=ale)
    PersonFactory(workplace=wp, last_name="Ett")
    PersonFactory(workplace=WorkplaceFactory(municipality=ale), last_name="Två")
    rows = _sheet(client_as(local_leader_ale).get(reverse("ombud:person-export"), {"workplace": wp.pk}))
    assert "personnummer" not in rows[0]
    assert [r[1] for r in rows[1:]] == ["Ett"]


def test_ombud_cannot_export(client_as, ombud_molndal):
    assert client_as(ombud_molndal).get(reverse("ombud:person-export")).status_code == 403


# --- GDPR ------------------------------------------------------------------------------------


def test_register_extract_as_json_and_print_page(client_as, programme_leader, ale_person):
    AttendanceFactory(person=ale_person)
    client = client_as(programme_leader)
    url = reverse("ombud:person-gdpr-export", args=[ale_person.pk])
    response = client.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["last_name"] == ale_person.last_name and len(data["attendance"]) == 1
    page = client.get(url, {"format": "html"})
    assert page.status_code == 200 and "Registerutdrag" in html_of(page)
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, person=ale_person).count() == 2


def test_gdpr_tools_are_for_the_programme_leader_only(client_as, local_leader_ale, outsider, ale_person):
    url = reverse("ombud:person-gdpr-export", args=[ale_person.pk])
    assert client_as(local_leader_ale).get(url).status_code == 403
    assert (
        client_as(local_leader_ale).get(reverse("ombud:person-erase", args=[ale_person.pk])).status_code
        == 403
    )
    assert client_as(outsider).get(url).status_code == 404


def test_erase_needs_a_reason_then_anonymises(client_as, programme_leader, ale_person):
    url = reverse("ombud:person-erase", args=[ale_person.pk])
    client = client_as(programme_leader)
    response = client.post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 400 and "Detta fält måste fyllas i." in html_of(response)
    response = client.post(url, {"reason": "Begäran enligt artikel 17", "confirm": "on"})
    assert response.status_code == 302
    ale_person.refresh_from_db()
    assert ale_person.erased_at and ale_person.personnummer is None
    assert AuditLog.objects.get(action=AuditLog.Action.ERASE).reason == "Begäran enligt artikel 17"


# --- import ----------------------------------------------------------------------------------

IMPORT = reverse("ombud:person-import")
HEADER = "personnummer;förnamn;efternamn;kön;kommun;arbetsplats;verksamhet;målgrupp;e-post\n"


def _csv(*rows: str, name: str = "personal.csv") -> io.BytesIO:
    f = io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode("utf-8"))
    f.name = name
    return f


def _row(n: int, kommun: str = "Ale", arbetsplats: str = "Hemtjänst Nödinge") -> str:
    return f"{formatted(make_personnummer(n))};Förnamn{n};Efternamn{n};;{kommun};{arbetsplats};äldreomsorg;baspersonal;"


def _imports_dir(settings):
    from pathlib import Path

    path = Path(settings.MEDIA_ROOT) / "imports"
    return list(path.iterdir()) if path.exists() else []


def test_import_preview_then_confirm(client_as, local_leader_ale, ale, settings):
    client = client_as(local_leader_ale)
    assert client.get(IMPORT).status_code == 200
    response = client.post(IMPORT, {"file": _csv(_row(1), _row(2), _row(3))})
    html = html_of(response)
    assert response.status_code == 200
    assert "Förhandsgranskning" in html and "Efternamn1" in html
    assert not Person.objects.exists()
    assert len(_imports_dir(settings)) == 1
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    response = client.post(IMPORT, {"token": token}, follow=True)
    assert Person.objects.count() == 3
    assert "Importerade 3 personer (3 nya, 0 uppdaterade)" in html_of(response)
    assert _imports_dir(settings) == []
    # The token cannot be used twice: the file is gone.
    response = client.post(IMPORT, {"token": token})
    assert response.status_code == 400 and "Förhandsgranskningen har gått ut" in html_of(response)


def test_import_lists_every_row_error_and_keeps_nothing(client_as, programme_leader, ale, settings):
    bad = "19850312-1235;Anna;Ek;;Ale;Hemtjänst;;baspersonal;"
    response = client_as(programme_leader).post(
        IMPORT, {"file": _csv(_row(1), bad, _row(3, kommun="Atlantis"))}
    )
    html = html_of(response)
    assert response.status_code == 400
    assert "rad 3: personnummer: fel kontrollsiffra i personnumret" in html
    assert "rad 4: kommun:" in html
    assert 'name="token"' not in html
    assert _imports_dir(settings) == []


def test_local_leader_cannot_import_into_another_municipality(client_as, local_leader_ale, ale, molndal):
    response = client_as(local_leader_ale).post(IMPORT, {"file": _csv(_row(1), _row(2, kommun="1481"))})
    assert response.status_code == 400
    assert "rad 3: kommun: 1481 är inte en av dina kommuner" in html_of(response)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 binary", "lista.pdf", "Filen måste vara en .csv- eller .xlsx-fil."),
        (b"", "tom.csv", "Filen är tom."),
        (b"\n\n", "rader.csv", "rubrikrad"),
        (b"PK\x03\x04 not really a zip", "trasig.xlsx", "Excel-filen kunde inte läsas"),
    ],
)
def test_bad_files_get_one_clear_message(client_as, programme_leader, content, name, message):
    f = io.BytesIO(content)
    f.name = name
    response = client_as(programme_leader).post(IMPORT, {"file": f})
    assert response.status_code == 400
    assert message in html_of(response)


def test_too_large_file_is_refused(client_as, programme_leader, ale, settings):
    settings.IMPORT_MAX_BYTES = 10
    response = client_as(programme_leader).post(IMPORT, {"file": _csv(_row(1))})
    assert response.status_code == 400 and "Filen är för stor" in html_of(response)


def test_abandoned_uploads_are_swept_at_the_next_upload(client_as, programme_leader, ale, settings):
    import os
    import time

    client = client_as(programme_leader)
    client.post(IMPORT, {"file": _csv(_row(1))})
    [old] = _imports_dir(settings)
    two_hours_ago = time.time() - 2 * 60 * 60
    os.utime(old, (two_hours_ago, two_hours_ago))
    client.post(IMPORT, {"file": _csv(_row(2))})
    remaining = _imports_dir(settings)
    assert len(remaining) == 1 and remaining[0] != old


def test_import_token_is_bound_to_the_user(client_as, programme_leader, local_leader_ale, ale):
    from django.core import signing

    from ombud.views.imports import TOKEN_SALT

    token = signing.dumps({"file": "x.csv", "user": programme_leader.pk}, salt=TOKEN_SALT)
    response = client_as(local_leader_ale).post(IMPORT, {"token": token})
    assert response.status_code == 400
    response = client_as(local_leader_ale).post(IMPORT, {"token": "forged"})
    assert response.status_code == 400


def test_ombud_and_coordinator_cannot_import(client_as, ombud_molndal, coordinator):
    assert client_as(ombud_molndal).get(IMPORT).status_code == 403
    assert client_as(coordinator).get(IMPORT).status_code == 403


def test_pages_have_no_inline_script_or_style(client_as, programme_leader, ale_person):
    client = client_as(programme_leader)
    for url in [LIST, reverse("ombud:person-detail", args=[ale_person.pk]), IMPORT]:
        html = html_of(client.get(url))
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=", html), url


# --- deny by default: a sweep over every page ------------------------------------------------

ROLE_PAGES = [
    "ombud:person-list",
    "ombud:person-export",
    "ombud:person-create",
    "ombud:person-import",
    "ombud:ombud-list",
    "ombud:ombud-create",
    "ombud:municipality-list",
    "ombud:municipality-create",
    "ombud:workplace-options",
    "ombud:programme-list",
    "ombud:programme-create",
    "ombud:user-list",
    "ombud:user-invite",
]
OBJECT_PAGES = [
    ("ombud:person-detail", "person"),
    ("ombud:person-edit", "person"),
    ("ombud:person-gdpr-export", "person"),
    ("ombud:person-erase", "person"),
    ("ombud:ombud-edit", "ombud"),
    ("ombud:municipality-detail", "municipality"),
    ("ombud:municipality-edit", "municipality"),
    ("ombud:workplace-create", "municipality"),
    ("ombud:workplace-edit", "workplace"),
    ("ombud:programme-edit", "programme"),
]


@pytest.mark.parametrize("name", ROLE_PAGES)
def test_outsider_gets_403_on_every_role_page(client_as, outsider, name):
    assert client_as(outsider).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(("name", "kind"), OBJECT_PAGES)
def test_outsider_gets_404_on_every_object_page(client_as, outsider, ale, name, kind):
    from tests.factories import OmbudFactory, ProgrammeFactory

    ombud = OmbudFactory(person__workplace=WorkplaceFactory(municipality=ale))
    objects = {
        "person": ombud.person,
        "ombud": ombud,
        "municipality": ale,
        "workplace": ombud.person.workplace,
        "programme": ProgrammeFactory(municipalities=[ale]),
    }
    client = client_as(outsider)
    url = reverse(name, args=[objects[kind].pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert client.post(reverse("ombud:person-reveal", args=[ombud.person.pk])).status_code == 404


@pytest.mark.django_db
def test_import_preview_masks_personnummer(client_as, programme_leader, ale):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    csv = "personnummer;förnamn;efternamn;kommun;arbetsplats;målgrupp\n19780314-1121;Anna;Lindqvist;Ale;Hemtjänst;baspersonal\n"
    upload = SimpleUploadedFile("people.csv", csv.encode(), content_type="text/csv")
    html = client_as(programme_leader).post(reverse("ombud:person-import"), {"file": upload}).content.decode()
    assert "19780314-****" in html
    assert "19780314-1121" not in html
