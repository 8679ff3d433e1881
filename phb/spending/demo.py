"""Demo spending: a direct-payment account and a realistic quarter of statements for two demo people.

James Whitfield employs personal assistants and buys agency waking nights from a bank account; Margaret Okafor
has a prepaid card, pays her daughter (a connected person, with no agreement recorded yet) and has money
building up. Both quarters have a few lines the exclusion check flags, so the findings queue has work in it.
Loading is idempotent: a person who already has the demo account is left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb import clock
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.audit.services import AuditActor, act_as
from phb.money import gbp
from phb.people.models import Person
from phb.spending.importer import import_statement
from phb.spending.models import Commitment, ConnectedPerson, DirectPaymentAccount

ORDER = 40
WEEKS = 13


@dataclass(frozen=True)
class Recurring:
    """A payment that repeats every ``every`` days from ``offset`` days into the quarter."""

    description: str
    pence: int
    every: int
    offset: int = 0
    mcc: str = ""


JAMES = (
    Recurring("LEEDS ICB PHB DIRECT PAYMENT", 480000, 28, 0),
    Recurring("FASTER PAYMENT PA WAGES S JONES", -41250, 7, 4),
    Recurring("FASTER PAYMENT PA WAGES M KHAN", -38000, 7, 4),
    Recurring("DIRECT DEBIT CARING HANDS HOMECARE LTD", -136800, 28, 9),
    Recurring("DIRECT DEBIT PAYROLL PLUS LTD", -1800, 30, 12),
    Recurring("HMRC PAYE CUMBERNAULD", -21240, 30, 20),
    Recurring("CARD PAYMENT TO LEEDS PHYSIO CLINIC", -4500, 30, 15, "8049"),
    Recurring("CARD PAYMENT TO AMBER CARS LEEDS", -1450, 14, 6, "4121"),
)
JAMES_ONE_OFF = (
    (3, "FOOTPRINTS INSURANCE EMPLOYERS LIAB", -9600, ""),
    (33, "CARD PAYMENT TO ARGOS LTD", -5999, "5311"),
    (41, "CARD PAYMENT TO WILLIAM HILL ONLINE", -2500, "7995"),
    (58, "CARD PAYMENT TO THE CROWN INN LEEDS", -1840, "5813"),
    (70, "NHS PRESCRIPTION PREPAYMENT CERTIFICATE", -3205, ""),
)
MARGARET = (
    Recurring("LOAD FROM LEEDS ICB", 160000, 28, 0),
    Recurring("G OKAFOR PA WAGES", -24000, 7, 3),
    Recurring("SUNRISE HOMECARE LEEDS", -31500, 28, 10, "8099"),
    Recurring("TESCO STORES 2345", -2345, 7, 5, "5411"),
)
MARGARET_ONE_OFF = (
    (22, "BOOTS OPTICIANS", -4900, "8043"),
    (37, "MECCA BINGO LEEDS", -1500, "7995"),
    (64, "LIDL GB LEEDS", -1267, "5411"),
)


def _lines(
    start: dt.date, recurring: tuple[Recurring, ...], one_off: tuple[tuple[int, str, int, str], ...]
) -> list[tuple[dt.date, str, int, str]]:
    days = WEEKS * 7
    lines = [
        (start + dt.timedelta(days=day), r.description, r.pence, r.mcc)
        for r in recurring
        for day in range(r.offset, days, r.every)
    ]
    lines += [(start + dt.timedelta(days=day), text, pence, mcc) for day, text, pence, mcc in one_off]
    return sorted(lines, key=lambda line: (line[0], -line[2], line[1]))


def _generic_csv(opening: int, lines: list[tuple[dt.date, str, int, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "description", "amount", "mcc", "balance"])
    balance = opening
    for on, text, pence, mcc in lines:
        balance += pence
        writer.writerow([on.isoformat(), text, f"{pence / 100:.2f}", mcc, f"{balance / 100:.2f}"])
    return out.getvalue().encode()


def _prepaid_csv(opening: int, lines: list[tuple[dt.date, str, int, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Transaction Date", "Merchant Name", "MCC", "Debit", "Credit", "Balance"])
    balance = opening
    for on, text, pence, mcc in lines:
        balance += pence
        debit, credit = (f"{-pence / 100:.2f}", "") if pence < 0 else ("", f"{pence / 100:.2f}")
        writer.writerow([on.strftime("%d/%m/%Y"), text, mcc, debit, credit, f"{balance / 100:.2f}"])
    return out.getvalue().encode()


def _account(session: Session, person: Person, **values: object) -> DirectPaymentAccount | None:
    existing = session.scalar(
        select(DirectPaymentAccount.id).where(
            DirectPaymentAccount.person_id == person.id, DirectPaymentAccount.name == values["name"]
        )
    )
    if existing is not None:
        return None
    account = DirectPaymentAccount(person_id=person.id, **values)
    session.add(account)
    session.flush()
    return account


def load(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Add the demo accounts and import a quarter of statements for each, as Dana of the direct payments team."""
    dana = staff.get("dana")
    if dana is None:
        return
    actor = actor_for(session, dana)
    previous = session.info.get("phb_audit_actor")
    act_as(session, AuditActor(user_id=dana.id, label=dana.username, roles=tuple(sorted(actor.roles))))
    start = clock.today() - dt.timedelta(days=WEEKS * 7 + 1)
    try:
        james = people.get("9990000026")
        if james is not None and (
            account := _account(
                session,
                james,
                kind="bank_account",
                name="James Whitfield direct payment account",
                provider="Barclays",
                reference="4417",
                opened_on=start - dt.timedelta(days=1),
                opening_balance=gbp("3000.00"),
                weekly_payment=gbp("1200.00"),
                surplus_threshold_weeks=8,
                default_profile="generic",
            )
        ):
            data = _generic_csv(300000, _lines(start, JAMES, JAMES_ONE_OFF))
            import_statement(
                session, actor, account.id, io.BytesIO(data), filename="barclays-quarter.csv", profile="generic"
            )
            session.add(
                Commitment(
                    account_id=account.id,
                    person_id=james.id,
                    kind="invoice_unpaid",
                    description="Caring Hands Homecare invoice for waking nights",
                    amount=gbp("1368.00"),
                    due_on=start + dt.timedelta(days=WEEKS * 7 + 9),
                )
            )
        margaret = people.get("9990000018")
        if margaret is not None and (
            account := _account(
                session,
                margaret,
                kind="prepaid_card",
                name="Margaret Okafor prepaid card",
                provider="Allpay",
                reference="0291",
                opened_on=start - dt.timedelta(days=1),
                opening_balance=gbp("2400.00"),
                weekly_payment=gbp("400.00"),
                surplus_threshold_weeks=8,
                default_profile="prepaid",
            )
        ):
            session.add(
                ConnectedPerson(
                    account_id=account.id,
                    person_id=margaret.id,
                    name="Grace Okafor",
                    relationship="Daughter, lives with Margaret",
                    payee_pattern="G OKAFOR",
                )
            )
            session.add(
                Commitment(
                    account_id=account.id,
                    person_id=margaret.id,
                    kind="wages_due",
                    description="Wages for this week",
                    amount=gbp("240.00"),
                    due_on=start + dt.timedelta(days=WEEKS * 7 + 3),
                )
            )
            session.flush()
            data = _prepaid_csv(240000, _lines(start, MARGARET, MARGARET_ONE_OFF))
            import_statement(
                session, actor, account.id, io.BytesIO(data), filename="allpay-quarter.csv", profile="prepaid"
            )
        session.flush()
    finally:
        if previous is not None:
            session.info["phb_audit_actor"] = previous
