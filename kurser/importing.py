"""Attendance history import (spec §1b), a handler for the one engine in `ombud.importing`.

One row per participant per session. Rows with the same (datum, starttid, kurs, kommun,
arbetsplats, utbildare) form one session; they must agree on the session's own values
(minuter, form) and on the course's (verktyg, nivå, typ). Sessions are matched to existing ones
of the same programme on that key, attendance on (session, person), so importing the same file
twice changes nothing.

Per batch of rows: one query for the people named (participants and trainers), one for the
existing sessions of the batch's dates, one for their attendance, then bulk writes. Memory
grows only with the number of distinct sessions and a compact set of (session, person) pairs.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from kurser import rollups, rules
from kurser.models import Attendance, ClosedMonth, Course, CourseType, Form, Level, Session
from kurser.services import attendance_change_record, reporting_months, session_facts
from ombud.importing import (
    SETTINGS_LIMIT,
    VALUE_CHOICE,
    VALUE_DATE,
    VALUE_INTEGER,
    VALUE_REQUIRED,
    VALUE_TIME,
    Column,
    ImportContext,
    ImportResult,
    MunicipalityLookup,
    WorkplaceLookup,
    audit_log_import,
    check_length,
    choice,
    fold,
    insert_rows,
    parse_personnummer,
    personnummer_text,
    run_import,
)
from ombud.importing.writer import insert_returning
from ombud.models import Person, Programme

if TYPE_CHECKING:
    from ombud.models import User

MINUTES_RANGE = _("ska vara 1–%(max)s")
MUNICIPALITY_NOT_IN_PROGRAMME = _("%(value)s ingår inte i programmet %(programme)s")
PARTICIPANT_UNKNOWN = _(
    "ingen medarbetare med personnumret %(value)s är registrerad (importera personerna först)"
)
TRAINER_UNKNOWN = _("ingen medarbetare med personnumret %(value)s är registrerad")
ATTENDED_MINUTES_REQUIRED = _("krävs när närvaron är %(status)s")
ATTENDED_MINUTES_RANGE = _("ska vara 1–%(max)s (tillfällets minuter)")
ATTENDED_MINUTES_ABSENT = _("ska vara 0 eller tom när närvaron är %(status)s")
SESSION_CONFLICT = _("%(value)s skiljer sig från rad %(row)s (%(other)s) för samma utbildningstillfälle")
COURSE_CONFLICT = _("%(value)s stämmer inte med kursen %(course)s (%(other)s)")
PARTICIPANT_TWICE = _("deltagaren finns redan tidigare i filen för samma utbildningstillfälle")
DATES_OUTSIDE_PROGRAMME = _("%(count)s rader har ett datum utanför programmets period (%(start)s – %(end)s).")
NEW_COURSES = _("Nya kurser: %(names)s.")
MONTH_CLOSED = _("månaden %(month)s är stängd")
SESSION_APPROVED = _("tillfället är godkänt")
SESSION_CANCELLED = _("tillfället är inställt")

# The import's wording of each refusal of `kurser.rules` (the tablet's is in kurser.services).
REFUSALS = {
    rules.Refusal.MINUTES_REQUIRED: ATTENDED_MINUTES_REQUIRED,
    rules.Refusal.MINUTES_RANGE: ATTENDED_MINUTES_RANGE,
    rules.Refusal.MINUTES_NOT_ZERO: ATTENDED_MINUTES_ABSENT,
    rules.Refusal.SESSION_CANCELLED: SESSION_CANCELLED,
    rules.Refusal.MONTH_CLOSED: MONTH_CLOSED,
    rules.Refusal.SESSION_APPROVED: SESSION_APPROVED,
}

STATUSES = {fold(s): s.value for s in rules.MARK_STATUSES}  # plain text: written as it is
LEVELS = {fold(v): v for v in Level.values}
TYPES = {fold(v): v for v in CourseType.values}
FORMS = {fold(v): v for v in Form.values}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_PNR_SHAPE = re.compile(r"^([0-9]{6}|[0-9]{8})[-+]?[0-9]{4}$")
_INT = re.compile(r"^[0-9]+$")
_ATTENDANCE_INSERT = ["session_id", "person_id", "status", "minutes", "recorded_by_id", "recorded_at"]
# Person ids kept between batches (a participant is named in many sessions); past this many
# the cache starts over, so memory stays bounded whatever the file. From a file's second batch
# on, a register of at most this many people is read whole, once (`_people`).
PEOPLE_CACHE = 500_000
_PACK = 1 << 40  # (session index, person id) packed into one int for the duplicate set
# Distinct (närvaro, närvarominuter, planned minutes) kept with their outcome (`_mark`); a file
# has a few dozen. Past this many the cache starts over.
MARKS_CACHE = 10_000
# A row's mark: (status, attended minutes, errors as (column, message, parameters)).
Mark = tuple[str | None, int | None, tuple[tuple[str, Any, dict[str, Any]], ...]]
# The columns of a row that belong to its session (all but deltagare, närvaro, närvarominuter).
_session_values = operator.itemgetter(
    "datum",
    "starttid",
    "minuter",
    "kurs",
    "verktyg",
    "niva",
    "typ",
    "form",
    "kommun",
    "arbetsplats",
    "utbildare",
)


@dataclass(slots=True, eq=False)
class SessionPart:
    """The session's own values of a row (every column but deltagare, närvaro and
    närvarominuter), parsed and valid. Consecutive rows with the same values share one object,
    so a session's rows are parsed once and resolved once (`resolved`: its key and entry, set
    when the first of them resolved without an error)."""

    date: dt.date
    start: dt.time
    minutes: int
    title: str
    tool: str
    level: str
    ctype: str
    form: str
    municipality_id: int
    workplace: str
    trainer_pnr: str
    trainer_name: str
    resolved: tuple[tuple, SessionEntry] | None = None


@dataclass(slots=True)
class ParsedRow:
    """One valid row of the file, before people, courses and sessions are looked up."""

    row: int
    part: SessionPart
    participant: str
    status: str
    attended: int


@dataclass(slots=True)
class CourseEntry:
    """A course, registered (`pk` > 0) or defined by the file's first row for it (`pk` None until
    written; < 0 a placeholder in a dry run)."""

    pk: int | None
    tool: str
    level: str
    type: str
    first_row: int
    title: str


@dataclass(slots=True)
class SessionEntry:
    """A session of the file: its key's place in the file, its database id once resolved
    (None: not yet; < 0: placeholder in a dry run), the values its rows must agree on, and
    what the attendance rules need to know about it (`status`, `approved`)."""

    index: int
    pk: int | None
    minutes: int
    form: str
    first_row: int
    workplace: str
    trainer_name: str
    label: str
    created: bool = False  # by this import: no attendance to look up
    status: str = Session.Status.HELD
    approved: bool = False


@dataclass(slots=True)
class ExistingSession:
    """A registered session matching a key of the file."""

    pk: int
    minutes: int
    form: str
    status: str
    approved: bool


# A run of valid rows of one session: its key, its entry and the rows as (row number, person
# id, status, attended minutes).
SessionRows = tuple[tuple, SessionEntry, list[tuple[int, int, str, int]]]


@dataclass
class _SessionChanges:
    entry: SessionEntry
    date: dt.date
    facts: rules.SessionFacts
    refusal: rules.Refusal | None  # whether its attendance may change (`rules.change_refusal`)
    changes: list[dict] = field(default_factory=list)


class AttendanceImport:
    kind = "attendance"
    written_models = (Session, Attendance)
    columns = (
        Column("datum", "datum", required=True),
        Column("starttid", "starttid", required=True),
        Column("minuter", "minuter", required=True),
        Column("kurs", "kurs", required=True),
        Column("verktyg", "verktyg"),
        Column("niva", "nivå"),
        Column("typ", "typ"),
        Column("form", "form"),
        Column("kommun", "kommun", required=True),
        Column("arbetsplats", "arbetsplats", aliases=("enhet",)),
        Column("utbildare", "utbildare"),
        Column("deltagare", "deltagare", required=True),
        Column("narvaro", "närvaro", required=True),
        Column("narvarominuter", "närvarominuter"),
    )

    def __init__(self, *, programme: Programme, user: User | None = None, reason: str = "") -> None:
        self.programme = programme
        self.user = user
        self.reason = reason  # for changes in closed months and approved sessions (spec §1b)
        self.municipalities = MunicipalityLookup()
        self.programme_municipalities = set(programme.municipalities.values_list("pk", flat=True))
        self.workplaces = WorkplaceLookup()
        self.courses: dict[str, CourseEntry] = {
            fold(title): CourseEntry(pk, tool, level, ctype, 0, title)
            for pk, title, tool, level, ctype in Course.objects.values_list(
                "pk", "title", "tool", "level", "type"
            )
        }
        self.new_course_titles: list[str] = []
        self.sessions: dict[tuple, SessionEntry] = {}
        self.pairs: set[int] = set()
        # Sessions that existed before this import, by day: only those days need a lookup, and
        # only sessions up to this id (later ones were created by this import and are known).
        before = Session.objects.filter(programme=programme)
        self.existing_dates = set(before.values_list("date", flat=True).distinct())
        self.last_existing_id = before.aggregate(last=Max("pk"))["last"] or 0
        self.outside_period = 0
        self._dates: dict[str, dt.date | None] = {}
        self._times: dict[str, dt.time | None] = {}
        self._placeholder = 0
        # The previous row's session values and what they parsed to (a file lists a session's
        # participants one after another: those rows share the values and are parsed once).
        self._last_values: tuple[str, ...] | None = None
        self._last_part: SessionPart | None = None
        self._marks: dict[tuple[str, str, int | None], Mark] = {}
        # What the write changed (ids of sessions whose attendance was added or changed, and
        # their reporting months): for `after_write`.
        self.changed_sessions: set[int] = set()
        self._person_ids: dict[str, int] = {}
        self._batches_seen = 0
        self._all_people_tried = self._all_people = False
        self._months: dict[dt.date, ClosedMonth] = {}
        self._months_seen: set[dt.date] = set()
        self.changed_months: set[dt.date] = set()

    # --- parsing one row ------------------------------------------------------------------------

    def _date(self, text: str) -> dt.date | None:
        if text not in self._dates:
            m = _DATE.match(text)
            try:
                self._dates[text] = dt.date(int(m[1]), int(m[2]), int(m[3])) if m else None
            except ValueError:
                self._dates[text] = None
        return self._dates[text]

    def _time(self, text: str) -> dt.time | None:
        if text not in self._times:
            m = _TIME.match(text)
            try:
                self._times[text] = dt.time(int(m[1]), int(m[2])) if m else None
            except ValueError:
                self._times[text] = None
        return self._times[text]

    def _parse_session(
        self, row: int, v: dict[str, str], ctx: ImportContext
    ) -> tuple[SessionPart | None, int | None]:
        """The row's session values (None when one is invalid: its errors are reported) and its
        planned minutes when valid (the attended minutes are checked against them)."""
        ok = True
        date = start = minutes = None
        if not v["datum"]:
            ctx.error(row, "datum", VALUE_REQUIRED)
            ok = False
        elif (date := self._date(v["datum"])) is None:
            ctx.error(row, "datum", VALUE_DATE, value=v["datum"])
            ok = False
        if not v["starttid"]:
            ctx.error(row, "starttid", VALUE_REQUIRED)
            ok = False
        elif (start := self._time(v["starttid"])) is None:
            ctx.error(row, "starttid", VALUE_TIME, value=v["starttid"])
            ok = False
        if not v["minuter"]:
            ctx.error(row, "minuter", VALUE_REQUIRED)
            ok = False
        elif not _INT.match(v["minuter"]):
            ctx.error(row, "minuter", VALUE_INTEGER, value=v["minuter"])
            ok = False
        elif not rules.planned_minutes_ok(minutes := int(v["minuter"])):
            ctx.error(row, "minuter", MINUTES_RANGE, max=rules.MAX_SESSION_MINUTES)
            ok = False
        title = v["kurs"]
        if not title:
            ctx.error(row, "kurs", VALUE_REQUIRED)
            ok = False
        ok = check_length(ctx, row, "kurs", title, 200) and ok
        ok = check_length(ctx, row, "verktyg", v["verktyg"], 100) and ok
        level = ctype = ""
        if v["niva"] and not (level := choice(v["niva"], LEVELS) or ""):
            ctx.error(row, "nivå", VALUE_CHOICE, value=v["niva"], choices=", ".join(Level.values))
            ok = False
        if v["typ"] and not (ctype := choice(v["typ"], TYPES) or ""):
            ctx.error(row, "typ", VALUE_CHOICE, value=v["typ"], choices=", ".join(CourseType.values))
            ok = False
        form: str = Form.ON_SITE
        if v["form"] and not (form := choice(v["form"], FORMS) or ""):
            ctx.error(row, "form", VALUE_CHOICE, value=v["form"], choices=", ".join(Form.values))
            ok = False
        municipality_id = None
        if not v["kommun"]:
            ctx.error(row, "kommun", VALUE_REQUIRED)
            ok = False
        elif (municipality_id := self.municipalities.get(v["kommun"])) is None:
            from ombud.importing import MUNICIPALITY_UNKNOWN

            ctx.error(row, "kommun", MUNICIPALITY_UNKNOWN, value=v["kommun"])
            ok = False
        elif municipality_id not in self.programme_municipalities:
            ctx.error(
                row,
                "kommun",
                MUNICIPALITY_NOT_IN_PROGRAMME,
                value=v["kommun"],
                programme=self.programme.code,
            )
            ok = False
        ok = check_length(ctx, row, "arbetsplats", v["arbetsplats"], 200) and ok
        trainer_pnr = trainer_name = ""
        raw_trainer = v["utbildare"]
        if raw_trainer and _PNR_SHAPE.match(personnummer_text(raw_trainer.replace(" ", ""))):
            trainer_pnr = parse_personnummer(ctx, row, "utbildare", raw_trainer) or ""
            ok = bool(trainer_pnr) and ok
        elif raw_trainer:
            trainer_name = raw_trainer
            ok = check_length(ctx, row, "utbildare", raw_trainer, 200) and ok
        if not ok or date is None or start is None or minutes is None or municipality_id is None:
            return None, minutes
        part = SessionPart(
            date,
            start,
            minutes,
            title,
            v["verktyg"],
            level,
            ctype,
            form,
            municipality_id,
            v["arbetsplats"],
            trainer_pnr,
            trainer_name,
        )
        return part, minutes

    def _parse(self, row: int, v: dict[str, str], ctx: ImportContext) -> ParsedRow | None:
        values = _session_values(v)
        if values == self._last_values and self._last_part is not None:
            part: SessionPart | None = self._last_part  # same session as the row before: valid
            minutes: int | None = self._last_part.minutes
        else:
            part, minutes = self._parse_session(row, v, ctx)
            self._last_values, self._last_part = values, part
        participant = parse_personnummer(ctx, row, "deltagare", v["deltagare"])
        # The mark (närvaro, närvarominuter) is checked once per distinct (text, text, planned
        # minutes): a file repeats a handful of them on every row. Its errors, if any, are
        # reported on every row that has it.
        marks = self._marks
        mark_key = (v["narvaro"], v["narvarominuter"], minutes)
        mark = marks.get(mark_key)
        if mark is None:
            if len(marks) >= MARKS_CACHE:
                marks.clear()
            mark = marks[mark_key] = self._mark(*mark_key)
        status, attended, errors = mark
        if errors:
            for column, message, params in errors:
                ctx.error(row, column, message, **params)
            return None
        if part is None or participant is None or status is None or attended is None:
            return None
        return ParsedRow(row, part, participant, status, attended)

    def _mark(self, text: str, raw_minutes: str, planned: int | None) -> Mark:
        """A row's närvaro and närvarominuter checked against the session's planned minutes
        (None: not valid, then only the cells themselves are checked): (status, attended
        minutes, errors as (column, message, parameters)). Status or minutes are None when
        they could not be read."""
        errors: list[tuple[str, Any, dict[str, Any]]] = []
        status = None
        if not text:
            errors.append(("närvaro", VALUE_REQUIRED, {}))
        elif (status := STATUSES.get(fold(text))) is None:
            errors.append(("närvaro", VALUE_CHOICE, {"value": text, "choices": ", ".join(STATUSES.values())}))
        attended = None
        if raw_minutes:
            if _INT.match(raw_minutes):
                attended = int(raw_minutes)
            else:
                errors.append(("närvarominuter", VALUE_INTEGER, {"value": raw_minutes}))
        if status is not None and planned is not None and (attended is not None or not raw_minutes):
            try:
                attended = self.mark_minutes(status, attended, planned)
            except rules.RuleError as e:
                errors.append(("närvarominuter", REFUSALS[e.refusal], {"status": status, "max": planned}))
        return status, attended, tuple(errors)

    @staticmethod
    def mark_minutes(status: str, attended: int | None, planned: int) -> int:
        """The attended minutes of a row (`kurser.rules`, as on the tablet); RuleError if refused."""
        return rules.mark_minutes(status=status, minutes=attended, planned=planned)

    # --- a batch ----------------------------------------------------------------------------------

    def handle_batch(self, batch: list[tuple[int, dict[str, str]]], ctx: ImportContext) -> None:
        self._batches_seen += 1
        parse = self._parse
        parsed = [p for row, v in batch if (p := parse(row, v, ctx)) is not None]
        numbers = {p.participant for p in parsed}
        numbers.update(part.trainer_pnr for part in {p.part for p in parsed} if part.trainer_pnr)
        people = self._people(numbers)
        start, end = self.programme.start_date, self.programme.end_date
        pairs = self.pairs
        # The batch's valid rows as runs of consecutive rows of one session (a file lists a
        # session's participants together): what is the session's is done once per run.
        groups: list[SessionRows] = []
        current: SessionEntry | None = None
        rows: list[tuple[int, int, str, int]] = []
        for p in parsed:
            row = p.row
            ok = True
            person_id = people.get(p.participant)
            if person_id is None:
                ctx.error(row, "deltagare", PARTICIPANT_UNKNOWN, value=p.participant)
                ok = False
            part = p.part
            if part.resolved is not None:
                # An earlier row with the same session values resolved without an error.
                key, session = part.resolved
            else:
                key, session, part_ok = self._resolve_session(ctx, row, part, people)
                if part_ok:
                    part.resolved = (key, session)
                ok = part_ok and ok
            if person_id is not None:
                pair = session.index * _PACK + person_id
                if pair in pairs:
                    ctx.error(row, "deltagare", PARTICIPANT_TWICE)
                    ok = False
                else:
                    pairs.add(pair)
            if not start <= part.date <= end:
                self.outside_period += 1
            if ok and person_id is not None:
                if session is not current:
                    current, rows = session, []
                    groups.append((key, session, rows))
                rows.append((row, person_id, p.status, p.attended))
        if ctx.has_errors:
            return
        self._apply(groups, ctx)

    def _people(self, numbers: set[str]) -> dict[str, int]:
        """Person ids by personnummer, at least for the batch's `numbers`: those not known from
        an earlier batch in one query (on PostgreSQL a join with the numbers as one array
        parameter). A participant comes back in many sessions: the ids found are kept, up to
        PEOPLE_CACHE of them. From the second batch on (a large file) every registered person is
        read once when there are at most PEOPLE_CACHE of them; then no more queries."""
        known = self._person_ids
        missing = [n for n in numbers if n not in known]
        if not missing:
            return known
        if self._batches_seen > 1 and not self._all_people_tried:
            # A large file names most of the register: one read of every person beats a join
            # per batch (at 100 × Modig 387,000 people in 0.5 s against 820 joins of 15 ms).
            self._all_people_tried = True
            if Person.objects.count() <= PEOPLE_CACHE:
                known.clear()
                known.update(Person.objects.values_list("personnummer", "pk").iterator(chunk_size=20_000))
                self._all_people = True
        if self._all_people:
            return known  # every registered person is known: the rest are not registered
        if len(known) + len(missing) > PEOPLE_CACHE:
            known.clear()
            missing = list(numbers)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT p.personnummer, p.id FROM unnest(%s::varchar[]) AS k(number) "
                    "JOIN ombud_person p ON p.personnummer = k.number",
                    [missing],
                )
                known.update(cursor.fetchall())
        else:
            known.update(Person.objects.filter(personnummer__in=missing).values_list("personnummer", "pk"))
        return known

    def _reporting_months(self, dates: set[dt.date]) -> dict[dt.date, ClosedMonth]:
        """The programme's closed (or reopened) reporting months among those of `dates`
        (`kurser.services.reporting_months`), each month looked up once per import."""
        wanted = {rules.month_of(d) for d in dates} - self._months_seen
        if wanted:
            self._months.update(reporting_months(programme_id=self.programme.pk, dates=wanted))
            self._months_seen |= wanted
        return self._months

    def _resolve_session(
        self, ctx: ImportContext, row: int, part: SessionPart, people: dict[str, int]
    ) -> tuple[tuple, SessionEntry, bool]:
        """The session key of a row's session values and its entry (created at its first row);
        whether they resolved without an error (trainer known, course and session agree)."""
        ok = True
        trainer_id = None
        if part.trainer_pnr:
            trainer_id = people.get(part.trainer_pnr)
            if trainer_id is None:
                ctx.error(row, "utbildare", TRAINER_UNKNOWN, value=part.trainer_pnr)
                ok = False
        course_key = fold(part.title)
        ok = self._course(ctx, row, course_key, part.title, part.tool, part.level, part.ctype) and ok
        key = (
            part.date,
            part.start,
            course_key,
            part.municipality_id,
            fold(part.workplace),
            trainer_id,
            fold(part.trainer_name) if part.trainer_name else "",
        )
        session = self.sessions.get(key)
        if session is None:
            session = SessionEntry(
                index=len(self.sessions),
                pk=None,
                minutes=part.minutes,
                form=part.form,
                first_row=row,
                workplace=part.workplace,
                trainer_name=part.trainer_name,
                label=f"{self.courses[course_key].title} {part.date:%Y-%m-%d} {part.start:%H:%M}",
            )
            self.sessions[key] = session
        else:
            if session.minutes != part.minutes:
                ctx.error(
                    row,
                    "minuter",
                    SESSION_CONFLICT,
                    value=part.minutes,
                    row=session.first_row,
                    other=session.minutes,
                )
                ok = False
            if session.form != part.form:
                ctx.error(
                    row, "form", SESSION_CONFLICT, value=part.form, row=session.first_row, other=session.form
                )
                ok = False
        return key, session, ok

    def _course(
        self, ctx: ImportContext, row: int, key: str, title: str, tool: str, level: str, ctype: str
    ) -> bool:
        """Check the row's course values against the course (registered, or defined by an
        earlier row of this file); an empty value means "whatever the course has"."""
        course = self.courses.get(key)
        if course is None:
            # A new course: its first row defines it (typ defaults to arbetsplatsutbildning).
            self.courses[key] = CourseEntry(
                None, tool, level, ctype or CourseType.WORKPLACE_TRAINING, row, title
            )
            self.new_course_titles.append(title)
            return True
        ok = True
        for attr, label, value in (
            ("tool", "verktyg", tool),
            ("level", "nivå", level),
            ("type", "typ", ctype),
        ):
            current = getattr(course, attr)
            if not value:
                continue
            if not current:
                if course.pk is None:
                    setattr(course, attr, value)  # not written yet: a later row may complete it
                continue
            if fold(current) != fold(value):
                ctx.error(row, label, COURSE_CONFLICT, value=value, course=course.title, other=current)
                ok = False
        return ok

    def _existing_sessions(self, keys: list[tuple]) -> dict[tuple, ExistingSession]:
        """Sessions of the programme that match the batch's new keys, by database key.

        Exactly the candidates, whatever order the file's rows are in (a `date IN (…)` would
        fetch every session of those days again for every batch): on PostgreSQL one join of the
        programme's sessions with the keys passed as arrays (`unnest`, served by the index
        `session_programme_key`), elsewhere an OR of (date, start time, course, municipality)
        per chunk. Keys whose course is new, or whose day had no session before the import
        started, cannot exist: no query for them.
        """
        wanted = set()
        for key in keys:
            course_id = self.courses[key[2]].pk
            if course_id and course_id > 0 and key[0] in self.existing_dates:
                wanted.add((key[0], key[1], course_id, key[3]))
        if not wanted:
            return {}
        columns = (
            "id",
            "date",
            "start_time",
            "course_id",
            "municipality_id",
            "workplace_id",
            "trainer_id",
            "trainer_name",
            "planned_minutes",
            "form",
            "status",
            "approved_at",
        )
        if connection.vendor == "postgresql":
            dates, starts, courses, municipalities = (list(c) for c in zip(*wanted, strict=True))
            select = ", ".join(f"s.{c}" for c in columns)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT {select} FROM unnest(%s::date[], %s::time[], %s::bigint[], %s::bigint[]) "  # noqa: S608 - fixed names
                    "AS k(date, start_time, course_id, municipality_id) "
                    "JOIN kurser_session s ON s.programme_id = %s AND s.date = k.date "
                    "AND s.start_time = k.start_time AND s.course_id = k.course_id "
                    "AND s.municipality_id = k.municipality_id WHERE s.id <= %s",
                    [dates, starts, courses, municipalities, self.programme.pk, self.last_existing_id],
                )
                found: list[tuple] = cursor.fetchall()
        else:
            conditions = [Q(date=d, start_time=t, course_id=c, municipality_id=m) for d, t, c, m in wanted]
            found = []
            for start in range(0, len(conditions), 200):
                condition = functools.reduce(operator.or_, conditions[start : start + 200])
                found.extend(
                    Session.objects.filter(programme=self.programme, pk__lte=self.last_existing_id)
                    .filter(condition)
                    .values_list(*columns)
                )
        existing: dict[tuple, ExistingSession] = {}
        for sid, *db_key, minutes, form, status, approved_at in found:
            db_key[-1] = fold(db_key[-1]) if db_key[-1] else ""
            existing[tuple(db_key)] = ExistingSession(sid, minutes, form, status, approved_at is not None)
        return existing

    def _existing_attendance(
        self, pairs: set[tuple[int, int]], session_ids: set[int], person_ids: set[int]
    ) -> dict[tuple[int, int], tuple[int, str, int]]:
        """Stored attendance of the batch's (session, person) pairs of sessions that existed:
        (id, status, minutes) by pair. On PostgreSQL exactly those pairs, joined as arrays on the
        unique (session, person) index; elsewhere the cross product of the ids, filtered here."""
        if not pairs:
            return {}
        if connection.vendor == "postgresql":
            sessions, persons = (list(c) for c in zip(*pairs, strict=True))
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT a.session_id, a.person_id, a.id, a.status, a.minutes "
                    "FROM unnest(%s::bigint[], %s::bigint[]) AS k(session_id, person_id) "
                    "JOIN kurser_attendance a ON a.session_id = k.session_id AND a.person_id = k.person_id",
                    [sessions, persons],
                )
                return {
                    (sid, pid): (pk, status, minutes) for sid, pid, pk, status, minutes in cursor.fetchall()
                }
        return {
            (sid, pid): (pk, status, minutes)
            for pk, sid, pid, status, minutes in Attendance.objects.filter(
                session_id__in=session_ids, person_id__in=person_ids
            ).values_list("pk", "session_id", "person_id", "status", "minutes")
        }

    # A new session's values, in this order (the first seven are its key).
    _SESSION_INSERT = [
        "date",
        "start_time",
        "course_id",
        "municipality_id",
        "workplace_id",
        "trainer_id",
        "trainer_name",
        "programme_id",
        "planned_minutes",
        "form",
        "small_group",
        "status",
        "created_by_id",
        "created_at",
        "updated_at",
    ]

    def _create_sessions(self, creates: list[tuple[SessionEntry, tuple]]) -> None:
        """Insert the batch's new sessions (values in `_SESSION_INSERT` order) and set their
        ids: on PostgreSQL one `INSERT … SELECT FROM unnest(…)` that returns each id with the
        session's key, elsewhere `bulk_create`."""
        if connection.vendor != "postgresql":
            objs = [Session(**dict(zip(self._SESSION_INSERT, values, strict=True))) for _s, values in creates]
            Session.objects.bulk_create(objs, batch_size=1000)
            for (session, _values), obj in zip(creates, objs, strict=True):
                session.pk = obj.pk
            return
        ids = {
            tuple(key): pk
            for pk, *key in insert_returning(
                Session,
                self._SESSION_INSERT,
                [values for _s, values in creates],
                ["id", *self._SESSION_INSERT[:7]],
            )
        }
        for session, values in creates:
            session.pk = ids[values[:7]]

    def _placeholder_id(self) -> int:
        self._placeholder -= 1
        return self._placeholder

    def _apply(self, groups: list[SessionRows], ctx: ImportContext) -> None:
        write = ctx.writing
        result = ctx.result
        # Courses and workplaces first: the sessions refer to them.
        new_courses = []
        for key, _session, _rows in groups:
            course = self.courses[key[2]]
            if course.pk is None:
                course.pk = 0  # marked: created below
                new_courses.append(course)
        if new_courses:
            if write:
                objs = [Course(title=c.title, tool=c.tool, level=c.level, type=c.type) for c in new_courses]
                Course.objects.bulk_create(objs)
                for c, obj in zip(new_courses, objs, strict=True):
                    c.pk = obj.pk
            else:
                for c in new_courses:
                    c.pk = self._placeholder_id()
        wp_keys = {}
        for key, session, _rows in groups:
            if key[4] and session.pk is None:
                wp_keys[key] = self.workplaces.want(key[3], session.workplace)
        self.workplaces.flush(write=write)
        # Sessions not yet resolved: look the batch's dates up once, create what is missing.
        pending = {id(session): (key, session) for key, session, _rows in groups if session.pk is None}
        if pending:
            existing = self._existing_sessions([k for k, _s in pending.values()])
            creates: list[tuple[SessionEntry, tuple]] = []
            updates: list[Session] = []
            now = timezone.now()
            for key, session in pending.values():
                course_id = self.courses[key[2]].pk
                workplace_id = self.workplaces.ids[wp_keys[key]] if key[4] else None
                db_key = (key[0], key[1], course_id, key[3], workplace_id, key[5], key[6])
                found = existing.get(db_key)
                if found is not None:
                    session.pk, session.status, session.approved = found.pk, found.status, found.approved
                    # A cancelled session stays cancelled: its rows are refused below.
                    if session.status != Session.Status.CANCELLED and (
                        found.minutes,
                        found.form,
                        found.status,
                    ) != (
                        session.minutes,
                        session.form,
                        Session.Status.HELD,
                    ):
                        updates.append(
                            Session(
                                pk=found.pk,
                                planned_minutes=session.minutes,
                                form=session.form,
                                status=Session.Status.HELD,
                                updated_at=now,
                            )
                        )
                    continue
                creates.append(
                    (
                        session,
                        (
                            key[0],
                            key[1],
                            course_id,
                            key[3],
                            workplace_id,
                            key[5],
                            session.trainer_name if not key[5] else "",
                            self.programme.pk,
                            session.minutes,
                            session.form,
                            False,
                            Session.Status.HELD,
                            self.user.pk if self.user is not None else None,
                            now,
                            now,
                        ),
                    )
                )
            if write:
                if creates:
                    self._create_sessions(creates)
                if updates:
                    self.changed_sessions.update(obj.pk for obj in updates)
                    self.changed_months.update(
                        rules.month_of(key[0])
                        for key, session in pending.values()
                        if session.pk in self.changed_sessions
                    )
                    Session.objects.bulk_update(
                        updates, ["planned_minutes", "form", "status", "updated_at"], batch_size=500
                    )
            for session, _values in creates:
                if not write:
                    session.pk = self._placeholder_id()
                session.created = True  # new: it has no attendance to look up
        # Attendance: one query for the batch's (real) sessions, then create or update.
        looked_up = [(session.pk, rows) for _key, session, rows in groups if not session.created]
        existing_att = self._existing_attendance(
            {(pk, r[1]) for pk, rows in looked_up for r in rows},  # type: ignore[misc]  # resolved
            {pk for pk, _rows in looked_up},  # type: ignore[misc]
            {r[1] for _pk, rows in looked_up for r in rows},
        )
        # The attendance rules, once per session of the batch: one query for the closed months.
        months = self._reporting_months({key[0] for key, _session, _rows in groups})
        per_session: dict[int, _SessionChanges] = {}
        now = timezone.now()
        user_id = self.user.pk if self.user is not None else None
        creates_att: list[tuple] = []
        updates_att: list[Attendance] = []
        unchanged = 0
        for key, session, rows in groups:
            gate = per_session.get(session.index)
            if gate is None:
                facts = session_facts(
                    status=session.status, approved=session.approved, date=key[0], months=months
                )
                gate = per_session[session.index] = _SessionChanges(
                    session, key[0], facts, rules.change_refusal(facts, reason=self.reason)
                )
            if gate.facts.status == Session.Status.CANCELLED:
                for r in rows:
                    ctx.error(r[0], "närvaro", SESSION_CANCELLED)
                continue
            refusal = gate.refusal
            pk = session.pk
            changes = gate.changes
            for row, person_id, status, attended in rows:
                old = existing_att.get((pk, person_id)) if existing_att else None
                if old is not None and old[1] == status and old[2] == attended:
                    unchanged += 1
                    continue
                if refusal is not None:
                    ctx.error(row, "närvaro", REFUSALS[refusal], month=f"{key[0]:%Y-%m}")
                    continue
                if old is None:
                    creates_att.append((pk, person_id, status, attended, user_id, now))
                    changes.append({"person": person_id, "from": None, "to": [status, attended]})
                else:
                    updates_att.append(
                        Attendance(pk=old[0], status=status, minutes=attended, recorded_by_id=user_id)
                    )
                    changes.append({"person": person_id, "from": [old[1], old[2]], "to": [status, attended]})
        result.unchanged += unchanged
        result.created += len(creates_att)
        result.updated += len(updates_att)
        if not ctx.writing:
            return
        insert_rows(Attendance, _ATTENDANCE_INSERT, creates_att)
        if updates_att:
            Attendance.objects.bulk_update(updates_att, ["status", "minutes", "recorded_by"], batch_size=500)
        for gate in per_session.values():
            if gate.entry.pk is None:  # pragma: no cover - every session is resolved by now
                continue
            if gate.changes:
                self.changed_sessions.add(gate.entry.pk)
                self.changed_months.add(rules.month_of(gate.date))
            # Audited with the reason and marked for re-issue exactly as a tablet change.
            attendance_change_record(
                session_id=gate.entry.pk,
                label=gate.entry.label,
                date=gate.date,
                facts=gate.facts,
                months=months,
                by=self.user,
                reason=self.reason,
                changes=gate.changes,
            )

    def finish(self, ctx: ImportContext) -> None:
        result = ctx.result
        result.groups = len(self.sessions)
        self.workplaces.note(result)
        if self.new_course_titles:
            shown = ", ".join(self.new_course_titles[:20]) + (
                " …" if len(self.new_course_titles) > 20 else ""
            )
            result.notes.append(str(NEW_COURSES) % {"names": shown})
        if self.outside_period:
            result.warnings.append(
                str(DATES_OUTSIDE_PROGRAMME)
                % {
                    "count": self.outside_period,
                    "start": self.programme.start_date.isoformat(),
                    "end": self.programme.end_date.isoformat(),
                }
            )
        if ctx.writing:
            self.after_write()
            audit_log_import(
                ctx,
                what=_g("Import av närvaro till %(programme)s: %(file)s")
                % {"programme": self.programme.code, "file": result.filename},
                detail={"sessions": result.groups, "programme": self.programme.code},
            )

    def after_write(self) -> None:
        """The end of the attendance write: called once, after the last batch is written and
        before the audit entry, inside the import's transaction (a failure here rolls the whole
        import back). The one place for what must follow a write of attendance, such as
        refreshing summary rows: `changed_sessions` and `changed_months` say what changed (both
        empty when a re-import changed nothing)."""
        # The dashboards' rollups of the people on the changed sessions (kurser.rollups).
        rollups.refresh_sessions(session_ids=sorted(self.changed_sessions))


def import_attendance(
    source: Any,
    *,
    programme: Programme,
    filename: str | None = None,
    dry_run: bool = False,
    user: User | None = None,
    reason: str = "",
    max_bytes: int | object | None = SETTINGS_LIMIT,
) -> ImportResult:
    handler = AttendanceImport(programme=programme, user=user, reason=reason)
    return run_import(handler, source, filename=filename, dry_run=dry_run, user=user, max_bytes=max_bytes)


def attendance_summary(result: ImportResult) -> str:
    """The last line of `import_attendance` (spec §1b)."""
    params = {"n": result.total, "s": result.groups}
    if result.dry_run:
        return (
            _g("Förhandsgranskning: %(n)s närvarorader i %(s)s utbildningstillfällen – inget sparades")
            % params
        )
    return _g("Importerade %(n)s närvarorader i %(s)s utbildningstillfällen") % params
