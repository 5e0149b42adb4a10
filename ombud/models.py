"""Who and where: programmes, municipalities, workplaces, staff, ombud, user accounts, audit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ombud.personnummer import formatted, masked


class Role(models.TextChoices):
    PROGRAMME_LEADER = "programledare", _("Programledare")
    LOCAL_LEADER = "lokal_projektledare", _("Lokal projektledare")
    OMBUD = "ombud", _("Digitaliseringsombud")
    COORDINATOR = "samordnare", _("Samordnare")


class TargetGroup(models.TextChoices):
    """målgrupp; the values are the import file's words (spec §1a), in this order."""

    STRATEGIST = "strateg", _("Strateg")
    OPERATIVE_MANAGER = "operativ chef", _("Operativ chef")
    LOCAL_LEADER = "lokal projektledare", _("Lokal projektledare")
    OMBUD = "digitaliseringsombud", _("Digitaliseringsombud")
    BASE_STAFF = "baspersonal", _("Baspersonal")


class Gender(models.TextChoices):
    WOMAN = "kvinna", _("Kvinna")
    MAN = "man", _("Man")
    OTHER = "annat", _("Annat")


class Sector(models.TextChoices):
    """verksamhet"""

    ELDERLY_CARE = "äldreomsorg", _("Äldreomsorg")
    DISABILITY = "funktionshinder", _("Funktionshinder")


class Municipality(models.Model):
    code = models.CharField(
        _("kommunkod"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("Kommunkoden ska vara fyra siffror."))],
    )
    name = models.CharField(_("namn"), max_length=100)
    org_number = models.CharField(_("organisationsnummer"), max_length=11, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kommun")
        verbose_name_plural = _("kommuner")

    def __str__(self) -> str:
        return self.name


class Programme(models.Model):
    code = models.CharField(
        _("kod"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Koden får bara innehålla A–Z, 0–9, - och _."))],
    )
    name = models.CharField(_("namn"), max_length=200)
    funder = models.CharField(_("finansiär"), max_length=100, blank=True)
    case_id = models.CharField(_("ärende-id"), max_length=50, blank=True)
    start_date = models.DateField(_("startdatum"))
    end_date = models.DateField(_("slutdatum"))
    final_payment_date = models.DateField(
        _("datum för slututbetalning"),
        null=True,
        blank=True,
        help_text=_("Styr gallring: uppgifter sparas fem år efter den 31 december det året."),
    )
    municipalities = models.ManyToManyField(
        Municipality, related_name="programmes", verbose_name=_("kommuner"), blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "code"]
        verbose_name = _("program")
        verbose_name_plural = _("program")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="programme_period_ordered",
                violation_error_message=_("Slutdatum kan inte ligga före startdatum."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"


class UnitCost(models.Model):
    """ESF's standardised cost per participant hour for one calendar year (co-financing)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="unit_costs")
    year = models.PositiveSmallIntegerField(_("år"))
    amount = models.DecimalField(_("kronor per timme"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["programme", "year"]
        constraints = [models.UniqueConstraint(fields=["programme", "year"], name="unit_cost_one_per_year")]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount} kr/h"


class Workplace(models.Model):
    """arbetsplats / enhet inside one municipality."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="workplaces", verbose_name=_("kommun")
    )
    name = models.CharField(_("namn"), max_length=200)
    sector = models.CharField(_("verksamhet"), max_length=20, choices=Sector.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["municipality__code", "name"]
        verbose_name = _("arbetsplats")
        verbose_name_plural = _("arbetsplatser")
        constraints = [
            models.UniqueConstraint(
                "municipality",
                Lower("name"),
                name="workplace_name_unique_in_municipality",
                violation_error_message=_("Kommunen har redan en arbetsplats med det namnet."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """medarbetare / deltagare. Identified by the normalised 12-digit personnummer.

    An erased person (GDPR) keeps their attendance rows, so totals stay right, but loses
    their identity: personnummer NULL, names replaced, `erased_at` set.
    """

    personnummer = models.CharField(_("personnummer"), max_length=12, unique=True, null=True, blank=True)
    first_name = models.CharField(_("förnamn"), max_length=100)
    last_name = models.CharField(_("efternamn"), max_length=100)
    # Blank and null only for a temporary participant (a walk-in without personnummer).
    gender = models.CharField(_("kön"), max_length=10, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("födelsedatum"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="people", verbose_name=_("kommun")
    )
    workplace = models.ForeignKey(
        Workplace,
        on_delete=models.PROTECT,
        related_name="people",
        null=True,
        blank=True,
        verbose_name=_("arbetsplats"),
    )
    target_group = models.CharField(_("målgrupp"), max_length=30, choices=TargetGroup.choices)
    email = models.EmailField(_("e-post"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    # The name folded for search (`ombud.search.search_text`): written by every path that writes
    # a name (services, the import, seed_demo, erasure), because SQLite cannot fold å/ä/ö itself.
    search = models.TextField(blank=True, default="", editable=False)
    # A walk-in added on the tablet who is not (yet) in the register (issue 13 item 3): not
    # counted in the reports until a local leader merges or completes the record.
    # db_default: the bulk import and the benchmarks insert rows with raw SQL, without this column.
    temporary = models.BooleanField(_("tillfällig"), default=False, db_default=False)
    # The tablet's id for the add, so a replay over weak Wi-Fi does not add the person twice.
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("medarbetare")
        verbose_name_plural = _("medarbetare")
        indexes = [
            models.Index(fields=["municipality", "last_name", "first_name"], name="person_muni_name"),
            # The unfiltered staff list (programme leader, coordinator) in its default order.
            models.Index(fields=["last_name", "first_name", "id"], name="person_name_order"),
            models.Index(fields=["workplace", "-created_at"], name="person_workplace_newest"),
            models.Index(fields=["target_group"], name="person_target_group"),
            # Deep staff-list pages (issue 14): the list's id walk in its order over the people it
            # shows (not erased), read from the index alone; also what counts the list.
            models.Index(
                fields=["last_name", "first_name", "id"],
                name="person_live_name_order",
                condition=models.Q(erased_at__isnull=True),
            ),
            models.Index(
                fields=["municipality", "last_name", "first_name", "id"],
                name="person_live_muni_name",
                condition=models.Q(erased_at__isnull=True),
            ),
            # Name search on PostgreSQL: a pg_trgm GIN index on `search`, created by migration
            # 0004 only there (SQLite has no GIN); see ombud/search.py.
            models.Index(
                fields=["municipality", "created_at"],
                name="person_temporary",
                condition=models.Q(temporary=True),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def personnummer_masked(self) -> str:
        """`19850312-****`: the birth date without the four last digits."""
        return masked(self.personnummer or None)

    @property
    def personnummer_display(self) -> str:
        return formatted(self.personnummer or None)


class Ombud(models.Model):
    """A person appointed as digitaliseringsombud: trains colleagues at the covered workplaces."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="ombud")
    appointed_on = models.DateField(_("utsedd"))
    workplaces = models.ManyToManyField(
        Workplace, related_name="ombud", blank=True, verbose_name=_("arbetsplatser")
    )
    trainer_training_completed_on = models.DateField(_("ombudsutbildning klar"), null=True, blank=True)
    reach_goal = models.PositiveIntegerField(
        _("mål för antal nådda kollegor"), default=36, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        ordering = ["person__last_name", "person__first_name"]
        verbose_name = _("digitaliseringsombud")
        verbose_name_plural = _("digitaliseringsombud")

    def __str__(self) -> str:
        return str(self.person)


class User(AbstractUser):
    """A portal account. `role` decides what the user may do; the scope follows the role:

    - programme leader and coordinator: every municipality (coordinator read-only);
    - local project leader: `municipalities`;
    - ombud: the municipality of `person` (their own staff record).
    """

    role = models.CharField(_("roll"), max_length=30, choices=Role.choices, blank=True)
    municipalities = models.ManyToManyField(
        Municipality, related_name="leaders", blank=True, verbose_name=_("kommuner")
    )
    person = models.OneToOneField(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("medarbetare"),
    )

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")

    @property
    def effective_role(self) -> str:
        if self.role:
            return self.role
        if self.is_superuser:
            return Role.PROGRAMME_LEADER
        return ""


class AuditLog(models.Model):
    """Who saw or changed what, when and why: personnummer reveals, exports, erasures,
    changes to approved sessions and closed months."""

    class Action(models.TextChoices):
        VIEW_PERSONNUMMER = "visa_personnummer", _("Visade personnummer")
        EXPORT = "export", _("Export")
        IMPORT = "import", _("Import")
        ERASE = "radera", _("Radering")
        CHANGE = "andring", _("Ändring")
        APPROVE = "godkann", _("Godkännande")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    what = models.CharField(_("vad"), max_length=300)
    reason = models.CharField(_("skäl"), max_length=500, blank=True)
    person = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("loggpost")
        verbose_name_plural = _("logg")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.what}"


# --- e-mail notifications (issue 13) ------------------------------------------------------------


class NotificationKind(models.TextChoices):
    SESSION_REMINDER = "session_reminder", _("Påminnelse dagen före ett utbildningstillfälle")
    SESSION_CANCELLED = "session_cancelled", _("Ett utbildningstillfälle är inställt")
    SESSION_MOVED = "session_moved", _("Ett utbildningstillfälle har flyttats")
    APPROVAL_DIGEST = "approval_digest", _("Tillfällen som väntar på godkännande (en gång per dag)")
    REPORT_READY = "report_ready", _("En rapport du beställt är klar")
    REPORT_FAILED = "report_failed", _("En rapport du beställt kunde inte skapas")
    # Participants (people without an account): a survey waiting for their answer, sent when
    # their local leader asks for a reminder, and the one-time code that confirms a month's hours.
    SURVEY_REMINDER = "survey_reminder", _("Påminnelse om en enkät som väntar på ditt svar")
    CONFIRMATION_CODE = "confirmation_code", _("Engångskod för att bekräfta en månads timmar")
    PARTICIPANT_LINK = "participant_link", _("Din personliga länk till portalen")


# Kinds that carry a duty cannot be turned off (README "E-postaviseringar"): the local leader's
# approval is what lets a session count towards ESF, and a cancelled or moved session changes
# where someone is expected to be at work.
DUTY_KINDS = frozenset(
    {NotificationKind.APPROVAL_DIGEST, NotificationKind.SESSION_CANCELLED, NotificationKind.SESSION_MOVED}
)

# Kinds sent to participants (people without an account): not in a user's settings page.
PARTICIPANT_KINDS = frozenset(
    {NotificationKind.SURVEY_REMINDER, NotificationKind.CONFIRMATION_CODE, NotificationKind.PARTICIPANT_LINK}
)


class Notification(models.Model):
    """One e-mail for one event to one address: the record that it is never sent twice.

    A worker claims the row (`task_id`, `claimed_at`) before sending and sets `sent_at` after;
    a redelivered task finds the row sent, or its own claim, or (after a crash) a stale claim.
    """

    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    event_key = models.CharField(max_length=200)
    recipient = models.EmailField(max_length=254)
    user = models.ForeignKey(
        "User", on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    task_id = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "event_key", "recipient"], name="notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_key} → {self.recipient}"


class NotificationSettings(models.Model):
    """A user's e-mail choices: the language of their mails and the kinds they turned off."""

    user = models.OneToOneField("User", on_delete=models.CASCADE, related_name="notification_settings")
    language = models.CharField(_("språk"), max_length=10, blank=True)
    opted_out = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.opted_out) or '-'}"


# --- API keys (issue 13) ------------------------------------------------------------------------


class ApiKey(models.Model):
    """A credential for the JSON API (`/api/v1/`), created by a programme leader.

    A key acts through its own service account (`user`): that account holds the key's role and
    municipalities, so every rule of `ombud/access.py` applies to a key exactly as to a person of
    that role, and every write the key makes is recorded (audit log, `recorded_by`) under it.
    Only the sha256 of the key is stored; `prefix` is its visible start, to tell keys apart.
    Revoking sets `revoked_at` and turns the account off: the key answers 401 from then on.
    """

    name = models.CharField(_("namn"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=20, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_key")
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="api_keys_created"
    )
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("senast använd"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("återkallad"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API-nyckel")
        verbose_name_plural = _("API-nycklar")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
