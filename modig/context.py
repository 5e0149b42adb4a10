"""Template context shared by every page: the navigation for the user's role.

Each link is shown when the `ombud.access` predicate its page checks says yes, so the menu and
the pages cannot disagree (tests/modig/test_navigation.py opens every link as every role).
Links are grouped (Utbildning / Personal / Rapporter / Administration) so a programme leader's
menu fits beside the user menu at 1200 px; a role with only a few links keeps them flat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ombud import access
from ombud.models import Role

Item = tuple[str, Promise, Callable[..., bool]]

HOME: Item = ("home", _("Översikt"), lambda user: bool(access.role_of(user)))

# (group label, [(URL name, label, access predicate)]). Entries whose page does not exist are left out.
NAVIGATION: list[tuple[Promise, list[Item]]] = [
    (
        _("Utbildning"),
        [
            ("kurser:my-sessions", _("Mina tillfällen"), access.is_ombud),
            ("kurser:my-reach", _("Min räckvidd"), access.is_ombud),
            ("kurser:untrained", _("Ej utbildade"), access.is_ombud),
            ("kurser:session-list", _("Utbildningstillfällen"), access.can_list_sessions),
            ("kurser:approval-list", _("Att godkänna"), access.can_approve),
            ("enkater:builder", _("Enkäter"), access.can_administer),
        ],
    ),
    (
        _("Personal"),
        [
            ("ombud:person-list", _("Medarbetare"), access.can_view_people),
            ("ombud:ombud-list", _("Ombud"), access.can_manage_places),
            ("ombud:municipality-list", _("Kommuner"), access.can_manage_places),
            ("kurser:temporary-list", _("Tillfälliga deltagare"), access.can_handle_temporary),
        ],
    ),
    (
        _("Rapporter"),
        [
            ("rapporter:dashboard", _("Lägesbild"), access.can_view_reports),
            ("rapporter:report-list", _("Rapporter"), access.can_view_reports),
            ("rapporter:months", _("Månader"), access.can_view_reports),
            ("enkater:confirmation-list", _("Bekräftade månader"), access.can_view_month_confirmations),
            ("enkater:effect", _("Effekter"), access.can_view_effects),
        ],
    ),
    (
        _("Administration"),
        [
            ("ombud:programme-list", pgettext_lazy("plural", "Program"), access.can_administer),
            ("ombud:user-list", _("Användare"), access.can_administer),
            ("api:key-list", _("API-nycklar"), access.can_administer),
        ],
    ),
]

# Up to this many links in all, the menu stays flat: one tap to the ombud's own pages.
FLAT_UP_TO = 6


def _item(name: str, label: Promise) -> dict | None:
    try:
        return {"url": reverse(name), "label": label, "active": False}
    except NoReverseMatch:
        return None


def navigation(user, path: str) -> tuple[list[dict], list[dict]]:
    """`(items, groups)` for this user on this path: every link flat, and the menu as groups
    (`{"label", "items", "active"}`; a group with one item is shown as a plain link)."""
    if not HOME[2](user):
        return [], []
    groups: list[dict[str, Any]] = []
    for label, entries in NAVIGATION:
        found = [i for i in (_item(name, text) for name, text, allowed in entries if allowed(user)) if i]
        if found:
            groups.append({"label": label, "items": found, "active": False})
    home = _item(HOME[0], HOME[1])
    assert home is not None  # the start page always exists
    items: list[dict[str, Any]] = [home, *(i for g in groups for i in g["items"])]
    # The item whose URL is the longest prefix of this page's path is the current one, so a
    # person's page keeps "Medarbetare" highlighted.
    matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    if len(items) <= FLAT_UP_TO:
        groups = [{"label": i["label"], "items": [i], "active": i["active"]} for i in items]
    else:
        groups = [{"label": home["label"], "items": [home], "active": home["active"]}, *groups]
        for group in groups:
            group["active"] = any(i["active"] for i in group["items"])
    return items, groups


def portal(request) -> dict[str, object]:
    role = access.role_of(request.user)
    items, groups = navigation(request.user, request.path)
    return {
        "nav_items": items,
        "nav_groups": groups,
        "user_role": role,
        "user_role_label": Role(role).label if role else "",
    }
