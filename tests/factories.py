"""factory-boy factories for every domain model. Valid personnummer are generated, never typed."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from kurser.models import Attendance, AttendanceStatus, Course, CourseType, Session
from ombud.models import Municipality, Ombud, Person, Programme, Role, TargetGroup, Workplace
from ombud.personnummer import birth_date, gender, luhn_digit
from ombud.search import search_text
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

    # Four digits whatever the sequence has reached (PostgreSQL enforces the length).
    code = factory.Sequence(lambda n: f"{2000 + n % 7000}")
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
    # Written by every write path in the app (issue 11 search); factories write directly.
    search = factory.LazyAttribute(lambda p: search_text(p.first_name, p.last_name))


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

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Written as the services write attendance: the dashboards' rollups follow (issue 14).
        from kurser import rollups

        row = super()._create(model_class, *args, **kwargs)
        rollups.refresh_people(person_ids=[row.person_id])
        return row


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    kind = Report.Kind.ESF_SUMMARY
    format = Report.Format.JSON
    programme = factory.SubFactory(ProgrammeFactory)
    period_from = factory.LazyAttribute(lambda r: r.programme.start_date)
    period_to = factory.LazyAttribute(lambda r: r.programme.end_date)


# --- the spec's worked example (shared/spec/examples), built without the import commands -------

# The repository keeps a copy so the tests run wherever the clone is; tests/test_spec_copy.py
# checks that the copy equals ../shared/spec/examples whenever that folder is beside the clone.
SPEC_EXAMPLES = __import__("pathlib").Path(__file__).resolve().parent / "data" / "spec-examples"
MODIG_MUNICIPALITIES = [
    ("1440", "Ale"),
    ("1401", "Härryda"),
    ("1482", "Kungälv"),
    ("1481", "Mölndal"),
    ("1402", "Partille"),
    ("1415", "Stenungsund"),
    ("1419", "Tjörn"),
]


# The spec's own create_programme line (spec §4), as call_command arguments.
CREATE_MODIG = [
    "create_programme",
    "--code",
    "MODIG",
    "--name",
    "Modig – Mer omsorg med digital teknik",
    "--from",
    "2019-04-01",
    "--to",
    "2021-06-30",
    "--funder",
    "ESF",
    "--municipalities",
    ",".join(f"{code}:{name}" for code, name in MODIG_MUNICIPALITIES),
]


def import_spec_example() -> Programme:
    """The spec's worked example through exactly the spec's commands; returns the programme."""
    from django.core.management import call_command

    call_command(*CREATE_MODIG)
    call_command("import_people", str(SPEC_EXAMPLES / "people.csv"))
    call_command("import_attendance", str(SPEC_EXAMPLES / "attendance.csv"), "--programme", "MODIG")
    return Programme.objects.get(code="MODIG")


def modig_programme(**kwargs) -> Programme:
    """The Modig programme of spec §4 (create_programme's example line)."""
    munis = [MunicipalityFactory(code=c, name=n) for c, n in MODIG_MUNICIPALITIES]
    defaults = {
        "code": "MODIG",
        "name": "Modig – Mer omsorg med digital teknik",
        "start_date": dt.date(2019, 4, 1),
        "end_date": dt.date(2021, 6, 30),
        "funder": "ESF",
    }
    return ProgrammeFactory(**{**defaults, **kwargs}, municipalities=munis)


def load_spec_example(programme: Programme, folder=None) -> None:
    """people.csv + attendance.csv of the spec's example, stored as the importers would store
    them (a stand-in for `import_people` / `import_attendance` in tests of the counting)."""
    import csv

    from ombud.personnummer import normalise

    folder = folder or SPEC_EXAMPLES
    munis = {m.code: m for m in programme.municipalities.all()} | {
        m.name: m for m in programme.municipalities.all()
    }
    people = {}
    with open(folder / "people.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            pnr = normalise(row["personnummer"])
            muni = munis[row["kommun"]]
            workplace, _ = Workplace.objects.get_or_create(
                municipality=muni, name=row["arbetsplats"], defaults={"sector": row["verksamhet"]}
            )
            people[pnr] = Person.objects.create(
                personnummer=pnr,
                first_name=row["förnamn"],
                last_name=row["efternamn"],
                gender=row["kön"] or gender(pnr),
                birth_date=birth_date(pnr),
                municipality=muni,
                workplace=workplace,
                target_group=row["målgrupp"],
                email=row["e-post"],
                search=search_text(row["förnamn"], row["efternamn"]),
            )
    sessions = {}
    with open(folder / "attendance.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f, delimiter=","):
            muni = munis[row["kommun"]]
            key = (
                row["datum"],
                row["starttid"],
                row["kurs"],
                muni.code,
                row["arbetsplats"],
                row["utbildare"],
            )
            if key not in sessions:
                course, _ = Course.objects.get_or_create(
                    title=row["kurs"],
                    defaults={"tool": row["verktyg"], "level": row["nivå"], "type": row["typ"]},
                )
                trainer = None
                try:
                    trainer = people.get(normalise(row["utbildare"]))
                except Exception:  # noqa: BLE001 - not a personnummer: an external trainer's name
                    trainer = None
                workplace = (
                    Workplace.objects.get(municipality=muni, name=row["arbetsplats"])
                    if row["arbetsplats"]
                    else None
                )
                sessions[key] = Session.objects.create(
                    programme=programme,
                    course=course,
                    trainer=trainer,
                    trainer_name="" if trainer else row["utbildare"],
                    municipality=muni,
                    workplace=workplace,
                    date=dt.date.fromisoformat(row["datum"]),
                    start_time=dt.time.fromisoformat(row["starttid"]),
                    planned_minutes=int(row["minuter"]),
                    form=row["form"],
                    status=Session.Status.HELD,
                )
            session = sessions[key]
            status = row["närvaro"]
            if status in ("frånvarande", "förhinder"):
                minutes = 0
            else:
                minutes = int(row["närvarominuter"] or session.planned_minutes)
            Attendance.objects.create(
                session=session, person=people[normalise(row["deltagare"])], status=status, minutes=minutes
            )
    from kurser import rollups

    rollups.rebuild(programme_id=programme.pk)  # as the import would keep them
