"""factory-boy factories for every domain model. Valid personnummer are generated, never typed."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from kurser.models import Attendance, AttendanceStatus, Course, CourseType, Session
from ombud.models import Municipality, Ombud, Person, Programme, Role, TargetGroup, Workplace
from ombud.personnummer import birth_date, gender, luhn_digit
from rapporter.models import Report


def make_personnummer(n: int, *, born: dt.date | None = None, female: bool | None = None) -> str:
    """A valid 12-digit personnummer, distinct for each n."""
    born = born or dt.date(1960, 1, 1) + dt.timedelta(days=(n * 37) % 15000)
    serial = 1 + n % 999  # never 000
    serial_s = f"{serial:03d}"
    if female is not None:
        last = int(serial_s[2])
        if (last % 2 == 1) == female:
            serial_s = serial_s[:2] + str((last + 1) % 10)
            if serial_s == "000":
                serial_s = "002"
    nine = f"{born:%y%m%d}{serial_s}"
    return f"{born:%Y%m%d}{serial_s}{luhn_digit(nine)}"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{9000 + n}")
    name = factory.Sequence(lambda n: f"Kommun {n}")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"PROG{n}")
    name = factory.Sequence(lambda n: f"Program {n}")
    funder = "ESF"
    start_date = dt.date(2019, 4, 1)
    end_date = dt.date(2021, 6, 30)

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.add(*extracted)


class WorkplaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workplace

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Hemtjänst {n}")
    sector = "äldreomsorg"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    personnummer = factory.Sequence(lambda n: make_personnummer(n + 1))
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    gender = factory.LazyAttribute(lambda p: gender(p.personnummer))
    birth_date = factory.LazyAttribute(lambda p: birth_date(p.personnummer))
    workplace = factory.SubFactory(WorkplaceFactory)
    municipality = factory.LazyAttribute(lambda p: p.workplace.municipality)
    target_group = TargetGroup.BASE_STAFF


class OmbudFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ombud

    person = factory.SubFactory(PersonFactory, target_group=TargetGroup.OMBUD)
    appointed_on = dt.date(2019, 5, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="sv_SE")
    last_name = factory.Faker("last_name", locale="sv_SE")
    role = Role.PROGRAMME_LEADER
    password = factory.django.Password("modig-demo-2019")

    @factory.post_generation
    def municipalities(self, create, extracted, **kwargs):
        if create and extracted:
            self.municipalities.add(*extracted)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("title",)

    title = factory.Sequence(lambda n: f"Teams grund {n}")
    tool = "Teams"
    level = "grund"
    type = CourseType.WORKPLACE_TRAINING


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    programme = factory.SubFactory(ProgrammeFactory)
    course = factory.SubFactory(CourseFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    workplace = None
    date = dt.date(2020, 3, 12)
    start_time = dt.time(10, 0)
    planned_minutes = 60
    status = Session.Status.HELD


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)
    status = AttendanceStatus.PRESENT
    minutes = factory.LazyAttribute(
        lambda a: a.session.planned_minutes if a.status == AttendanceStatus.PRESENT else 0
    )


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    kind = Report.Kind.ESF_SUMMARY
    format = Report.Format.JSON
    programme = factory.SubFactory(ProgrammeFactory)
    period_from = factory.LazyAttribute(lambda r: r.programme.start_date)
    period_to = factory.LazyAttribute(lambda r: r.programme.end_date)
