"""kurser.rules: the attendance rules as pure functions (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from kurser import rules
from kurser.models import Session

Facts = rules.SessionFacts
HELD, CANCELLED = Session.Status.HELD, Session.Status.CANCELLED


@pytest.mark.parametrize(
    ("facts", "reason", "refusal"),
    [
        (Facts(HELD, approved=False, month_closed=False), "", None),
        (Facts(CANCELLED, approved=False, month_closed=False), "ett skäl", rules.Refusal.SESSION_CANCELLED),
        (Facts(HELD, approved=True, month_closed=True), "", rules.Refusal.MONTH_CLOSED),
        (Facts(HELD, approved=True, month_closed=False), "  ", rules.Refusal.SESSION_APPROVED),
        (Facts(HELD, approved=True, month_closed=True), "Rättad lista", None),
    ],
)
def test_change_refusal(facts, reason, refusal):
    assert rules.change_refusal(facts, reason=reason) == refusal


def test_only_changes_to_approved_sessions_or_closed_months_are_audited():
    assert not rules.change_is_gated(Facts(HELD, approved=False, month_closed=False))
    assert rules.change_is_gated(Facts(HELD, approved=True, month_closed=False))
    assert rules.change_is_gated(Facts(HELD, approved=False, month_closed=True))


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2020-03", dt.date(2020, 3, 1)),
        ("9999-12", dt.date(9999, 12, 1)),
        ("2020-13", None),
        ("mars", None),
        ("2020-3", None),
    ],
)
def test_parse_month(text, month):
    assert rules.parse_month(text) == month


def test_month_end_also_at_the_end_of_the_calendar():
    assert rules.month_end(dt.date(2020, 2, 10)) == dt.date(2020, 2, 29)
    assert rules.month_end(dt.date(9999, 12, 1)) == dt.date(9999, 12, 31)


def test_the_session_length_limit():
    assert rules.planned_minutes_ok(1) and rules.planned_minutes_ok(rules.MAX_SESSION_MINUTES)
    assert not rules.planned_minutes_ok(0) and not rules.planned_minutes_ok(rules.MAX_SESSION_MINUTES + 1)
