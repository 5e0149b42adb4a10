"""Every read the ombud pages need: scoped through `ombud.access`, joined and counted in SQL.

Nothing here writes. Each list selector returns a queryset whose template loop does not query
(select_related / prefetch_related done); every count is an annotation or a subquery, so a
page's query count stays the same however many rows there are.

The ombud app must not import `kurser` (data flows ombud ← kurser ← rapporter), and what counts
as trained or as cascade reach is kurser's rule (`kurser.counting`). The pages that show those
figures therefore take them as an argument, `counts` (see `TrainingCounts`), which the URLconf that
serves those pages hands in (`kurser.staff_urls`, composed into the `ombud` namespace in
`modig/urls.py`). The dependency stays visible in every signature and points the allowed way:
kurser passes its expressions to ombud's selectors; ombud never names kurser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ValidationError
from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from ombud import access
from ombud.models import AuditLog, Municipality, Ombud, Person, Programme, TargetGroup, User, Workplace
from ombud.personnummer import normalise
from ombud.search import name_condition

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Expression


class TrainingCounts(Protocol):
    """The training figures the staff and ombud pages show, as query expressions (implemented
    by `kurser.counting.TrainingCounts`, the one definition of spec §2)."""

    def trained(self) -> Exists:
        """For a Person queryset: has the person at least one counted attendance row?"""
        ...

    def reach(self) -> Expression:
        """For an Ombud queryset: cascade reach of the ombud's person, an integer."""
        ...


def _count_of(qs: QuerySet, **outer: str) -> Coalesce:
    """A correlated `COUNT(*)` subquery: one number per outer row, without multiplying joins
    (counting people and workplaces through two joins would multiply the rows)."""
    counted = (
        qs.filter(**{k: OuterRef(v) for k, v in outer.items()})
        .order_by()
        .values(*outer.keys())
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- people ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFilter:
    q: str = ""
    municipality: Municipality | None = None
    workplace: Workplace | None = None
    target_group: str = ""
    trained: str = ""  # "", "ja", "nej"

    @classmethod
    def from_cleaned(cls, data: dict[str, Any]) -> PersonFilter:
        return cls(
            q=(data.get("q") or "").strip(),
            municipality=data.get("municipality"),
            workplace=data.get("workplace"),
            target_group=data.get("target_group") or "",
            trained=data.get("trained") or "",
        )


def _search(qs: QuerySet[Person], q: str, *, personnummer_allowed: bool) -> QuerySet[Person]:
    digits = q.replace("-", "").replace("+", "").replace(" ", "")
    if digits.isdigit():
        if not personnummer_allowed:
            # Ombud never search by personnummer: a number matches nobody rather than leak.
            return qs.none()
        try:
            return qs.filter(personnummer=normalise(q))
        except ValidationError:
            pass
        if len(digits) in (6, 10):  # YYMMDD or YYMMDDNNNN: the century is unknown
            return qs.filter(personnummer__regex=rf"^\d{{2}}{digits}")
        return qs.filter(personnummer__startswith=digits)
    # Each word must start a word of the name, in any order and any case, å/ä/ö included:
    # `anna lind` and `Lindqvist, Anna` find Anna Lindqvist (`ombud.search`).
    return qs.filter(name_condition(q))


def person_list(
    *, user: User | AnonymousUser, filters: PersonFilter, counts: TrainingCounts | None = None
) -> QuerySet[Person]:
    """The staff list: scoped, filtered, ordered by name, with `is_ombud` annotated and, given
    `counts`, `is_trained` (subqueries, not per-row queries) and the trained filter."""
    qs = access.people_for(user).filter(erased_at__isnull=True)
    if filters.q:
        qs = _search(qs, filters.q, personnummer_allowed=access.can_see_personnummer(user))
    if filters.municipality:
        qs = qs.filter(municipality=filters.municipality)
    if filters.workplace:
        qs = qs.filter(workplace=filters.workplace)
    if filters.target_group:
        qs = qs.filter(target_group=filters.target_group)
    if counts is not None:
        qs = qs.annotate(is_trained=counts.trained())
        if filters.trained == "ja":
            qs = qs.filter(is_trained=True)
        elif filters.trained == "nej":
            qs = qs.filter(is_trained=False)
    return qs.annotate(is_ombud=Exists(Ombud.objects.filter(person=OuterRef("pk")))).order_by(
        "last_name", "first_name", "pk"
    )


def person_get(*, user: User | AnonymousUser, pk: int) -> Person:
    return access.get_in_scope(user, access.people_for(user).select_related("ombud", "user"), pk=pk)


def person_attendances(*, person: Person) -> QuerySet:
    """The person's attendance history, newest first, with session and course joined."""
    return (
        person.attendances.select_related("session__course", "session__municipality")
        .annotate(attended_hours=ExpressionWrapper(F("minutes") / Value(60.0), output_field=FloatField()))
        .order_by("-session__date", "-session__start_time")
    )


def person_audit(*, person: Person, limit: int = 20) -> QuerySet[AuditLog]:
    return AuditLog.objects.filter(person=person).select_related("user")[:limit]


# --- municipalities, workplaces, programmes --------------------------------------------------


def municipality_list(*, user: User | AnonymousUser) -> QuerySet[Municipality]:
    return access.municipalities_for(user).annotate(
        n_people=_count_of(Person.objects.filter(erased_at__isnull=True), municipality="pk"),
        n_workplaces=_count_of(Workplace.objects.all(), municipality="pk"),
        n_ombud=_count_of(Ombud.objects.filter(active=True), person__municipality="pk"),
    )


def municipality_get(*, user: User | AnonymousUser, pk: int) -> Municipality:
    return access.get_in_scope(user, municipality_list(user=user), via="", pk=pk)


def workplace_list(*, municipality: Municipality) -> QuerySet[Workplace]:
    return (
        Workplace.objects.filter(municipality=municipality)
        .select_related("municipality")
        .annotate(
            n_people=_count_of(Person.objects.filter(erased_at__isnull=True), workplace="pk"),
            n_ombud=_count_of(Ombud.workplaces.through.objects.all(), workplace="pk"),
        )
        .order_by("name")
    )


def workplace_get(*, user: User | AnonymousUser, pk: int) -> Workplace:
    return access.get_in_scope(user, access.workplaces_for(user), pk=pk)


def workplaces_for(*, user: User | AnonymousUser) -> QuerySet[Workplace]:
    return access.workplaces_for(user).order_by("municipality__name", "name")


def programme_list(*, user: User | AnonymousUser) -> QuerySet[Programme]:
    return access.programmes_for(user).prefetch_related(
        Prefetch("municipalities", queryset=Municipality.objects.order_by("name")), "unit_costs"
    )


def programme_get(*, user: User | AnonymousUser, pk: int) -> Programme:
    return access.get_in_scope(user, programme_list(user=user), via="municipalities", pk=pk)


# --- ombud -----------------------------------------------------------------------------------


def ombud_list(
    *,
    user: User | AnonymousUser,
    municipality: Municipality | None = None,
    counts: TrainingCounts | None = None,
) -> QuerySet[Ombud]:
    """Ombud in scope; given `counts`, each with `reach` (a correlated subquery, so it runs only
    for the rows a page shows)."""
    qs = access.scope(user, Ombud.objects.all(), via="person__municipality")
    if municipality is not None:
        qs = qs.filter(person__municipality=municipality)
    if counts is not None:
        qs = qs.annotate(reach=counts.reach())
    return (
        qs.select_related("person__municipality", "person__workplace")
        .prefetch_related(Prefetch("workplaces", queryset=Workplace.objects.order_by("name")))
        .order_by("-active", "person__last_name", "person__first_name", "pk")
    )


def ombud_get(*, user: User | AnonymousUser, pk: int, counts: TrainingCounts | None = None) -> Ombud:
    qs = Ombud.objects.select_related("person__municipality", "person__workplace")
    if counts is not None:
        qs = qs.annotate(reach=counts.reach())
    return access.get_in_scope(user, qs, via="person__municipality", pk=pk)


# --- users -----------------------------------------------------------------------------------


def user_list(*, user: User | AnonymousUser) -> QuerySet[User]:
    if not access.can_administer(user):
        return User.objects.none()
    return (
        User.objects.select_related("person__municipality")
        .prefetch_related(Prefetch("municipalities", queryset=Municipality.objects.order_by("name")))
        .filter(api_key__isnull=True)  # an API key's account is managed on the key page (issue 13)
        .order_by("-is_active", "username")
    )


def user_get(*, user: User | AnonymousUser, pk: int) -> User:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(user_list(user=user), pk=pk)


def ombud_people(*, user: User | AnonymousUser) -> QuerySet[Person]:
    """People an ombud account can be linked to: appointed ombud, or target group ombud."""
    return (
        access.people_for(user)
        .filter(erased_at__isnull=True)
        .filter(Q(ombud__isnull=False) | Q(target_group=TargetGroup.OMBUD))
        .order_by("last_name", "first_name")
    )


# --- GDPR retention ----------------------------------------------------------------------------

RETENTION_YEARS = 5


def retention_cutoff_year(today: dt.date) -> int:
    """Programmes whose final payment was in this year or earlier have passed retention:
    kept until 31 December of (payment year + 5), so erasable from the year after."""
    return today.year - RETENTION_YEARS - 1


def people_due_for_retention(*, today: dt.date | None = None) -> QuerySet[Person]:
    """People (not yet erased) who took part only in programmes whose retention has ended.

    People are linked to programmes through attendance → session → programme and, for
    trainers, session → programme. Someone linked to any programme still within retention
    (or without a final payment date) is kept.
    """
    today = today or timezone.localdate()
    ended = Programme.objects.filter(final_payment_date__year__lte=retention_cutoff_year(today))
    live = Programme.objects.exclude(pk__in=ended.values("pk"))
    return (
        Person.objects.filter(erased_at__isnull=True)
        .filter(
            Q(attendances__session__programme__in=ended.values("pk"))
            | Q(sessions_led__programme__in=ended.values("pk"))
        )
        .exclude(attendances__session__programme__in=live.values("pk"))
        .exclude(sessions_led__programme__in=live.values("pk"))
        .distinct()
    )
