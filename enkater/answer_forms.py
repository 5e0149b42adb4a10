"""The answer form: one field per question of a survey, shared by the phone page and the tablet.

Only the shape of the input lives here (which options a question offers, the free text's length);
what may be answered, by whom and when is the answering service's (`enkater.answering`). Every
field is optional: an unanswered question is simply no answer, and a submission with none at all
is refused by the service (`RESPONSE_EMPTY`).

Fields are named `q-<question code>` so a question code can never clash with another field of
the page (`csrfmiddlewaretoken`, `client_id`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from enkater.answering import TEXT_MAX_LENGTH
from enkater.models import NO, YES, Question, QuestionKind, Survey

PREFIX = "q-"
LIKERT_VALUES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class QuestionField:
    """What `_questions.html` needs of a question: its number, text, kind and bound field."""

    number: int
    question: Question
    text: str
    kind: str
    field: forms.BoundField

    @property
    def is_choice(self) -> bool:
        return self.kind != QuestionKind.TEXT

    @property
    def is_buttons(self) -> bool:
        """1–5 and ja/nej: a row of large buttons (radios underneath) instead of a list."""
        return self.kind in (QuestionKind.LIKERT, QuestionKind.YES_NO)

    @property
    def is_multiple(self) -> bool:
        return self.kind == QuestionKind.MULTIPLE


class AnswerForm(forms.Form):
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        survey: Survey,
        language: str,
        *args,
        questions: list[Question] | None = None,
        **kwargs,
    ) -> None:
        """`questions`: the survey's questions when already fetched (else one query)."""
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.language = language
        self.questions = (
            list(questions) if questions is not None else list(survey.questions.order_by("position", "id"))
        )
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())
        with override(language):
            for question in self.questions:
                self.fields[PREFIX + question.code] = self._field(question)

    def _field(self, question: Question) -> forms.Field:
        label = question.text(self.language)
        kind = question.kind
        if kind == QuestionKind.LIKERT:
            return forms.ChoiceField(
                label=label,
                required=False,
                choices=[(v, v) for v in LIKERT_VALUES],
                widget=forms.RadioSelect,
            )
        if kind == QuestionKind.YES_NO:
            return forms.ChoiceField(
                label=label,
                required=False,
                choices=[(YES, _("Ja")), (NO, _("Nej"))],
                widget=forms.RadioSelect,
            )
        if kind == QuestionKind.SINGLE:
            return forms.ChoiceField(
                label=label, required=False, choices=question.options(self.language), widget=forms.RadioSelect
            )
        if kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(
                label=label,
                required=False,
                choices=question.options(self.language),
                widget=forms.CheckboxSelectMultiple,
            )
        return forms.CharField(
            label=label,
            required=False,
            max_length=TEXT_MAX_LENGTH,
            strip=True,
            widget=forms.Textarea(attrs={"rows": 4}),
        )

    def question_fields(self) -> list[QuestionField]:
        return [
            QuestionField(
                number=number,
                question=question,
                text=question.text(self.language),
                kind=question.kind,
                field=self[PREFIX + question.code],
            )
            for number, question in enumerate(self.questions, start=1)
        ]

    def values(self) -> dict[str, str | list[str]]:
        """The cleaned answers by question code, for `response_submit(values=…)`."""
        return {q.code: self.cleaned_data.get(PREFIX + q.code) or "" for q in self.questions}
