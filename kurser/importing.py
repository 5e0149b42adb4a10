"""Attendance history import (spec §1b), a handler for the one engine in `ombud.importer`.

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
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from kurser.models import Attendance, AttendanceStatus, Course, CourseType, Form, Level, Session
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
from ombud.models import Person, Programme

if TYPE_CHECKING:
    from ombud.models import User

MINUTES_RANGE = _("ska vara 1–600")
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

STATUSES = {
    fold(s): s
    for s in (
        AttendanceStatus.PRESENT,
        AttendanceStatus.LATE,
        AttendanceStatus.PARTIAL,
        AttendanceStatus.ABSENT,
        AttendanceStatus.EXCUSED,
    )
}
LEVELS = {fold(v): v for v in Level.values}
TYPES = {fold(v): v for v in CourseType.values}
FORMS = {fold(v): v for v in Form.values}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?$")
_PNR_SHAPE = re.compile(r"^([0-9]{6}|[0-9]{8})[-+]?[0-9]{4}$")
_INT = re.compile(r"^[0-9]+$")
_ABSENT = (AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)
_NEEDS_MINUTES = (AttendanceStatus.LATE, AttendanceStatus.PARTIAL)
_ATTENDANCE_INSERT = ["session_id", "person_id", "status", "minutes", "recorded_by_id", "recorded_at"]
_PACK = 1 << 40  # (session index, person id) packed into one int for the duplicate set


class AttendanceImport:
    kind = "attendance"
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

    def __init__(self, *, programme: Programme, user: User | None = None) -> None:
        self.programme = programme
        self.user = user
        self.municipalities = MunicipalityLookup()
        self.programme_municipalities = set(programme.municipalities.values_list("pk", flat=True))
        self.workplaces = WorkplaceLookup()
        # folded title → [id (None: new, not yet written), tool, level, type, first row, title]
        self.courses: dict[str, list[Any]] = {
            fold(title): [pk, tool, level, ctype, 0, title]
            for pk, title, tool, level, ctype in Course.objects.values_list(
                "pk", "title", "tool", "level", "type"
            )
        }
        self.new_course_titles: list[str] = []
        # session key → [index, db id (None: not resolved yet; < 0: placeholder in a dry run),
        #                minutes, form, first row, workplace name, trainer name, created by this import]
        self.sessions: dict[tuple, list[Any]] = {}
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

    def _parse(self, row: int, v: dict[str, str], ctx: ImportContext) -> tuple | None:
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
        elif not 1 <= (minutes := int(v["minuter"])) <= 600:
            ctx.error(row, "minuter", MINUTES_RANGE)
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
        form = Form.ON_SITE
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
        participant = parse_personnummer(ctx, row, "deltagare", v["deltagare"])
        ok = participant is not None and ok
        status = None
        if not v["narvaro"]:
            ctx.error(row, "närvaro", VALUE_REQUIRED)
            ok = False
        elif (status := STATUSES.get(fold(v["narvaro"]))) is None:
            ctx.error(
                row,
                "närvaro",
                VALUE_CHOICE,
                value=v["narvaro"],
                choices=", ".join(STATUSES.values()),
            )
            ok = False
        attended = None
        raw_minutes = v["narvarominuter"]
        if raw_minutes:
            if _INT.match(raw_minutes):
                attended = int(raw_minutes)
            else:
                ctx.error(row, "närvarominuter", VALUE_INTEGER, value=raw_minutes)
                ok = False
        if status is not None and minutes is not None and (attended is not None or not raw_minutes):
            if status in _ABSENT:
                if attended:
                    ctx.error(row, "närvarominuter", ATTENDED_MINUTES_ABSENT, status=status)
                    ok = False
                attended = 0
            elif attended is None:
                if status in _NEEDS_MINUTES:
                    ctx.error(row, "närvarominuter", ATTENDED_MINUTES_REQUIRED, status=status)
                    ok = False
                attended = minutes
            elif not 1 <= attended <= minutes:
                ctx.error(row, "närvarominuter", ATTENDED_MINUTES_RANGE, max=minutes)
                ok = False
        if not ok:
            return None
        return (
            row,
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
            participant,
            status,
            attended,
        )

    # --- a batch ----------------------------------------------------------------------------------

    def handle_batch(self, batch: list[tuple[int, dict[str, str]]], ctx: ImportContext) -> None:
        parsed = [p for row, v in batch if (p := self._parse(row, v, ctx)) is not None]
        numbers = {p[13] for p in parsed} | {p[11] for p in parsed if p[11]}
        people = dict(Person.objects.filter(personnummer__in=numbers).values_list("personnummer", "pk"))
        start, end = self.programme.start_date, self.programme.end_date
        resolved = []
        for p in parsed:
            (row, date, start_time, minutes, title, tool, level, ctype, form, mid, wp, t_pnr, t_name) = p[:13]
            participant, status, attended = p[13:]
            ok = True
            person_id = people.get(participant)
            if person_id is None:
                ctx.error(row, "deltagare", PARTICIPANT_UNKNOWN, value=participant)
                ok = False
            trainer_id = None
            if t_pnr:
                trainer_id = people.get(t_pnr)
                if trainer_id is None:
                    ctx.error(row, "utbildare", TRAINER_UNKNOWN, value=t_pnr)
                    ok = False
            course_key = fold(title)
            ok = self._course(ctx, row, course_key, title, tool, level, ctype) and ok
            key = (date, start_time, course_key, mid, fold(wp), trainer_id, fold(t_name) if t_name else "")
            session = self.sessions.get(key)
            if session is None:
                session = [len(self.sessions), None, minutes, form, row, wp, t_name, False]
                self.sessions[key] = session
            else:
                if session[2] != minutes:
                    ctx.error(
                        row, "minuter", SESSION_CONFLICT, value=minutes, row=session[4], other=session[2]
                    )
                    ok = False
                if session[3] != form:
                    ctx.error(row, "form", SESSION_CONFLICT, value=form, row=session[4], other=session[3])
                    ok = False
            if person_id is not None:
                pair = session[0] * _PACK + person_id
                if pair in self.pairs:
                    ctx.error(row, "deltagare", PARTICIPANT_TWICE)
                    ok = False
                else:
                    self.pairs.add(pair)
            if not start <= date <= end:
                self.outside_period += 1
            if ok:
                resolved.append((key, session, person_id, status, attended))
        if ctx.has_errors:
            return
        self._apply(resolved, ctx)

    def _course(
        self, ctx: ImportContext, row: int, key: str, title: str, tool: str, level: str, ctype: str
    ) -> bool:
        """Check the row's course values against the course (registered, or defined by an
        earlier row of this file); an empty value means "whatever the course has"."""
        course = self.courses.get(key)
        if course is None:
            # A new course: its first row defines it (typ defaults to arbetsplatsutbildning).
            course = [None, tool, level, ctype or CourseType.WORKPLACE_TRAINING, row, title]
            self.courses[key] = course
            self.new_course_titles.append(title)
            return True
        ok = True
        for index, label, value in ((1, "verktyg", tool), (2, "nivå", level), (3, "typ", ctype)):
            current = course[index]
            if not value:
                continue
            if not current:
                if course[0] is None:
                    course[index] = value  # not written yet: a later row may complete it
                continue
            if fold(current) != fold(value):
                ctx.error(row, label, COURSE_CONFLICT, value=value, course=course[5], other=current)
                ok = False
        return ok

    def _existing_sessions(self, keys: list[tuple]) -> dict[tuple, tuple]:
        """Sessions of the programme that match the batch's new keys, by database key.

        One query per chunk, an OR of (date, start time, course, municipality): exactly the
        candidates, whatever order the file's rows are in (a `date IN (…)` would fetch every
        session of those days again for every batch). Keys whose course is new, or whose day
        had no session before the import started, cannot exist: no query for them.
        """
        wanted = []
        for key in keys:
            course_id = self.courses[key[2]][0]
            if course_id and course_id > 0 and key[0] in self.existing_dates:
                wanted.append(Q(date=key[0], start_time=key[1], course_id=course_id, municipality_id=key[3]))
        existing: dict[tuple, tuple] = {}
        for start in range(0, len(wanted), 200):
            condition = functools.reduce(operator.or_, wanted[start : start + 200])
            for sid, *db_key, minutes, form, status in (
                Session.objects.filter(programme=self.programme, pk__lte=self.last_existing_id)
                .filter(condition)
                .values_list(
                    "pk",
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
                )
            ):
                db_key[-1] = fold(db_key[-1]) if db_key[-1] else ""
                existing[tuple(db_key)] = (sid, minutes, form, status)
        return existing

    def _placeholder_id(self) -> int:
        self._placeholder -= 1
        return self._placeholder

    def _apply(self, resolved: list[tuple], ctx: ImportContext) -> None:
        write = ctx.writing
        result = ctx.result
        # Courses and workplaces first: the sessions refer to them.
        new_courses = []
        for key, *_rest in resolved:
            course = self.courses[key[2]]
            if course[0] is None:
                course[0] = 0  # marked: created below
                new_courses.append(course)
        if new_courses:
            if write:
                objs = [Course(title=c[5], tool=c[1], level=c[2], type=c[3]) for c in new_courses]
                Course.objects.bulk_create(objs)
                for c, obj in zip(new_courses, objs, strict=True):
                    c[0] = obj.pk
            else:
                for c in new_courses:
                    c[0] = self._placeholder_id()
        wp_keys = {}
        for key, session, *_rest in resolved:
            if key[4] and session[1] is None:
                wp_keys[key] = self.workplaces.want(key[3], session[5])
        self.workplaces.flush(write=write)
        # Sessions not yet resolved: look the batch's dates up once, create what is missing.
        pending = {id(s): (k, s) for k, s, *_ in resolved if s[1] is None}
        if pending:
            existing = self._existing_sessions([k for k, _s in pending.values()])
            creates: list[tuple[list, Session]] = []
            updates: list[Session] = []
            now = timezone.now()
            for key, session in pending.values():
                course_id = self.courses[key[2]][0]
                workplace_id = self.workplaces.ids[wp_keys[key]] if key[4] else None
                db_key = (key[0], key[1], course_id, key[3], workplace_id, key[5], key[6])
                found = existing.get(db_key)
                if found is not None:
                    session[1] = found[0]
                    if found[1:] != (session[2], session[3], Session.Status.HELD):
                        updates.append(
                            Session(
                                pk=found[0],
                                planned_minutes=session[2],
                                form=session[3],
                                status=Session.Status.HELD,
                                updated_at=now,
                            )
                        )
                    continue
                creates.append(
                    (
                        session,
                        Session(
                            programme=self.programme,
                            course_id=course_id,
                            trainer_id=key[5],
                            trainer_name=session[6] if not key[5] else "",
                            municipality_id=key[3],
                            workplace_id=workplace_id,
                            date=key[0],
                            start_time=key[1],
                            planned_minutes=session[2],
                            form=session[3],
                            status=Session.Status.HELD,
                            created_by=self.user,
                        ),
                    )
                )
            if write:
                if creates:
                    Session.objects.bulk_create([obj for _s, obj in creates], batch_size=1000)
                if updates:
                    Session.objects.bulk_update(
                        updates, ["planned_minutes", "form", "status", "updated_at"], batch_size=500
                    )
            for session, obj in creates:
                session[1] = obj.pk if write else self._placeholder_id()
                session[7] = True  # new: it has no attendance to look up
        # Attendance: one query for the batch's (real) sessions, then create or update.
        session_ids = {s[1] for _k, s, *_ in resolved if not s[7]}
        person_ids = {r[2] for r in resolved}
        existing_att = {}
        if session_ids:
            existing_att = {
                (sid, pid): (pk, status, minutes)
                for pk, sid, pid, status, minutes in Attendance.objects.filter(
                    session_id__in=session_ids, person_id__in=person_ids
                ).values_list("pk", "session_id", "person_id", "status", "minutes")
            }
        now = timezone.now()
        user_id = self.user.pk if self.user is not None else None
        creates_att: list[tuple] = []
        updates_att: list[Attendance] = []
        for _key, session, person_id, status, attended in resolved:
            old = existing_att.get((session[1], person_id))
            if old is None:
                creates_att.append((session[1], person_id, status, attended, user_id, now))
            elif (old[1], old[2]) != (status, attended):
                updates_att.append(
                    Attendance(pk=old[0], status=status, minutes=attended, recorded_by_id=user_id)
                )
            else:
                result.unchanged += 1
        result.created += len(creates_att)
        result.updated += len(updates_att)
        if write:
            insert_rows(Attendance, _ATTENDANCE_INSERT, creates_att)
            if updates_att:
                Attendance.objects.bulk_update(
                    updates_att, ["status", "minutes", "recorded_by"], batch_size=500
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
            audit_log_import(
                ctx,
                what=_g("Import av närvaro till %(programme)s: %(file)s")
                % {"programme": self.programme.code, "file": result.filename},
                detail={"sessions": result.groups, "programme": self.programme.code},
            )


def import_attendance(
    source: Any,
    *,
    programme: Programme,
    filename: str | None = None,
    dry_run: bool = False,
    user: User | None = None,
    max_bytes: int | object | None = SETTINGS_LIMIT,
) -> ImportResult:
    handler = AttendanceImport(programme=programme, user=user)
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
