"""The Lägesbild does not wait for its effect card (issue 14): inline when cached, else a
placeholder that htmx replaces with the card from its own view — scoped exactly as the page."""

from __future__ import annotations

import logging
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.rapporter.web_data import add_activity

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.programme_activity(
        ale={"sessions": 3, "per_session": 4}, molndal={"sessions": 2, "per_session": 3, "seed": 5}
    ),
]

URL = reverse("rapporter:dashboard")
CARD = reverse("rapporter:dashboard-effect-card")
PENDING = "Räknar effektmåtten …"
FAILED = "Effektmåtten kunde inte räknas just nu. Ladda om sidan."


def card_section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="effect-heading".*?</section>', html, re.S)
    assert match, "no effect card frame"
    return match[0]


def no_effect_computation():
    return mock.patch("enkater.selectors.effect_card", side_effect=AssertionError("card computed"))


def test_cold_page_shows_a_placeholder_loading_the_card(client_as, programme_leader, programme):
    client = client_as(programme_leader)
    with no_effect_computation(), CaptureQueriesContext(connection) as page:
        response = client.get(URL, {"programme": programme.pk})
    assert response.status_code == 200
    frame = card_section(response.content.decode())
    assert PENDING in frame
    assert 'aria-busy="true"' in frame and 'role="status"' in frame and 'aria-live="polite"' in frame
    assert f'hx-get="{CARD}?programme={programme.pk}"' in frame
    assert 'hx-trigger="load"' in frame and 'hx-swap="outerHTML"' in frame
    assert reverse("enkater:effect") in frame  # without JavaScript: a plain link
    assert not [q for q in page.captured_queries if "enkater_" in q["sql"]]


def test_warm_page_shows_the_card_inline_as_the_fragment_shows_it(client_as, programme_leader, programme):
    client = client_as(programme_leader)
    fragment = client.get(CARD)
    assert fragment.status_code == 200
    with no_effect_computation():
        html = client.get(URL).content.decode()
    assert PENDING not in html
    assert "Resultatindikatorer" in card_section(html)
    assert card_section(html) == card_section(fragment.content.decode())


def test_the_fragment_is_never_cached_by_the_browser(client_as, programme_leader, programme):
    # modig.middleware.NoStoreMiddleware decides this for every logged-in response.
    response = client_as(programme_leader).get(CARD)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_failed_computation_shows_a_message_in_the_frame_and_is_logged(
    client_as, programme_leader, programme, caplog
):
    with (
        mock.patch("enkater.selectors.effect_card", side_effect=RuntimeError("boom")),
        caplog.at_level(logging.ERROR, logger="rapporter.views"),
    ):
        response = client_as(programme_leader).get(CARD)
    assert response.status_code == 200
    assert FAILED in card_section(response.content.decode())
    assert "boom" not in response.content.decode()
    assert any(r.exc_info and "boom" in str(r.exc_info[1]) for r in caplog.records)


def test_local_leader_asking_for_another_municipality_gets_400(
    client_as, local_leader_ale, programme, molndal
):
    with no_effect_computation():
        response = client_as(local_leader_ale).get(CARD, {"municipality": molndal.pk})
    assert response.status_code == 400
    assert "Välj ett giltigt alternativ" in response.content.decode()


def test_local_leader_gets_the_card_of_own_municipality(client_as, local_leader_ale, programme, ale):
    html = client_as(local_leader_ale).get(CARD).content.decode()
    assert f"municipality={ale.pk}" in card_section(html)


@pytest.mark.parametrize("persona", ["ombud_molndal", "outsider"])
def test_roles_without_reports_get_403(client_as, request, persona, programme):
    assert client_as(request.getfixturevalue(persona)).get(CARD).status_code == 403


def test_anonymous_goes_to_login(client, programme):
    response = client.get(CARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_cold_page_query_count_is_the_same_at_two_data_sizes(
    client_as, programme_leader, programme, ale, molndal
):
    client = client_as(programme_leader)
    client.get(URL)  # warm caches (session, content types, the counts)
    with CaptureQueriesContext(connection) as small:
        assert PENDING in client.get(URL).content.decode()
    add_activity(programme, ale, sessions=8, per_session=6, seed=20)
    add_activity(programme, molndal, sessions=6, per_session=5, seed=40)
    cache.clear()
    client.get(URL)
    with CaptureQueriesContext(connection) as large:
        assert PENDING in client.get(URL).content.decode()
    assert len(large.captured_queries) == len(small.captured_queries)
