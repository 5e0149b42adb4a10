"""What happened: courses, sessions (utbildningstillfällen) and attendance."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ombud.models import Municipality, Person, Programme, Workplace


class CourseType(models.TextChoices):
    """typ; in the order ESF reports list them (spec §3 by_type)."""

    OMBUD_TRAINING = "ombudsutbildning", _("Ombudsutbildning")
    WORKPLACE_TRAINING = "arbetsplatsutbildning", _("Arbetsplatsutbildning")
    MANAGER_TRAINING = "chefsutbildning", _("Chefsutbildning")


class Level(models.TextChoices):
    BASIC = "grund", _("Grund")
    ADVANCED = "fördjupning", _("Fördjupning")


class Form(models.TextChoices):
    ON_SITE = "på plats", _("På plats")
    REMOTE = "fjärr", _("Fjärr")
    DISTANCE = "distans", _("Distans")


# The longest a session may be (spec §1b `minuter` 1–600); attended minutes never exceed it.
MAX_SESSION_MINUTES = 600

# Tools named in the spec; the field is free text so a programme may teach other tools too.
KNOWN_TOOLS = [
    "Teams",
    "Outlook",
    "Dokumentation",
    "Läkemedelssignering",
    "Nyckelfria lås",
    "Trygghetskameror",
    "Övrigt",
]


class Course(models.Model):
    title = models.CharField(_("kurs"), max_length=200)
    tool = models.CharField(_("verktyg"), max_length=100, blank=True)
    level = models.CharField(_("nivå"), max_length=20, choices=Level.choices, blank=True)
    type = models.CharField(
        _("typ"), max_length=30, choices=CourseType.choices, default=CourseType.WORKPLACE_TRAINING
    )
    description = models.TextField(_("beskrivning"), blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("kurs")
        verbose_name_plural = _("kurser")
        constraints = [
            models.UniqueConstraint(
                Lower("title"),
                name="course_title_unique",
                violation_error_message=_("Det finns redan en kurs med den titeln."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """utbildningstillfälle: one occasion of a course, at a date and time, led by a trainer.

    The trainer is a registered person (usually an ombud) or, for an external trainer, a name.
    `date` is stored apart from `start_time` so that every count by period or calendar year is a
    plain date comparison in the database, with no time-zone arithmetic.
    """

    class Status(models.TextChoices):
        PLANNED = "planerad", _("Planerad")
        HELD = "genomförd", _("Genomförd")
        CANCELLED = "inställd", _("Inställd")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("program")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("kurs")
    )
    trainer = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions_led",
        verbose_name=_("utbildare"),
    )
    trainer_name = models.CharField(_("extern utbildare"), max_length=200, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("kommun")
    )
    workplace = models.ForeignKey(
        Workplace,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("arbetsplats"),
    )
    date = models.DateField(_("datum"))
    start_time = models.TimeField(_("starttid"))
    planned_minutes = models.PositiveSmallIntegerField(
        _("planerade minuter"), validators=[MinValueValidator(1), MaxValueValidator(MAX_SESSION_MINUTES)]
    )
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.ON_SITE)
    small_group = models.BooleanField(_("smågrupp"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("godkänd av"),
    )
    approved_at = models.DateTimeField(_("godkänd"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-start_time"]
        verbose_name = _("utbildningstillfälle")
        verbose_name_plural = _("utbildningstillfällen")
        indexes = [
            # Period counts (programme, date) and the attendance import's session key lookup.
            models.Index(fields=["programme", "date", "start_time", "course"], name="session_programme_key"),
            models.Index(fields=["municipality", "date"], name="session_municipality_date"),
            models.Index(fields=["trainer", "date"], name="session_trainer_date"),
            # Session lists are newest first: an index in that order serves every page.
            models.Index(fields=["-date", "-start_time", "-id"], name="session_newest_first"),
            # The approval queue is a small part of all sessions: index just those rows.
            models.Index(
                fields=["date", "start_time", "id"],
                condition=models.Q(status="genomförd", approved_at__isnull=True),
                name="session_awaiting_approval",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_minutes__gte=1, planned_minutes__lte=MAX_SESSION_MINUTES),
                name="session_minutes_range",
                violation_error_message=_("Ett tillfälle är 1–600 minuter."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} {self.date:%Y-%m-%d} {self.start_time:%H:%M}"

    @property
    def starts_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.date, self.start_time))

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.planned_minutes)

    @property
    def trainer_display(self) -> str:
        if self.trainer is not None:
            return self.trainer.full_name
        return self.trainer_name or "–"

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class AttendanceStatus(models.TextChoices):
    REGISTERED = "anmäld", _("Anmäld")
    PRESENT = "närvarande", _("Närvarande")
    LATE = "sen", _("Sen")
    PARTIAL = "delvis", _("Delvis")
    ABSENT = "frånvarande", _("Frånvarande")
    EXCUSED = "förhinder", _("Förhinder")


# Spec §2: only these statuses count as attended; their minutes are the attended minutes.
ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.PARTIAL)


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="attendances")
    status = models.CharField(
        _("närvaro"),
        max_length=20,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.REGISTERED,
    )
    minutes = models.PositiveSmallIntegerField(_("närvarominuter"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    client_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["person__last_name", "person__first_name"]
        verbose_name = _("närvaro")
        verbose_name_plural = _("närvaro")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="attendance_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(minutes__lte=MAX_SESSION_MINUTES), name="attendance_minutes_range"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"], name="attendance_person_status"),
            models.Index(fields=["session", "status"], name="attendance_session_status"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}: {self.get_status_display()}"

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED_STATUSES


class Submission(models.Model):
    """One attendance submission from a tablet, by its client-generated id.

    A replay of the same id with the same content gets the stored answer again; the same id
    with other content is a conflict (409). This is what makes weak Wi-Fi safe.
    """

    client_id = models.UUIDField(unique=True)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="submissions")
    content_hash = models.CharField(max_length=64)
    response = models.JSONField(default=dict)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return str(self.client_id)


class ClosedMonth(models.Model):
    """A reporting month of a programme whose numbers were sent to ESF (closed), or were and
    then reopened. The attendance rules (`kurser.rules`) live with it: attendance dated in a
    closed month changes only with a reason.

    `changed_at` is when attendance dated in this month last changed after it was first closed:
    `rapporter` compares it with a report's finish time to tell that the report needs re-issue
    (kurser writes data, never calls upwards).
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="closed_months", verbose_name=_("program")
    )
    month = models.DateField(_("månad"))  # first day of the month
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("stängd"), default=timezone.now)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopened_at = models.DateTimeField(_("öppnad igen"), null=True, blank=True)
    reopen_reason = models.CharField(_("skäl"), max_length=500, blank=True)
    changed_at = models.DateTimeField(_("ändrad efter stängning"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "month"]
        verbose_name = _("rapporteringsmånad")
        verbose_name_plural = _("rapporteringsmånader")
        constraints = [
            models.UniqueConstraint(fields=["programme", "month"], name="kurser_closed_month_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme.code} {self.month:%Y-%m}"

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None


# --- rollups (issue 14): summary rows kept by `kurser.rollups`, read by the dashboards ----------
#
# Two layers. The per-person rows (ParticipantRollup, …Tool…, …Month…, ReachRollup) hold one
# row per person (and tool / month / trainer) with a snapshot of the person's counted attributes
# (municipality, temporary; on ParticipantRollup also gender, target group, birth date and the
# age band). The cells (…Cell) are their totals per programme × municipality × (attributes /
# tool / month / trainer): each person is in exactly one cell per table, so a cell's
# participants are an exact distinct count. The readers read the cells (a few thousand rows);
# a refresh subtracts a person's old contribution (from the snapshot) and adds the new one.
# A row holds the person's attended rows in sessions that were not cancelled
# (`counting.attended_not_cancelled`), temporary walk-ins too (only ParticipantCell keeps them,
# apart, for the count of walk-ins).


class RollupSnapshot(models.Model):
    """The person's counted attributes when the row was last computed (kurser.rollups)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", null=True)
    temporary = models.BooleanField(default=False)

    class Meta:
        abstract = True


class ParticipantRollup(RollupSnapshot):
    """One person's attended rows in one programme: the count of participants, their hours,
    and the first session date (the age band is counted at it)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    first_date = models.DateField()
    last_date = models.DateField()
    # The minutes per course type (CourseType, a fixed three): by_type without another table.
    minutes_ombud_training = models.PositiveIntegerField(default=0)
    minutes_workplace_training = models.PositiveIntegerField(default=0)
    minutes_manager_training = models.PositiveIntegerField(default=0)
    # The snapshot's other counted attributes (the age band: at first_date, from birth_date).
    gender = models.CharField(max_length=10, blank=True, default="")
    target_group = models.CharField(max_length=30, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    age_band = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "person"], name="participant_rollup_key")]
        indexes = [
            models.Index(fields=["person"], name="participant_rollup_person"),
            # "Is anything outside the programme's period?" (kurser.rollups.covers)
            models.Index(fields=["programme", "first_date"], name="participant_rollup_first"),
            models.Index(fields=["programme", "last_date"], name="participant_rollup_last"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.person_id}: {self.minutes} min"


class ParticipantToolRollup(RollupSnapshot):
    """One person's attended rows in one programme per tool as reported (a course without a
    tool under Övrigt): a tool's participants are its rows, no distinct count needed."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    tool = models.CharField(max_length=100)
    minutes = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person", "tool"], name="participant_tool_rollup_key"
            )
        ]
        indexes = [models.Index(fields=["person"], name="participant_tool_rollup_pers")]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.person_id}/{self.tool}: {self.minutes} min"


class ParticipantMonthRollup(RollupSnapshot):
    """One person's attended minutes in one programme per calendar month (first day)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    minutes = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "person", "month"], name="participant_month_rollup_key"
            )
        ]
        indexes = [models.Index(fields=["person"], name="participant_month_rollup_pers")]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.person_id}/{self.month:%Y-%m}: {self.minutes} min"


class ReachRollup(RollupSnapshot):
    """A participant reached by a trainer in workplace training (cascade reach, spec §2): one
    row per (programme, trainer, participant), so reach is a count of rows."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    trainer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "trainer", "person"], name="reach_rollup_key")
        ]
        indexes = [models.Index(fields=["person"], name="reach_rollup_person")]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.trainer_id} → {self.person_id}"


class ParticipantCell(models.Model):
    """Participants (distinct: each person in one cell) and their minutes per programme ×
    municipality × temporary × gender × target group × age band."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    temporary = models.BooleanField(default=False)
    gender = models.CharField(max_length=10, blank=True, default="")
    target_group = models.CharField(max_length=30, blank=True, default="")
    age_band = models.CharField(max_length=8, blank=True, default="")
    participants = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)
    minutes_ombud_training = models.BigIntegerField(default=0)
    minutes_workplace_training = models.BigIntegerField(default=0)
    minutes_manager_training = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "municipality", "temporary", "gender", "target_group", "age_band"],
                name="participant_cell_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.municipality_id}/{self.gender}/{self.target_group}/{self.age_band}: {self.participants}"


class ToolCell(models.Model):
    """Registered participants and minutes per programme × municipality × tool (as reported)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    tool = models.CharField(max_length=100)
    participants = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "municipality", "tool"], name="tool_cell_key")
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.municipality_id}/{self.tool}: {self.participants}"


class MonthCell(models.Model):
    """Registered participants (distinct within the month) and minutes per programme ×
    municipality × calendar month (first day)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    participants = models.BigIntegerField(default=0)
    minutes = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "municipality", "month"], name="month_cell_key")
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.municipality_id}/{self.month:%Y-%m}: {self.participants}"


class ReachCell(models.Model):
    """Registered participants of a municipality reached by a trainer in workplace training."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    trainer = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reached = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "municipality", "trainer"], name="reach_cell_key")
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}/{self.municipality_id}/{self.trainer_id}: {self.reached}"


class RollupState(models.Model):
    """A programme whose rollups are being rebuilt in the background (kurser.rollups): while
    `stale_since` is set the rollups do not answer (`covers()`), and every reader counts live.
    `marks` counts the big writes that asked for a rebuild: a rebuild clears the state only if
    no other asked while it ran."""

    programme = models.OneToOneField(Programme, on_delete=models.CASCADE, related_name="+")
    stale_since = models.DateTimeField(null=True, blank=True)
    marks = models.PositiveIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.stale_since or 'aktuell'}"
