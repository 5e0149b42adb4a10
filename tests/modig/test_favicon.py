"""The portal has its own icon: an SVG in static, linked from every page, and /favicon.ico (asked
for by browsers and bookmarks regardless) leads to it instead of a 404."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.django_db
def test_every_page_links_the_svg_favicon(client):
    html = client.get("/konto/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html


def test_favicon_is_an_svg_in_static():
    path = finders.find("favicon.svg")
    assert path, "static/favicon.svg missing"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.lstrip().startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
