"""Municipality drop-downs in Swedish alphabetical order (Å Ä Ö after Z), whatever the
database's collation: every municipality choice of every form, through its page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import MunicipalityFactory, ProgrammeFactory, UserFactory

NAMES = ["Örebro", "Älvkarleby", "Åre", "Ystad", "Ale", "Zeta", "Eda"]
SWEDISH = ["Ale", "Eda", "Ystad", "Zeta", "Åre", "Älvkarleby", "Örebro"]

PAGES = [
    ("ombud:person-list", "municipality"),
    ("ombud:person-create", "municipality"),
    ("ombud:programme-create", "municipalities"),
    ("ombud:user-invite", "municipalities"),
    ("kurser:session-list", "municipality"),
    ("kurser:approval-list", "municipality"),
    ("kurser:session-create", "municipality"),
    ("rapporter:dashboard", "municipality"),
    ("rapporter:report-list", "municipality"),
]


def shown_names(html: str, field: str) -> list[str]:
    """The municipality names a field offers, in page order (selects and checkbox lists)."""
    select = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', html, re.S)
    if select:
        labels = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select.group(1))
    else:
        labels = re.findall(rf'name="{field}" value="\d+".*?<label[^>]*>\s*([^<]*?)\s*</label>', html, re.S)
    return [label.split(" (")[0].strip() for label in labels]


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "field"), PAGES)
def test_municipality_choices_are_in_swedish_order(client_as, url_name, field):
    municipalities = [MunicipalityFactory(code=f"{3000 + i}", name=name) for i, name in enumerate(NAMES)]
    ProgrammeFactory(municipalities=municipalities)
    user = UserFactory(username="pl", role="programledare")
    html = client_as(user).get(reverse(url_name)).content.decode()
    assert shown_names(html, field) == SWEDISH
