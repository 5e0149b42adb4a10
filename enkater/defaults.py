"""The three default surveys of spec §5a, as data, and `ensure_default_surveys`.

Every programme has them. Programmes that existed before the enkater app got them from the data
migration `0002_default_surveys`; a programme created later (`create_programme`, the web form,
`seed_demo`) gets them the first time the answer import, the outcome report or a survey page
asks for them, through `ensure_default_surveys` — `ombud` may not import `enkater`, so
`create_programme` cannot call it itself.
"""

from __future__ import annotations

from typing import Any

from ombud.models import Programme, TargetGroup

# Survey and question codes named by files and reports (spec §5a).
DIGKOMP = "DIGKOMP"
UPPF_CHEF = "UPPF-CHEF"
UPPF_PERSONAL = "UPPF-PERSONAL"
DIGCOMP_AREAS = ("information", "kommunikation", "innehall", "sakerhet", "problemlosning")

_LIKERT_SV = " (1 = inte alls, 5 = mycket väl)"
_LIKERT_EN = " (1 = not at all, 5 = very well)"

# Plain data (no model classes), so the data migration can use it with the historical models.
DEFAULT_SURVEYS: tuple[dict[str, Any], ...] = (
    {
        "code": DIGKOMP,
        "name_sv": "Digital kompetens – självskattning (DigComp 2.2)",
        "name_en": "Digital competence – self-assessment (DigComp 2.2)",
        "target_group": "",
        "moments": ["före", "efter"],
        "questions": [
            (
                "information",
                "1-5",
                "Hur väl kan du söka, värdera och hantera information och data digitalt?" + _LIKERT_SV,
                "How well can you search for, evaluate and manage information and data digitally?"
                + _LIKERT_EN,
            ),
            (
                "kommunikation",
                "1-5",
                "Hur väl kan du kommunicera och samarbeta med digitala verktyg?" + _LIKERT_SV,
                "How well can you communicate and collaborate with digital tools?" + _LIKERT_EN,
            ),
            (
                "innehall",
                "1-5",
                "Hur väl kan du skapa och redigera digitalt innehåll?" + _LIKERT_SV,
                "How well can you create and edit digital content?" + _LIKERT_EN,
            ),
            (
                "sakerhet",
                "1-5",
                "Hur väl kan du skydda enheter, personuppgifter och din hälsa när du arbetar digitalt?"
                + _LIKERT_SV,
                "How well can you protect devices, personal data and your health when working digitally?"
                + _LIKERT_EN,
            ),
            (
                "problemlosning",
                "1-5",
                "Hur väl kan du lösa tekniska problem och hitta digitala lösningar på behov?" + _LIKERT_SV,
                "How well can you solve technical problems and find digital solutions to needs?" + _LIKERT_EN,
            ),
        ],
    },
    {
        "code": UPPF_CHEF,
        "name_sv": "Uppföljning – operativa chefer",
        "name_en": "Follow-up – operational managers",
        "target_group": TargetGroup.OPERATIVE_MANAGER.value,
        "moments": ["uppföljning"],
        "questions": [
            (
                "rutin",
                "ja/nej",
                "Har du förändrat en eller flera rutiner mot ett digitalt eller mobilt arbetssätt?",
                "Have you changed one or more routines towards a digital or mobile way of working?",
            ),
            (
                "leda",
                "ja/nej",
                "Har du stärkt dina kunskaper i att leda en digitaliserad arbetsplats?",
                "Have you strengthened your knowledge of leading a digitalised workplace?",
            ),
        ],
    },
    {
        "code": UPPF_PERSONAL,
        "name_sv": "Uppföljning – baspersonal",
        "name_en": "Follow-up – care staff",
        "target_group": TargetGroup.BASE_STAFF.value,
        "moments": ["uppföljning"],
        "questions": [
            (
                "kompetens",
                "ja/nej",
                "Har du stärkt dina kunskaper om digitala verktyg eller din kompetens i att arbeta digitalt?",
                "Have you strengthened your knowledge of digital tools or your competence in working digitally?",
            ),
        ],
    },
)


def ensure_defaults_with(survey_model: Any, question_model: Any, programme_id: int) -> int:
    """Create whatever of the default surveys and questions the programme lacks; returns how
    many surveys were created. Never changes what exists (the texts may have been edited);
    the migration calls it with the historical models."""
    created = 0
    for spec in DEFAULT_SURVEYS:
        survey, new = survey_model.objects.get_or_create(
            programme_id=programme_id,
            code=spec["code"],
            defaults={
                "name_sv": spec["name_sv"],
                "name_en": spec["name_en"],
                "target_group": spec["target_group"],
                "moments": spec["moments"],
                "fixed": True,
            },
        )
        created += new
        have = set(question_model.objects.filter(survey=survey).values_list("code", flat=True))
        missing = [
            question_model(
                survey=survey, code=code, position=position, kind=kind, text_sv=text_sv, text_en=text_en
            )
            for position, (code, kind, text_sv, text_en) in enumerate(spec["questions"], start=1)
            if code not in have
        ]
        if missing:
            question_model.objects.bulk_create(missing)
    return created


def ensure_default_surveys(programme: Programme) -> int:
    """Idempotent: the programme has the three default surveys of §5a afterwards."""
    from enkater.models import Question, Survey

    return ensure_defaults_with(Survey, Question, programme.pk)
