"""The one place that decides what a user may see and do.

Deny by default: a user without a known role sees nothing. Every queryset a view shows goes
through `scope()` (or one of the helpers built on it), so an object outside the user's scope is
simply not there and answers 404, exactly like a missing one. Permission to *act* (edit, approve,
administer) is asked with the `can_*` predicates, and a wrong role answers 403.

| role                 | scope (municipalities)        | may                                         |
|----------------------|-------------------------------|---------------------------------------------|
| programme leader     | all                           | everything, user administration             |
| local project leader | `user.municipalities`         | people, workplaces, ombud, sessions; approve |
| ombud                | own person's municipality     | own sessions, attendance; no personnummer   |
| coordinator          | all, read-only                | reports, exports with personnummer          |
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from ombud.models import Municipality, Person, Programme, Role, Workplace

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ombud.models import User

M = TypeVar("M", bound=Model)

ALL = object()  # sentinel: the scope is every municipality


def role_of(user: User | AnonymousUser) -> str:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ""
    return user.effective_role


def municipality_ids(user: User | AnonymousUser) -> object | set[int]:
    """The municipalities the user's role covers: `ALL`, or a set of ids (empty: nothing)."""
    role = role_of(user)
    if role in (Role.PROGRAMME_LEADER, Role.COORDINATOR):
        return ALL
    if role == Role.LOCAL_LEADER:
        # Cached on the user object for the request: asked by several selectors per page.
        cached = getattr(user, "_scope_municipality_ids", None)
        if cached is None:
            cached = set(user.municipalities.values_list("id", flat=True))
            user._scope_municipality_ids = cached
        return cached
    if role == Role.OMBUD:
        cached = getattr(user, "_scope_municipality_ids", None)
        if cached is None:
            person = Person.objects.filter(user=user).values_list("municipality_id", flat=True).first()
            cached = {person} if person else set()
            user._scope_municipality_ids = cached
        return cached
    return set()


def scope(user: User | AnonymousUser, qs: QuerySet[M], *, via: str = "municipality") -> QuerySet[M]:
    """Restrict `qs` to the user's municipalities; `via` is the lookup path to a Municipality
    (`"municipality"`, `"person__municipality"`, `""` for Municipality itself)."""
    ids = municipality_ids(user)
    if ids is ALL:
        return qs
    if not ids:
        return qs.none()
    return qs.filter(**{f"{via}__in" if via else "pk__in": ids})


def get_in_scope(
    user: User | AnonymousUser, qs: QuerySet[M], *, via: str = "municipality", **lookup: Any
) -> M:
    """One object from the user's scope, or 404 — the same answer for 'missing' and 'not yours'."""
    return get_object_or_404(scope(user, qs, via=via), **lookup)


def municipalities_for(user: User | AnonymousUser) -> QuerySet[Municipality]:
    return scope(user, Municipality.objects.all(), via="")


def workplaces_for(user: User | AnonymousUser) -> QuerySet[Workplace]:
    return scope(user, Workplace.objects.select_related("municipality"))


def people_for(user: User | AnonymousUser) -> QuerySet[Person]:
    return scope(user, Person.objects.select_related("municipality", "workplace"))


def programmes_for(user: User | AnonymousUser) -> QuerySet[Programme]:
    ids = municipality_ids(user)
    if ids is ALL:
        return Programme.objects.all()
    if not ids:
        return Programme.objects.none()
    return Programme.objects.filter(municipalities__in=ids).distinct()


# --- what a role may do ----------------------------------------------------------------------


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    return role_of(user) in roles


def can_administer(user: User | AnonymousUser) -> bool:
    """Users, programmes, GDPR tools."""
    return has_role(user, Role.PROGRAMME_LEADER)


def can_edit_people(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def can_approve(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def can_run_sessions(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.OMBUD)


def can_view_reports(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_close_months(user: User | AnonymousUser) -> bool:
    """Close a reporting month once its numbers are sent to ESF."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.COORDINATOR)


def can_see_personnummer(user: User | AnonymousUser) -> bool:
    """Full personnummer on screen (each reveal audited). Ombud never."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_export_personnummer(user: User | AnonymousUser) -> bool:
    """Files with personnummer (participant lists for ESF): coordinator and programme leader."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.COORDINATOR)


# --- page predicates the navigation needs (wip/ui) ----------------------------------------------
# The same rules the views' decorators apply today (ombud/views/__init__.py, kurser/views.py);
# the menu asks these so a role has a link exactly where it may go. At merge: point those views
# at these functions (or keep whichever copy the access reorganisation settles on).


def is_ombud(user: User | AnonymousUser) -> bool:
    """The ombud's own pages: my sessions, my reach, colleagues not yet trained."""
    return has_role(user, Role.OMBUD)


def can_view_people(user: User | AnonymousUser) -> bool:
    """The staff list and person pages (read): every role; coordinators read-only."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.OMBUD, Role.COORDINATOR)


def can_manage_places(user: User | AnonymousUser) -> bool:
    """Municipalities' pages, workplaces and ombud: programme leaders and local leaders."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def can_list_sessions(user: User | AnonymousUser) -> bool:
    """The list of all sessions in scope (coordinators read-only)."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


# --- end of wip/ui block ------------------------------------------------------------------------


def require(predicate: Callable[[Any], bool]) -> Callable:
    """View decorator: 403 unless `predicate(request.user)`; anonymous users go to login."""

    def decorator(view: Callable) -> Callable:
        from django.contrib.auth.decorators import login_required

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator
