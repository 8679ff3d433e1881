"""What an authorised final budget means for the person, in the plain sentences its decision notice states.

Governance asks for these through ``DecisionSubject.notice_terms`` (wired in :mod:`phb.budgets.decisions`), so the
notice says how much the direct payment is, how often and from when it is paid, and the notice period before it
can be reduced, without governance importing budgets.
"""

from __future__ import annotations

import datetime as dt

from moneyed import Money
from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from phb.budgets.models import FinalBudget, PaymentSchedule, ScheduledPayment
from phb.budgets.rules import ManagementOption, PaymentFrequency, Recipient
from phb.governance.models import DecisionOutcome
from phb.governance.rules import Outcome
from phb.money import format_gbp

# "every month": how often, after an amount paid.
HOW_OFTEN = {
    PaymentFrequency.WEEKLY: "every week",
    PaymentFrequency.FOUR_WEEKLY: "every four weeks",
    PaymentFrequency.MONTHLY: "every month",
}
# Where the payment goes, by who receives it.
PAID_INTO = {
    Recipient.PERSON: "into your account",
    Recipient.REPRESENTATIVE: "into your representative's account for you",
    Recipient.NOMINEE: "into your nominee's account for you",
}
# How each part of the budget is held, as the person reads it.
HELD_AS = {
    ManagementOption.DIRECT_PAYMENT: "as a direct payment (money paid to you to arrange your own support)",
    ManagementOption.NOTIONAL: "as a notional budget (the NHS arranges the support for you)",
    ManagementOption.THIRD_PARTY: "by a third party (an organisation holds the money and arranges the support)",
}


def _date(day: dt.date) -> str:
    """'1 April 2026'."""
    return f"{day.day} {day:%B %Y}"


def _newest_schedule_id(final_id: int) -> ScalarSelect[int]:
    newest = select(func.max(PaymentSchedule.id)).where(PaymentSchedule.final_budget_id == final_id)
    return newest.scalar_subquery()


def _payments(session: Session, final: FinalBudget) -> list[tuple[dt.date, Money]]:
    """The payments of this budget's schedule, in order (empty before it is made)."""
    rows = session.execute(
        select(ScheduledPayment.due_on, ScheduledPayment.amount)
        .join(PaymentSchedule, PaymentSchedule.id == ScheduledPayment.schedule_id)
        .where(
            PaymentSchedule.final_budget_id == final.id,
            PaymentSchedule.id
            == select(func.max(PaymentSchedule.id))
            .where(PaymentSchedule.final_budget_id == final.id)
            .scalar_subquery(),
        )
        .order_by(ScheduledPayment.number)
    )
    return [(due, amount) for due, amount in rows]


def _payment_sentence(session: Session, final: FinalBudget) -> str:
    """How much is paid, into whose account, how often, from when: from the schedule the system worked out."""
    recipient = Recipient(final.dp_recipient) if final.dp_recipient else Recipient.PERSON
    how_often = HOW_OFTEN[PaymentFrequency(final.dp_frequency or "monthly")]
    payments = _payments(session, final)
    if not payments:
        assert final.dp_amount_per_period is not None  # noqa: S101 - the caller checked
        first = final.dp_first_payment_on
        starting = f", starting on {_date(first)}" if first else ""
        return f"We will pay {format_gbp(final.dp_amount_per_period)} {PAID_INTO[recipient]} {how_often}{starting}."
    amounts = [amount for _due, amount in payments]
    in_all = format_gbp(sum(amounts[1:], amounts[0]))
    largest, smallest = max(amounts), min(amounts)
    each = (
        f"{len(amounts)} payments of {format_gbp(largest)}"
        if largest == smallest
        else f"{len(amounts)} payments of {format_gbp(largest)} or {format_gbp(smallest)}"
    )
    return (
        f"We will pay {how_often} {PAID_INTO[recipient]}, starting on {_date(payments[0][0])}: {each}, {in_all} in all."
    )


def final_budget_terms(session: Session, outcome: DecisionOutcome) -> list[str]:
    """The agreed budget's terms as sentences: the yearly amount and how it is held, then the direct payment.

    The direct payment's amount, how often and from when it is paid, and its notice period. A refused budget has
    no terms (nothing will be paid).
    """
    if outcome.outcome == Outcome.REFUSED or outcome.subject_id is None:
        return []
    final = session.get(FinalBudget, outcome.subject_id)
    if final is None:
        return []
    until = f" to {_date(final.effective_to)}" if final.effective_to else ""
    terms = [
        (
            f"Your personal health budget is {format_gbp(final.annual_amount)} a year, "
            f"from {_date(final.effective_from)}{until}."
        )
    ]
    options = [ManagementOption(o) for o in final.management_options.split(",") if o]
    if options:
        terms.append(f"It is held {' and '.join(HELD_AS[o] for o in options)}.")
    if final.dp_amount_per_period is not None and final.dp_frequency is not None:
        terms.append(_payment_sentence(session, final))
    if final.dp_notice_days is not None:
        terms.append(
            f"We must give you at least {final.dp_notice_days} days' notice in writing before we reduce your "
            "direct payment."
        )
    return terms
