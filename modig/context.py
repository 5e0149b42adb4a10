"""Template context shared by every page: the navigation for the user's role."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ombud.access import role_of
from ombud.models import Role

P, L, OM, C = Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.OMBUD, Role.COORDINATOR

# (URL name, label, roles that see it). Entries whose page does not exist yet are left out.
NAVIGATION = [
    ("home", _("Översikt"), {P, L, OM, C}),
    ("kurser:my-sessions", _("Mina tillfällen"), {OM}),
    ("kurser:my-reach", _("Min räckvidd"), {OM}),
    ("kurser:untrained", _("Ej utbildade"), {OM}),
    ("kurser:session-list", _("Utbildningstillfällen"), {P, L}),
    ("kurser:approval-list", _("Att godkänna"), {P, L}),
    ("ombud:person-list", _("Medarbetare"), {P, L, OM}),
    ("ombud:ombud-list", _("Ombud"), {P, L}),
    ("ombud:municipality-list", _("Kommuner"), {P, L}),
    ("ombud:programme-list", pgettext_lazy("plural", "Program"), {P}),
    ("rapporter:dashboard", _("Lägesbild"), {P, L, C}),
    ("rapporter:report-list", _("Rapporter"), {P, L, C}),
    ("rapporter:months", _("Månader"), {P, C}),
    ("ombud:user-list", _("Användare"), {P}),
]


def portal(request) -> dict[str, object]:
    role = role_of(request.user)
    items: list[dict[str, Any]] = []
    if role:
        for name, label, roles in NAVIGATION:
            if role not in roles:
                continue
            try:
                url = reverse(name)
            except NoReverseMatch:
                continue
            items.append({"url": url, "label": label, "active": False})
        # The item whose URL is the longest prefix of this page's path is the current one, so a
        # person's page keeps "Medarbetare" highlighted.
        path = request.path
        matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
        if matches:
            max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "user_role": role, "user_role_label": Role(role).label if role else ""}
