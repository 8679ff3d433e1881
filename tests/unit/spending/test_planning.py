"""Matching to the budget sheet and the surplus rule, without a database."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from phb.spending.planning import DebitGroup, PlannedLine, choose_line, surplus

WAGES = PlannedLine(1, "PA wages Sarah Jones", "personal_assistant_wages", 41250 * 52, "direct_payment", "weekly")
AGENCY = PlannedLine(2, "Caring Hands waking nights", "agency_care", 136800 * 13, "direct_payment", "four_weekly")
NOTIONAL = PlannedLine(3, "Day centre", "other", 41250 * 52, "notional", "weekly")


def _group(payee: str, pence: int, count: int, days: int) -> DebitGroup:
    first = dt.date(2026, 10, 1)
    return DebitGroup(payee, pence, count, first, first + dt.timedelta(days=days))


def test_amount_and_frequency_match_a_direct_payment_line():
    match = choose_line(_group("PA WAGES S JONES", 41250, 13, 84), [WAGES, AGENCY, NOTIONAL], {})
    assert match is not None
    assert match.line_id == 1
    assert "amount and frequency" in match.reason


def test_right_amount_at_the_wrong_frequency_is_unplanned():
    # thirteen payments of a four-weekly amount in twelve weeks: not what the plan says
    assert choose_line(_group("CARING HANDS", 136800, 13, 84), [AGENCY], {}) is None


def test_a_learnt_payee_rule_wins_over_amounts():
    match = choose_line(_group("AMBER CARS", 1450, 3, 28), [WAGES, AGENCY], {"AMBER CARS": 2})
    assert match is not None
    assert match.line_id == 2
    assert "payee rule" in match.reason


def test_notional_lines_are_never_paid_from_the_account():
    assert choose_line(_group("DAY CENTRE", 41250, 13, 84), [NOTIONAL], {}) is None


def test_surplus_is_the_amount_above_the_threshold_in_weeks_of_payments():
    check = surplus(available_pence=500_000, weekly_pence=40_000, threshold_weeks=8)
    assert check.threshold_pence == 320_000
    assert check.flagged
    assert check.above_pence == 180_000
    assert not surplus(320_000, 40_000, 8).flagged  # at the threshold is not above it
    assert not surplus(900_000, None, 8).flagged  # no weekly payment known: nothing to compare with


@given(st.integers(-(10**9), 10**9), st.integers(1, 10**7), st.integers(1, 52))
def test_surplus_never_negative_and_exact(available, weekly, weeks):
    check = surplus(available, weekly, weeks)
    assert check.above_pence >= 0
    assert check.above_pence == max(0, available - weekly * weeks)
