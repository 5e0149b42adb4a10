"""Every write of the survey builder is in the audit log: who, which survey and question (by
code), and the fields it changed as [before, after] (enkater.services)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from enkater import services
from enkater.defaults import DIGKOMP, ensure_default_surveys
from enkater.models import QuestionKind, Survey
from ombud.models import AuditLog
from tests.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def modig(molndal):
    p = ProgrammeFactory(code="MODIG", municipalities=[molndal])
    ensure_default_surveys(p)
    return p


def entries() -> list[AuditLog]:
    return list(AuditLog.objects.order_by("pk"))


def test_every_builder_write_is_audited(modig, programme_leader):
    by = programme_leader
    survey = services.survey_create(programme=modig, code="nojd", name_sv="Nöjdhet", moments=["efter"], by=by)
    services.survey_update(
        survey=survey, code="NOJD", name_sv="Nöjdhet", name_en="Satisfaction", moments=["efter"], by=by
    )
    services.survey_update(  # nothing changed: nothing to log
        survey=survey, code="NOJD", name_sv="Nöjdhet", name_en="Satisfaction", moments=["efter"], by=by
    )
    first = services.question_create(
        survey=survey, code="betyg", kind=QuestionKind.LIKERT, text_sv="Betyg?", by=by
    )
    services.question_create(survey=survey, code="tips", kind=QuestionKind.TEXT, text_sv="Tips?", by=by)
    services.question_update(
        question=first,
        code="betyg",
        kind=QuestionKind.LIKERT,
        text_sv="Hur nöjd?",
        text_en="How happy?",
        by=by,
    )
    services.question_move(question=first, direction="down", by=by)
    services.question_delete(question=first, by=by)
    services.survey_delete(survey=survey, by=by)

    log = entries()
    assert [e.what for e in log] == [
        "Skapade enkäten NOJD",
        "Ändrade enkäten NOJD: namn (engelska)",
        "Lade till frågan betyg i enkäten NOJD",
        "Lade till frågan tips i enkäten NOJD",
        "Ändrade frågan betyg i enkäten NOJD: fråga (svenska), fråga (engelska)",
        "Flyttade frågan betyg ned i enkäten NOJD",
        "Tog bort frågan betyg ur enkäten NOJD",
        "Tog bort enkäten NOJD",
    ]
    assert {(e.user, e.action) for e in log} == {(by, AuditLog.Action.CHANGE)}
    assert {e.detail["programme"] for e in log} == {"MODIG"}
    assert {e.detail["survey"] for e in log} == {"NOJD"}
    assert [e.detail.get("question") for e in log] == [
        None,
        None,
        "betyg",
        "tips",
        "betyg",
        "betyg",
        "betyg",
        None,
    ]
    created, renamed, added, _tips, edited, moved, removed, deleted = (e.detail["changes"] for e in log)
    assert created == {
        "code": [None, "NOJD"],
        "name_sv": [None, "Nöjdhet"],
        "name_en": [None, ""],
        "target_group": [None, ""],
        "moments": [None, ["efter"]],
    }
    assert renamed == {"name_en": ["", "Satisfaction"]}
    assert added["kind"] == [None, "1-5"] and added["position"] == [None, 1]
    assert edited == {"text_sv": ["Betyg?", "Hur nöjd?"], "text_en": ["", "How happy?"]}
    assert moved == {"position": {"betyg": [1, 2], "tips": [2, 1]}}
    assert removed["text_sv"] == ["Hur nöjd?", None]
    # The survey's questions go with it: the entry keeps them.
    assert deleted["name_en"] == ["Satisfaction", None]
    assert deleted["questions"][0]["tips"]["text_sv"] == "Tips?"


def test_a_refused_change_leaves_no_audit_entry(modig, programme_leader):
    digkomp = Survey.objects.get(programme=modig, code=DIGKOMP)
    with pytest.raises(ValidationError):
        services.survey_delete(survey=digkomp, by=programme_leader)
    with pytest.raises(ValidationError):
        services.survey_update(
            survey=digkomp, code="ANNAN", name_sv="X", moments=["före"], by=programme_leader
        )
    first = digkomp.questions.first()
    services.question_move(question=first, direction="up", by=programme_leader)  # already first
    assert entries() == []


def test_the_builder_pages_audit_as_the_signed_in_user(client, programme_leader, modig):
    client.force_login(programme_leader)
    client.post(
        reverse("enkater:builder-survey-create", args=[modig.pk]),
        {"code": "nojd", "name_sv": "Nöjdhet", "target_group": "", "moments": ["efter"]},
    )
    survey = Survey.objects.get(programme=modig, code="NOJD")
    client.post(
        reverse("enkater:builder-question-create", args=[survey.pk]),
        {"code": "tips", "kind": "fritext", "text_sv": "Tips?"},
    )
    question = survey.questions.get()
    client.post(reverse("enkater:builder-question-delete", args=[question.pk]))
    client.post(reverse("enkater:builder-survey-delete", args=[survey.pk]))
    assert [(e.user, e.what) for e in entries()] == [
        (programme_leader, "Skapade enkäten NOJD"),
        (programme_leader, "Lade till frågan tips i enkäten NOJD"),
        (programme_leader, "Tog bort frågan tips ur enkäten NOJD"),
        (programme_leader, "Tog bort enkäten NOJD"),
    ]
