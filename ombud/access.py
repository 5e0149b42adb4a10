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
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from ombud.models import Municipality, Person, Programme, Role, Workplace

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ombud.models import User

M = TypeVar("M", bound=Model)

ALL = object()  # sentinel: the scope is every municipality


def role_of(user: User | AnonymousUser | None) -> str:
    if user is None or not user.is_authenticated or not user.is_active:
        return ""
    return user.effective_role


def municipality_ids(user: User | AnonymousUser | None) -> object | set[int]:
    """The municipalities the user's role covers: `ALL`, or a set of ids (empty: nothing)."""
    role = role_of(user)
    if role in (Role.PROGRAMME_LEADER, Role.COORDINATOR):
        return ALL
    member = cast("User", user)  # any role implies a signed-in, active User (role_of)
    if role == Role.LOCAL_LEADER:
        # Cached on the user object for the request: asked by several selectors per page.
        cached = getattr(user, "_scope_municipality_ids", None)
        if cached is None:
            cached = set(member.municipalities.values_list("id", flat=True))
            member._scope_municipality_ids = cached  # type: ignore[attr-defined]
        return cached
    if role == Role.OMBUD:
        cached = getattr(user, "_scope_municipality_ids", None)
        if cached is None:
            person = Person.objects.filter(user=member).values_list("municipality_id", flat=True).first()
            cached = {person} if person else set()
            member._scope_municipality_ids = cached  # type: ignore[attr-defined]
        return cached
    return set()


def scope(user: User | AnonymousUser | None, qs: QuerySet[M], *, via: str = "municipality") -> QuerySet[M]:
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


def people_import_scope(user: User | AnonymousUser | None) -> frozenset[int] | None:
    """The municipalities whose people an import run by `user` may write; None: every one.

    A scoped import may create people only in these municipalities and update only people
    already registered in them (issue 9). `None` as user is the `import_people` command, run by
    IT staff at the server: unscoped, like the programme leader.
    """
    if user is None:
        return None
    ids = municipality_ids(user)
    return None if ids is ALL else frozenset(cast("set[int]", ids))


# --- what a role may do ----------------------------------------------------------------------


def has_role(user: User | AnonymousUser | None, *roles: str) -> bool:
    return role_of(user) in roles


def can_administer(user: User | AnonymousUser) -> bool:
    """Users, programmes, GDPR tools."""
    return has_role(user, Role.PROGRAMME_LEADER)


def can_edit_people(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def can_approve(user: User | AnonymousUser | None) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def can_run_sessions(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.OMBUD)


def can_view_reports(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_close_months(user: User | AnonymousUser) -> bool:
    """Close a reporting month once its numbers are sent to ESF, or reopen it (with a reason)."""
    return has_role(user, Role.PROGRAMME_LEADER)


def can_see_personnummer(user: User | AnonymousUser) -> bool:
    """Full personnummer on screen (each reveal audited). Ombud never."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_export_personnummer(user: User | AnonymousUser) -> bool:
    """Files with personnummer (participant lists for ESF): coordinator and programme leader."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.COORDINATOR)


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


# --- who may be marked on a session (attendance rules; one rule for every write path) ---------


def people_markable(user: User | AnonymousUser | None, session: Any) -> QuerySet[Person]:
    """The people whose attendance `user` may record on `session`: people registered in the
    session's municipality, people already invited (on its list), and the people the user's
    walk-in search may show (the user's scope, within the programme's municipalities).

    The tablet submit, the invitation, the walk-in search and the QR check-in (no user: the
    first two only) all ask this, so an id sent in a body that is not here is refused.
    `session` is duck-typed (kurser's Session: `municipality_id`, `programme`, `attendances`):
    ombud may not import kurser.
    """
    municipality = Q(municipality_id=session.municipality_id, erased_at__isnull=True)
    invited = Q(pk__in=session.attendances.values("person_id"))
    in_programme = Person.objects.filter(
        municipality__in=session.programme.municipalities.values("pk"), erased_at__isnull=True
    )
    walk_in = Q(pk__in=scope(user, in_programme).values("pk"))
    return Person.objects.filter(municipality | invited | walk_in)
