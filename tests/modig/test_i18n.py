"""English through Django i18n: the language switch turns headings and navigation into English for
every role, and the English catalogue (locale/en/LC_MESSAGES/django.po) is complete.

The page tests need the compiled catalogue (django.mo); `make test` compiles it (`make messages`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.programme_activity(
    ale={"sessions": 2, "per_session": 3}, molndal={"sessions": 1, "per_session": 2}
)

PO_FILE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"


def switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    return html


def assert_english(html: str, *, present: list[str], gone: list[str]) -> None:
    missing = [text for text in present if text not in html]
    left = [text for text in gone if text in html]
    assert not missing, f"English text missing: {missing}"
    assert not left, f"Swedish text still shown: {left}"


def nav_link(label: str) -> str:
    """A navigation link's label exactly as base.html writes it (end of the <a> tag up to </a>)."""
    return f">{label}</a>"


# The page frame (base.html) every logged-in page shares.
FRAME_EN = ["Log out", "Change password", "Change language", "Skip to content", "Main menu"]
FRAME_SV = ["Logga ut", "Byt lösenord", "Byt språk", "Hoppa till innehållet", "Huvudmeny"]


# --- before logging in -------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_english(client):
    html = page(switch_to_english(client), reverse("login"))
    assert_english(
        html,
        present=["Log in", "Username", "Password", "Change language"],
        gone=["Logga in", "Användarnamn", "Lösenord", "Byt språk", "digitaliseringsombud"],
    )


@pytest.mark.django_db
def test_swedish_is_still_the_default(client):
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="sv">' in html
    assert "Logga in" in html and "Log in" not in html


@pytest.mark.django_db
def test_switching_back_to_swedish(client):
    switch_to_english(client)
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="sv">' in html
    assert "Logga in" in html


# --- the start page for each role --------------------------------------------------------------


@pytest.mark.django_db
def test_start_page_for_the_programme_leader_in_english(client_as, programme_leader):
    html = page(switch_to_english(client_as(programme_leader)), reverse("home"))
    assert_english(
        html,
        present=[
            "Welcome,",
            "(Programme leader)",
            *map(
                nav_link,
                ["Overview", "Staff", "Ambassadors", "Municipalities", "Dashboard", "Reports", "Users"],
            ),
            *FRAME_EN,
        ],
        gone=[
            "Välkommen",
            "Programledare",
            *map(
                nav_link,
                ["Översikt", "Medarbetare", "Ombud", "Kommuner", "Lägesbild", "Rapporter", "Användare"],
            ),
            *FRAME_SV,
        ],
    )


@pytest.mark.django_db
def test_start_page_for_the_local_project_leader_in_english(client_as, local_leader_ale):
    html = page(switch_to_english(client_as(local_leader_ale)), reverse("home"))
    assert_english(
        html,
        present=[
            "Welcome,",
            "(Local project leader)",
            nav_link("Sessions"),
            nav_link("To approve"),
            *FRAME_EN,
        ],
        gone=[
            "Välkommen",
            "Lokal projektledare",
            nav_link("Utbildningstillfällen"),
            "Att godkänna",
            *FRAME_SV,
        ],
    )


@pytest.mark.django_db
def test_start_page_for_the_ombud_in_english(client_as, ombud_molndal):
    html = page(switch_to_english(client_as(ombud_molndal)), reverse("home"))
    assert_english(
        html,
        present=[
            "Welcome,",
            "(Digitalisation ambassador)",
            nav_link("My sessions"),
            nav_link("My reach"),
            nav_link("Not trained"),
            "Your next sessions",
            "Your reach",
            *FRAME_EN,
        ],
        gone=[
            "Välkommen",
            "Digitaliseringsombud",
            "Mina tillfällen",
            "Min räckvidd",
            "Ej utbildade",
            "Dina närmaste tillfällen",
            "Din räckvidd",
            *FRAME_SV,
        ],
    )


@pytest.mark.django_db
def test_start_page_for_the_coordinator_in_english(client_as, coordinator):
    html = page(switch_to_english(client_as(coordinator)), reverse("home"))
    assert_english(
        html,
        present=["Welcome,", "(Coordinator)", *map(nav_link, ["Dashboard", "Reports", "Months"]), *FRAME_EN],
        gone=["Välkommen", "(Samordnare)", *map(nav_link, ["Lägesbild", "Rapporter", "Månader"]), *FRAME_SV],
    )


# --- staff list, reports, dashboard ------------------------------------------------------------


@pytest.mark.django_db
def test_staff_list_in_english(client_as, programme_leader, ale):
    from tests.factories import PersonFactory, WorkplaceFactory

    PersonFactory.create_batch(2, workplace=WorkplaceFactory(municipality=ale, name="Hemtjänst Nödinge"))
    html = page(switch_to_english(client_as(programme_leader)), reverse("ombud:person-list"))
    assert_english(
        html,
        present=[
            "2 staff members",
            "Export to Excel",
            "Search",
            "Municipality",
            "Workplace",
            "Target group",
            "Trained",
            *FRAME_EN,
        ],
        gone=["medarbetare", "Exportera till Excel", "Sök", "Arbetsplats", "Målgrupp", "Utbildad", *FRAME_SV],
    )


@pytest.mark.django_db
def test_report_page_in_english(client_as, coordinator, programme):
    html = page(switch_to_english(client_as(coordinator)), reverse("rapporter:report-list"))
    assert_english(
        html,
        present=[
            "Order a report",
            "My reports",
            "Reporting months",
            "ESF summary",
            "Monthly attendance report",
            "Participant list",
            "Municipality report",
            "YYYY-MM",
            *FRAME_EN,
        ],
        gone=[
            "Beställ en rapport",
            "Mina rapporter",
            "Rapporteringsmånader",
            "ESF-sammanställning",
            "Månatlig närvarorapport",
            "Deltagarförteckning",
            "ÅÅÅÅ-MM",
            *FRAME_SV,
        ],
    )


@pytest.mark.django_db
def test_dashboard_in_english(client_as, programme_leader, programme):
    html = page(switch_to_english(client_as(programme_leader)), reverse("rapporter:dashboard"))
    assert_english(
        html,
        present=[
            '<h1 class="h3 mb-1">Dashboard</h1>',
            "Participants",
            "Participant hours",
            "Teacher-led hours",
            "By municipality",
            "By target group",
            "all municipalities",
            *FRAME_EN,
        ],
        gone=["Lägesbild", "Deltagartimmar", "Lärarledda timmar", "Per kommun", "Per målgrupp", *FRAME_SV],
    )


# --- the catalogue itself ----------------------------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: flags, msgid, msgid_plural and msgstr/msgstr[n], continuation
    lines joined. Obsolete entries (#~) count as comments."""
    entries: list[dict] = []
    entry: dict = {"flags": set(), "msgstr": {}}
    key = None

    def flush():
        nonlocal entry, key
        if "msgid" in entry:
            entries.append(entry)
        entry, key = {"flags": set(), "msgstr": {}}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#,"):
            if "msgid" in entry:
                flush()
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif m := re.match(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line):
            name, index, text = m.groups()
            if name == "msgctxt" and "msgid" in entry:
                flush()
            if name.startswith("msgstr"):
                key = ("msgstr", int(index or 0))
                entry["msgstr"][key[1]] = _unquote(text)
            else:
                key = (name, None)
                entry[name] = _unquote(text)
        elif line.startswith('"') and key is not None:
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
        else:
            raise AssertionError(f"unreadable line in {path.name}: {raw!r}")
    flush()
    return entries


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}|</?[a-zA-Z][^>]*>")


def test_english_catalogue_is_complete_without_fuzzy_entries():
    entries = read_po(PO_FILE)
    messages = [e for e in entries if e["msgid"] != ""]
    assert len(messages) > 500, "django.po looks empty: run makemessages"

    header = next(e for e in entries if e["msgid"] == "")
    assert "fuzzy" not in header["flags"], "the header is marked fuzzy, so msgfmt would skip it"
    assert "Language: en" in header["msgstr"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"][0]

    fuzzy = [e["msgid"] for e in messages if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"

    untranslated = []
    for e in messages:
        forms = [0, 1] if "msgid_plural" in e else [0]
        if any(not e["msgstr"].get(n) for n in forms):
            untranslated.append(e["msgid"])
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_english_catalogue_keeps_every_placeholder():
    wrong = []
    for e in read_po(PO_FILE):
        if e["msgid"] == "":
            continue
        sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
        for n, text in e["msgstr"].items():
            source = sources[min(n, 1)]
            if sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                wrong.append((e["msgid"], text))
    assert not wrong, f"placeholders changed: {wrong}"


# --- pages found by crawling the demo data in English ------------------------------------------


@pytest.mark.django_db
def test_attendance_page_shows_the_marked_status_in_english(client_as, local_leader_ale, programme, ale):
    from kurser.models import AttendanceStatus, Session

    session = Session.objects.filter(municipality=ale, attendances__status=AttendanceStatus.LATE).first()
    html = page(
        switch_to_english(client_as(local_leader_ale)),
        reverse("kurser:session-attendance", args=[session.pk]),
    )
    label = 'data-role="status-label">{}</span>'
    assert_english(
        html,
        present=[label.format("Late"), label.format("Present"), *FRAME_EN],
        gone=[label.format("Sen"), label.format("Närvarande"), *FRAME_SV],
    )
