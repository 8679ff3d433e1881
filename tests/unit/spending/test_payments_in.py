"""Money paid in is the NHS's direct payment only when it is a scheduled payment: same amount, near its due date."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from phb.spending.payments_in import Credit, Due, PaymentStatus, match_payments

MONTHLY = 65179  # £651.79
APRIL, MAY, JUNE, JULY = (dt.date(2026, m, 1) for m in (4, 5, 6, 7))
TODAY = dt.date(2026, 7, 10)
RECORDED_FROM = dt.date(2026, 3, 1)  # the account was opened before the year


def _statuses(due: list[Due], money_in: list[Credit], today: dt.date = TODAY) -> list[tuple[str, int | None]]:
    return [(c.status.value, c.credit_id) for c in match_payments(due, money_in, today, RECORDED_FROM)]


def test_payments_on_time_early_late_missing_and_to_come() -> None:
    due = [Due(d, MONTHLY) for d in (APRIL, MAY, JUNE, JULY, dt.date(2026, 8, 1))]
    money_in = [
        Credit(1, dt.date(2026, 3, 30), MONTHLY),  # two days early (a weekend)
        Credit(2, dt.date(2026, 5, 12), MONTHLY),  # eleven days late
        Credit(3, dt.date(2026, 7, 1), MONTHLY),
    ]
    checks = match_payments(due, money_in, TODAY, RECORDED_FROM)
    assert [(c.status, c.credit_id) for c in checks] == [
        (PaymentStatus.RECEIVED, 1),
        (PaymentStatus.LATE, 2),
        (PaymentStatus.MISSING, None),
        (PaymentStatus.RECEIVED, 3),
        (PaymentStatus.TO_COME, None),
    ]
    assert checks[1].days_late == 11
    assert [c.status.flagged for c in checks] == [False, True, True, False, False]


def test_a_payment_due_a_few_days_ago_is_expected_not_missing() -> None:
    assert _statuses([Due(JULY, MONTHLY)], [], today=dt.date(2026, 7, 4)) == [("expected", None)]
    assert _statuses([Due(JULY, MONTHLY)], [], today=dt.date(2026, 7, 7)) == [("missing", None)]


def test_refunds_winnings_and_wrong_amounts_are_not_nhs_money() -> None:
    due = [Due(APRIL, MONTHLY)]
    money_in = [
        Credit(1, APRIL, 2500),  # a refund on the due day
        Credit(2, APRIL, MONTHLY + 1),  # a penny more: not the scheduled payment
        Credit(3, dt.date(2026, 6, 1), MONTHLY),  # the right amount two months on: too late to be April's
    ]
    assert _statuses(due, money_in) == [("missing", None)]


def test_a_missing_payment_never_takes_the_next_payments_money() -> None:
    weekly = [Due(dt.date(2026, 4, 6) + dt.timedelta(weeks=n), 15000) for n in range(3)]
    money_in = [Credit(10, dt.date(2026, 4, 13), 15000), Credit(11, dt.date(2026, 4, 20), 15000)]
    assert _statuses(weekly, money_in) == [("missing", None), ("received", 10), ("received", 11)]


def test_a_late_payment_is_found_after_the_next_one_arrived_on_time() -> None:
    weekly = [Due(dt.date(2026, 4, 6), 15000), Due(dt.date(2026, 4, 13), 15000)]
    money_in = [Credit(10, dt.date(2026, 4, 13), 15000), Credit(11, dt.date(2026, 4, 16), 15000)]
    checks = match_payments(weekly, money_in, TODAY, RECORDED_FROM)
    assert [(c.status.value, c.credit_id) for c in checks] == [("late", 11), ("received", 10)]
    assert checks[0].days_late == 10


@given(
    st.lists(st.integers(min_value=0, max_value=364), max_size=20),
    st.lists(st.tuples(st.integers(min_value=0, max_value=400), st.sampled_from([MONTHLY, 2500, 15000])), max_size=30),
)
def test_each_credit_is_taken_by_at_most_one_payment_of_its_amount(
    due_days: list[int], paid: list[tuple[int, int]]
) -> None:
    start = dt.date(2026, 4, 1)
    due = [Due(start + dt.timedelta(days=d), MONTHLY) for d in due_days]
    money_in = [Credit(i, start + dt.timedelta(days=d), p) for i, (d, p) in enumerate(paid)]
    checks = match_payments(due, money_in, start + dt.timedelta(days=200), start)
    taken = [c.credit_id for c in checks if c.credit_id is not None]
    assert len(taken) == len(set(taken))
    by_id = {c.id: c for c in money_in}
    for check in checks:
        if check.credit_id is not None:
            assert by_id[check.credit_id].pence == check.pence
            assert check.status in {PaymentStatus.RECEIVED, PaymentStatus.LATE}


def test_payments_due_before_the_records_start_are_unrecorded_not_missing() -> None:
    due = [Due(d, MONTHLY) for d in (APRIL, MAY, JUNE)]
    money_in = [Credit(1, JUNE, MONTHLY)]
    checks = match_payments(due, money_in, TODAY, recorded_from=dt.date(2026, 5, 20))
    assert [c.status.value for c in checks] == ["unrecorded", "unrecorded", "received"]
    assert not any(c.status.flagged for c in checks)
    nothing = match_payments(due, [], TODAY, recorded_from=None)  # no account recorded at all
    assert {c.status for c in nothing} == {PaymentStatus.UNRECORDED}
