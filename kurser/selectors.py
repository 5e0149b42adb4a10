"""Every read the kurser pages need, scoped to the user through `ombud.access` and prefetched.

Sessions are scoped by municipality for leaders and the coordinator; an ombud sees the sessions
they lead (trainer = their own person). Counts are correlated subqueries, so a page's query
count does not grow with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kurser import counting
from kurser.models import Attendance, AttendanceStatus, Course, Session
from ombud import access
from ombud.models import Ombud, Person, Workplace
from ombud.search import name_condition

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ombud.models import User


def _count(status_filter: Q | None = None) -> Coalesce:
    qs = Attendance.objects.filter(session=OuterRef("pk"))
    if status_filter is not None:
        qs = qs.filter(status_filter)
    counted = qs.order_by().values("session").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_counts(qs: QuerySet[Session]) -> QuerySet[Session]:
    return qs.annotate(
        n_rows=_count(),
        n_attended=_count(counting.ATTENDED),
        n_registered=_count(Q(status=AttendanceStatus.REGISTERED)),
        n_missing=_count(Q(status__in=(AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED))),
    )


def sessions_for(user: User | AnonymousUser) -> QuerySet[Session]:
    """Deny by default: what this user may see of sessions."""
    qs = Session.objects.all()
    if access.is_ombud(user):
        return qs.filter(trainer_id=user.person_id) if user.person_id else qs.none()
    return access.scope(user, qs, via="municipality")


def _joined(qs: QuerySet[Session]) -> QuerySet[Session]:
    return qs.select_related("course", "municipality", "workplace", "trainer", "programme", "approved_by")


def session_get(*, user: User | AnonymousUser, pk: int) -> Session:
    """One session in the user's scope, or 404 (the same for missing and not yours)."""
    return get_object_or_404(with_counts(_joined(sessions_for(user))), pk=pk)


def session_attendance(*, session: Session) -> QuerySet[Attendance]:
    return session.attendances.select_related("person__workplace").order_by(
        "person__first_name", "person__last_name", "pk"
    )


@dataclass
class SessionFilter:
    municipality: int | None = None
    status: str = ""
    course_type: str = ""
    tool: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    awaiting_approval: bool = False


def session_list(*, user: User | AnonymousUser, filters: SessionFilter | None = None) -> QuerySet[Session]:
    f = filters or SessionFilter()
    qs = sessions_for(user)
    if f.municipality:
        qs = qs.filter(municipality_id=f.municipality)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.course_type:
        qs = qs.filter(course__type=f.course_type)
    if f.tool:
        qs = qs.filter(course__tool=f.tool)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    if f.awaiting_approval:
        qs = qs.filter(status=Session.Status.HELD, approved_at__isnull=True)
    return _joined(qs).order_by("-date", "-start_time", "-pk")


def with_counts_for_page(page):
    """Counts for the sessions on one page only: counting first and paginating after would
    count every session in scope (slow at 100 × Modig)."""
    ids = [s.pk for s in page.object_list]
    counted = with_counts(Session.objects.filter(pk__in=ids)).values(  # type: ignore[misc]  # annotated fields
        "pk", "n_rows", "n_attended", "n_registered", "n_missing"
    )
    by_pk = {row.pop("pk"): row for row in counted}
    sessions = list(page.object_list)
    for s in sessions:
        for key, value in by_pk.get(s.pk, {}).items():
            setattr(s, key, value)
    page.object_list = sessions
    return page


def approval_queue(
    *, user: User | AnonymousUser, filters: SessionFilter | None = None, oldest_first: bool = False
) -> QuerySet[Session]:
    """Held sessions of the user's municipalities that nobody has approved yet, newest first:
    the session held today is at the top of the first page, not on page four."""
    if not access.can_approve(user):
        return Session.objects.none()
    f = filters or SessionFilter()
    qs = access.scope(user, Session.objects.filter(status=Session.Status.HELD, approved_at__isnull=True))
    if f.municipality:
        qs = qs.filter(municipality_id=f.municipality)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    order = ("date", "start_time", "pk") if oldest_first else ("-date", "-start_time", "-pk")
    return _joined(qs).order_by(*order)


def my_sessions(*, user: User | AnonymousUser) -> tuple[QuerySet[Session], QuerySet[Session]]:
    """The ombud's own sessions: (today and coming, oldest first; past, newest first)."""
    today = timezone.localdate()
    qs = with_counts(_joined(sessions_for(user)))
    upcoming = (
        qs.filter(date__gte=today).exclude(status=Session.Status.CANCELLED).order_by("date", "start_time")
    )
    past = qs.filter(date__lt=today).order_by("-date", "-start_time")
    return upcoming, past


# --- reach and the untrained ------------------------------------------------------------------


def _reach_rows(person_id: int | None) -> QuerySet[Attendance]:
    """The rows cascade reach counts (kurser.counting), of the sessions the person led."""
    return counting.reach_rows().filter(session__trainer_id=person_id)


@dataclass
class Reach:
    ombud: Ombud | None
    reached: int
    goal: int
    hours: float
    sessions: int

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.reached / self.goal)) if self.goal else 0

    @property
    def bucket(self) -> int:
        """The percentage rounded down to tens, for the CSS width class (no inline styles)."""
        return self.percent // 10 * 10

    @property
    def remaining(self) -> int:
        return max(0, self.goal - self.reached)


def ombud_of(user: User | AnonymousUser) -> Ombud | None:
    if not access.is_ombud(user) or not user.person_id:
        return None
    return (
        Ombud.objects.select_related("person__workplace", "person__municipality")
        .filter(person_id=user.person_id)
        .first()
    )


def my_reach(*, user: User | AnonymousUser) -> Reach:
    ombud = ombud_of(user)
    rows = _reach_rows(user.person_id if access.is_ombud(user) else None)
    agg = rows.aggregate(
        reached=counting.reached_count(),
        minutes=Sum("minutes"),
        sessions=Count("session", distinct=True),
    )
    return Reach(
        ombud=ombud,
        reached=agg["reached"] or 0,
        goal=ombud.reach_goal if ombud else 36,
        hours=counting.hours(agg["minutes"]),
        sessions=agg["sessions"] or 0,
    )


def reached_people(*, user: User | AnonymousUser) -> QuerySet[Person]:
    """The colleagues the ombud has reached, with how many of their sessions each attended."""
    if not access.is_ombud(user) or not user.person_id:
        return Person.objects.none()
    rows = _reach_rows(user.person_id)
    last = rows.filter(person=OuterRef("pk")).order_by("-session__date").values("session__date")[:1]
    return (
        Person.objects.filter(pk__in=rows.values("person"))
        .select_related("workplace")
        .annotate(
            n_sessions=Subquery(
                rows.filter(person=OuterRef("pk"))
                .order_by()
                .values("person")
                .annotate(n=Count("session", distinct=True))
                .values("n"),
                output_field=IntegerField(),
            ),
            last_date=Subquery(last),
        )
        .order_by("-last_date", "first_name", "last_name")
    )


def covered_workplaces(*, user: User | AnonymousUser) -> QuerySet[Workplace]:
    """The workplaces the ombud covers (Ombud.workplaces), else their own workplace."""
    if not access.is_ombud(user) or not user.person_id:
        return Workplace.objects.none()
    covered = Workplace.objects.filter(ombud__person_id=user.person_id)
    if covered.exists():
        return covered.order_by("name")
    return Workplace.objects.filter(people__pk=user.person_id).order_by("name")


def untrained(*, user: User | AnonymousUser, workplace_ids: list[int] | None = None) -> QuerySet[Person]:
    """Staff of the covered workplaces with no attended row yet, newest staff first."""
    workplaces = covered_workplaces(user=user)
    if workplace_ids:
        workplaces = workplaces.filter(pk__in=workplace_ids)
    return (
        access.people_for(user)
        # A temporary walk-in attended already: not a colleague to reach, but a record to merge.
        .filter(workplace__in=workplaces, erased_at__isnull=True, temporary=False)
        .exclude(pk=user.person_id)  # type: ignore[misc]
        .exclude(counting.trained())
        .order_by("-created_at", "first_name", "last_name", "pk")
    )


def invite_candidates(
    *, user: User | AnonymousUser, session: Session, only_untrained: bool
) -> QuerySet[Person]:
    """Colleagues to invite: staff of the session's workplace (or the ombud's workplaces)
    not yet on the list."""
    if session.workplace_id:
        qs = access.people_for(user).filter(workplace_id=session.workplace_id)
    else:
        qs = access.people_for(user).filter(workplace__in=covered_workplaces(user=user))
    qs = qs.filter(erased_at__isnull=True).exclude(attendances__session=session)
    if session.trainer_id:
        qs = qs.exclude(pk=session.trainer_id)
    if only_untrained:
        qs = qs.exclude(counting.trained())
    return qs.annotate(trained=counting.trained()).order_by("first_name", "last_name", "pk")


def person_search(*, user: User | AnonymousUser, session: Session, q: str, limit: int = 8) -> list[Person]:
    """Walk-ins by name, in the session's municipality first; never by personnummer for ombud."""
    words = q.split()
    if not words or len(q.strip()) < 2:
        return []
    # The same rule as marking: whom the search shows, the submit accepts (and no one else).
    markable = access.people_markable(user, session).select_related("workplace")
    qs = markable.filter(erased_at__isnull=True).exclude(attendances__session=session)
    qs = qs.filter(name_condition(" ".join(words[:3])))
    # Colleagues from the session's own workplace first: they are the likely walk-ins.
    own_first = Case(When(workplace_id=session.workplace_id, then=Value(0)), default=Value(1))
    return list(qs.order_by(own_first, "first_name", "last_name", "pk")[:limit])


def course_choices() -> QuerySet[Course]:
    return Course.objects.order_by("type", "title")


# --- leader statistics ----


DEFAULT_STATISTICS_DAYS = 30


def default_statistics_period(*, user: User | AnonymousUser) -> tuple[dt.date, dt.date] | None:
    """Without a chosen period, the statistics cover the last 30 days with training (counting
    a whole programme's 1.8 million rows on every page view would be slow; widen on demand)."""
    latest = (
        sessions_for(user)
        .filter(date__lte=timezone.localdate(), status=Session.Status.HELD)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if latest is None:
        return None
    return latest - dt.timedelta(days=DEFAULT_STATISTICS_DAYS), latest


def attendance_by_course(*, user: User | AnonymousUser, filters: SessionFilter | None = None) -> list[dict]:
    """Per course (and tool): sessions held, attended rows, participants, hours, no-shows."""
    sessions = session_list(user=user, filters=filters).exclude(status=Session.Status.CANCELLED)
    rows = Attendance.objects.filter(session__in=sessions.values("pk"))
    out = list(
        rows.values("session__course__title", "session__course__tool", "session__course__type")
        .annotate(
            sessions=Count("session", distinct=True),
            participants=Count("person", distinct=True, filter=counting.ATTENDED),
            minutes=Coalesce(Sum("minutes", filter=counting.ATTENDED), 0),
            no_shows=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
            excused=Count("pk", filter=Q(status=AttendanceStatus.EXCUSED)),
            invited=Count("pk"),
        )
        .order_by("session__course__tool", "session__course__title")
    )
    for r in out:
        r["hours"] = counting.hours(r["minutes"])
    return out


def no_shows(
    *, user: User | AnonymousUser, filters: SessionFilter | None = None, limit: int = 50
) -> QuerySet:
    """People who most often were absent without notice (frånvarande)."""
    sessions = session_list(user=user, filters=filters)
    return (
        Attendance.objects.filter(session__in=sessions.values("pk"), status=AttendanceStatus.ABSENT)
        .values("person_id", "person__first_name", "person__last_name", "person__workplace__name")
        .annotate(n=Count("pk"))
        .filter(n__gte=2)
        .order_by("-n", "person__first_name", "person__last_name")[:limit]
    )


def invitees_prefetch() -> Prefetch:
    return Prefetch(
        "attendances", queryset=Attendance.objects.select_related("person").order_by("person__first_name")
    )
