"""Issue 20: budget sheet lines are checked against the exclusions as they are planned (Annex D 8.4).

A labelled corpus: each description, how it is held, and the category it must be flagged as (None: allowed). The
issue's own misses come first; then everyday lines that must not be flagged.
"""

import pytest

from phb.budgets.exclusions import line_exclusion

DP, THIRD, NOTIONAL = "direct_payment", "third_party", "notional"

CORPUS = [
    # the lines
    ("Bet365 top-up", DP, "gambling"),
    ("Wine club", DP, "alcohol"),
    ("Hip replacement surgery", THIRD, "surgery"),
    ("Flu vaccination", DP, "public_health"),
    # the never-list applies to every budget
    ("Weekly lottery tickets", NOTIONAL, "gambling"),
    ("Repay credit card debt", DP, "debt_repayment"),
    ("Cigarettes", DP, "tobacco"),
    ("Gin and tonic evenings", DP, "alcohol"),
    ("Cannabis oil", DP, "illegal"),
    # services the NHS provides: not through a direct payment or a third-party budget...
    ("Private GP appointments", DP, "gp_services"),
    ("Knee replacement", DP, "surgery"),
    ("A&E visits", THIRD, "urgent_emergency"),
    ("Prescription charges", DP, "nhs_charges"),
    ("Covid booster", DP, "public_health"),
    # ...but the NHS may commission them through a notional budget
    ("Flu vaccination", NOTIONAL, None),
    ("Hip replacement surgery", NOTIONAL, None),
    # everyday lines that must never be flagged
    ("Personal assistant wages", DP, None),
    ("Employer's liability insurance", DP, None),
    ("Payroll service", DP, None),
    ("Agency waking nights", THIRD, None),
    ("Profiling bed", DP, None),
    ("Hydrotherapy", DP, None),
    ("Gym membership", DP, None),
    ("Swimming lessons", DP, None),
    ("Taxi to the day centre", DP, None),
    ("Respite care week", DP, None),
    ("Tree surgery for the garden path", DP, None),
    ("Alcohol recovery support group", DP, None),
    ("Stop smoking course", DP, None),
    ("Ginger beer brewing class", DP, None),
    ("Physiotherapy sessions", DP, None),
    ("Music therapy", DP, None),
]


@pytest.mark.parametrize(("description", "held", "category"), CORPUS)
def test_each_line_is_flagged_exactly_when_the_budget_cannot_buy_it(description, held, category):
    found = line_exclusion(description, held)
    assert (found.category if found else None) == category


def test_the_reason_names_the_line_and_says_why_in_plain_english():
    found = line_exclusion("Hip replacement surgery", THIRD)
    assert found is not None
    assert found.reason == (
        "“Hip replacement surgery” looks like surgery, which the NHS provides: a third-party budget cannot pay for it"
    )
    never = line_exclusion("Bet365 top-up", DP)
    assert never is not None
    assert never.reason == "“Bet365 top-up” looks like gambling, which a budget can never pay for"
