"""One pagination template and one query parameter (`page`) for every paged list; the links keep
the list's filters."""

from __future__ import annotations

import datetime as dt

import pytest

from kurser.models import Session
from tests.factories import PersonFactory, ProgrammeFactory, SessionFactory


def _held_sessions(n, *, trainer, programme):
    for i in range(n):
        SessionFactory(
            programme=programme,
            municipality=trainer.municipality,
            workplace=trainer.workplace,
            trainer=trainer,
            date=dt.date(2020, 1, 1) + dt.timedelta(days=i),
            status=Session.Status.HELD,
        )


@pytest.mark.django_db
def test_my_sessions_pages_with_page_parameter(client, ombud_molndal, molndal):
    _held_sessions(30, trainer=ombud_molndal.person, programme=ProgrammeFactory(municipalities=[molndal]))
    client.force_login(ombud_molndal)
    html = client.get("/kurser/mina/?page=2").content.decode()
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2</span></li>' in html
    assert 'href="?page=1"' in html
    assert "sida=" not in html


@pytest.mark.django_db
def test_session_list_page_links_keep_the_filters(client, programme_leader, molndal, ombud_molndal):
    _held_sessions(55, trainer=ombud_molndal.person, programme=ProgrammeFactory(municipalities=[molndal]))
    client.force_login(programme_leader)
    html = client.get(f"/kurser/tillfallen/?municipality={molndal.pk}&page=2").content.decode()
    assert '<span class="page-link">2</span>' in html
    assert f'href="?municipality={molndal.pk}&amp;page=1"' in html


@pytest.mark.django_db
def test_staff_list_uses_the_same_template(client, local_leader_ale, ale):
    PersonFactory.create_batch(55, municipality=ale)
    client.force_login(local_leader_ale)
    html = client.get("/personal/?page=2").content.decode()
    assert '<li class="page-item active" aria-current="page"><span class="page-link">2</span></li>' in html
    assert 'hx-get="?page=1"' in html
