"""Use cases about direct-payment accounts: accounts, commitments, connected people, balances, spend vs plan.

Reads need ``PERSON_READ``; every change needs ``SPENDING_AUDIT`` (the direct payments team and service
managers). Nothing commits: the caller's unit of work does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.clock import today
from phb.errors import ConflictError, NotFoundError, ValidationFailedError
from phb.money import ZERO, format_gbp, from_pence, to_pence
from phb.spending import findings, integration
from phb.spending.models import (
    Commitment,
    ConnectedPerson,
    DirectPaymentAccount,
    Finding,
    PayeeRule,
    StatementImport,
    StatementTransaction,
)
from phb.spending.planning import WEEKS_PER_YEAR, PlannedLine, surplus
from phb.spending.schemas import (
    AccountCreate,
    AccountRead,
    AccountSummary,
    BalancePoint,
    CommitmentCreate,
    CommitmentRead,
    ConnectedPersonCreate,
    ConnectedPersonRead,
    ImportRead,
    SpendRow,
    SurplusRead,
    TransactionRead,
)
from phb.spending.statements import PROFILES

CATEGORY_LABELS: Final = {
    "personal_assistant_wages": "Personal assistant wages",
    "employer_costs": "Employer costs",
    "agency_care": "Agency care",
    "equipment": "Equipment",
    "therapy": "Therapy",
    "transport": "Transport",
    "training": "Training",
    "insurance": "Insurance",
    "payroll_service": "Payroll or support service",
    "contingency": "Contingency",
    "other": "Other",
    "unplanned": "Unplanned spending",
}


def _account(
    session: Session, actor: Actor, person_id: int, account_id: int, permission: Permission
) -> DirectPaymentAccount:
    require_person(session, actor, permission, person_id)
    account = session.get(DirectPaymentAccount, account_id)
    if account is None or account.person_id != person_id:
        raise NotFoundError("direct-payment account", account_id)
    return account


def create_account(session: Session, actor: Actor, person_id: int, data: AccountCreate) -> AccountRead:
    """Record the account a person's direct payment is paid into."""
    require_person(session, actor, Permission.SPENDING_AUDIT, person_id)
    if data.default_profile not in {*PROFILES, "ofx"}:
        raise ValidationFailedError({"default_profile": "Choose a statement layout from the list"})
    account = DirectPaymentAccount(person_id=person_id, **data.model_dump())
    session.add(account)
    session.flush()
    return AccountRead.model_validate(account)


def accounts(session: Session, actor: Actor, person_id: int) -> list[AccountSummary]:
    """A person's accounts, each with its balance, commitments, surplus check and open findings."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    rows = session.scalars(
        select(DirectPaymentAccount)
        .where(DirectPaymentAccount.person_id == person_id)
        .order_by(DirectPaymentAccount.id)
    ).all()
    return [_summary(session, actor, account) for account in rows]


def account_summary(session: Session, actor: Actor, person_id: int, account_id: int) -> AccountSummary:
    """One account with its money picture."""
    return _summary(session, actor, _account(session, actor, person_id, account_id, Permission.PERSON_READ))


def _summary(session: Session, actor: Actor, account: DirectPaymentAccount) -> AccountSummary:
    last = session.scalars(
        select(StatementImport)
        .where(StatementImport.account_id == account.id)
        .order_by(StatementImport.id.desc())
        .limit(1)
    ).first()
    return AccountSummary(
        account=AccountRead.model_validate(account),
        surplus=surplus_of(session, actor, account),
        open_findings=findings.open_count(session, account.id),
        last_import=ImportRead.model_validate(last) if last else None,
    )


def balance_of(session: Session, account: DirectPaymentAccount, on: dt.date | None = None) -> int:
    """Pence in the account: opening balance plus every transaction (up to ``on``)."""
    query = select(func.sum(StatementTransaction.amount)).where(StatementTransaction.account_id == account.id)
    if on is not None:
        query = query.where(StatementTransaction.posted_on <= on)
    moved = session.scalar(query)
    return to_pence(account.opening_balance) + (0 if moved is None else to_pence(moved))


def commitments_of(session: Session, account_id: int) -> int:
    """Pence committed and not yet settled."""
    total = session.scalar(
        select(func.sum(Commitment.amount)).where(Commitment.account_id == account_id, Commitment.settled_on.is_(None))
    )
    return 0 if total is None else to_pence(total)


def _weekly_payment(session: Session, actor: Actor, account: DirectPaymentAccount) -> int | None:
    if account.weekly_payment is not None:
        return to_pence(account.weekly_payment)
    lines = integration.budget_sheet(session, actor, account.person_id)
    annual = sum(line.annual_pence for line in lines if line.management_option == "direct_payment")
    return round(annual / WEEKS_PER_YEAR) if annual else None


def surplus_of(session: Session, actor: Actor, account: DirectPaymentAccount) -> SurplusRead:
    """Balance, commitments, available = balance − commitments, and the surplus rule's verdict."""
    balance = balance_of(session, account)
    committed = commitments_of(session, account.id)
    check = surplus(balance - committed, _weekly_payment(session, actor, account), account.surplus_threshold_weeks)
    return SurplusRead(
        balance=from_pence(balance),
        commitments=from_pence(committed),
        available=from_pence(check.available_pence),
        weekly_payment=None if check.weekly_pence is None else from_pence(check.weekly_pence),
        threshold_weeks=check.threshold_weeks,
        threshold=None if check.threshold_pence is None else from_pence(check.threshold_pence),
        above=from_pence(check.above_pence),
        flagged=check.flagged,
    )


def balance_history(
    session: Session, actor: Actor, person_id: int, account_id: int, *, limit_days: int = 120
) -> list[BalancePoint]:
    """End-of-day balances for the most recent days with transactions."""
    account = _account(session, actor, person_id, account_id, Permission.PERSON_READ)
    tx = StatementTransaction
    days = session.execute(
        select(tx.posted_on, func.sum(tx.amount))
        .where(tx.account_id == account.id)
        .group_by(tx.posted_on)
        .order_by(tx.posted_on)
    ).all()
    running = to_pence(account.opening_balance)
    points = []
    for on, moved in days:
        running += to_pence(moved)
        points.append(BalancePoint(on=on, balance=from_pence(running)))
    return points[-limit_days:]


def transactions(
    session: Session,
    actor: Actor,
    person_id: int,
    account_id: int,
    *,
    show: str = "all",
    page: int = 1,
    per_page: int = 100,
) -> tuple[list[TransactionRead], int]:
    """Statement lines, newest first: ``all``, ``flagged`` or ``unplanned``; and how many there are."""
    account = _account(session, actor, person_id, account_id, Permission.PERSON_READ)
    tx = StatementTransaction
    query = select(tx).where(tx.account_id == account.id)
    if show == "flagged":
        query = query.where(tx.flag_category.is_not(None))
    elif show == "unplanned":
        query = query.where(tx.match_status == "unplanned")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(tx.posted_on.desc(), tx.id.desc()).offset((max(1, page) - 1) * per_page).limit(per_page)
    )
    return [TransactionRead.model_validate(t) for t in rows], total


def imports(session: Session, actor: Actor, person_id: int, account_id: int) -> list[ImportRead]:
    """The account's statement imports, newest first."""
    account = _account(session, actor, person_id, account_id, Permission.PERSON_READ)
    rows = session.scalars(
        select(StatementImport).where(StatementImport.account_id == account.id).order_by(StatementImport.id.desc())
    )
    return [ImportRead.model_validate(r) for r in rows]


def add_commitment(
    session: Session, actor: Actor, person_id: int, account_id: int, data: CommitmentCreate
) -> CommitmentRead:
    """Record wages due or an invoice received but not yet paid."""
    account = _account(session, actor, person_id, account_id, Permission.SPENDING_AUDIT)
    # One at a time per account (a double click sends the same form twice): the second sees the first.
    session.execute(select(DirectPaymentAccount.id).where(DirectPaymentAccount.id == account.id).with_for_update())
    fields = data.model_dump()
    same = session.scalar(
        select(Commitment.id).where(
            Commitment.account_id == account.id,
            Commitment.settled_on.is_(None),
            *(getattr(Commitment, name) == value for name, value in fields.items()),
        )
    )
    if same is not None:
        raise ConflictError(
            f"This commitment is already recorded and not yet paid ({data.description}, "
            f"{format_gbp(data.amount)} due {data.due_on:%d %B %Y}): nothing new was saved.",
            current={"commitment_id": same},
        )
    commitment = Commitment(account_id=account.id, person_id=person_id, **fields)
    session.add(commitment)
    session.flush()
    return CommitmentRead.model_validate(commitment)


def settle_commitment(session: Session, actor: Actor, person_id: int, account_id: int, commitment_id: int) -> None:
    """Mark a commitment paid (it no longer reduces the available balance)."""
    _account(session, actor, person_id, account_id, Permission.SPENDING_AUDIT)
    commitment = session.get(Commitment, commitment_id)
    if commitment is None or commitment.account_id != account_id:
        raise NotFoundError("commitment", commitment_id)
    commitment.settled_on = today()
    session.flush()


def commitments(session: Session, actor: Actor, person_id: int, account_id: int) -> list[CommitmentRead]:
    """Unsettled commitments first, then the settled ones."""
    _account(session, actor, person_id, account_id, Permission.PERSON_READ)
    rows = session.scalars(
        select(Commitment)
        .where(Commitment.account_id == account_id)
        .order_by(Commitment.settled_on.is_not(None), Commitment.due_on)
    )
    return [CommitmentRead.model_validate(c) for c in rows]


def add_connected_person(
    session: Session, actor: Actor, person_id: int, account_id: int, data: ConnectedPersonCreate
) -> ConnectedPersonRead:
    """Record a connected person the account pays, with the plan's agreement when it allows the payments."""
    _account(session, actor, person_id, account_id, Permission.SPENDING_AUDIT)
    if (data.agreement is None) != (data.agreed_on is None):
        field = "agreed_on" if data.agreement else "agreement"
        raise ValidationFailedError({field: "Give both the agreement the plan records and the date it was agreed"})
    connected = ConnectedPerson(account_id=account_id, person_id=person_id, **data.model_dump())
    session.add(connected)
    session.flush()
    return ConnectedPersonRead.model_validate(connected)


def connected_people(session: Session, actor: Actor, person_id: int, account_id: int) -> list[ConnectedPersonRead]:
    """Connected people recorded on the account."""
    _account(session, actor, person_id, account_id, Permission.PERSON_READ)
    rows = session.scalars(select(ConnectedPerson).where(ConnectedPerson.account_id == account_id))
    return [ConnectedPersonRead.model_validate(c) for c in rows]


def sheet_lines(session: Session, actor: Actor, person_id: int) -> list[PlannedLine]:
    """The lines of the person's budget sheet in force (empty before one is built)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return integration.budget_sheet(session, actor, person_id)


def match_transaction(
    session: Session, actor: Actor, person_id: int, account_id: int, transaction_id: int, budget_line_id: int
) -> int:
    """Match a debit to a budget sheet line by hand and learn the payee rule; returns lines matched.

    Every unplanned debit to the same payee on the account follows, and unplanned findings for that payee whose
    lines are all matched now are resolved as accepted.
    """
    account = _account(session, actor, person_id, account_id, Permission.SPENDING_AUDIT)
    line = next((x for x in integration.budget_sheet(session, actor, person_id) if x.id == budget_line_id), None)
    if line is None:
        raise ValidationFailedError({"budget_line_id": "Choose a line of the current budget sheet"})
    tx = StatementTransaction
    debit = session.get(tx, transaction_id)
    if debit is None or debit.account_id != account.id:
        raise NotFoundError("transaction", transaction_id)
    if debit.amount.amount >= 0:
        raise ValidationFailedError({"budget_line_id": "Only money out is matched to the budget sheet"})
    rule = session.scalar(select(PayeeRule).where(PayeeRule.person_id == person_id, PayeeRule.payee == debit.payee))
    if rule is None:
        rule = PayeeRule(
            person_id=person_id,
            payee=debit.payee,
            learnt_by_id=actor.user_id,
            budget_line_id=0,
            budget_line_description="",
        )
        session.add(rule)
    rule.budget_line_id = line.id
    rule.budget_line_description = line.description[:300]
    reason = f"matched by {actor.display_name}: payee rule for {debit.payee} → '{line.description}'"[:300]
    matched = cast(
        "CursorResult[Any]",
        session.execute(
            update(tx)
            .where(tx.account_id == account.id, tx.payee == debit.payee, tx.amount < ZERO, tx.flag_category.is_(None))
            .values(match_status="matched", budget_line_id=line.id, match_reason=reason)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    for finding in session.scalars(
        select(Finding).where(
            Finding.account_id == account.id,
            Finding.kind == "unplanned",
            Finding.payee == debit.payee,
            Finding.status.in_(findings.OPEN_STATUSES),
        )
    ):
        finding.status = "resolved"
        finding.resolution = "accepted"
        finding.resolution_note = f"Matched to budget sheet line '{line.description}'"
        finding.resolved_on = today()
        finding.resolved_by_id = actor.user_id
    session.flush()
    return int(matched or 0)


def spend_against_plan(
    session: Session, actor: Actor, person_id: int, start: dt.date, end: dt.date
) -> tuple[list[SpendRow], list[SpendRow]]:
    """Spend in a period by budget sheet line and by category, against the plan pro rata for the period."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    lines = integration.budget_sheet(session, actor, person_id)
    tx = StatementTransaction
    account_ids = select(DirectPaymentAccount.id).where(DirectPaymentAccount.person_id == person_id)
    spent_rows = session.execute(
        select(tx.budget_line_id, func.sum(tx.amount))
        .where(tx.account_id.in_(account_ids), tx.amount < ZERO, tx.posted_on >= start, tx.posted_on <= end)
        .group_by(tx.budget_line_id)
    ).all()
    spent = {line_id: -to_pence(total) for line_id, total in spent_rows}
    days = (end - start).days + 1
    by_line: list[SpendRow] = []
    by_category: dict[str, list[int]] = {}
    for line in lines:
        if line.management_option != "direct_payment":
            continue
        planned = round(line.annual_pence * days / 365)
        used = spent.pop(line.id, 0)
        by_line.append(_spend_row(str(line.id), line.description, planned, used))
        bucket = by_category.setdefault(line.category, [0, 0])
        bucket[0] += planned
        bucket[1] += used
    unplanned = sum(spent.values())
    if unplanned:
        by_line.append(_spend_row("unplanned", "Not matched to the budget sheet", None, unplanned))
        by_category.setdefault("unplanned", [0, 0])[1] += unplanned
    categories = [
        _spend_row(key, CATEGORY_LABELS.get(key, key.replace("_", " ").capitalize()), planned or None, used)
        for key, (planned, used) in by_category.items()
    ]
    _scale(by_line)
    _scale(categories)
    return by_line, categories


def _spend_row(key: str, label: str, planned: int | None, spent: int) -> SpendRow:
    percent = round(spent * 100 / planned) if planned else None
    return SpendRow(
        key=key,
        label=label,
        planned=None if planned is None else from_pence(planned),
        spent=from_pence(spent),
        percent=percent,
    )


def _scale(rows: list[SpendRow]) -> None:
    """Bar widths 0-100 relative to the largest planned or spent amount, for the server-drawn chart."""
    largest = max((max(to_pence(r.spent), to_pence(r.planned or ZERO)) for r in rows), default=0)
    for row in rows:
        row.bar = round(to_pence(row.spent) * 100 / largest) if largest else 0
