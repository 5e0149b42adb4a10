"""Shared data builders for the rapporter web tests (views, dashboard, closing)."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile

from kurser.models import AttendanceStatus
from ombud.models import TargetGroup
from rapporter.models import Report
from tests.factories import (
    AttendanceFactory,
    CourseFactory,
    PersonFactory,
    ProgrammeFactory,
    ReportFactory,
    SessionFactory,
    WorkplaceFactory,
)


def modig(ale, molndal):
    return ProgrammeFactory(
        code="MODIG",
        name="Modig – Mer omsorg med digital teknik",
        start_date=dt.date(2019, 4, 1),
        end_date=dt.date(2021, 6, 30),
        municipalities=[ale, molndal],
    )


def add_activity(programme, municipality, *, sessions: int, per_session: int, seed: int = 0) -> None:
    """`sessions` held sessions in `municipality`, each led by an ombud with `per_session`
    attending colleagues (one of them late with fewer minutes)."""
    workplace = WorkplaceFactory(municipality=municipality)
    trainer = PersonFactory(workplace=workplace, target_group=TargetGroup.OMBUD)
    course = CourseFactory(title=f"Teams grund {municipality.code}", tool="Teams")
    for i in range(sessions):
        session = SessionFactory(
            programme=programme,
            course=course,
            municipality=municipality,
            workplace=workplace,
            trainer=trainer,
            date=dt.date(2019, 9, 2) + dt.timedelta(days=7 * (i + seed)),
            planned_minutes=90,
        )
        for j in range(per_session):
            person = PersonFactory(workplace=workplace)
            if j == 0:
                AttendanceFactory(session=session, person=person, status=AttendanceStatus.LATE, minutes=60)
            else:
                AttendanceFactory(session=session, person=person)


def finished_report(
    *, user, programme, kind=Report.Kind.ESF_SUMMARY, fmt=Report.Format.PDF, **kwargs
) -> Report:
    report = ReportFactory(
        programme=programme,
        kind=kind,
        format=fmt,
        requested_by=user,
        status=Report.Status.DONE,
        progress=100,
        **kwargs,
    )
    report.file.save(f"rapport-{report.pk}.{fmt}", ContentFile(b"%PDF-1.7 test"), save=True)
    return report
