"""Which money paid into a direct-payment account is the NHS's direct payment: credits matched to the schedule.

Pure logic on whole pence (stdlib only). A credit is one of the person's direct payments when it is the amount of
a scheduled payment and arrives near the day that payment is due; anything else paid in (a refund, winnings, a
transfer from the person's own savings, a payment of the wrong amount) is *other money in*, never NHS money. Each
scheduled payment gets a status a person can act on: received, late, not received, or still to come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

EARLY_DAYS = 7  # a payment may reach the account up to a week before its due date (a weekend, a bank holiday)
LATE_AFTER_DAYS = 5  # after this many days past its due date a payment is late, and if it has not come, missing
LATE_WINDOW_DAYS = 35  # a credit more than this after the due date is not taken as that payment, however late


class PaymentStatus(StrEnum):
    """Where one scheduled payment stands."""

    RECEIVED = "received"
    LATE = "late"  # received, more than LATE_AFTER_DAYS after it was due
    MISSING = "missing"  # not received, and more than LATE_AFTER_DAYS have passed since it was due
    EXPECTED = "expected"  # due, not received yet, still within LATE_AFTER_DAYS
    TO_COME = "to_come"  # not due yet
    UNRECORDED = "unrecorded"  # due before the account's records start: nobody can tell whether it came

    @property
    def flagged(self) -> bool:
        """Worth telling the person and the team about."""
        return self in {PaymentStatus.LATE, PaymentStatus.MISSING}


@dataclass(frozen=True)
class Due:
    """One scheduled direct payment."""

    due_on: dt.date
    pence: int


@dataclass(frozen=True)
class Credit:
    """Money paid into an account (a statement line with a positive amount)."""

    id: int
    posted_on: dt.date
    pence: int


@dataclass(frozen=True)
class PaymentCheck:
    """A scheduled payment and the credit taken as it, if any."""

    due_on: dt.date
    pence: int
    status: PaymentStatus
    received_on: dt.date | None = None
    credit_id: int | None = None

    @property
    def days_late(self) -> int:
        """Days after the due date it arrived (0 when on time or early)."""
        return 0 if self.received_on is None else max(0, (self.received_on - self.due_on).days)


def match_payments(
    due: Sequence[Due], money_in: Sequence[Credit], today: dt.date, recorded_from: dt.date | None
) -> list[PaymentCheck]:
    """Match credits to scheduled payments (same amount, near the due date); each credit is used at most once.

    ``recorded_from`` is the first day the account's records cover (None: no account recorded); a payment due
    before it that no credit matches is *unrecorded*, not missing.

    First every payment takes the credit of its amount closest to its due date among those that arrived on time
    (from EARLY_DAYS before to LATE_AFTER_DAYS after); then payments still unmatched, oldest first, take the
    earliest remaining credit of their amount that arrived late (up to LATE_WINDOW_DAYS after). Doing the on-time
    pass first means one missing payment never takes the next payment's credit and makes that one look missing.
    """
    ordered = sorted(due, key=lambda d: d.due_on)
    free = sorted(money_in, key=lambda c: (c.posted_on, c.id))
    taken: dict[int, Credit] = {}
    used: set[int] = set()
    for index, payment in enumerate(ordered):
        early = payment.due_on - dt.timedelta(days=EARLY_DAYS)
        on_time = payment.due_on + dt.timedelta(days=LATE_AFTER_DAYS)
        candidates = [
            c for c in free if c.id not in used and c.pence == payment.pence and early <= c.posted_on <= on_time
        ]
        if candidates:
            best = min(candidates, key=lambda c: (abs((c.posted_on - payment.due_on).days), c.posted_on, c.id))
            taken[index] = best
            used.add(best.id)
    for index, payment in enumerate(ordered):
        if index in taken:
            continue
        on_time = payment.due_on + dt.timedelta(days=LATE_AFTER_DAYS)
        last = payment.due_on + dt.timedelta(days=LATE_WINDOW_DAYS)
        late = next(
            (c for c in free if c.id not in used and c.pence == payment.pence and on_time < c.posted_on <= last),
            None,
        )
        if late is not None:
            taken[index] = late
            used.add(late.id)
    return [_check(payment, taken.get(index), today, recorded_from) for index, payment in enumerate(ordered)]


def _check(payment: Due, credit: Credit | None, today: dt.date, recorded_from: dt.date | None) -> PaymentCheck:
    if credit is not None:
        late = (credit.posted_on - payment.due_on).days > LATE_AFTER_DAYS
        status = PaymentStatus.LATE if late else PaymentStatus.RECEIVED
        return PaymentCheck(payment.due_on, payment.pence, status, credit.posted_on, credit.id)
    if payment.due_on > today:
        return PaymentCheck(payment.due_on, payment.pence, PaymentStatus.TO_COME)
    if recorded_from is None or payment.due_on < recorded_from:
        return PaymentCheck(payment.due_on, payment.pence, PaymentStatus.UNRECORDED)
    if (today - payment.due_on).days > LATE_AFTER_DAYS:
        return PaymentCheck(payment.due_on, payment.pence, PaymentStatus.MISSING)
    return PaymentCheck(payment.due_on, payment.pence, PaymentStatus.EXPECTED)
