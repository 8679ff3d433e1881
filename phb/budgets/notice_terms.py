"""What an authorised final budget means for the person, in the plain sentences its decision notice states.

Governance asks for these through ``DecisionSubject.notice_terms`` (wired in :mod:`phb.budgets.decisions`), so the
notice says how much the direct payment is, how often and from when it is paid, and the notice period before it
can be reduced, without governance importing budgets.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
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


def _first_payment(session: Session, final: FinalBudget) -> dt.date | None:
    """The first payment at this budget's amount: its schedule's first (a reduction waits its notice period)."""
    due = session.scalar(
        select(ScheduledPayment.due_on)
        .join(PaymentSchedule, PaymentSchedule.id == ScheduledPayment.schedule_id)
        .where(PaymentSchedule.final_budget_id == final.id)
        .order_by(PaymentSchedule.id.desc(), ScheduledPayment.number)
        .limit(1)
    )
    return due or final.dp_first_payment_on


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
        recipient = Recipient(final.dp_recipient) if final.dp_recipient else Recipient.PERSON
        first = _first_payment(session, final)
        starting = f", starting on {_date(first)}" if first else ""
        terms.append(
            f"We will pay {format_gbp(final.dp_amount_per_period)} {PAID_INTO[recipient]} "
            f"{HOW_OFTEN[PaymentFrequency(final.dp_frequency)]}{starting}."
        )
    if final.dp_notice_days is not None:
        terms.append(
            f"We must give you at least {final.dp_notice_days} days' notice in writing before we reduce your "
            "direct payment."
        )
    return terms
