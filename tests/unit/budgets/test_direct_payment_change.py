"""What a new final budget does to the direct payment in force: the facts its decision notice's right of appeal uses."""

from __future__ import annotations

import pytest

from phb.budgets.models import FinalBudget
from phb.budgets.services import direct_payment_change
from phb.governance.appeals.rules import AppealType, appeal_type_for
from phb.money import gbp

WAS_1000 = {"direct_payment": True, "previous_dp_annual": "12000.00"}  # £1,000 a month in force


def _budget(per_month: str | None, notice_days: int | None = None) -> FinalBudget:
    if per_month is None:  # a notional or third-party budget: no direct payment
        return FinalBudget(dp_amount_per_period=None, dp_frequency=None)
    return FinalBudget(dp_amount_per_period=gbp(per_month), dp_frequency="monthly", dp_notice_days=notice_days)


@pytest.mark.parametrize(
    ("in_force", "proposed", "change", "if_approved"),
    [
        (None, "1000.00", {"direct_payment": True}, AppealType.LOCAL),
        (None, None, {"direct_payment": False}, AppealType.LOCAL),
        (
            "1000.00",
            "900.00",
            {**WAS_1000, "reduces_amount": True, "stops_payments": False},
            AppealType.REG_13,
        ),
        (
            "1000.00",
            "1000.00",
            {**WAS_1000, "reduces_amount": False, "stops_payments": False},
            AppealType.LOCAL,
        ),
        (
            "1000.00",
            None,
            {**WAS_1000, "reduces_amount": False, "stops_payments": True},
            AppealType.REG_17,
        ),
    ],
)
def test_a_new_final_budget_says_whether_it_reduces_or_stops_the_direct_payment(
    in_force, proposed, change, if_approved
):
    before = None if in_force is None else _budget(in_force)
    found = direct_payment_change(before, _budget(proposed))
    assert found == change
    flags = {key: found[key] for key in ("reduces_amount", "stops_payments", "direct_payment") if key in found}
    assert appeal_type_for("final_budget_authorisation", "approved", **flags) is if_approved


def test_a_reduction_carries_the_notice_period_of_the_budget_in_force():
    change = direct_payment_change(_budget("1000.00", notice_days=14), _budget("900.00", notice_days=28))
    assert change["notice_days"] == 14
    assert "notice_days" not in direct_payment_change(_budget("1000.00", notice_days=14), _budget("1100.00"))
