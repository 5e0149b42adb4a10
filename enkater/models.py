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


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    code = models.CharField(_("kod"), max_length=30)
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)
    kind = models.CharField(_("typ"), max_length=10, choices=QuestionKind.choices)
    text_sv = models.CharField(_("fråga (svenska)"), max_length=500)
    text_en = models.CharField(_("fråga (engelska)"), max_length=500, blank=True)
    # Single and multiple choice: the options' codes, e.g. ["teams", "outlook"].
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
