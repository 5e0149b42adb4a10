"""Surveys and their answers (spec §5).

A programme has surveys (the three defaults of §5a, `enkater.defaults`, plus the programme
leader's own); a survey has questions and is asked at one or more moments. A person answers a
survey once per moment (`Response`); each non-empty answer to a question is an `Answer`. An
empty answer is no row at all, so "a respondent to a question" is simply "has an Answer".
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ombud.models import Person, Programme, TargetGroup


class Moment(models.TextChoices):
    BEFORE = "före", _("Före")
    AFTER = "efter", _("Efter")
    FOLLOW_UP = "uppföljning", _("Uppföljning")


class QuestionKind(models.TextChoices):
    LIKERT = "1-5", _("Skala 1–5")
    YES_NO = "ja/nej", _("Ja/nej")
    SINGLE = "ett val", _("Ett val")
    MULTIPLE = "flera val", _("Flera val")
    TEXT = "fritext", _("Fritext")


YES = "ja"
NO = "nej"


class Survey(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="surveys")
    code = models.CharField(_("kod"), max_length=30)
    name_sv = models.CharField(_("namn (svenska)"), max_length=200)
    name_en = models.CharField(_("namn (engelska)"), max_length=200, blank=True)
    # Empty: every participant may answer (DIGKOMP).
    target_group = models.CharField(
        _("målgrupp"), max_length=30, choices=TargetGroup.choices, blank=True, default=""
    )
    # The moments it is asked at, in Moment's order, e.g. ["före", "efter"].
    moments = models.JSONField(_("moment"), default=list)
    # The defaults of spec §5a: their codes, questions and moments are fixed.
    fixed = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "code"]
        verbose_name = _("enkät")
        verbose_name_plural = _("enkäter")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="survey_code_per_programme"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name_sv}"

    def name(self, language: str | None = None) -> str:
        """The survey's name in the page's or mail's language (English falls back to Swedish),
        as `Question.text()` picks a question's."""
        language = language or get_language() or "sv"
        return self.name_en if language.startswith("en") and self.name_en else self.name_sv

    def moment_labels(self) -> list[str]:
        """The moments' display names, in the user's language ("Före", "Efter")."""
        return [str(Moment(m).label) if m in Moment.values else m for m in self.moments]


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("kod"), max_length=30)
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    kind = models.CharField(_("typ"), max_length=10, choices=QuestionKind.choices)
    text_sv = models.CharField(_("fråga (svenska)"), max_length=500)
    text_en = models.CharField(_("fråga (engelska)"), max_length=500, blank=True)
    # Single and multiple choice: the options, e.g. [{"code": "teams", "sv": "Teams", "en": "Teams"}]
    # (rows from before labels held bare codes; migration 0003 turned them into this form).
    choices = models.JSONField(_("svarsalternativ"), default=list, blank=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("fråga")
        verbose_name_plural = _("frågor")
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="question_code_per_survey"),
        ]

    def __str__(self) -> str:
        return f"{self.survey.code}.{self.code}"

    def text(self, language: str | None = None) -> str:
        """The question in the user's language (English falls back to Swedish)."""
        language = language or get_language() or "sv"
        return self.text_en if language.startswith("en") and self.text_en else self.text_sv

    def options(self, language: str | None = None) -> list[tuple[str, str]]:
        """(code, label) of a choice question's options, in the user's language. An option is
        stored as {"code", "sv", "en"}; a bare code (rows from before labels) is its own label."""
        language = language or get_language() or "sv"
        english = language.startswith("en")
        out = []
        for option in self.choices or []:
            if isinstance(option, str):
                out.append((option, option))
            else:
                label = (option.get("en") if english else None) or option.get("sv") or option["code"]
                out.append((option["code"], label))
        return out

    def option_codes(self) -> list[str]:
        return [code for code, _label in self.options("sv")]


class Response(models.Model):
    """One person's answers to one survey at one moment (one per person, survey and moment)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Import")
        TABLET = "surfplatta", _("Surfplatta")
        LINK = "länk", _("Personlig länk")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="survey_responses")
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    answered_on = models.DateField(_("datum"))
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.IMPORT)
    # The tablet's or phone's id of the submission: the same id again is a replay (offline
    # queue, double tap) and returns this response unchanged (enkater.answering).
    client_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("enkätsvar")
        verbose_name_plural = _("enkätsvar")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "person", "moment"], name="one_response_per_person_survey_moment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.code} {self.moment} #{self.person_id}"


class Answer(models.Model):
    """A non-empty answer. `value`: "1"–"5", "ja"/"nej", an option code (multiple choice: codes
    joined by ";"), or the free text. `number`: the 1–5 value, for means in the database."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(_("svar"))
    number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("svar")
        verbose_name_plural = _("svar")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question"),
        ]
        indexes = [models.Index(fields=["question", "value"], name="answer_question_value")]

    def __str__(self) -> str:
        return f"{self.question} = {self.value}"


class MonthConfirmation(models.Model):
    """The participant's own confirmation of a month's counted hours in a programme (ESF asks
    each participant to confirm them), made with a one-time code (`enkater.confirmation`).

    `hours` are the counted hours (kurser.counting, 2 decimals) at the moment of confirming: when
    the month's count later differs, every place that shows the confirmation says
    "ändrad efter bekräftelse" (the stored figure is never rewritten)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="month_confirmations")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="month_confirmations")
    month = models.DateField(_("månad"))  # the month's first day
    hours = models.DecimalField(_("bekräftade timmar"), max_digits=8, decimal_places=2)
    confirmed_at = models.DateTimeField(_("bekräftad"))

    class Meta:
        ordering = ["month", "person_id"]
        verbose_name = _("bekräftad månad")
        verbose_name_plural = _("bekräftade månader")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme", "month"], name="one_confirmation_per_person_programme_month"
            ),
        ]
        indexes = [models.Index(fields=["programme", "month"], name="confirmation_programme_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} #{self.person_id} {self.hours}"


class ConfirmationCode(models.Model):
    """A one-time code sent to confirm one month: stored hashed (never the code itself), valid
    for a short while, used once, and spent after too many wrong tries. The rows also carry the
    sending throttle (codes sent per person in the last minute/hour)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="confirmation_codes")
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("månad"))
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    wrong_tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("engångskod")
        verbose_name_plural = _("engångskoder")
        indexes = [models.Index(fields=["person", "created_at"], name="confirmation_code_person")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} #{self.person_id}"
