"""The budget holder's money for a budget year: what the direct payment brings, what was spent, what is left.

Left to spend is the direct payment due in the year (so far and to come, from the payment schedule) less what was
spent from the person's accounts in the year. Beside it, the accounts' own figures, which add up to the penny:
the balance on the first day of the year, plus the NHS's direct payments received (credits matched to the
schedule), plus other money in (refunds, winnings, anything that is not a scheduled payment), less what was spent,
is the balance at the end. Reads need ``PERSON_READ``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from moneyed import Money
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.money import ZERO, from_pence, to_pence
from phb.spending import integration
from phb.spending.models import DirectPaymentAccount, StatementTransaction
from phb.spending.payments_in import EARLY_DAYS, Credit, Due, PaymentCheck, PaymentStatus, match_payments

STATUS_TEXT = {
    PaymentStatus.RECEIVED: "Received",
    PaymentStatus.LATE: "Received late",
    PaymentStatus.MISSING: "Not received",
    PaymentStatus.EXPECTED: "Due, not in the account yet",
    PaymentStatus.TO_COME: "To come",
    PaymentStatus.UNRECORDED: "Before your account's records start",
}


@dataclass(frozen=True)
class ScheduledPaymentCheck:
    """One direct payment of the year, as the person sees it."""

    due_on: dt.date
    amount: Money
    status: PaymentStatus
    received_on: dt.date | None
    days_late: int

    @property
    def status_text(self) -> str:
        """In plain words."""
        if self.status is PaymentStatus.LATE:
            return f"Received {self.days_late} days late"
        return STATUS_TEXT[self.status]

    @property
    def flagged(self) -> bool:
        """Late or missing: the person and the team should know."""
        return self.status.flagged


@dataclass(frozen=True)
class YearMoney:
    """A person's direct-payment money from ``start`` to ``end`` (a budget year), as of ``today``.

    ``scheduled`` is False when no direct payment is scheduled in the period (none agreed, or the budgets package
    is absent); ``recorded`` is False when the person has no direct-payment account recorded.
    """

    start: dt.date
    end: dt.date
    today: dt.date
    recorded: bool
    scheduled: bool
    direct_payment: Money = ZERO  # due in the period: so far and to come
    due_so_far: Money = ZERO  # of which due by today
    opening_balance: Money = ZERO  # in the accounts at the start of the period (or when their records start)
    opening_on: dt.date | None = None  # the day of the opening balance: the start, or a later first account
    paid_in_by_nhs: Money = ZERO  # credits matched to scheduled payments
    other_money_in: Money = ZERO  # every other credit
    spent: Money = ZERO  # every debit
    payments: list[ScheduledPaymentCheck] = field(default_factory=list)

    @property
    def balance(self) -> Money:
        """In the accounts at the end of the period (today, for the year in progress)."""
        return self.opening_balance + self.paid_in_by_nhs + self.other_money_in - self.spent

    @property
    def left(self) -> Money:
        """Left to spend: the direct payment due in the period less what was spent."""
        return self.direct_payment - self.spent

    @property
    def flagged_payments(self) -> list[ScheduledPaymentCheck]:
        """Payments received late or not received."""
        return [p for p in self.payments if p.flagged]

    @property
    def spent_percent(self) -> int:
        """Share of the direct payment spent, 0-100, for the chart."""
        if self.direct_payment.amount <= 0:
            return 0
        return max(0, min(100, round(self.spent.amount * 100 / self.direct_payment.amount)))


def year_money(
    session: Session, actor: Actor, person_id: int, start: dt.date, end: dt.date, today: dt.date
) -> YearMoney:
    """The person's direct payment for ``start``-``end`` against their accounts, as of ``today``."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    accounts = session.execute(
        select(DirectPaymentAccount.id, DirectPaymentAccount.opening_balance, DirectPaymentAccount.opened_on).where(
            DirectPaymentAccount.person_id == person_id
        )
    ).all()
    schedule = integration.scheduled_payments(session, actor, person_id, start, end)
    due = [Due(on, pence) for on, pence in schedule]
    direct_payment = from_pence(sum(d.pence for d in due))
    due_so_far = from_pence(sum(d.pence for d in due if d.due_on <= today))
    if not accounts:
        checks = match_payments(due, [], today, None)
        return YearMoney(
            start,
            end,
            today,
            recorded=False,
            scheduled=bool(due),
            direct_payment=direct_payment,
            due_so_far=due_so_far,
            payments=[_read(c) for c in checks],
        )
    ids = [account_id for account_id, _opening, _opened_on in accounts]
    tx = StatementTransaction
    in_accounts = tx.account_id.in_(ids)
    before = session.scalar(select(func.sum(tx.amount)).where(in_accounts, tx.posted_on < start))
    opening = sum(to_pence(balance) for _id, balance, _opened_on in accounts) + (
        0 if before is None else to_pence(before)
    )
    spent = session.scalar(
        select(func.sum(tx.amount)).where(in_accounts, tx.amount < ZERO, tx.posted_on >= start, tx.posted_on <= end)
    )
    # Credits from a few days before the year too: the first payment may arrive early (a weekend). It is then shown
    # as received, but its money is in the opening balance, not in this year's "paid in".
    money_in = [
        Credit(credit_id, posted_on, to_pence(amount))
        for credit_id, posted_on, amount in session.execute(
            select(tx.id, tx.posted_on, tx.amount).where(
                in_accounts,
                tx.amount > ZERO,
                tx.posted_on >= start - dt.timedelta(days=EARLY_DAYS),
                tx.posted_on <= end,
            )
        )
    ]
    records_from = min(opened_on for _id, _balance, opened_on in accounts)
    checks = match_payments(due, money_in, today, records_from)
    in_year = {c.id: c.pence for c in money_in if c.posted_on >= start}
    from_nhs = sum(in_year.get(c.credit_id, 0) for c in checks if c.credit_id is not None)
    return YearMoney(
        start,
        end,
        today,
        recorded=True,
        scheduled=bool(due),
        direct_payment=direct_payment,
        due_so_far=due_so_far,
        opening_balance=from_pence(opening),
        opening_on=max(start, records_from),
        paid_in_by_nhs=from_pence(from_nhs),
        other_money_in=from_pence(sum(in_year.values()) - from_nhs),
        spent=from_pence(0 if spent is None else -to_pence(spent)),
        payments=[_read(c) for c in checks],
    )


def _read(check: PaymentCheck) -> ScheduledPaymentCheck:
    return ScheduledPaymentCheck(
        due_on=check.due_on,
        amount=from_pence(check.pence),
        status=check.status,
        received_on=check.received_on,
        days_late=check.days_late,
    )
