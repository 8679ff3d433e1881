"""The person's money for a budget year, on both databases: left to spend is the direct payment due this year less
what was spent; the opening balance, NHS money (matched to the schedule), other money in and spending add up to the
balance to the penny."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from phb.accounts.rules import Role
from phb.money import from_pence, gbp
from phb.spending.importer import import_statement
from phb.spending.payments_in import PaymentStatus
from phb.spending.services import balance_of
from phb.spending.year_money import year_money
from tests.factories import actor, make_person, make_user
from tests.factories_budgets import authorised_direct_payment
from tests.factories_spending import make_account, statement

YEAR = (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
TODAY = dt.date(2026, 7, 10)
# A quarter and a bit from one bank: April's payment on time, May's eleven days late, June's never came, July's on
# time; a refund and some winnings; the PA's wages; one card payment before the year began.
QUARTER = statement(
    "2026-03-15,CARD PAYMENT TO BOOTS,-20.00",
    "2026-04-01,LEEDS ICB PHB DIRECT PAYMENT,651.79",
    "2026-04-07,PAYROLL PA WAGES SARAH JONES,-600.00",
    "2026-05-07,PAYROLL PA WAGES SARAH JONES,-600.00",
    "2026-05-12,LEEDS ICB PHB DIRECT PAYMENT,651.79",
    "2026-05-20,ARGOS REFUND,25.00",
    "2026-06-07,PAYROLL PA WAGES SARAH JONES,-600.00",
    "2026-06-14,BET365 WINNINGS,50.00",
    "2026-07-01,LEEDS ICB PHB DIRECT PAYMENT,651.79",
    "2026-07-07,PAYROLL PA WAGES SARAH JONES,-650.00",
    header="date,description,amount",
)


@pytest.fixture
def leon(db):
    """Leon, his own sign-in, a monthly direct payment of £651.79 from 1 April, and the officer who imports."""
    person = make_person(db, "Leon", "Baptiste")
    authorised_direct_payment(
        db, person.id, annual="7821.48", per_period="651.79", first_payment_on=dt.date(2026, 4, 1)
    )
    officer = actor(db, make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER))
    return person, actor(db, make_user(db, "leon", Role.PERSON, person_id=person.id)), officer


def _import(db, officer, account, data: bytes, name: str = "statement.csv") -> None:
    import_statement(db, officer, account.id, io.BytesIO(data), filename=name, profile="generic")


def test_left_to_spend_is_the_direct_payment_due_this_year_less_what_was_spent(db, leon):
    person, own, officer = leon
    account = make_account(db, person.id, opened_on=dt.date(2026, 3, 1), opening_balance=gbp("1000.00"))
    _import(db, officer, account, QUARTER)

    money = year_money(db, own, person.id, *YEAR, TODAY)
    assert money.recorded
    assert money.scheduled
    assert money.direct_payment == gbp("7821.48")  # twelve payments of £651.79: due so far and to come
    assert money.due_so_far == gbp("2607.16")  # April to July
    assert money.spent == gbp("2450.00")
    assert money.left == gbp("5371.48")  # not the whole budget less spending, and not less money paid in

    assert money.opening_balance == gbp("980.00")  # £1,000.00 opening, less the card payment in March
    assert money.opening_on == dt.date(2026, 4, 1)
    assert money.paid_in_by_nhs == gbp("1955.37")  # three scheduled payments arrived
    assert money.other_money_in == gbp("75.00")  # the refund and the winnings are not NHS money
    assert money.balance == gbp("560.37")
    assert money.opening_balance + money.paid_in_by_nhs + money.other_money_in - money.spent == money.balance
    assert from_pence(balance_of(db, account)) == money.balance  # the account's own ledger agrees

    statuses = [(p.due_on.month, p.status) for p in money.payments[:5]]
    assert statuses == [
        (4, PaymentStatus.RECEIVED),
        (5, PaymentStatus.LATE),
        (6, PaymentStatus.MISSING),
        (7, PaymentStatus.RECEIVED),
        (8, PaymentStatus.TO_COME),
    ]
    assert [p.status_text for p in money.flagged_payments] == ["Received 11 days late", "Not received"]
    assert len(money.payments) == 12


def test_an_early_first_payment_is_received_and_counted_in_the_opening_balance(db, leon):
    person, own, officer = leon
    account = make_account(db, person.id, opened_on=dt.date(2026, 3, 1), opening_balance=gbp("0.00"))
    _import(
        db,
        officer,
        account,
        statement(
            "2026-03-30,LEEDS ICB PHB DIRECT PAYMENT,651.79",
            "2026-05-01,LEEDS ICB PHB DIRECT PAYMENT,651.79",
            header="date,description,amount",
        ),
    )
    money = year_money(db, own, person.id, *YEAR, dt.date(2026, 5, 3))
    assert [p.status for p in money.payments[:2]] == [PaymentStatus.RECEIVED, PaymentStatus.RECEIVED]
    assert money.payments[0].received_on == dt.date(2026, 3, 30)
    assert (money.opening_balance, money.paid_in_by_nhs, money.balance) == (
        gbp("651.79"),
        gbp("651.79"),
        gbp("1303.58"),
    )


def test_every_account_counts_and_a_change_of_payment_mid_year_is_counted_once(db, leon):
    person, own, officer = leon
    bank = make_account(db, person.id, opened_on=dt.date(2026, 3, 1), opening_balance=gbp("1000.00"))
    card = make_account(
        db, person.id, kind="prepaid_card", name="Prepaid card", opened_on=dt.date(2026, 4, 1), opening_balance=gbp("0")
    )
    _import(db, officer, bank, QUARTER)
    _import(
        db,
        officer,
        card,
        statement("2026-04-02,TOP UP,100.00", "2026-04-03,TESCO STORES,-40.00", header="date,description,amount"),
        "card.csv",
    )
    # From October the payment rises to £700.00 a month: the new schedule replaces the old one from its start.
    authorised_direct_payment(
        db, person.id, annual="8110.74", per_period="700.00", first_payment_on=dt.date(2026, 10, 1)
    )
    money = year_money(db, own, person.id, *YEAR, TODAY)
    # Six at £651.79, then £8,400.00 a year for the 182 days from 1 October (pro rata: £4,188.49 in six payments).
    assert money.direct_payment == gbp("8099.23")
    assert money.spent == gbp("2490.00")
    assert money.other_money_in == gbp("175.00")  # a top-up from the person's own money is not NHS money
    assert money.balance == gbp("620.37")
    assert money.left == gbp("5609.23")


def test_without_an_account_or_a_direct_payment(db, leon):
    person, own, _officer = leon
    money = year_money(db, own, person.id, *YEAR, TODAY)
    assert (money.recorded, money.scheduled, money.direct_payment) == (False, True, gbp("7821.48"))
    assert money.payments[2].status is PaymentStatus.UNRECORDED  # no account: nobody can tell
    assert not money.flagged_payments

    someone = make_person(db, "Ada", "Notional")
    make_account(db, someone.id)
    staff = actor(db, make_user(db, "sam", Role.CHC_SERVICE_MANAGER))
    nothing = year_money(db, staff, someone.id, *YEAR, TODAY)
    assert (nothing.recorded, nothing.scheduled, nothing.direct_payment) == (True, False, gbp("0.00"))
    assert nothing.balance == gbp("1000.00")
    assert nothing.opening_on == dt.date(2026, 9, 30)  # the account was opened in September: its balance then
