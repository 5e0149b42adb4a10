"""Outcome counting (spec §5c): indicators, DigComp pairs and means, suppression under 5."""

from __future__ import annotations

import datetime as dt

import pytest

from enkater import counting
from enkater.defaults import ensure_default_surveys
from enkater.models import Answer, Question, Response
from kurser import rollups
from kurser.models import AttendanceStatus, Session
from ombud.models import TargetGroup
from tests.factories import (
    AttendanceFactory,
    MunicipalityFactory,
    PersonFactory,
    ProgrammeFactory,
    SessionFactory,
    WorkplaceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(ale, molndal):
    p = ProgrammeFactory(code="MODIG", municipalities=[ale, molndal])
    ensure_default_surveys(p)
    return p


def participant(
    programme, municipality, group=TargetGroup.OPERATIVE_MANAGER, *, status=AttendanceStatus.PRESENT
):
    person = PersonFactory(workplace=WorkplaceFactory(municipality=municipality), target_group=group)
    session = SessionFactory(programme=programme, municipality=municipality, date=dt.date(2020, 2, 3))
    AttendanceFactory(session=session, person=person, status=status)
    return person


def answer(programme, person, survey, moment="uppföljning", **values):
    response, _ = Response.objects.get_or_create(
        survey=programme.surveys.get(code=survey),
        person=person,
        moment=moment,
        defaults={"answered_on": dt.date(2020, 6, 1)},
    )
    for code, value in values.items():
        question = Question.objects.get(survey=response.survey, code=code)
        number = int(value) if str(value).isdigit() else None
        Answer.objects.create(response=response, question=question, value=str(value), number=number)
    return response


def by_key(indicators):
    return {i["key"]: i for i in indicators}


def test_the_spec_example(programme, ale, molndal):
    # 12 participating managers answered rutin, 9 of them ja; 4 of the 12 are in Mölndal.
    for i in range(12):
        place = molndal if i < 4 else ale
        person = participant(programme, place)
        values = {"rutin": "ja" if i < 9 else "nej"}
        if i != 11:
            values["leda"] = "ja"  # an empty leda cell: no respondent to leda only
        answer(programme, person, "UPPF-CHEF", **values)
    # A manager who never attended a session, and one who was only absent: count nowhere.
    outsider = PersonFactory(
        workplace=WorkplaceFactory(municipality=ale), target_group=TargetGroup.OPERATIVE_MANAGER
    )
    answer(programme, outsider, "UPPF-CHEF", rutin="ja", leda="ja")
    absent = participant(programme, ale, status=AttendanceStatus.ABSENT)
    answer(programme, absent, "UPPF-CHEF", rutin="ja", leda="ja")

    summary = counting.outcome_summary(programme)

    top = by_key(summary["indicators"])
    assert top["managers_changed_routine"] == {
        "key": "managers_changed_routine",
        "respondents": 12,
        "yes": 9,
        "share": 0.75,
        "suppressed": False,
    }
    assert top["managers_lead_better"]["respondents"] == 11
    assert top["managers_lead_better"]["yes"] == 11
    assert top["staff_skills_improved"] == {
        "key": "staff_skills_improved",
        "respondents": 0,
        "yes": None,
        "share": None,
        "suppressed": True,
    }
    assert [m["code"] for m in summary["by_municipality"]] == ["1440", "1481"]
    molndal_row = summary["by_municipality"][1]
    assert molndal_row["name"] == "Mölndal"
    assert by_key(molndal_row["indicators"])["managers_changed_routine"] == {
        "key": "managers_changed_routine",
        "respondents": 4,
        "yes": None,
        "share": None,
        "suppressed": True,
    }
    ale_rows = by_key(summary["by_municipality"][0]["indicators"])
    assert (
        ale_rows["managers_changed_routine"]["respondents"],
        ale_rows["managers_changed_routine"]["yes"],
    ) == (8, 5)
    assert [i["key"] for i in summary["indicators"]] == [
        "managers_changed_routine",
        "managers_lead_better",
        "staff_skills_improved",
    ]


def test_a_cancelled_session_makes_no_participant(programme, ale):
    for _ in range(5):
        person = participant(programme, ale, TargetGroup.BASE_STAFF)
        answer(programme, person, "UPPF-PERSONAL", kompetens="ja")
    Session.objects.update(status=Session.Status.CANCELLED)
    # As session_cancel does (a held session cannot be cancelled there): the rollups follow.
    rollups.refresh_sessions(session_ids=Session.objects.values_list("pk", flat=True))
    staff = by_key(counting.outcome_summary(programme)["indicators"])["staff_skills_improved"]
    assert staff["respondents"] == 0


def test_the_municipality_option_restricts_every_figure(programme, ale, molndal):
    for i in range(7):
        person = participant(programme, molndal if i < 5 else ale, TargetGroup.BASE_STAFF)
        answer(programme, person, "UPPF-PERSONAL", kompetens="ja" if i < 3 else "nej")
    summary = counting.outcome_summary(programme, municipality=molndal)
    staff = by_key(summary["indicators"])["staff_skills_improved"]
    assert (staff["respondents"], staff["yes"], staff["share"]) == (5, 3, 0.6)
    assert by_key(summary["by_municipality"][0]["indicators"])["staff_skills_improved"]["respondents"] == 0
    # Programme-wide, five respondents is enough; Ale's two are suppressed.
    whole = counting.outcome_summary(programme)
    assert by_key(whole["indicators"])["staff_skills_improved"]["respondents"] == 7
    assert by_key(whole["by_municipality"][0]["indicators"])["staff_skills_improved"]["suppressed"] is True


def test_four_respondents_programme_wide_are_suppressed_five_are_not(programme, ale):
    people = [participant(programme, ale, TargetGroup.BASE_STAFF) for _ in range(5)]
    for person in people[:4]:
        answer(programme, person, "UPPF-PERSONAL", kompetens="ja")
    staff = by_key(counting.outcome_summary(programme)["indicators"])["staff_skills_improved"]
    assert (staff["respondents"], staff["yes"], staff["share"], staff["suppressed"]) == (4, None, None, True)
    answer(programme, people[4], "UPPF-PERSONAL", kompetens="nej")
    staff = by_key(counting.outcome_summary(programme)["indicators"])["staff_skills_improved"]
    assert (staff["respondents"], staff["yes"], staff["share"], staff["suppressed"]) == (5, 4, 0.8, False)


def test_share_rounds_half_up_to_three_decimals(programme, ale):
    # 1 of 16 = 0.0625 → 0.063 (as Excel's AVRUNDA; Python's round() would give 0.062).
    for i in range(16):
        person = participant(programme, ale, TargetGroup.BASE_STAFF)
        answer(programme, person, "UPPF-PERSONAL", kompetens="ja" if i == 0 else "nej")
    staff = by_key(counting.outcome_summary(programme)["indicators"])["staff_skills_improved"]
    assert staff["share"] == 0.063
    assert counting.share(2, 3) == 0.667


def test_digcomp_pairs_and_means(programme, ale):
    # Eight participants answer information before and after: before sum 17, after sum 25.
    befores = [1, 2, 2, 2, 2, 2, 3, 3]
    afters = [3, 3, 3, 3, 3, 3, 3, 4]
    for b, a in zip(befores, afters, strict=True):
        person = participant(programme, ale, TargetGroup.BASE_STAFF)
        answer(programme, person, "DIGKOMP", "före", information=b, kommunikation=4)
        answer(programme, person, "DIGKOMP", "efter", information=a)
    # Before only: no pair. A non-participant's pair: counts nowhere.
    answer(programme, participant(programme, ale), "DIGKOMP", "före", information=5)
    stranger = PersonFactory(workplace=WorkplaceFactory(municipality=ale))
    answer(programme, stranger, "DIGKOMP", "före", information=5)
    answer(programme, stranger, "DIGKOMP", "efter", information=5)

    digcomp = counting.outcome_summary(programme)["digcomp"]
    assert [d["area"] for d in digcomp] == [
        "information",
        "kommunikation",
        "innehall",
        "sakerhet",
        "problemlosning",
    ]
    # 17/8 = 2.125 → 2.13 (half up); 25/8 = 3.125 → 3.13.
    assert digcomp[0] == {
        "area": "information",
        "pairs": 8,
        "before": 2.13,
        "after": 3.13,
        "suppressed": False,
    }
    # kommunikation: answered before only → no pairs, suppressed.
    assert digcomp[1] == {
        "area": "kommunikation",
        "pairs": 0,
        "before": None,
        "after": None,
        "suppressed": True,
    }


def test_answers_of_another_programme_count_nowhere(programme, ale):
    other = ProgrammeFactory(code="ANNAT", municipalities=[ale, MunicipalityFactory()])
    ensure_default_surveys(other)
    for _ in range(5):
        person = participant(programme, ale, TargetGroup.BASE_STAFF)
        answer(other, person, "UPPF-PERSONAL", kompetens="ja")
    staff = by_key(counting.outcome_summary(programme)["indicators"])["staff_skills_improved"]
    assert staff["respondents"] == 0


def test_workplace_and_target_group_groups_under_five_are_suppressed(programme, ale):
    big = WorkplaceFactory(municipality=ale)
    small = WorkplaceFactory(municipality=ale)
    for i in range(9):
        person = PersonFactory(workplace=big if i < 5 else small, target_group=TargetGroup.BASE_STAFF)
        AttendanceFactory(session=SessionFactory(programme=programme, municipality=ale), person=person)
        answer(programme, person, "UPPF-PERSONAL", kompetens="ja" if i % 2 else "nej")
    per_workplace = counting.indicators(programme, by="workplace")
    big_staff = by_key(per_workplace[big.pk])["staff_skills_improved"]
    small_staff = by_key(per_workplace[small.pk])["staff_skills_improved"]
    assert (big_staff["respondents"], big_staff["yes"], big_staff["suppressed"]) == (5, 2, False)
    assert (small_staff["respondents"], small_staff["yes"], small_staff["share"]) == (4, None, None)
    per_group = counting.indicators(programme, by="target_group")
    assert by_key(per_group[TargetGroup.BASE_STAFF])["staff_skills_improved"]["yes"] == 4
