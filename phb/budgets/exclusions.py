"""What a budget can and cannot buy, checked on the budget sheet as it is planned (issue 20, Annex D 8.4).

Sheet lines are read with the same rules as statement lines: the direct payments team's statement rules
(``phb/spending/exclusion_rules.toml``, payee names) and planning rules for plain descriptions
(``planning_exclusions.toml``). The never-list (gambling, debt, tobacco, alcohol, anything illegal) applies to every
budget; the five services the NHS provides (GP services, vaccination and public health, urgent and emergency care,
surgery, NHS charges) cannot be bought through a direct payment or a third-party budget, only commissioned by the
NHS (a notional budget). A flagged line is never refused silently: it is shown with its reason, and a final budget
holding it cannot be authorised until the line is taken off or changed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
from dataclasses import dataclass
from importlib import resources
from typing import Final

from phb.budgets.rules import ManagementOption
from phb.spending.check import load_default_rules
from phb.spending.rules import RuleSet, StatementLine, check_line, load_rules

NEVER: Final = frozenset({"gambling", "debt_repayment", "tobacco", "alcohol", "illegal"})
NHS_ONLY: Final = frozenset({"gp_services", "public_health", "urgent_emergency", "surgery", "nhs_charges"})
_PAID_BY_PERSON: Final = frozenset({ManagementOption.DIRECT_PAYMENT, ManagementOption.THIRD_PARTY})

# What the person's budget pages say the budget cannot buy, in plain English (Annex D 8.4).
CANNOT_BUY: Final = (
    "Gambling, alcohol, tobacco, or anything illegal",
    "Paying off debts",
    (
        "GP services, vaccinations and health checks, urgent and emergency care (A&E, ambulances), or surgery: the "
        "NHS provides these, so a direct payment or a third-party budget cannot pay for them"
    ),
    "NHS charges, such as prescription and dental charges",
)


@dataclass(frozen=True)
class LineExclusion:
    """Why a sheet line cannot be paid for as planned."""

    category: str
    reason: str


@functools.cache
def planning_rules() -> RuleSet:
    """The planning rules shipped with phb, parsed once per process."""
    text = resources.files("phb.budgets").joinpath("planning_exclusions.toml").read_text(encoding="utf-8")
    return load_rules(text)


def line_exclusion(description: str, management_option: ManagementOption | str) -> LineExclusion | None:
    """Why this line cannot be bought as planned, or None when it may be."""
    probe = StatementLine(date=dt.date(2000, 1, 1), description=description, amount=decimal.Decimal(-1))
    # Plain descriptions first: on a statement "SURGERY" is a GP surgery, on a sheet it is an operation.
    flag = check_line(probe, planning_rules()) or check_line(probe, load_default_rules())
    if flag is None:
        return None
    what = _WHAT.get(flag.category, flag.category.replace("_", " "))
    if flag.category in NEVER:
        return LineExclusion(flag.category, f"“{description}” looks like {what}, which a budget can never pay for")
    option = ManagementOption(management_option)
    if flag.category == "nhs_charges" and option in _PAID_BY_PERSON:
        return LineExclusion(
            flag.category, f"“{description}” looks like {what}: a {option.label.lower()} cannot pay it"
        )
    if flag.category in NHS_ONLY and option in _PAID_BY_PERSON:
        return LineExclusion(
            flag.category,
            f"“{description}” looks like {what}, which the NHS provides: a {option.label.lower()} cannot pay for it",
        )
    return None


_WHAT: Final = {
    "gambling": "gambling",
    "debt_repayment": "repaying a debt",
    "tobacco": "tobacco",
    "alcohol": "alcohol",
    "illegal": "something illegal",
    "gp_services": "GP services",
    "public_health": "vaccination or another public health service",
    "urgent_emergency": "urgent or emergency care",
    "surgery": "surgery",
    "nhs_charges": "an NHS charge",
}
