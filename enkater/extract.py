"""What enkater stores about a person, for the register extract (GDPR art. 15; see
ombud.extract.ExtractSection and settings.PERSON_EXTRACT_SECTIONS).

The extract is compiled by a programme leader, so it lists which surveys the person answered,
when and how, but not the answers: no page shows a person's answers to anyone but that person
(spec §5c). The person sees their own answers on their own page (a signed link). Erasure
removes the free-text answers and keeps the rest (they carry no identity once the person row is
anonymised)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from enkater.models import Answer, Moment, MonthConfirmation, QuestionKind, Response


class _SurveyResponses:
    key = "survey_responses"
    title = _("Enkätsvar")
    columns = (
        ("programme", _("Program")),
        ("survey", _("Enkät")),
        ("moment", _("Moment")),
        ("answered_on", _("Datum")),
        ("source", _("Hur")),
        ("questions_answered", _("Besvarade frågor")),
    )

    def rows(self, person: Any) -> list[dict[str, Any]]:
        moments = dict(Moment.choices)
        sources = dict(Response.Source.choices)
        responses = (
            Response.objects.filter(person=person)
            .annotate(questions_answered=Count("answers"))
            .select_related("survey__programme")
            .order_by("answered_on", "survey__code", "moment")
        )
        return [
            {
                "programme": r.survey.programme.code,
                "survey": f"{r.survey.code} – {r.survey.name_sv}",
                "moment": str(moments.get(r.moment, r.moment)),
                "answered_on": r.answered_on.isoformat(),
                "source": str(sources.get(r.source, r.source)),
                "questions_answered": r.questions_answered,
            }
            for r in responses
        ]

    def erase(self, person: Any) -> None:
        """Free-text answers may name the person or others; the rest (1–5, ja/nej, choices)
        stays, as attendance does, so that reported indicators do not change afterwards."""
        Answer.objects.filter(response__person=person, question__kind=QuestionKind.TEXT).delete()


SURVEY_RESPONSES = _SurveyResponses()


class _MonthConfirmations:
    """The months the person confirmed (ESF), kept on erasure: they back reported hours."""

    key = "month_confirmations"
    title = _("Bekräftade månader")
    columns = (
        ("programme", _("Program")),
        ("month", _("Månad")),
        ("hours", _("Bekräftade timmar")),
        ("confirmed_at", _("Bekräftad")),
    )

    def rows(self, person: Any) -> list[dict[str, Any]]:
        confirmations = MonthConfirmation.objects.filter(person=person).select_related("programme")
        return [
            {
                "programme": c.programme.code,
                "month": f"{c.month:%Y-%m}",
                "hours": str(c.hours),
                "confirmed_at": c.confirmed_at.isoformat(),
            }
            for c in confirmations.order_by("month", "programme__code")
        ]

    def erase(self, person: Any) -> None:
        pass


MONTH_CONFIRMATIONS = _MonthConfirmations()
