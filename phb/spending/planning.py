"""Pure rules for matching spending to the budget sheet and for the surplus check (no database).

Matching a group of debits (one payee, one amount) to a budget sheet line, in order of trust:

1. a **payee rule** the team taught by matching a debit to a line by hand earlier;
2. **amount and frequency**: the amount is one payment of a direct-payment line (its annual cost divided by
   the payments a year its frequency implies, within 2%) and, when there are several debits, they recur about
   as often as the line says (average gap within 40% of the line's period).

Anything else is *unplanned* and needs a flexible budget spend decision.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

PERIODS_PER_YEAR: Final = {"weekly": 52, "four_weekly": 13, "monthly": 12, "annual": 1, "one_off": 1}
PERIOD_DAYS: Final = {"weekly": 7, "four_weekly": 28, "monthly": 30.4, "annual": 365, "one_off": 365}
AMOUNT_TOLERANCE: Final = 0.02
FREQUENCY_TOLERANCE: Final = 0.4
WEEKS_PER_YEAR: Final = 52

REG15_GROUNDS: Final = {
    "a": "the care plan changed substantially",
    "b": "the person's circumstances changed substantially",
    "c": "a substantial unused amount has accumulated",
    "d": "money was used outside the care plan",
    "e": "theft or fraud may have occurred",
    "f": "the person died",
}
"""Repayment may be required only on one of these grounds (NHS (Direct Payments) Regulations 2013, reg 15)."""


@dataclass(frozen=True)
class PlannedLine:
    """A budget sheet line as matching sees it."""

    id: int
    description: str
    category: str
    annual_pence: int
    management_option: str
    frequency: str | None = None

    @property
    def payment_pence(self) -> int | None:
        """One payment of the line, when its frequency is known."""
        periods = PERIODS_PER_YEAR.get(self.frequency or "")
        return None if periods is None else round(self.annual_pence / periods)


@dataclass(frozen=True)
class DebitGroup:
    """Debits to one payee of one amount (pence, positive) in one import."""

    payee: str
    amount_pence: int
    count: int
    first: dt.date
    last: dt.date


@dataclass(frozen=True)
class Match:
    """Which line a group matched and why, in words."""

    line_id: int
    reason: str


def _recurs_like(group: DebitGroup, line: PlannedLine) -> bool:
    if group.count < 2 or line.frequency in {None, "one_off", "annual"}:  # noqa: PLR2004 - a gap needs two
        return True
    gap = (group.last - group.first).days / (group.count - 1)
    period = PERIOD_DAYS[line.frequency or "monthly"]
    return abs(gap - period) <= period * FREQUENCY_TOLERANCE


def choose_line(group: DebitGroup, lines: list[PlannedLine], payee_rules: dict[str, int]) -> Match | None:
    """The budget sheet line a group of debits pays for, or None (unplanned)."""
    by_id = {line.id: line for line in lines}
    learnt = payee_rules.get(group.payee)
    if learnt is not None and learnt in by_id:
        return Match(learnt, f"payee rule: the team matched {group.payee} to '{by_id[learnt].description}'")
    candidates = []
    for line in lines:
        payment = line.payment_pence
        if line.management_option != "direct_payment" or not payment:
            continue
        if abs(group.amount_pence - payment) <= max(1, payment * AMOUNT_TOLERANCE) and _recurs_like(group, line):
            words = set(line.description.upper().split())
            overlap = len(words & set(group.payee.split()))
            candidates.append((-overlap, abs(group.amount_pence - payment), line.id, line))
    if not candidates:
        return None
    line = min(candidates, key=lambda c: c[:3])[3]
    return Match(line.id, f"amount and frequency match '{line.description}' ({line.frequency})")


@dataclass(frozen=True)
class Surplus:
    """The surplus check for one account."""

    available_pence: int
    weekly_pence: int | None
    threshold_weeks: int
    threshold_pence: int | None
    above_pence: int

    @property
    def flagged(self) -> bool:
        """Available money is above the threshold."""
        return self.above_pence > 0


def surplus(available_pence: int, weekly_pence: int | None, threshold_weeks: int) -> Surplus:
    """Flag available money above ``threshold_weeks`` of payments (no weekly payment known: nothing to flag)."""
    if not weekly_pence or weekly_pence <= 0:
        return Surplus(available_pence, weekly_pence, threshold_weeks, None, 0)
    threshold = weekly_pence * threshold_weeks
    return Surplus(available_pence, weekly_pence, threshold_weeks, threshold, max(0, available_pence - threshold))
