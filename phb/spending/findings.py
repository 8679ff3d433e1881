"""Findings: raising them from an import, and the direct payments team's workflow on each one.

A finding is raised for every flagged debit (an exclusion or a payment to a connected person without a
recorded agreement), for unplanned spending (one finding per payee per import, however many lines), and for a
surplus. The team queries the budget holder, records their explanation, and resolves it: accepted, accepted
with a plan amendment, recovery required (amount, reg 15 ground, time allowed, who repays: a governance
decision, never automatic) or referred to governance.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person, visible_filter
from phb.accounts.models import User, UserRole
from phb.audit.models import AuditEvent
from phb.audit.presentation import describe
from phb.audit.services import because
from phb.clock import today
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.money import ZERO, from_pence, to_pence
from phb.people.models import Person
from phb.people.schemas import Page
from phb.spending import integration
from phb.spending.models import DirectPaymentAccount, Finding, StatementTransaction
from phb.spending.planning import REG15_GROUNDS, DebitGroup, PlannedLine, choose_line
from phb.spending.schemas import (
    AssignInput,
    ExplanationInput,
    FindingRead,
    FindingRow,
    QueryInput,
    Resolution,
    ResolutionInput,
    TransactionRead,
)

DAYS_TO_WORK: Final = 14  # a finding is due two weeks after it is raised unless its owner sets another date
OPEN_STATUSES: Final = ("open", "queried", "explained")
SORTS: Final = {
    "due": (Finding.due_on, Finding.id),
    "amount": (Finding.amount.desc(), Finding.id.desc()),  # both descending: one index, walked backwards
    "raised": (Finding.raised_on.desc(), Finding.id.desc()),
    "person": (Person.family_name, Person.given_name, Finding.id),
}


def _payee_rules(session: Session, person_id: int) -> dict[str, int]:
    from phb.spending.models import PayeeRule  # noqa: PLC0415

    return dict(
        session.execute(select(PayeeRule.payee, PayeeRule.budget_line_id).where(PayeeRule.person_id == person_id)).all()
    )


EMPTY_SHEET = "the budget sheet has no lines yet"


def match_import(
    session: Session, account: DirectPaymentAccount, import_id: int, lines: list[PlannedLine] | None
) -> bool:
    """Match the import's unflagged debits to the budget sheet; the rest are unplanned. False: no sheet lines.

    Without sheet lines the importer already wrote every unflagged debit as unplanned, so there is nothing to do.
    Otherwise one pass reads the new debits, groups them by payee and amount (a match depends on how often and
    over what period a payee was paid that amount), and matched lines are updated by primary key: the cost is one
    scan of the import, not one per group.
    """
    if not lines:
        return False
    tx = StatementTransaction
    new_debits = and_(tx.import_id == import_id, tx.amount < ZERO, tx.flag_category.is_(None))
    groups: dict[tuple[str, int], tuple[list[int], list[dt.date]]] = {}
    for tx_id, payee, amount, posted_on in session.execute(
        select(tx.id, tx.payee, tx.amount, tx.posted_on).where(new_debits)
    ):
        ids, dates = groups.setdefault((payee, -to_pence(amount)), ([], []))
        ids.append(tx_id)
        dates.append(posted_on)
    rules = _payee_rules(session, account.person_id)
    matched: list[dict[str, Any]] = []
    for (payee, pence), (ids, dates) in groups.items():
        match = choose_line(DebitGroup(payee, pence, len(ids), min(dates), max(dates)), lines, rules)
        if match is not None:
            matched.extend({"tid": tx_id, "line": match.line_id, "why": match.reason[:300]} for tx_id in ids)
    if matched:
        session.connection().execute(
            update(tx)
            .where(tx.id == bindparam("tid"))
            .values(match_status="matched", budget_line_id=bindparam("line"), match_reason=bindparam("why")),
            matched,
        )
    session.execute(
        update(tx)
        .where(new_debits, tx.match_status.is_(None))
        .values(match_status="unplanned", match_reason="not on the budget sheet")
        .execution_options(synchronize_session=False)
    )
    return True


@dataclass
class StreamedUnplanned:
    """The unplanned debits of an import into an account with no budget sheet, added up as the lines streamed."""

    count: int = 0
    pence: int = 0  # negative: money out
    first: dt.date | None = None
    last: dt.date | None = None
    payees: set[str] = field(default_factory=set)

    def group(self) -> list[tuple[Any, ...]]:
        """What the grouping query over the import would return: one group, or none."""
        if not self.count:
            return []
        return [(None, from_pence(self.pence), self.count, self.first, self.last, None, len(self.payees))]


def raise_for_import(
    session: Session,
    actor: Actor,
    account: DirectPaymentAccount,
    import_id: int,
    lines: list[PlannedLine] | None,
    streamed: StreamedUnplanned | None = None,
) -> int:
    """Match an import's debits, then raise its findings in bulk; returns how many were raised.

    ``streamed``: with no budget sheet, the importer can add up the unplanned debits as they stream past, when
    every line was added (nothing was a duplicate), so a million-line import is not read back to count them.
    Bulk rows bypass the ORM's audit hook: the import's own audit event records the count.
    """
    has_sheet = match_import(session, account, import_id, lines)
    raised_on = today()
    due_on = raised_on + dt.timedelta(days=DAYS_TO_WORK)
    tx = StatementTransaction
    common = {"status": "open", "owner_id": actor.user_id, "raised_on": raised_on, "due_on": due_on, "version": 1}
    flagged = select(
        literal(account.person_id),
        tx.account_id,
        tx.import_id,
        tx.id,
        literal("exclusion"),
        tx.flag_category,
        tx.payee,
        tx.flag_reason,
        -tx.amount,
        literal(1),
        tx.posted_on,
        tx.posted_on,
        *(literal(v, type_=Finding.__table__.c[k].type) for k, v in common.items()),
    ).where(tx.import_id == import_id, tx.flag_category.is_not(None), tx.flag_category != "connected_person")
    names = [
        "person_id",
        "account_id",
        "import_id",
        "transaction_id",
        "kind",
        "category",
        "payee",
        "reason",
        "amount",
        "line_count",
        "first_date",
        "last_date",
        *common,
    ]
    session.execute(insert(Finding).from_select(names, flagged))
    unplanned = [
        *_grouped(session, account, import_id, tx.flag_category == "connected_person", "connected_person", common),
        *_grouped(
            session,
            account,
            import_id,
            tx.match_status == "unplanned",
            "unplanned",
            common,
            by_payee=has_sheet,
            known=None if has_sheet or streamed is None else streamed.group(),
        ),
    ]
    if unplanned:
        session.execute(insert(Finding), unplanned)
    raised = session.scalar(select(func.count()).where(Finding.import_id == import_id)) or 0
    return raised + raise_surplus(session, actor, account)


def _grouped(
    session: Session,
    account: DirectPaymentAccount,
    import_id: int,
    which: ColumnElement[bool],
    kind: str,
    common: dict[str, Any],
    *,
    by_payee: bool = True,
    known: list[tuple[Any, ...]] | None = None,
) -> list[dict[str, Any]]:
    """One finding per payee (or one for the whole import) for lines that are many but one question.

    Unplanned spending with no budget sheet at all is one finding for the import: the question is the missing
    sheet, not each payee. ``known``: the groups, already added up (``StreamedUnplanned``).
    """
    tx = StatementTransaction
    payee = tx.payee if by_payee else literal(None, type_=tx.payee.type)
    groups = (
        known
        if known is not None
        else session.execute(
            select(
                payee,
                func.sum(tx.amount),
                func.count(),
                func.min(tx.posted_on),
                func.max(tx.posted_on),
                func.min(tx.flag_reason),
                func.count(func.distinct(tx.payee)),
            )
            .where(tx.import_id == import_id, which)
            .group_by(payee)
            .order_by(payee)
        ).all()
    )
    rows = []
    for name, spent, count, first, last, flag_reason, payees in groups:
        if not count:
            continue
        amount = -spent
        lines = "1 payment" if count == 1 else f"{count} payments"
        if kind == "connected_person":
            reason = f"{lines} totalling £{amount.amount:,.2f}: {flag_reason}"
        elif name is None:
            reason = (
                f"{lines} to {payees} payee(s) totalling £{amount.amount:,.2f} could not be matched: "
                "there is no budget sheet to match them against yet"
            )
        else:
            reason = f"{lines} to {name} totalling £{amount.amount:,.2f} not on the budget sheet"
        rows.append(
            {
                "person_id": account.person_id,
                "account_id": account.id,
                "import_id": import_id,
                "transaction_id": None,
                "kind": kind,
                "category": kind,
                "payee": name,
                "reason": reason,
                "amount": amount,
                "line_count": count,
                "first_date": first,
                "last_date": last,
                **common,
            }
        )
    return rows


def raise_surplus(session: Session, actor: Actor, account: DirectPaymentAccount) -> int:
    """Raise a surplus finding when the available balance is above the threshold and none is open already."""
    from phb.spending.services import surplus_of  # noqa: PLC0415 - services imports this module

    check = surplus_of(session, actor, account)
    if not check.flagged:
        return 0
    open_already = session.scalar(
        select(Finding.id).where(
            Finding.account_id == account.id, Finding.kind == "surplus", Finding.status.in_(OPEN_STATUSES)
        )
    )
    if open_already is not None:
        return 0
    raised_on = today()
    session.execute(
        insert(Finding).values(
            person_id=account.person_id,
            account_id=account.id,
            kind="surplus",
            category="surplus",
            reason=(
                f"Available balance £{check.available.amount:,.2f} is above the threshold of "
                f"{check.threshold_weeks} weeks of payments (£{check.threshold.amount:,.2f}) by "
                f"£{check.above.amount:,.2f}"
                if check.threshold is not None
                else "Available balance is above the threshold"
            ),
            amount=check.above,
            line_count=0,
            status="open",
            owner_id=actor.user_id,
            raised_on=raised_on,
            due_on=raised_on + dt.timedelta(days=DAYS_TO_WORK),
            version=1,
        )
    )
    return 1


# -- reading ---------------------------------------------------------------------------------------------------


def _queue_filters(
    actor: Actor,
    status: str,
    category: str,
    owner: str,
    *,
    overdue: bool,
    person_id: int | None,
    account_id: int | None,
    on: dt.date,
) -> list[ColumnElement[bool]]:
    """The queue's conditions, all on the findings table itself (so counting needs no join)."""
    filters = [visible_filter(actor, Finding.person_id)]
    if status == "open":
        filters.append(Finding.status.in_(OPEN_STATUSES))
    elif status and status != "all":
        filters.append(Finding.status == status)
    if category:
        filters.append(Finding.category == category)
    if owner == "me":
        filters.append(Finding.owner_id == actor.user_id)
    elif owner == "none":
        filters.append(Finding.owner_id.is_(None))
    elif owner.isdigit():
        filters.append(Finding.owner_id == int(owner))
    if overdue:
        filters.extend((Finding.status.in_(OPEN_STATUSES), Finding.due_on < on))
    if person_id is not None:
        filters.append(Finding.person_id == person_id)
    if account_id is not None:
        filters.append(Finding.account_id == account_id)
    return filters


# A queue row's columns, named as FindingRow's fields: the page reads 50 rows of these, not 50 whole findings.
_NOT_COLUMNS = {"person_name", "owner_name", "overdue"}
_QUEUE_COLUMNS = (
    *(getattr(Finding, name) for name in FindingRow.model_fields if name not in _NOT_COLUMNS),
    (Person.given_name + " " + Person.family_name).label("person_name"),
    User.display_name.label("owner_name"),
)


def queue(
    session: Session,
    actor: Actor,
    *,
    status: str = "open",
    category: str = "",
    owner: str = "",
    overdue: bool = False,
    person_id: int | None = None,
    account_id: int | None = None,
    sort: str = "due",
    page: int = 1,
    per_page: int = 50,
) -> Page[FindingRow]:
    """The findings the actor may see, filtered and sorted in SQL, one page at a time.

    ``status`` is ``open`` (every unresolved status), ``all`` or one status; ``owner`` is ``me``, ``none``
    or a user id; ``category`` an exclusion category, ``unplanned``, ``connected_person`` or ``surplus``;
    ``person_id`` and ``account_id`` keep one person's (or one account's) findings.
    """
    if not actor.is_staff:
        raise ForbiddenError("You cannot do this: the findings queue is for staff.")
    on = today()
    filters = _queue_filters(
        actor, status, category, owner, overdue=overdue, person_id=person_id, account_id=account_id, on=on
    )
    total = session.scalar(select(func.count()).select_from(Finding).where(*filters)) or 0
    page = max(1, page)
    order = SORTS.get(sort, SORTS["due"])
    # The page's ids first, from the findings table and its (status, due_on) index, then their rows with names:
    # joining people and owners before the LIMIT made the database join and sort every open finding.
    ids = select(Finding.id).where(*filters)
    if sort == "person":
        ids = ids.join(Person, Person.id == Finding.person_id)
    ids = ids.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    rows = session.execute(
        select(*_QUEUE_COLUMNS, and_(Finding.status.in_(OPEN_STATUSES), Finding.due_on < on).label("overdue"))
        .join(Person, Person.id == Finding.person_id)
        .outerjoin(User, User.id == Finding.owner_id)
        .where(Finding.id.in_(ids))
        .order_by(*order)
    )
    return Page[FindingRow](
        items=[FindingRow.model_validate(row) for row in rows], page=page, per_page=per_page, total=total
    )


def _load(session: Session, actor: Actor, finding_id: int, permission: Permission) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFoundError("finding", finding_id)
    require_person(session, actor, permission, finding.person_id)
    return finding


def finding_transactions(session: Session, finding: Finding) -> list[TransactionRead]:
    """The statement lines behind a finding."""
    tx = StatementTransaction
    if finding.transaction_id is not None:
        query = select(tx).where(tx.id == finding.transaction_id)
    elif finding.kind in {"unplanned", "connected_person"} and finding.import_id is not None:
        which = tx.match_status == "unplanned" if finding.kind == "unplanned" else tx.flag_category == finding.kind
        query = select(tx).where(tx.import_id == finding.import_id, which)
        if finding.payee is not None:
            query = query.where(tx.payee == finding.payee)
    else:
        return []
    return [TransactionRead.model_validate(t) for t in session.scalars(query.order_by(tx.posted_on, tx.id).limit(200))]


def detail(session: Session, actor: Actor, finding_id: int) -> FindingRead:
    """A finding with its statement lines and its history in words."""
    finding = _load(session, actor, finding_id, Permission.PERSON_READ)
    person = session.get(Person, finding.person_id)
    owner = session.get(User, finding.owner_id) if finding.owner_id else None
    read = FindingRead.model_validate(finding)
    read.person_name = person.full_name if person else ""
    read.owner_name = owner.display_name if owner else None
    read.overdue = finding.status in OPEN_STATUSES and finding.due_on < today()
    read.transactions = finding_transactions(session, finding)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "dp_findings", AuditEvent.entity_id == str(finding_id))
        .order_by(AuditEvent.id)
    ).all()
    read.history = [
        f"{event.occurred_at:%d/%m/%Y %H:%M} {event.actor_label}: "
        f"{describe(event.action, event.entity_type, event.after)}"
        + (f" (reason: {event.reason})" if event.reason else "")
        for event in events
    ]
    read.decision_status = integration.decision_status(session, finding_id)
    return read


# -- working a finding -----------------------------------------------------------------------------------------


def _editable(session: Session, actor: Actor, finding_id: int, version: int) -> Finding:
    finding = _load(session, actor, finding_id, Permission.SPENDING_AUDIT)
    if finding.version != version:
        raise ConflictError(
            "Someone else changed this finding after you opened it. Check what they did, then try again.",
            current={"status": finding.status, "version": finding.version},
        )
    if finding.status == "resolved":
        raise ValidationFailedError({"status": "This finding is already resolved"})
    return finding


def assign(session: Session, actor: Actor, finding_id: int, data: AssignInput) -> Finding:
    """Give a finding an owner on the direct payments team and a due date."""
    finding = _editable(session, actor, finding_id, data.version)
    if data.owner_id is not None:
        owner = session.get(User, data.owner_id)
        roles = set(session.scalars(select(UserRole.role).where(UserRole.user_id == data.owner_id)))
        if owner is None or not roles & {"direct_payments_officer", "chc_service_manager"}:
            raise ValidationFailedError({"owner_id": "Choose someone on the direct payments team"})
    finding.owner_id = data.owner_id
    finding.due_on = data.due_on
    session.flush()
    return finding


def query_holder(session: Session, actor: Actor, finding_id: int, data: QueryInput) -> Finding:
    """Record the question put to the budget holder."""
    finding = _editable(session, actor, finding_id, data.version)
    finding.query = data.query
    finding.queried_on = today()
    finding.status = "queried"
    finding.owner_id = finding.owner_id or actor.user_id
    with because(session, "queried with the budget holder"):
        session.flush()
    return finding


def record_explanation(session: Session, actor: Actor, finding_id: int, data: ExplanationInput) -> Finding:
    """Record the budget holder's explanation."""
    finding = _editable(session, actor, finding_id, data.version)
    finding.explanation = data.explanation
    finding.explained_on = today()
    finding.status = "explained"
    session.flush()
    return finding


def _governance_summary(finding: Finding, data: ResolutionInput) -> tuple[str, str]:
    if data.resolution is Resolution.RECOVERY_REQUIRED:
        ground = REG15_GROUNDS[data.recovery_ground or ""]
        amount = data.recovery_amount or finding.amount
        return "financial_audit", (
            f"Repayment of £{amount.amount:,.2f} under reg 15({data.recovery_ground}) ({ground}): {finding.reason}"
        )
    if finding.kind == "unplanned":
        return "flexible_budget_spend", f"Agreeing flexible budget spend: {finding.reason}"
    return "financial_audit", f"Direct payment audit finding: {finding.reason}"


def resolve(session: Session, actor: Actor, finding_id: int, data: ResolutionInput) -> Finding:
    """Resolve a finding. Recovery and referral go to governance for a decision: nothing is recovered here."""
    finding = _editable(session, actor, finding_id, data.version)
    if data.resolution is Resolution.RECOVERY_REQUIRED:
        errors = {}
        if data.recovery_amount is None or data.recovery_amount.amount <= 0:
            errors["recovery_amount"] = "Enter the amount to be repaid"
        elif data.recovery_amount > finding.amount and finding.kind != "surplus":
            errors["recovery_amount"] = "The amount to be repaid cannot be more than the amount found"
        if data.recovery_ground is None:
            errors["recovery_ground"] = "Choose the ground for repayment under regulation 15"
        if data.repay_within_days is None:
            errors["repay_within_days"] = "Enter the number of days allowed to repay"
        if not data.repay_by:
            errors["repay_by"] = "Say who must repay"
        if errors:
            raise ValidationFailedError(errors)
        finding.recovery_amount = data.recovery_amount
        finding.recovery_ground = data.recovery_ground
        finding.repay_within_days = data.repay_within_days
        finding.repay_by = data.repay_by
    finding.resolution = data.resolution.value
    finding.resolution_note = data.note
    finding.resolved_on = today()
    finding.resolved_by_id = actor.user_id
    finding.status = "resolved"
    if data.resolution in {Resolution.RECOVERY_REQUIRED, Resolution.REFERRED_TO_GOVERNANCE}:
        decision_type, summary = _governance_summary(finding, data)
        session.flush()  # the request reads the sum at issue from the finding
        referral = integration.raise_decision(
            session,
            actor,
            person_id=finding.person_id,
            finding_id=finding.id,
            decision_type=decision_type,
            summary=summary[:1000],
        )
        finding.decision_request_id = referral.request_id
        finding.referral_note = referral.note
    with because(session, data.note):
        session.flush()
    return finding


def refer_flexible_spend(session: Session, actor: Actor, finding_id: int, version: int) -> Finding:
    """Send unplanned spending as an 'agreeing flexible budget spend' decision request."""
    finding = _editable(session, actor, finding_id, version)
    if finding.kind != "unplanned":
        raise ValidationFailedError({"finding": "Only unplanned spending goes for a flexible budget spend decision"})
    return resolve(
        session,
        actor,
        finding_id,
        ResolutionInput(
            resolution=Resolution.REFERRED_TO_GOVERNANCE,
            note="Sent for an agreeing flexible budget spend decision",
            version=version,
        ),
    )


def team(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(id, name) of the people who may own findings."""
    if not actor.is_staff:
        raise ForbiddenError("You cannot do this: the findings queue is for staff.")
    rows = session.execute(
        select(User.id, User.display_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(["direct_payments_officer", "chc_service_manager"]))
        .distinct()
        .order_by(User.display_name)
    )
    return [(int(i), str(n)) for i, n in rows]


def open_count(session: Session, account_id: int) -> int:
    """Unresolved findings on an account."""
    return int(
        session.scalar(select(func.count()).where(Finding.account_id == account_id, Finding.status.in_(OPEN_STATUSES)))
        or 0
    )


def recovered_total(session: Session, person_id: int) -> int:
    """Pence of recovery required across a person's findings."""
    total = session.scalar(
        select(func.sum(Finding.recovery_amount)).where(
            Finding.person_id == person_id, Finding.resolution == "recovery_required"
        )
    )
    return 0 if total is None else to_pence(total)


__all__ = [
    "OPEN_STATUSES",
    "assign",
    "detail",
    "open_count",
    "query_holder",
    "queue",
    "raise_for_import",
    "record_explanation",
    "recovered_total",
    "refer_flexible_spend",
    "resolve",
    "team",
]


class RepaymentNotice(FindingRead):
    """What a repayment notice states (reg 15): reasons, amount, time allowed, who must repay."""

    person_address: str | None = None
    ground_text: str = ""
    pay_by: dt.date | None = None


def repayment_notice(session: Session, actor: Actor, finding_id: int) -> RepaymentNotice:
    """The repayment notice for a finding resolved as 'recovery required'."""
    read = detail(session, actor, finding_id)
    if read.resolution != Resolution.RECOVERY_REQUIRED.value:
        raise NotFoundError("repayment notice", finding_id)
    person = session.get(Person, read.person_id)
    notice = RepaymentNotice.model_validate(read.model_dump())
    notice.person_address = person.address if person else None
    notice.ground_text = REG15_GROUNDS.get(read.recovery_ground or "", "")
    if read.resolved_on and read.repay_within_days:
        notice.pay_by = read.resolved_on + dt.timedelta(days=read.repay_within_days)
    return notice
