"""`python manage.py seed_demo [--scale F] [--if-empty]`: the deterministic demo programme (spec §4).

It lives in `enkater` (it moved here from `kurser`): the demo programme has survey answers too
(issue 12 item 6), and only an app to the right of `kurser` may write them (`ombud ← kurser ←
enkater ← rapporter`).

The Modig programme (2019-04-01 – 2021-06-30, ESF) in its seven municipalities: workplaces,
about 3,500 staff at scale 1, about 30 ombud who each reach some three dozen colleagues,
ombud training, manager training, external trainers, absences, late arrivals, remote sessions
during the pandemic, a few cancelled sessions and staff who arrived late and were never trained.

Everything comes from one seeded random generator per workplace group, so two runs give the
same rows. Rows are generated and inserted one *group* (an ombud and the about three workplaces
they cover) at a time with `bulk_create`, so `--scale 100` (≈350,000 people, ≈1.8 M attendance
rows) needs no more memory per batch than scale 1. This is demo data: it is written directly
with `bulk_create` for speed, not through the services (which validate one row at a time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries, transaction
from django.db.models import Max, Min
from django.utils import timezone

from enkater.defaults import DIGCOMP_AREAS, DIGKOMP, UPPF_CHEF, UPPF_PERSONAL, ensure_default_surveys
from enkater.management.commands._seed_data import (
    COURSES,
    EXTERNAL_TRAINERS,
    FEMALE,
    LAST,
    MALE,
    MUNICIPALITIES,
    WORKPLACE_COURSES_DISABILITY,
    WORKPLACE_COURSES_ELDERLY,
    WORKPLACE_KINDS,
)
from enkater.models import NO, YES, Answer, Moment, Response
from kurser import rollups
from kurser.counting import counted_rows
from kurser.models import Attendance, AttendanceStatus, Course, Form, Session
from ombud.models import (
    Municipality,
    Ombud,
    Person,
    Programme,
    Role,
    Sector,
    TargetGroup,
    UnitCost,
    User,
    Workplace,
)
from ombud.personnummer import luhn_digit
from ombud.search import search_text

DEMO_PASSWORD = "modig-demo-2019"  # noqa: S105 - demo data only, documented in the spec
SEED = 20190401
PROGRAMME_START = dt.date(2019, 4, 1)
PROGRAMME_END = dt.date(2021, 6, 30)
PANDEMIC = dt.date(2020, 3, 16)  # from here on many sessions were held remotely (fjärr)
EMAIL_DOMAIN = "exempel.se"  # demo people's addresses end in ".exempel.se"; a rerun replaces them

WORKPLACES_PER_OMBUD = 3
START_TIMES = [dt.time(8, 30), dt.time(9, 0), dt.time(10, 0), dt.time(13, 0), dt.time(13, 30), dt.time(14, 0)]

# Attendance outcome of one invitation: (status, weight)
OUTCOMES = [
    (AttendanceStatus.PRESENT, 80),
    (AttendanceStatus.LATE, 6),
    (AttendanceStatus.PARTIAL, 4),
    (AttendanceStatus.ABSENT, 6),
    (AttendanceStatus.EXCUSED, 4),
]

# Personnummer: a bijection from the person counter n to (birth date, serial), so they are
# unique at any scale without remembering the ones already used.
BIRTH_FIRST = dt.date(1956, 1, 1)
BIRTH_DAYS = (dt.date(2000, 12, 31) - BIRTH_FIRST).days + 1  # 16,437; 7919 is coprime to it
RESERVED_PNR = {"198503122387"}  # the ombud.molndal person


def personnummer(n: int, *, female: bool) -> tuple[str, dt.date]:
    born = BIRTH_FIRST + dt.timedelta(days=(n % BIRTH_DAYS) * 7919 % BIRTH_DAYS)
    high = 10 + n // BIRTH_DAYS  # 10..99: room for 1.4 million people
    if high > 99:
        raise CommandError("För många personer för demodatans personnummerserie.")
    gender_digit = (2 * ((n // 7) % 5)) + (0 if female else 1)
    nine = f"{born:%y%m%d}{high:02d}{gender_digit}"
    return f"{born:%Y}{born:%m%d}{high:02d}{gender_digit}{luhn_digit(nine)}", born


@contextlib.contextmanager
def explicit_created_at() -> Iterator[None]:
    """Let bulk_create keep the `created_at` we set (staff who arrived late in the programme);
    `auto_now_add` would otherwise overwrite it with now."""
    field = Person._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


class Command(BaseCommand):
    help = "Skapar ett realistiskt, deterministiskt demoprogram (Modig) med demoanvändare för varje roll."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = Modigs storlek, 100 för lasttest.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Gör ingenting om databasen redan har program."
        )

    def handle(self, *args, scale: float, if_empty: bool, **options):
        if scale <= 0:
            raise CommandError("--scale måste vara större än 0.")
        if if_empty and Programme.objects.exists():
            self.stdout.write("Databasen har redan data; demodata lades inte in.")
            return
        started = time.monotonic()
        self.scale = scale
        self.counter = 0
        self.totals = {"people": 0, "sessions": 0, "attendance": 0, "minutes": 0, "ombud": 0, "responses": 0}
        self.session_keys: set[tuple] = set()
        with transaction.atomic():
            programme = self._programme()
            self._wipe(programme)
            self.users = self._users()
            self.courses = self._courses()
        with explicit_created_at():
            for index, spec in enumerate(MUNICIPALITIES):
                with transaction.atomic():
                    self._municipality(programme, index, spec)
        with transaction.atomic():
            self._current_sessions(programme)
            # Written in bulk, past the services: the dashboards' rollups are built once here.
            rollups.rebuild(programme_id=programme.pk)
        with transaction.atomic():
            self._answers(programme)
        t = self.totals
        self.stdout.write(
            self.style.SUCCESS(
                f"Demodata klar: {t['people']} personer, {t['ombud']} ombud, {t['sessions']} "
                f"utbildningstillfällen, {t['attendance']} närvarorader, {t['responses']} enkätsvar, "
                f"{t['minutes'] / 60:.0f} deltagartimmar (skala {scale:g}, {time.monotonic() - started:.1f} s)."
            )
        )

    # --- programme, users, courses ------------------------------------------------------------

    def _programme(self) -> Programme:
        programme, _ = Programme.objects.update_or_create(
            code="MODIG",
            defaults={
                "name": "Modig – Mer omsorg med digital teknik",
                "funder": "ESF",
                "case_id": "2018/00464",
                "start_date": PROGRAMME_START,
                "end_date": PROGRAMME_END,
                "final_payment_date": dt.date(2021, 12, 15),
            },
        )
        for code, name, _n, _loc, org in MUNICIPALITIES:
            m, _ = Municipality.objects.update_or_create(
                code=code, defaults={"name": name, "org_number": org}
            )
            programme.municipalities.add(m)
        for year, amount in ((2019, 270), (2020, 275), (2021, 280)):
            UnitCost.objects.update_or_create(
                programme=programme, year=year, defaults={"amount": Decimal(amount)}
            )
        return programme

    def _wipe(self, programme: Programme) -> None:
        """A rerun replaces the previous demo data instead of adding a second copy."""
        Response.objects.filter(
            survey__programme=programme, person__email__endswith=f".{EMAIL_DOMAIN}"
        ).delete()
        Session.objects.filter(programme=programme).delete()
        demo = Person.objects.filter(email__endswith=f".{EMAIL_DOMAIN}")
        Ombud.objects.filter(person__in=demo).delete()
        User.objects.filter(person__in=demo).update(person=None)
        demo.delete()

    def _users(self) -> dict[str, User]:
        ale = Municipality.objects.get(code="1440")
        specs = [
            ("programledare", "Eva", "Larsson", Role.PROGRAMME_LEADER),
            ("lokal.ale", "Johan", "Berg", Role.LOCAL_LEADER),
            ("ombud.molndal", "Maria", "Svensson", Role.OMBUD),
            ("samordnare", "Karin", "Holm", Role.COORDINATOR),
        ]
        users = {}
        for username, first, last, role in specs:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "role": role}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            users[username] = user
        users["lokal.ale"].municipalities.add(ale)
        return users

    def _courses(self) -> list[Course]:
        courses = []
        for title, tool, level, type_, _minutes in COURSES:
            course, _ = Course.objects.update_or_create(
                title=title, defaults={"tool": tool, "level": level, "type": type_}
            )
            courses.append(course)
        return courses

    # --- people and sessions, one municipality at a time -------------------------------------

    def _municipality(self, programme: Programme, index: int, spec: tuple) -> None:
        code, _name, n_workplaces, localities, _org = spec
        municipality = Municipality.objects.get(code=code)
        n_workplaces = max(WORKPLACES_PER_OMBUD, round(n_workplaces * self.scale))
        workplaces = self._workplaces(municipality, index, n_workplaces, localities)
        self.ombud_cohort: list[int] = []
        self.manager_cohort: list[int] = []
        self.cohort_rng = random.Random(SEED * 31 + index)
        for g, start in enumerate(range(0, len(workplaces), WORKPLACES_PER_OMBUD)):
            group = workplaces[start : start + WORKPLACES_PER_OMBUD]
            rng = random.Random(f"{SEED}-{code}-{g}")
            self._group(programme, municipality, group, rng, first=(g == 0), with_strategists=(g % 4 == 0))
            # With DEBUG on, Django keeps every query's SQL; bulk inserts would pile up.
            reset_queries()
        self._flush_cohorts(programme, municipality, final=True)

    def _workplaces(
        self, municipality: Municipality, index: int, n: int, localities: list[str]
    ) -> list[Workplace]:
        rng = random.Random(SEED + index)
        combos = [(kind, sector, loc) for loc in localities for kind, sector in WORKPLACE_KINDS]
        rng.shuffle(combos)
        if municipality.code == "1481":
            # The demo ombud's own unit comes first, so it is in the first group.
            combos.remove(("Hemtjänst {}", Sector.ELDERLY_CARE, "Centrum"))
            combos.insert(0, ("Hemtjänst {}", Sector.ELDERLY_CARE, "Centrum"))
        names = []
        for i in range(n):
            kind, sector, loc = combos[i % len(combos)]
            suffix = f" {i // len(combos) + 1}" if i >= len(combos) else ""
            names.append((kind.format(loc) + suffix, sector))
        existing = {w.name: w for w in Workplace.objects.filter(municipality=municipality)}
        Workplace.objects.bulk_create(
            [Workplace(municipality=municipality, name=nm, sector=s) for nm, s in names if nm not in existing]
        )
        by_name = {w.name: w for w in Workplace.objects.filter(municipality=municipality)}
        return [by_name[nm] for nm, _s in names]

    def _person(
        self, rng: random.Random, municipality, workplace, group: str, created: dt.datetime
    ) -> Person:
        female = rng.random() < 0.82  # care staff in Sweden are mostly women
        while True:
            self.counter += 1
            pnr, born = personnummer(self.counter, female=female)
            if pnr not in RESERVED_PNR:
                break
        first = rng.choice(FEMALE if female else MALE)
        last = rng.choice(LAST)
        # A few people have registered gender "annat" (ESF reports count them separately).
        gender = "annat" if rng.random() < 0.004 else ("kvinna" if female else "man")
        return Person(
            personnummer=pnr,
            first_name=first,
            last_name=last,
            gender=gender,
            birth_date=born,
            municipality=municipality,
            workplace=workplace,
            target_group=group,
            email=f"{first}.{last}.{self.counter}@{municipality.name}.{EMAIL_DOMAIN}".lower()
            .replace("å", "a")
            .replace("ä", "a")
            .replace("ö", "o")
            .replace("č", "c"),
            created_at=created,
            search=search_text(first, last),
        )

    def _group(
        self, programme, municipality, workplaces, rng: random.Random, *, first: bool, with_strategists: bool
    ):
        """One ombud, the workplaces they cover, their staff and every session they took part in."""
        early = timezone.make_aware(dt.datetime(2019, 3, 1, 8, 0))
        people: list[Person] = []
        staff_by_workplace: dict[int, list[Person]] = {}
        managers: list[Person] = []
        late: list[Person] = []
        for w in workplaces:
            staff = []
            for _ in range(rng.randint(34, 50)):
                if rng.random() < 0.07:
                    # Staff turnover: arrived in the last months, never trained.
                    day = dt.date(2021, 3, 1) + dt.timedelta(days=rng.randint(0, 115))
                    created = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
                    late.append(self._person(rng, municipality, w, TargetGroup.BASE_STAFF, created))
                else:
                    staff.append(self._person(rng, municipality, w, TargetGroup.BASE_STAFF, early))
            manager = self._person(rng, municipality, w, TargetGroup.OPERATIVE_MANAGER, early)
            managers.append(manager)
            staff_by_workplace[w.id] = staff
            people.extend(staff)
        ombud_person = None
        if first and municipality.code == "1481":
            ombud_person = Person(
                personnummer="198503122387",
                first_name="Maria",
                last_name="Svensson",
                gender="kvinna",
                birth_date=dt.date(1985, 3, 12),
                municipality=municipality,
                workplace=workplaces[0],
                target_group=TargetGroup.OMBUD,
                email=f"maria.svensson@molndal.{EMAIL_DOMAIN}",
                created_at=early,
                search=search_text("Maria", "Svensson"),
            )
        else:
            ombud_person = self._person(rng, municipality, workplaces[0], TargetGroup.OMBUD, early)
        extra = []
        if with_strategists:
            extra.append(self._person(rng, municipality, None, TargetGroup.STRATEGIST, early))
            extra.append(self._person(rng, municipality, None, TargetGroup.LOCAL_LEADER, early))
        everyone = [*people, *managers, ombud_person, *extra, *late]
        Person.objects.bulk_create(everyone, batch_size=2000)
        self.totals["people"] += len(everyone)

        appointed = dt.date(2019, 4, 15) + dt.timedelta(days=rng.randint(0, 60))
        trained_on = appointed + dt.timedelta(days=rng.randint(60, 120))
        ombud = Ombud.objects.create(
            person=ombud_person, appointed_on=appointed, trainer_training_completed_on=trained_on
        )
        Ombud.workplaces.through.objects.bulk_create(
            [Ombud.workplaces.through(ombud_id=ombud.id, workplace_id=w.id) for w in workplaces]
        )
        self.totals["ombud"] += 1
        if ombud_person.personnummer == "198503122387":
            user = self.users["ombud.molndal"]
            user.person = ombud_person
            user.save(update_fields=["person"])
            self.demo_ombud = (
                ombud_person,
                workplaces[0],
                people[: len(staff_by_workplace[workplaces[0].id])],
            )

        self.ombud_cohort.append(ombud_person.id)
        self.manager_cohort.extend(p.id for p in [*managers, *extra])
        self._flush_cohorts(programme, municipality, final=False)

        # The ombud's own cascade: about three dozen colleagues in the covered workplaces.
        sessions: list[Session] = []
        invitations: list[list[int]] = []
        reach = rng.sample(people, min(len(people), max(12, round(rng.gauss(38, 7)))))
        for i in range(0, len(reach), 6):
            core = [p.id for p in reach[i : i + 6]]
            for _ in range(rng.choice((3, 3, 4))):
                extra_ids = [p.id for p in rng.sample(reach, 3)]
                invited = list(dict.fromkeys(core + extra_ids))
                sessions.append(
                    self._session(
                        rng, programme, municipality, workplaces, trainer=ombud_person, after=trained_on
                    )
                )
                invitations.append(invited)
        # The rest of the staff: external trainers and IT pedagogues at the workplaces.
        others = [p for p in people if p not in set(reach)]
        rng.shuffle(others)
        skip = round(len(others) * 0.06)  # a few were on leave the whole programme
        others = others[skip:]
        for i in range(0, len(others), 10):
            chunk = [p.id for p in others[i : i + 10]]
            for _ in range(rng.choice((4, 4, 5, 5, 5))):
                sessions.append(
                    self._session(
                        rng, programme, municipality, workplaces, trainer=None, after=PROGRAMME_START
                    )
                )
                invitations.append(chunk)
        self._insert(rng, sessions, invitations)

    def _flush_cohorts(self, programme, municipality, *, final: bool) -> None:
        rng = self.cohort_rng
        if self.ombud_cohort and (final or len(self.ombud_cohort) >= 8):
            sessions, invitations = [], []
            for course in self.courses[:4]:
                s = self._session(
                    rng,
                    programme,
                    municipality,
                    [],
                    trainer=None,
                    after=PROGRAMME_START,
                    course=course,
                    before=dt.date(2019, 12, 15),
                )
                s.trainer_name = "Modig projektledning"
                sessions.append(s)
                invitations.append(list(self.ombud_cohort))
            self._insert(rng, sessions, invitations)
            self.ombud_cohort = []
        if self.manager_cohort and (final or len(self.manager_cohort) >= 14):
            sessions, invitations = [], []
            for course in self.courses[4:6]:
                for _ in range(3):
                    sessions.append(
                        self._session(
                            rng,
                            programme,
                            municipality,
                            [],
                            trainer=None,
                            after=PROGRAMME_START,
                            course=course,
                        )
                    )
                    invitations.append(list(self.manager_cohort))
            self._insert(rng, sessions, invitations)
            self.manager_cohort = []

    def _session(
        self, rng, programme, municipality, workplaces, *, trainer, after, course=None, before=PROGRAMME_END
    ):
        if course is None:
            elderly = not workplaces or workplaces[0].sector == Sector.ELDERLY_CARE
            course = self.courses[
                rng.choice(WORKPLACE_COURSES_ELDERLY if elderly else WORKPLACE_COURSES_DISABILITY)
            ]
        minutes = rng.choice(next(c[4] for c in COURSES if c[0] == course.title))
        span = (before - after).days
        trainer_name = "" if trainer else rng.choice(EXTERNAL_TRAINERS)
        workplace = rng.choice(workplaces) if workplaces else None
        while True:
            day = after + dt.timedelta(days=rng.randint(0, span))
            start_time = rng.choice(START_TIMES)
            # No training on weekends or in the July holidays; and never two sessions with the
            # same import key (spec §1b), so the demo history can be exported and imported again.
            key = (
                day,
                start_time,
                course.pk,
                municipality.pk,
                getattr(workplace, "pk", None),
                getattr(trainer, "pk", trainer),
                trainer_name,
            )
            if day.weekday() < 5 and day.month != 7 and key not in self.session_keys:
                self.session_keys.add(key)
                break
        remote = rng.random() < (0.4 if day >= PANDEMIC else 0.05)
        status = Session.Status.CANCELLED if rng.random() < 0.02 else Session.Status.HELD
        approved = status == Session.Status.HELD and day < dt.date(2021, 5, 1)
        approver = self.users["lokal.ale" if municipality.code == "1440" else "programledare"]
        return Session(
            programme=programme,
            course=course,
            trainer=trainer,
            trainer_name=trainer_name,
            municipality=municipality,
            workplace=workplace,
            date=day,
            start_time=start_time,
            planned_minutes=minutes,
            form=Form.REMOTE if remote else Form.ON_SITE,
            small_group=rng.random() < 0.1,
            status=status,
            approved_by=approver if approved else None,
            approved_at=timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=7), dt.time(16)))
            if approved
            else None,
            created_by=self.users["programledare"],
        )

    def _insert(self, rng: random.Random, sessions: list[Session], invitations: list[list[int]]) -> None:
        Session.objects.bulk_create(sessions, batch_size=1000)
        rows = []
        statuses = [s for s, _w in OUTCOMES]
        weights = [w for _s, w in OUTCOMES]
        for session, invited in zip(sessions, invitations, strict=True):
            recorded = timezone.make_aware(
                dt.datetime.combine(session.date, session.start_time)
            ) + dt.timedelta(minutes=session.planned_minutes)
            for person_id in invited:
                if session.status == Session.Status.CANCELLED:
                    status, minutes = AttendanceStatus.REGISTERED, 0
                else:
                    status = rng.choices(statuses, weights)[0]
                    planned = session.planned_minutes
                    if status == AttendanceStatus.PRESENT:
                        minutes = planned
                    elif status == AttendanceStatus.LATE:
                        minutes = planned - rng.choice((5, 10, 15, 20, 30))
                    elif status == AttendanceStatus.PARTIAL:
                        minutes = round(planned * rng.choice((0.5, 0.6, 0.75)))
                    else:
                        minutes = 0
                self.totals["minutes"] += minutes
                rows.append(
                    Attendance(
                        session_id=session.id,
                        person_id=person_id,
                        status=status,
                        minutes=minutes,
                        recorded_by_id=session.created_by_id,
                        recorded_at=recorded,
                    )
                )
        Attendance.objects.bulk_create(rows, batch_size=2000)
        self.totals["sessions"] += len(sessions)
        self.totals["attendance"] += len(rows)

    # --- sessions around today, for trying the tablet flow ------------------------------------

    def _current_sessions(self, programme: Programme) -> None:
        """The demo ombud's sessions today and in the coming weeks (outside the programme period,
        so they never change the reported numbers), with twelve colleagues invited."""
        if not hasattr(self, "demo_ombud"):
            return
        person, workplace, colleagues = self.demo_ombud
        rng = random.Random(SEED)
        now = timezone.localtime()
        start = (now - dt.timedelta(minutes=20)).replace(second=0, microsecond=0)
        start = start.replace(minute=start.minute - start.minute % 5)
        teams = self.courses[6]
        specs = [
            (start.date(), start.time(), teams),
            (now.date() + dt.timedelta(days=2), dt.time(13, 30), self.courses[11]),
            (now.date() + dt.timedelta(days=9), dt.time(13, 30), self.courses[7]),
        ]
        sessions, invitations = [], []
        for day, at, course in specs:
            sessions.append(
                Session(
                    programme=programme,
                    course=course,
                    trainer=person,
                    municipality=person.municipality,
                    workplace=workplace,
                    date=day,
                    start_time=at,
                    planned_minutes=60,
                    status=Session.Status.PLANNED,
                    created_by=self.users["ombud.molndal"],
                )
            )
            invitations.append([p.id for p in rng.sample(colleagues, min(12, len(colleagues)))])
        Session.objects.bulk_create(sessions)
        Attendance.objects.bulk_create(
            [
                Attendance(session_id=s.id, person_id=pid, status=AttendanceStatus.REGISTERED, minutes=0)
                for s, ids in zip(sessions, invitations, strict=True)
                for pid in ids
            ]
        )
        self.totals["sessions"] += len(sessions)

    # --- survey answers (issue 12 item 6) -------------------------------------------------------

    def _answers(self, programme: Programme) -> None:
        """Answers to the three default surveys from people who participated (spec §5c counts
        no one else), close to Modig's reported figures: DIGKOMP before and after for about half
        of the participants (after higher on average), UPPF-CHEF from about 80 % of the
        managers (70 % ja on rutin, 75 % on leda) and UPPF-PERSONAL from about 65 % of the base
        staff (60 % ja); the others are the non-responders. Yes answers are dealt in small blocks
        of respondents (`YesDealer`), so the programme-wide shares land on the targets at any
        scale while municipalities differ. Deterministic (one generator, people in personnummer
        order) and streamed: written 2,000 answer sets at a time, so memory stays flat."""
        ensure_default_surveys(programme)
        surveys = {s.code: s for s in programme.surveys.filter(code__in=[DIGKOMP, UPPF_CHEF, UPPF_PERSONAL])}
        questions = {(s.code, q.code): q.pk for s in surveys.values() for q in s.questions.all()}
        participants = (
            counted_rows()
            .filter(session__programme=programme, session__date__range=(PROGRAMME_START, PROGRAMME_END))
            .values("person_id", "person__personnummer", "person__target_group")
            .annotate(first=Min("session__date"), last=Max("session__date"))
            .order_by("person__personnummer")
        )
        rng = random.Random(SEED * 7)
        rutin, leda, kompetens = (YesDealer(share, SEED + n) for n, share in enumerate((0.70, 0.75, 0.60)))
        # (person id, survey code, moment, date, {question code: value})
        plans: list[tuple[int, str, str, dt.date, dict[str, str]]] = []
        for p in participants.iterator(chunk_size=5000):
            first, last = p["first"], p["last"]
            if rng.random() < 0.55:
                before = {a: str(rng.choices((1, 2, 3, 4, 5), (10, 30, 35, 20, 5))[0]) for a in DIGCOMP_AREAS}
                plans.append((p["person_id"], DIGKOMP, Moment.BEFORE, first, before))
                if rng.random() < 0.8:
                    after = {
                        a: str(min(5, int(v) + rng.choices((0, 1, 2), (40, 45, 15))[0]))
                        for a, v in before.items()
                    }
                    day = max(last, first + dt.timedelta(days=rng.randint(7, 30)))
                    plans.append((p["person_id"], DIGKOMP, Moment.AFTER, min(day, PROGRAMME_END), after))
            follow_up = min(first + dt.timedelta(days=rng.randint(60, 240)), PROGRAMME_END)
            group = p["person__target_group"]
            if group == TargetGroup.OPERATIVE_MANAGER and rng.random() < 0.8:
                values = {"rutin": rutin.answer()}
                if rng.random() >= 0.05:  # a few leave "leda" empty: no respondent to it
                    values["leda"] = leda.answer()
                plans.append((p["person_id"], UPPF_CHEF, Moment.FOLLOW_UP, follow_up, values))
            elif group == TargetGroup.BASE_STAFF and rng.random() < 0.65:
                plans.append(
                    (
                        p["person_id"],
                        UPPF_PERSONAL,
                        Moment.FOLLOW_UP,
                        follow_up,
                        {"kompetens": kompetens.answer()},
                    )
                )
            if len(plans) >= 2000:
                self._write_answers(plans, surveys, questions)
                plans = []
        self._write_answers(plans, surveys, questions)

    def _write_answers(self, plans, surveys, questions) -> None:
        sources = [Response.Source.TABLET, Response.Source.LINK, Response.Source.IMPORT]
        offset = self.totals["responses"]
        responses = Response.objects.bulk_create(
            [
                Response(
                    survey=surveys[code],
                    person_id=person_id,
                    moment=moment,
                    answered_on=day,
                    source=sources[(offset + i) % len(sources)],
                )
                for i, (person_id, code, moment, day, _values) in enumerate(plans)
            ]
        )
        Answer.objects.bulk_create(
            [
                Answer(
                    response_id=response.pk,
                    question_id=questions[(code, question)],
                    value=value,
                    number=int(value) if code == DIGKOMP else None,
                )
                for response, (_pid, code, _m, _d, values) in zip(responses, plans, strict=True)
                for question, value in values.items()
            ],
            batch_size=2000,
        )
        self.totals["responses"] += len(responses)


class YesDealer:
    """Yes/no answers with an exact share per block of respondents (0.75: 3 of every 4, 0.70: 7
    of every 10), in shuffled order: the whole programme lands on the share at any scale, give
    or take part of one block, while any part of it (a municipality) varies around it."""

    def __init__(self, share: float, seed: int) -> None:
        fraction = Fraction(share).limit_denominator(20)
        self.yes, self.size = fraction.numerator, fraction.denominator
        self.rng = random.Random(seed)
        self.block: list[str] = []

    def answer(self) -> str:
        if not self.block:
            self.block = [YES] * self.yes + [NO] * (self.size - self.yes)
            self.rng.shuffle(self.block)
        return self.block.pop()
