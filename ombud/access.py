"""The one place that decides what a user may see and do.

Deny by default: a user without a known role sees nothing. Every queryset a view shows goes
through `scope()` (or one of the helpers built on it), so an object outside the user's scope is
simply not there and answers 404, exactly like a missing one. Permission to *act* (edit, approve,
administer) is asked with the `can_*` predicates, and a wrong role answers 403. Views, forms,
selectors and the navigation ask these functions; nothing else compares roles or tests the
`ALL` sentinel. Ids that arrive inside a request are read with `parse_id` (at the end).

| role                 | scope (municipalities)        | may                                         |
|----------------------|-------------------------------|---------------------------------------------|
| programme leader     | all                           | everything, user administration             |
| local project leader | `user.municipalities`         | people, workplaces, ombud, sessions; approve |
| ombud                | own person's municipality     | own sessions, attendance; no personnummer   |
| coordinator          | all, read-only                | reports, exports with personnummer          |

The test `tests/test_access_matrix.py` walks every URL of the project with every role and
checks the answer against its table, so a new page without a decision here fails it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

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
    """One object from the user's scope, or 404 — the same answer for 'missing' and 'not yours'
    (and for an id no database could hold)."""
    if "pk" in lookup and parse_id(lookup["pk"]) is None:
        raise Http404
    return get_object_or_404(scope(user, qs, via=via), **lookup)


def covers_all_municipalities(user: User | AnonymousUser) -> bool:
    """A whole-programme role (programme leader, coordinator): nothing is narrowed to a
    municipality, and "all municipalities" is a valid choice for them."""
    return municipality_ids(user) is ALL


def only_municipality(user: User | AnonymousUser) -> int | None:
    """The id of the user's municipality when their scope is exactly one, else None."""
    ids = municipality_ids(user)
    if not isinstance(ids, set) or len(ids) != 1:  # ALL is not a set
        return None
    return next(iter(ids))


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


def is_ombud(user: User | AnonymousUser) -> bool:
    """An ombud: their own sessions and reach are their pages (and the scope of their lists)."""
    return has_role(user, Role.OMBUD)


def can_view_people(user: User | AnonymousUser) -> bool:
    """The staff list and person pages (read): every role; coordinators read-only."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.OMBUD, Role.COORDINATOR)


def can_export_people(user: User | AnonymousUser) -> bool:
    """The staff list as XLSX (personnummer only when `can_export_personnummer`)."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_manage_places(user: User | AnonymousUser) -> bool:
    """Municipalities' pages, workplaces and ombud: programme leaders and local leaders."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def can_view_sessions(user: User | AnonymousUser) -> bool:
    """A session's page, sign-up sheet and QR code (an ombud: their own, by scope)."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR, Role.OMBUD)


def can_list_sessions(user: User | AnonymousUser) -> bool:
    """The session list and attendance statistics of the municipalities in scope."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


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


def can_view_effects(user: User | AnonymousUser) -> bool:
    """The effect dashboard (enkater): outcome figures of the municipalities in scope, never a
    person's answers. Programme leaders and coordinators: any municipality; local leaders: theirs."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_remind_participants(user: User | AnonymousUser) -> bool:
    """See who has not answered a follow-up survey (names and workplace only) and send them a
    reminder: local leaders (their municipality) and programme leaders; coordinators are read-only."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


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


# --- temporary participants (walk-ins, issue 13 item 3) -------------------------------------


def can_handle_temporary(user: User | AnonymousUser) -> bool:
    """The list "Tillfälliga deltagare": merge each with a registered person or complete it."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER)


def temporary_people_for(user: User | AnonymousUser) -> QuerySet[Person]:
    """The temporary participants of the user's municipalities (none for other roles)."""
    if not can_handle_temporary(user):
        return Person.objects.none()
    return people_for(user).filter(temporary=True, erased_at__isnull=True)


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


# --- what a request carries -------------------------------------------------------------------
# Every id that arrives in a URL, a query string, a form or a JSON body is read here first, so a
# number no database integer can hold (10^25) is "no such object" — 404, 400 or an ignored
# filter — and never reaches a query (SQLite raises OverflowError on it: a 500).

MAX_ID = 2**63 - 1  # BigAutoField: a signed 64-bit integer in SQLite and PostgreSQL


def parse_id(value: object) -> int | None:
    """A positive object id from request data, or None for anything else (text, a negative or
    oversized number, a bool, a float)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        # isascii: "²" is a digit to str.isdigit; the length check spares int() a huge string.
        if not (text.isascii() and text.isdigit() and len(text) <= 19):
            return None
        number = int(text)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Any) -> list[int]:
    """The valid ids among `values` (a list from `request.POST.getlist`), the others dropped."""
    return [n for n in (parse_id(v) for v in values) if n is not None]


def safe_next(request: HttpRequest, default: str) -> str:
    """Where to go back to after a POST: the form's `next` if it is a path of this site,
    otherwise `default` — never another site (`next=https://evil.example/`, `//evil.example`)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- participants' own pages and monthly confirmations (issue 12 item 5) ----------------------


def can_view_month_confirmations(user: User | AnonymousUser) -> bool:
    """Which months each participant confirmed (the list is scoped by the person's municipality):
    programme leaders, local leaders (their municipalities) and coordinators."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)


def can_hand_out_participant_link(user: User | AnonymousUser) -> bool:
    """Show a participant's personal link (to print or pass on) for people in scope: the same
    roles. Handing out a link changes nothing, so coordinators may too."""
    return has_role(user, Role.PROGRAMME_LEADER, Role.LOCAL_LEADER, Role.COORDINATOR)
