"""Budget use cases: rate cards, assessments, indicative and final budgets, the budget sheet, payment schedules.

Every function takes the acting user and asks :mod:`phb.access.services` first; none commits. Records are never
overwritten: a change adds a row (a sheet version, a line, a final budget, a decision, a schedule) and the old
ones stay, so any version can be shown again and compared.

Authorisation of indicative and final budgets goes through the governance framework: proposing one raises a
decision request about it here, and :mod:`phb.budgets.decisions` decides it and records each outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from moneyed import Money
from sqlalchemy import BindParameter, ColumnElement, Integer, Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission, decide
from phb.access.services import relationship, require, require_person
from phb.accounts.models import User
from phb.audit.services import because
from phb.budgets import rules
from phb.budgets.exclusions import line_exclusion
from phb.budgets.models import (
    Assessment,
    AssessmentItem,
    BudgetDecision,
    BudgetSheetLine,
    BudgetSheetVersion,
    FinalBudget,
    IndicativeBudget,
    PaymentSchedule,
    RateCard,
    ScheduledPayment,
    from_hundredths,
    to_hundredths,
)
from phb.budgets.rules import Category, Frequency, ManagementOption, PaymentFrequency
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    AssessmentItemRead,
    AssessmentRead,
    AuthorisationRequestRead,
    BreakdownLineRead,
    BudgetOverview,
    DecisionRead,
    FinalBudgetCreate,
    FinalBudgetRead,
    IndicativeBudgetRead,
    IndicativeCalculate,
    LineDifference,
    PaymentScheduleRead,
    RateCardCreate,
    RateCardRead,
    ScheduledPaymentRead,
    SheetChange,
    SheetComparison,
    SheetLineCreate,
    SheetLineRead,
    SheetRead,
    SheetVersionRead,
    Status,
    TotalRead,
    VarianceExplanation,
)
from phb.budgets.standing import Standing
from phb.clock import today
from phb.db import is_postgresql, utcnow
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.governance import services as governance
from phb.governance.models import DecisionOutcome, DecisionRequest
from phb.governance.rules import DecisionType
from phb.money import ZERO, format_gbp, from_pence, to_pence, total
from phb.people.models import Person

INDICATIVE = "indicative_budget"
FINAL = "final_budget"
SHEET_CHANGE = "budget_sheet_change"  # a change to an authorised sheet, decided by a budget review
SHEET_VERSION = "sheet_version"  # a BudgetDecision that a budget review approved this sheet version (by number)
RATE_FIELDS = (*rules.RATE_KEYS, "payroll_fee_monthly")


def _rule_error(exc: rules.BudgetRuleError) -> ValidationFailedError:
    return ValidationFailedError({exc.field: exc.message})


# --- rate card ----------------------------------------------------------------------------------------------------


def _rate_card_read(card: RateCard) -> RateCardRead:
    hundredths = card.employer_on_costs_hundredths
    return RateCardRead(
        id=card.id,
        version=card.version,
        effective_from=card.effective_from,
        **{key: getattr(card, key) for key in RATE_FIELDS},
        employer_on_costs_percent=None if hundredths is None else from_hundredths(hundredths),
        notes=card.notes,
        created_at=card.created_at,
    )


def _rates(card: RateCard) -> rules.RateCardRates:
    hundredths = card.employer_on_costs_hundredths
    return rules.RateCardRates(
        version=card.version,
        effective_from=card.effective_from,
        rates={key: getattr(card, key) for key in rules.RATE_KEYS},
        employer_on_costs_percent=None if hundredths is None else from_hundredths(hundredths),
        payroll_fee_monthly=card.payroll_fee_monthly,
    )


def _require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise ForbiddenError("You cannot do this: the rate card is for NHS staff.")


def list_rate_cards(session: Session, actor: Actor) -> list[RateCardRead]:
    """Every rate card version, newest first (any member of staff may read the rate card)."""
    _require_staff(actor)
    cards = session.scalars(select(RateCard).order_by(RateCard.effective_from.desc()))
    return [_rate_card_read(card) for card in cards]


def get_rate_card(session: Session, actor: Actor, rate_card_id: int) -> RateCardRead:
    """One rate card version."""
    _require_staff(actor)
    card = session.get(RateCard, rate_card_id)
    if card is None:
        raise NotFoundError("rate card", rate_card_id)
    return _rate_card_read(card)


def rate_card_on(session: Session, day: dt.date) -> RateCard | None:
    """The rate card version in force on ``day`` (the newest one that started on or before it)."""
    return session.scalar(
        select(RateCard).where(RateCard.effective_from <= day).order_by(RateCard.effective_from.desc()).limit(1)
    )


def current_rate_card(session: Session, actor: Actor, day: dt.date | None = None) -> RateCardRead | None:
    """The rate card in force today (or on ``day``)."""
    _require_staff(actor)
    card = rate_card_on(session, day or today())
    return None if card is None else _rate_card_read(card)


def require_rate_card_admin(session: Session, actor: Actor) -> None:
    """Refuse anyone but an administrator (403) before they fill in a rate card form."""
    require(session, actor, Permission.CONFIG_ADMIN)


def add_rate_card(session: Session, actor: Actor, data: RateCardCreate) -> RateCardRead:
    """Add a new rate card version (administrators). Earlier versions are kept for the budgets that used them."""
    require(session, actor, Permission.CONFIG_ADMIN)
    if session.scalar(select(RateCard.id).where(RateCard.effective_from == data.effective_from)) is not None:
        raise ValidationFailedError(
            {"effective_from": "A rate card version already starts on this date: choose another date"}
        )
    if all(getattr(data, key) is None for key in rules.RATE_KEYS):
        raise ValidationFailedError({"pa_weekday_hour": "Enter at least one rate"})
    version = (session.scalar(select(func.max(RateCard.version))) or 0) + 1
    percent = data.employer_on_costs_percent
    card = RateCard(
        version=version,
        effective_from=data.effective_from,
        **{key: getattr(data, key) for key in RATE_FIELDS},
        employer_on_costs_hundredths=None if percent is None else to_hundredths(percent),
        notes=data.notes,
        created_by_id=actor.user_id,
    )
    session.add(card)
    session.flush()
    return _rate_card_read(card)


# --- assessment of need -------------------------------------------------------------------------------------------


def _assessment_read(
    session: Session, assessment: Assessment, items: Sequence[AssessmentItem] | None = None
) -> AssessmentRead:
    if items is None:
        items = session.scalars(
            select(AssessmentItem).where(AssessmentItem.assessment_id == assessment.id).order_by(AssessmentItem.id)
        ).all()
    return AssessmentRead(
        id=assessment.id,
        assessed_on=assessment.assessed_on,
        assessor_name=assessment.assessor_name,
        summary=assessment.summary,
        locked=assessment.locked,
        created_at=assessment.created_at,
        items=[
            AssessmentItemRead(
                id=item.id,
                kind=rules.NeedKind(item.kind),
                description=item.description,
                quantity=from_hundredths(item.quantity_hundredths),
                frequency=Frequency(item.frequency),
                unit_cost=item.unit_cost,
            )
            for item in items
        ],
    )


def _add_item(session: Session, assessment_id: int, data: AssessmentItemCreate) -> None:
    session.add(
        AssessmentItem(
            assessment_id=assessment_id,
            kind=data.kind.value,
            description=data.description,
            quantity_hundredths=to_hundredths(data.quantity),
            frequency=data.frequency.value,
            unit_cost=data.unit_cost,
        )
    )


def record_assessment(session: Session, actor: Actor, person_id: int, data: AssessmentCreate) -> AssessmentRead:
    """Record an assessment of need, with the actor as assessor (needs can be added until it is used)."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    assessment = Assessment(
        person_id=person_id,
        assessed_on=data.assessed_on,
        assessor_id=actor.user_id,
        assessor_name=actor.display_name,
        summary=data.summary,
    )
    session.add(assessment)
    session.flush()
    for item in data.items:
        _add_item(session, assessment.id, item)
    session.flush()
    return _assessment_read(session, assessment)


def _open_assessment(session: Session, person_id: int, assessment_id: int) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or assessment.person_id != person_id:
        raise NotFoundError("assessment", assessment_id)
    if assessment.locked:
        raise ValidationFailedError(
            {
                "assessment": "This assessment has been used for an indicative budget, so it cannot change. "
                "Record a new assessment instead."
            }
        )
    return assessment


def add_assessment_item(
    session: Session, actor: Actor, person_id: int, assessment_id: int, data: AssessmentItemCreate
) -> AssessmentRead:
    """Add an assessed need to an assessment that has not been used yet."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    assessment = _open_assessment(session, person_id, assessment_id)
    _add_item(session, assessment.id, data)
    session.flush()
    return _assessment_read(session, assessment)


def remove_assessment_item(
    session: Session, actor: Actor, person_id: int, assessment_id: int, item_id: int
) -> AssessmentRead:
    """Take a need off an assessment that has not been used yet."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    assessment = _open_assessment(session, person_id, assessment_id)
    item = session.get(AssessmentItem, item_id)
    if item is None or item.assessment_id != assessment.id:
        raise NotFoundError("assessed need", item_id)
    session.delete(item)
    session.flush()
    return _assessment_read(session, assessment)


def list_assessments(session: Session, actor: Actor, person_id: int) -> list[AssessmentRead]:
    """A person's assessments, newest first."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _assessments(session, person_id)


def _assessments(session: Session, person_id: int) -> list[AssessmentRead]:
    rows = session.scalars(
        select(Assessment).where(Assessment.person_id == person_id).order_by(Assessment.id.desc())
    ).all()
    items: dict[int, list[AssessmentItem]] = {a.id: [] for a in rows}
    if rows:
        for item in session.scalars(
            select(AssessmentItem).where(AssessmentItem.assessment_id.in_(items)).order_by(AssessmentItem.id)
        ):
            items[item.assessment_id].append(item)
    return [_assessment_read(session, a, items[a.id]) for a in rows]


# --- decisions ----------------------------------------------------------------------------------------------------


def _decision_read(decision: BudgetDecision) -> DecisionRead:
    return DecisionRead.model_validate(decision)


def _status(decision: BudgetDecision | None, request: DecisionRequest | None) -> Status:
    if decision is not None and (request is None or request.status != "open"):
        return "authorised" if decision.outcome == "authorised" else "refused"
    if request is not None and request.first_approver_id is not None:
        return "awaiting second approval"
    return "awaiting authorisation"


def _request_read(session: Session, request: DecisionRequest | None) -> AuthorisationRequestRead | None:
    if request is None:
        return None
    first = None if request.first_approver_id is None else session.get(User, request.first_approver_id)
    return AuthorisationRequestRead(
        id=request.id,
        status=request.status,
        level=request.current_level,
        at_panel=request.at_panel,
        routing_reason=request.routing_reason,
        first_approver_name=None if first is None else first.display_name,
    )


def lock_person(session: Session, person_id: int) -> None:
    """Serialise changes to one person's budget (PostgreSQL row lock; SQLite transactions are already IMMEDIATE)."""
    if is_postgresql(session):
        session.execute(select(Person.id).where(Person.id == person_id).with_for_update())


# --- indicative budget --------------------------------------------------------------------------------------------


def _indicative_read(
    session: Session, budget: IndicativeBudget, standing: Standing | None = None
) -> IndicativeBudgetRead:
    card = session.get(RateCard, budget.rate_card_id)
    assert card is not None  # noqa: S101 - a foreign key guarantees it
    standing = standing or Standing.of_subject(session, INDICATIVE, budget.id)
    decision, request = standing.decision(INDICATIVE, budget.id), standing.request(INDICATIVE, budget.id)
    breakdown = [
        BreakdownLineRead(
            text=line["text"], category=Category(line["category"]), annual=from_pence(line["annual"]), kind=line["kind"]
        )
        for line in json.loads(budget.breakdown)
    ]
    return IndicativeBudgetRead(
        id=budget.id,
        number=budget.number,
        annual_amount=budget.annual_amount,
        assessment_id=budget.assessment_id,
        rate_card_id=card.id,
        rate_card_version=card.version,
        rate_card_effective_from=card.effective_from,
        breakdown=breakdown,
        proposed_by_id=budget.proposed_by_id,
        proposed_by_name=budget.proposed_by_name,
        proposed_at=budget.proposed_at,
        reason=budget.reason,
        status=_status(decision, request),
        decision=None if decision is None else _decision_read(decision),
        request=_request_read(session, request),
    )


def _needs(session: Session, assessment_id: int) -> list[rules.Need]:
    items = session.scalars(
        select(AssessmentItem).where(AssessmentItem.assessment_id == assessment_id).order_by(AssessmentItem.id)
    )
    return [
        rules.Need(
            kind=rules.NeedKind(item.kind),
            quantity=from_hundredths(item.quantity_hundredths),
            frequency=Frequency(item.frequency),
            description=item.description,
            unit_cost=item.unit_cost,
        )
        for item in items
    ]


def _breakdown_json(calculation: rules.IndicativeCalculation) -> str:
    return json.dumps(
        [
            {
                "text": line.text,
                "category": line.category.value,
                "annual": to_pence(line.annual),
                "kind": line.kind,
                "unit_cost": None if line.unit_cost is None else to_pence(line.unit_cost),
                "quantity": None if line.quantity is None else str(line.quantity),
                "frequency": None if line.frequency is None else line.frequency.value,
                "description": line.description,
            }
            for line in calculation.lines
        ]
    )


def calculate_indicative_budget(
    session: Session, actor: Actor, person_id: int, data: IndicativeCalculate
) -> IndicativeBudgetRead:
    """Work out an indicative budget from an assessment x the rate card in force on ``priced_on`` (default today).

    The budget remembers the rate card version; the assessment is locked so the breakdown stays true.
    """
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    assessment = session.get(Assessment, data.assessment_id)
    if assessment is None or assessment.person_id != person_id:
        raise ValidationFailedError({"assessment_id": "Choose one of this person's assessments"})
    priced_on = data.priced_on or today()
    card = rate_card_on(session, priced_on)
    if card is None:
        raise ValidationFailedError(
            {"priced_on": f"No rate card is in force on {priced_on:%d/%m/%Y}: ask an administrator to add one"}
        )
    try:
        calculation = rules.calculate_indicative(_needs(session, assessment.id), _rates(card))
    except rules.BudgetRuleError as exc:
        raise _rule_error(exc) from exc
    lock_person(session, person_id)
    number = (
        session.scalar(select(func.max(IndicativeBudget.number)).where(IndicativeBudget.person_id == person_id)) or 0
    ) + 1
    budget = IndicativeBudget(
        person_id=person_id,
        number=number,
        assessment_id=assessment.id,
        rate_card_id=card.id,
        annual_amount=calculation.annual,
        breakdown=_breakdown_json(calculation),
        proposed_by_id=actor.user_id,
        proposed_by_name=actor.display_name,
        proposed_at=utcnow(),
        reason=data.reason,
    )
    assessment.locked = True
    session.add(budget)
    earlier = list(session.scalars(select(IndicativeBudget.id).where(IndicativeBudget.person_id == person_id)))
    with because(session, data.reason):
        session.flush()
        governance.withdraw_open_requests(
            session,
            actor,
            subject_type=INDICATIVE,
            subject_ids=earlier,
            reason=f"Replaced by indicative budget {number}, proposed by {actor.display_name}.",
        )
        governance.raise_request(  # the router picks the level from the amount and the person's risk
            session,
            actor,
            person_id=person_id,
            decision_type=DecisionType.INDICATIVE_BUDGET_AUTHORISATION,
            subject_type=INDICATIVE,
            subject_id=budget.id,
            amount=budget.annual_amount,
            # The person reads this in their decision notice: no record or version numbers.
            summary=f"An indicative budget of {format_gbp(budget.annual_amount)} a year, to plan your care and "
            "support with",
        )
    return _indicative_read(session, budget)


def _indicative_budgets(session: Session, person_id: int) -> list[IndicativeBudgetRead]:
    rows = _newest_first(session, IndicativeBudget, person_id)
    standing = Standing.of_person(session, person_id, (INDICATIVE,))
    return [_indicative_read(session, b, standing) for b in rows]


def list_indicative_budgets(session: Session, actor: Actor, person_id: int) -> list[IndicativeBudgetRead]:
    """A person's indicative budgets, newest first."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _indicative_budgets(session, person_id)


OwnedBudget = TypeVar("OwnedBudget", IndicativeBudget, FinalBudget)


# Statements every budget page and sheet read runs, built once with the person (and version) as parameters:
# building them cost more than running them.
_PERSON_ID = bindparam("person_id", type_=Integer)
_NEWEST_FIRST: dict[type[Any], Select[Any]] = {
    model: select(model).where(model.person_id == _PERSON_ID).order_by(model.number.desc())
    for model in (IndicativeBudget, FinalBudget)
}


def _newest_first(session: Session, model: type[OwnedBudget], person_id: int) -> Sequence[OwnedBudget]:
    """A person's indicative or final budgets, highest number first."""
    return session.scalars(_NEWEST_FIRST[model], {"person_id": person_id}).all()


def owned_budget(
    session: Session, actor: Actor, person_id: int, model: type[OwnedBudget], budget_id: int
) -> OwnedBudget:
    """An indicative or final budget of this person that the actor may see (else 404, as if it did not exist)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    budget = session.get(model, budget_id)
    if budget is None or budget.person_id != person_id:
        raise NotFoundError("indicative budget" if model is IndicativeBudget else "final budget", budget_id)
    return budget


def indicative_budget(
    session: Session, actor: Actor, person_id: int, indicative_budget_id: int
) -> IndicativeBudgetRead:
    """One of a person's indicative budgets, with where its authorisation stands."""
    return _indicative_read(session, owned_budget(session, actor, person_id, IndicativeBudget, indicative_budget_id))


_AUTHORISED_INDICATIVE = (
    select(IndicativeBudget)
    .join(
        BudgetDecision,
        and_(BudgetDecision.subject_type == INDICATIVE, BudgetDecision.subject_id == IndicativeBudget.id),
    )
    .where(IndicativeBudget.person_id == _PERSON_ID, BudgetDecision.outcome == "authorised")
    .order_by(IndicativeBudget.number.desc())
    .limit(1)
)


def _authorised_indicative(session: Session, person_id: int) -> IndicativeBudget | None:
    return session.scalar(_AUTHORISED_INDICATIVE, {"person_id": person_id})


# --- the budget sheet ---------------------------------------------------------------------------------------------


def _alive_in(number: int | BindParameter[int]) -> ColumnElement[bool]:
    return and_(
        BudgetSheetLine.added_in <= number,
        or_(BudgetSheetLine.removed_in.is_(None), BudgetSheetLine.removed_in > number),
    )


_LATEST_VERSION = (
    select(BudgetSheetVersion)
    .where(BudgetSheetVersion.person_id == _PERSON_ID)
    .order_by(BudgetSheetVersion.number.desc())
    .limit(1)
)


def _latest_version(session: Session, person_id: int) -> BudgetSheetVersion | None:
    return session.scalar(_LATEST_VERSION, {"person_id": person_id})


# The lines of one version of a person's sheet, in sheet order: as ORM objects, or as the read model's columns.
_LINES_OF = (
    select(BudgetSheetLine)
    .where(BudgetSheetLine.person_id == _PERSON_ID, _alive_in(bindparam("number", type_=Integer)))
    .order_by(BudgetSheetLine.position, BudgetSheetLine.id)
)


def _lines_of(session: Session, person_id: int, number: int) -> list[BudgetSheetLine]:
    return list(session.scalars(_LINES_OF, {"person_id": person_id, "number": number}))


_LINE_COLUMNS = (
    BudgetSheetLine.id,
    BudgetSheetLine.line_key,
    BudgetSheetLine.description,
    BudgetSheetLine.outcomes,
    BudgetSheetLine.category,
    BudgetSheetLine.unit_cost,
    BudgetSheetLine.quantity_hundredths,
    BudgetSheetLine.frequency,
    BudgetSheetLine.annual_cost,
    BudgetSheetLine.management_option,
)


_LINES_IN_VERSION = _LINES_OF.with_only_columns(*_LINE_COLUMNS)


def _line_reads(session: Session, person_id: int, number: int) -> list[SheetLineRead]:
    """The lines of sheet version ``number`` as read models, from plain rows (no ORM objects: a sheet has dozens)."""
    rows = session.execute(_LINES_IN_VERSION, {"person_id": person_id, "number": number})
    return [_line_read(row) for row in rows]


def _line_read(line: BudgetSheetLine | Row[*tuple[Any, ...]]) -> SheetLineRead:
    # Built without validation: every value comes from a typed column (Money, Decimal, the enums), so validating
    # would only re-check what the database holds, and cost more than reading the rows (the same read models
    # come out: compared over 12,330 generated lines).
    return SheetLineRead.model_construct(
        id=line.id,
        line_key=line.line_key,
        description=line.description,
        outcomes=[o.strip() for o in line.outcomes.splitlines() if o.strip()],
        category=Category(line.category),
        unit_cost=line.unit_cost,
        quantity=from_hundredths(line.quantity_hundredths),
        frequency=Frequency(line.frequency),
        annual_cost=line.annual_cost,
        management_option=ManagementOption(line.management_option),
    )


def _percent(part: Money, whole: Money) -> Decimal:
    if whole.amount == 0:
        return Decimal(0)
    return (part.amount * 100 / whole.amount).quantize(Decimal("0.1"))


_AUTHORISED_FINAL = (
    select(FinalBudget)
    .join(BudgetDecision, and_(BudgetDecision.subject_type == FINAL, BudgetDecision.subject_id == FinalBudget.id))
    .where(FinalBudget.person_id == _PERSON_ID, BudgetDecision.outcome == "authorised")
    .order_by(FinalBudget.number.desc())
    .limit(1)
)


def _authorised_final(session: Session, person_id: int) -> FinalBudget | None:
    return session.scalar(_AUTHORISED_FINAL, {"person_id": person_id})


def authorised_version(session: Session, person_id: int, final: FinalBudget | None = None) -> int | None:
    """The sheet version in force: the authorised final budget's, or a later one a budget review approved.

    None before a final budget is authorised (the sheet is still being planned, every version is a proposal).
    """
    final = final if final is not None else _authorised_final(session, person_id)
    if final is None:
        return None
    reviewed = session.scalar(
        select(func.max(BudgetDecision.subject_id)).where(
            BudgetDecision.person_id == person_id,
            BudgetDecision.subject_type == SHEET_VERSION,
            BudgetDecision.outcome == "authorised",
        )
    )
    return max(final.sheet_version, reviewed or 0)


def _review_change(session: Session, actor: Actor, person_id: int, change: str) -> None:
    """A change to an authorised sheet is a draft: it raises a budget review decision, unless one is open already.

    The review is bound to the budget in force (``SHEET_CHANGE``), so the router reads its amount and increase from
    the record; approving it makes the draft the version in force (``phb.budgets.decisions``).
    """
    final = _authorised_final(session, person_id)
    if final is None:
        return
    latest = _latest_version(session, person_id)
    if latest is None or latest.number <= (authorised_version(session, person_id, final) or 0):
        return
    open_request = governance.request_for(session, SHEET_CHANGE, final.id)
    if open_request is not None and open_request.status == "open":
        return
    governance.raise_request(
        session,
        actor,
        person_id=person_id,
        decision_type=DecisionType.BUDGET_REVIEW,
        subject_type=SHEET_CHANGE,
        subject_id=final.id,
        summary=f"Review the budget: the budget sheet was changed after it was authorised ({change})",
    )


def _sheet_read(
    session: Session,
    person_id: int,
    number: int | None = None,
    authorised: tuple[FinalBudget | None, IndicativeBudget | None] | None = None,
    *,
    in_force: bool = False,
) -> SheetRead:
    """Version ``number`` of the sheet (default the latest), with totals against the budgets in force.

    ``authorised`` passes in the final budget in force and the indicative budget when the caller has loaded them.
    ``in_force``: the version the budget in force authorises instead of the latest (the latest before one is, or
    when the authorised version was never kept here).
    """
    if authorised is None:
        final = _authorised_final(session, person_id)
        indicative = _authorised_indicative(session, person_id) or session.scalar(
            select(IndicativeBudget)
            .where(IndicativeBudget.person_id == person_id)
            .order_by(IndicativeBudget.number.desc())
            .limit(1)
        )
    else:
        final, indicative = authorised
    in_force_number = authorised_version(session, person_id, final) if final is not None else None
    latest = _latest_version(session, person_id)
    latest_number = latest.number if latest else 0
    if in_force and in_force_number is not None:
        number = in_force_number
    if number is None or number == latest_number:
        number, version = latest_number, latest
    else:
        version = session.scalar(
            select(BudgetSheetVersion).where(
                BudgetSheetVersion.person_id == person_id, BudgetSheetVersion.number == number
            )
        )
        if version is None and in_force:  # a budget authorised before its sheet was kept here
            number, version = latest_number, latest
    if number and version is None:
        raise NotFoundError("budget sheet version", number)
    lines = _line_reads(session, person_id, number) if number else []
    explanation = version.variance_explanation if version else None
    totals = rules.sheet_totals(
        ((line.category, line.management_option, line.annual_cost) for line in lines),
        final_budget=None if final is None else final.annual_amount,
        indicative=None if indicative is None else indicative.annual_amount,
        variance_explanation=explanation or (final.variance_explanation if final else None),
    )
    return SheetRead(
        person_id=person_id,
        version=number,
        latest_version=latest_number,
        created_at=version.created_at if version else None,
        created_by_name=version.created_by_name if version else None,
        change=version.change if version else None,
        reason=version.reason if version else None,
        lines=lines,
        annual_total=totals.annual,
        by_category=[
            TotalRead(key=c.value, label=c.label, amount=m, percent=_percent(m, totals.annual))
            for c, m in totals.by_category.items()
        ],
        by_management_option=[
            TotalRead(key=o.value, label=o.label, amount=m, percent=_percent(m, totals.annual))
            for o, m in totals.by_management_option.items()
        ],
        final_budget_annual=totals.final_budget,
        remaining=totals.remaining,
        indicative_annual=totals.indicative,
        variance=totals.variance,
        variance_explanation=totals.variance_explanation,
        authorised_version=in_force_number,
    )


def current_sheet(session: Session, actor: Actor, person_id: int) -> SheetRead:
    """The person's budget sheet as it stands (its latest version), with totals and the authorised final budget.

    ``.lines`` (each with ``id``, ``description``, ``category``, ``annual_cost`` as Money and ``management_option``)
    and ``.final_budget_annual`` (Money, or None before a final budget is authorised) are relied on by other areas.
    """
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _sheet_read(session, person_id)


def sheet_in_force(session: Session, actor: Actor, person_id: int) -> SheetRead:
    """The sheet as authorised (what is paid), or the latest version while none is authorised yet.

    What the person sees as their budget sheet: a change made after authorisation is shown beside it as a draft
    (``has_draft``) until a budget review decides it.
    """
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _sheet_read(session, person_id, in_force=True)


def sheet_version(session: Session, actor: Actor, person_id: int, number: int) -> SheetRead:
    """A past (or the current) version of the budget sheet, exactly as it was."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _sheet_read(session, person_id, number)


def sheet_versions(session: Session, actor: Actor, person_id: int) -> list[SheetVersionRead]:
    """Every version of the sheet, newest first: who changed what, when and why, and the total after it."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    versions = session.scalars(
        select(BudgetSheetVersion)
        .where(BudgetSheetVersion.person_id == person_id)
        .order_by(BudgetSheetVersion.number.desc())
    ).all()
    lines = session.scalars(select(BudgetSheetLine).where(BudgetSheetLine.person_id == person_id)).all()
    result = []
    for v in versions:
        alive = [
            line.annual_cost
            for line in lines
            if line.added_in <= v.number and (line.removed_in is None or line.removed_in > v.number)
        ]
        result.append(
            SheetVersionRead(
                number=v.number,
                change=v.change,
                reason=v.reason,
                created_by_name=v.created_by_name,
                created_at=v.created_at,
                annual_total=total(alive),
            )
        )
    return result


def _new_version(
    session: Session,
    actor: Actor,
    person_id: int,
    *,
    change: str,
    reason: str | None,
    expected: int | None,
    variance_explanation: str | None = None,
) -> BudgetSheetVersion:
    """Open the next sheet version, refusing if someone else saved a newer one since the editor looked."""
    lock_person(session, person_id)
    latest = _latest_version(session, person_id)
    current = latest.number if latest else 0
    if expected is not None and expected != current:
        raise ConflictError(
            f"Someone else changed this budget sheet (it is now at version {current}, you were looking at version "
            f"{expected}). Check the sheet below, then make your change again.",
            current={"sheet_version": current},
        )
    version = BudgetSheetVersion(
        person_id=person_id,
        number=current + 1,
        change=change[:300],
        reason=reason,
        variance_explanation=variance_explanation
        if variance_explanation is not None
        else (latest.variance_explanation if latest else None),
        created_by_id=actor.user_id,
        created_by_name=actor.display_name,
        created_at=utcnow(),
    )
    session.add(version)
    session.flush()
    return version


def _new_line(person_id: int, number: int, data: SheetLineCreate, *, key: str, position: int) -> BudgetSheetLine:
    annual = rules.annual_cost(data.unit_cost, data.quantity, data.frequency)
    return BudgetSheetLine(
        person_id=person_id,
        line_key=key,
        added_in=number,
        position=position,
        description=data.description,
        outcomes="\n".join(o.strip() for o in data.outcomes.splitlines() if o.strip()),
        category=data.category.value,
        unit_cost=data.unit_cost,
        quantity_hundredths=to_hundredths(data.quantity),
        frequency=data.frequency.value,
        annual_cost=annual,
        management_option=data.management_option.value,
    )


def _current_line(session: Session, person_id: int, line_id: int) -> BudgetSheetLine:
    """The line as it is now, read under the person lock (taken here) so a change made meanwhile is seen.

    Read before the lock, two simultaneous changes of one line both found it current and both added a new row:
    the line appeared twice and the sheet total counted it twice (issue 24, item 1).
    """
    lock_person(session, person_id)
    line = session.scalar(
        select(BudgetSheetLine).where(BudgetSheetLine.id == line_id).execution_options(populate_existing=True)
    )
    if line is None or line.person_id != person_id:
        raise NotFoundError("budget sheet line", line_id)
    if line.removed_in is not None:
        raise ConflictError(
            "This line has been changed or removed since you opened it. Check the sheet below, then try again.",
            current={"sheet_version": line.removed_in},
        )
    return line


def add_line(session: Session, actor: Actor, person_id: int, data: SheetLineCreate) -> SheetRead:
    """Add a line to the budget sheet (a new version)."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    version = _new_version(
        session, actor, person_id, change=f"Added '{data.description}'", reason=data.reason, expected=data.sheet_version
    )
    position = (
        session.scalar(select(func.max(BudgetSheetLine.position)).where(BudgetSheetLine.person_id == person_id)) or 0
    ) + 1
    session.add(_new_line(person_id, version.number, data, key=str(uuid.uuid4()), position=position))
    with because(session, data.reason):
        session.flush()
        _review_change(session, actor, person_id, version.change)
    return _sheet_read(session, person_id)


def change_line(session: Session, actor: Actor, person_id: int, line_id: int, data: SheetLineCreate) -> SheetRead:
    """Change a line: the old row is kept (ending at this version) and a new row takes its place."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    old = _current_line(session, person_id, line_id)
    version = _new_version(
        session,
        actor,
        person_id,
        change=f"Changed '{old.description}'",
        reason=data.reason,
        expected=data.sheet_version,
    )
    old.removed_in = version.number
    session.add(_new_line(person_id, version.number, data, key=old.line_key, position=old.position))
    with because(session, data.reason):
        session.flush()
        _review_change(session, actor, person_id, version.change)
    return _sheet_read(session, person_id)


def remove_line(session: Session, actor: Actor, person_id: int, line_id: int, data: SheetChange) -> SheetRead:
    """Take a line off the sheet from a new version on (it stays in the versions before)."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    old = _current_line(session, person_id, line_id)
    version = _new_version(
        session,
        actor,
        person_id,
        change=f"Removed '{old.description}'",
        reason=data.reason,
        expected=data.sheet_version,
    )
    old.removed_in = version.number
    with because(session, data.reason):
        session.flush()
        _review_change(session, actor, person_id, version.change)
    return _sheet_read(session, person_id)


def get_line(session: Session, actor: Actor, person_id: int, line_id: int) -> SheetLineRead:
    """One line of the current sheet (for its edit form)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _line_read(_current_line(session, person_id, line_id))


def explain_variance(session: Session, actor: Actor, person_id: int, data: VarianceExplanation) -> SheetRead:
    """Record why the budget differs from the indicative budget (a new sheet version)."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    _new_version(
        session,
        actor,
        person_id,
        change="Explained the difference from the indicative budget",
        reason=data.reason,
        expected=data.sheet_version,
        variance_explanation=data.explanation,
    )
    return _sheet_read(session, person_id)


def start_sheet_from_indicative(
    session: Session,
    actor: Actor,
    person_id: int,
    management_option: ManagementOption,
    *,
    expected: int | None = None,
) -> SheetRead:
    """Put each step of the newest indicative budget on the sheet as a line (one new version), to plan from."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    budget = _authorised_indicative(session, person_id) or session.scalar(
        select(IndicativeBudget)
        .where(IndicativeBudget.person_id == person_id)
        .order_by(IndicativeBudget.number.desc())
        .limit(1)
    )
    if budget is None:
        raise ValidationFailedError({"management_option": "Work out an indicative budget first"})
    version = _new_version(
        session,
        actor,
        person_id,
        change=f"Started from indicative budget {budget.number}",
        reason=None,
        expected=expected,
    )
    position = (
        session.scalar(select(func.max(BudgetSheetLine.position)).where(BudgetSheetLine.person_id == person_id)) or 0
    )
    for step in json.loads(budget.breakdown):
        position += 1
        if step["unit_cost"] is None:
            unit_cost, quantity, frequency = from_pence(step["annual"]), Decimal(1), Frequency.ANNUAL
        else:
            unit_cost = from_pence(step["unit_cost"])
            quantity, frequency = Decimal(step["quantity"]), Frequency(step["frequency"])
        data = SheetLineCreate(
            description=step["description"],
            category=Category(step["category"]),
            unit_cost=unit_cost,
            quantity=quantity,
            frequency=frequency,
            management_option=management_option,
        )
        session.add(_new_line(person_id, version.number, data, key=str(uuid.uuid4()), position=position))
    session.flush()
    return _sheet_read(session, person_id)


_COMPARED = (
    "description",
    "outcomes",
    "category",
    "unit_cost",
    "quantity",
    "frequency",
    "annual_cost",
    "management_option",
)


def compare_sheets(session: Session, actor: Actor, person_id: int, before: int, after: int) -> SheetComparison:
    """Two versions side by side: lines added, removed, changed (and which fields) or unchanged."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    a, b = _sheet_read(session, person_id, before), _sheet_read(session, person_id, after)
    old = {line.line_key: line for line in a.lines}
    new = {line.line_key: line for line in b.lines}
    differences: list[LineDifference] = []
    for key in [*old, *(k for k in new if k not in old)]:
        was, now = old.get(key), new.get(key)
        if was is None:
            differences.append(LineDifference(line_key=key, status="added", before=None, after=now))
        elif now is None:
            differences.append(LineDifference(line_key=key, status="removed", before=was, after=None))
        else:
            fields = [f for f in _COMPARED if getattr(was, f) != getattr(now, f)]
            differences.append(
                LineDifference(
                    line_key=key,
                    status="changed" if fields else "unchanged",
                    before=was,
                    after=now,
                    changed_fields=fields,
                )
            )
    return SheetComparison(before=a, after=b, lines=differences, total_difference=b.annual_total - a.annual_total)


# --- final budget -------------------------------------------------------------------------------------------------


def _options(final: FinalBudget) -> list[ManagementOption]:
    return [ManagementOption(o) for o in final.management_options.split(",") if o]


def dp_annual(final: FinalBudget) -> Money | None:
    """The authorised direct payment for a whole budget year (budgets proposed before it was kept: annualised)."""
    if final.dp_annual is not None:
        return final.dp_annual
    if final.dp_amount_per_period is None or final.dp_frequency is None:
        return None
    return rules.annualise(final.dp_amount_per_period, Frequency(final.dp_frequency))


def _schedule_bounds(final: FinalBudget) -> tuple[dt.date, dt.date]:
    """The first payment and the last day the final budget's schedule covers in its budget year."""
    assert final.dp_first_payment_on is not None  # noqa: S101 - only called for a direct payment
    _year_start, year_end = rules.budget_year(final.effective_from)
    return final.dp_first_payment_on, min(final.effective_to or year_end, year_end)


def _price_direct_payment(session: Session, final: FinalBudget) -> None:
    """The direct payment is what the sheet's direct-payment lines cost a year; each payment follows from it.

    Nobody types the amount per payment: it is the first payment of the schedule that pays exactly the annual
    amount over the budget year (odd pennies to the earliest payments, never an extra instalment).
    """
    lines = _lines_of(session, final.person_id, final.sheet_version)
    annual = total(line.annual_cost for line in lines if line.management_option == ManagementOption.DIRECT_PAYMENT)
    if annual.amount == 0:
        raise ValidationFailedError(
            {
                "management_options": "The budget sheet has no direct-payment lines: add what the direct payment "
                "buys to the sheet, or choose another way to hold the budget"
            }
        )
    final.dp_annual = annual
    assert final.dp_frequency is not None  # noqa: S101 - direct_payment_errors() required it
    start, end = _schedule_bounds(final)
    try:
        year = rules.build_schedule(
            annual, PaymentFrequency(final.dp_frequency), start, end, covers_from=final.effective_from
        )
    except rules.BudgetRuleError as exc:
        raise _rule_error(exc) from exc
    final.dp_amount_per_period = year.periods[0].amount


def direct_payment_change(in_force: FinalBudget | None, proposed: FinalBudget) -> dict[str, Any]:
    """What authorising ``proposed`` would do to the direct payment of the final budget ``in_force``.

    The decision's notice gives the right of appeal from this (``phb.governance.appeals.rules.appeal_type_for``):
    a lower yearly direct payment is a reduction (regulation 13), and no direct payment where there was one stops
    the payments (regulation 17). With no direct payment before or after, the Direct Payments Regulations do not
    apply and the person has a local appeal. A reduction carries the notice period the budget in force states,
    which its payment schedule also waits (``make_schedule``), so the letter and the payments agree.
    """
    before, after = (None if in_force is None else dp_annual(in_force)), dp_annual(proposed)
    change: dict[str, Any] = {"direct_payment": before is not None or after is not None}
    if in_force is not None and before is not None:
        change["previous_dp_annual"] = str(before.amount)
        change["reduces_amount"] = after is not None and after < before
        change["stops_payments"] = after is None
        if change["reduces_amount"] and in_force.dp_notice_days is not None:
            change["notice_days"] = in_force.dp_notice_days
    return change


def _final_read(session: Session, final: FinalBudget, standing: Standing | None = None) -> FinalBudgetRead:
    standing = standing or Standing.of_subject(session, FINAL, final.id)
    decision, request = standing.decision(FINAL, final.id), standing.request(FINAL, final.id)
    return FinalBudgetRead(
        id=final.id,
        number=final.number,
        sheet_version=final.sheet_version,
        indicative_budget_id=final.indicative_budget_id,
        annual_amount=final.annual_amount,
        effective_from=final.effective_from,
        effective_to=final.effective_to,
        management_options=_options(final),
        variance_explanation=final.variance_explanation,
        dp_amount_per_period=final.dp_amount_per_period,
        dp_frequency=None if final.dp_frequency is None else PaymentFrequency(final.dp_frequency),
        dp_first_payment_on=final.dp_first_payment_on,
        dp_recipient=None if final.dp_recipient is None else rules.Recipient(final.dp_recipient),
        dp_notice_days=final.dp_notice_days,
        dp_annual=dp_annual(final),
        proposed_by_id=final.proposed_by_id,
        proposed_by_name=final.proposed_by_name,
        proposed_at=final.proposed_at,
        reason=final.reason,
        status=_status(decision, request),
        decision=None if decision is None else _decision_read(decision),
        request=_request_read(session, request),
    )


def _refuse_a_repeat(session: Session, person_id: int, sheet_version: int, data: FinalBudgetCreate) -> None:
    """The same proposal again, field for field, on the same sheet while the first waits is a double click: 409.

    Runs under the person's lock, so two submissions at once are taken in turn and the second sees the first.
    """
    newest = session.scalar(
        select(FinalBudget).where(FinalBudget.person_id == person_id).order_by(FinalBudget.number.desc()).limit(1)
    )
    if newest is None or newest.sheet_version != sheet_version:
        return
    same = (
        newest.annual_amount == data.annual_amount
        and newest.effective_from == data.effective_from
        and newest.effective_to == data.effective_to
        and newest.management_options == ",".join(o.value for o in ManagementOption if o in data.management_options)
        and newest.dp_frequency == (data.dp_frequency.value if data.dp_frequency else None)
        and newest.dp_first_payment_on == data.dp_first_payment_on
        and newest.dp_recipient == (data.dp_recipient.value if data.dp_recipient else None)
        and newest.dp_notice_days == data.dp_notice_days
        and newest.variance_explanation == data.variance_explanation
        and newest.reason == data.reason
    )
    request = governance.request_for(session, FINAL, newest.id)
    if same and request is not None and request.status == "open":
        raise ConflictError(
            f"This final budget was already proposed (final budget {newest.number}, waiting for authorisation): "
            "nothing new was saved.",
            current={"final_budget": newest.number},
        )


def propose_final_budget(session: Session, actor: Actor, person_id: int, data: FinalBudgetCreate) -> FinalBudgetRead:
    """Put a final budget forward for authorisation, against the current budget sheet version."""
    require_person(session, actor, Permission.BUDGET_EDIT, person_id)
    errors = data.direct_payment_errors()
    if errors:
        raise ValidationFailedError(errors)
    lock_person(session, person_id)
    latest = _latest_version(session, person_id)
    if latest is None:
        raise ValidationFailedError({"annual_amount": "Build the budget sheet before proposing a final budget"})
    _refuse_a_repeat(session, person_id, latest.number, data)
    indicative = _authorised_indicative(session, person_id)
    number = (session.scalar(select(func.max(FinalBudget.number)).where(FinalBudget.person_id == person_id)) or 0) + 1
    has_dp = data.has_direct_payment
    final = FinalBudget(
        person_id=person_id,
        number=number,
        sheet_version=latest.number,
        indicative_budget_id=None if indicative is None else indicative.id,
        annual_amount=data.annual_amount,
        effective_from=data.effective_from,
        effective_to=data.effective_to,
        management_options=",".join(o.value for o in ManagementOption if o in data.management_options),
        variance_explanation=data.variance_explanation,
        dp_frequency=data.dp_frequency.value if has_dp and data.dp_frequency else None,
        dp_first_payment_on=data.dp_first_payment_on if has_dp else None,
        dp_recipient=data.dp_recipient.value if has_dp and data.dp_recipient else None,
        dp_notice_days=data.dp_notice_days if has_dp else None,
        proposed_by_id=actor.user_id,
        proposed_by_name=actor.display_name,
        proposed_at=utcnow(),
        reason=data.reason,
    )
    if has_dp:
        _price_direct_payment(session, final)
    in_force = _authorised_final(session, person_id)
    earlier = list(session.scalars(select(FinalBudget.id).where(FinalBudget.person_id == person_id)))
    session.add(final)
    with because(session, data.reason):
        session.flush()
        problems = final_budget_problems(session, final)
        if problems:  # refused now, with every reason, rather than routed to a decider who could never approve it
            raise ValidationFailedError(problems)
        governance.withdraw_open_requests(
            session,
            actor,
            subject_type=FINAL,
            subject_ids=earlier,
            reason=f"Replaced by final budget {number}, proposed by {actor.display_name}.",
        )
        governance.raise_request(
            session,
            actor,
            person_id=person_id,
            decision_type=DecisionType.FINAL_BUDGET_AUTHORISATION,
            subject_type=FINAL,
            subject_id=final.id,
            amount=final.annual_amount,
            details=direct_payment_change(in_force, final),
            # The person reads this in their decision notice: no record or version numbers.
            summary=f"Your personal health budget of {format_gbp(final.annual_amount)} a year from "
            f"{final.effective_from.day} {final.effective_from:%B %Y}",
        )
    return _final_read(session, final)


def _sheet_problems(
    session: Session, final: FinalBudget, add: Callable[[str, str], None], *, draft: bool = False
) -> None:
    """The sheet must be the one proposed, within the final budget, and pay the full cost of its services.

    ``draft``: check the latest (changed) sheet against the budget in force instead, for a budget review.
    """
    latest = _latest_version(session, final.person_id)
    if not draft and (latest is None or latest.number != final.sheet_version):
        add(
            "budget_sheet",
            f"The budget sheet has changed (now version {latest.number if latest else 0}) since this final budget "
            f"was proposed with version {final.sheet_version}: propose it again with the current sheet.",
        )
    number = latest.number if draft and latest is not None else final.sheet_version
    lines = _lines_of(session, final.person_id, number)
    sheet_total = total(line.annual_cost for line in lines)
    if sheet_total > final.annual_amount:
        add(
            "annual_amount",
            f"The budget sheet totals {format_gbp(sheet_total)} a year, which is "
            f"{format_gbp(sheet_total - final.annual_amount)} more than the final budget of "
            f"{format_gbp(final.annual_amount)}.",
        )
    sheet_lines = [
        rules.SheetLine(
            description=line.description,
            category=Category(line.category),
            unit_cost=line.unit_cost,
            quantity=from_hundredths(line.quantity_hundredths),
            frequency=Frequency(line.frequency),
            management_option=ManagementOption(line.management_option),
        )
        for line in lines
    ]
    for problem in rules.full_cost_problems(sheet_lines, _options(final)):
        add("budget_sheet", problem)
    for line in lines:
        excluded = line_exclusion(line.description, line.management_option)
        if excluded is not None:
            add("budget_sheet", f"{excluded.reason}: take it off the sheet or change it before the budget is agreed.")
    yearly = dp_annual(final)
    if yearly is None:
        return
    dp_lines = total(
        line.annual_cost for line in lines if line.management_option == ManagementOption.DIRECT_PAYMENT.value
    )
    if yearly < dp_lines:
        add(
            "dp_amount_per_period",
            f"The direct payment comes to {format_gbp(yearly)} a year, which does not cover the full "
            f"cost of the direct-payment lines on the sheet ({format_gbp(dp_lines)} a year).",
        )
    if yearly > final.annual_amount:
        add(
            "dp_amount_per_period",
            f"The direct payment comes to {format_gbp(yearly)} a year, more than the final budget.",
        )


def sheet_total(session: Session, person_id: int) -> Money:
    """What the latest version of the person's sheet costs a year (a draft, once the sheet was authorised)."""
    latest = _latest_version(session, person_id)
    return total(line.annual_cost for line in (_lines_of(session, person_id, latest.number) if latest else []))


def draft_problems(session: Session, final: FinalBudget) -> dict[str, str]:
    """Why a change to the authorised sheet cannot be approved by a budget review, by field; empty when it can.

    A review approves a change that fits the budget in force; a change that costs more (or that the direct payment
    no longer covers) needs a new final budget, decided as a final budget authorisation.
    """
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    in_force = _authorised_final(session, final.person_id)
    if in_force is None or in_force.id != final.id:
        add("final_budget", "A newer final budget is in force: this review was about the budget it replaced.")
    _sheet_problems(session, final, add, draft=True)
    if problems.get("annual_amount") or problems.get("dp_amount_per_period"):
        add("final_budget", "Propose a new final budget for the changed sheet: it is decided as a final budget.")
    return {field: " ".join(messages) for field, messages in problems.items()}


def put_draft_in_force(session: Session, final: FinalBudget, outcome: DecisionOutcome) -> BudgetDecision:
    """A budget review approved the changed sheet: its latest version is now the one in force."""
    latest = _latest_version(session, final.person_id)
    assert latest is not None  # noqa: S101 - a review is only raised about a changed sheet
    row = BudgetDecision(
        person_id=final.person_id,
        subject_type=SHEET_VERSION,
        subject_id=latest.number,
        outcome="authorised",
        decided_by_id=outcome.decided_by_id,
        decided_by_name=outcome.decided_by_name,
        decided_by_role=outcome.role,
        decided_at=outcome.decided_at,
        reasons=outcome.reasons,
    )
    session.add(row)
    session.flush()
    return row


def final_budget_problems(session: Session, final: FinalBudget) -> dict[str, str]:
    """Why a final budget cannot be authorised as it stands, by field; empty when it can."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    person_id = final.person_id
    newer = session.scalar(
        select(func.max(FinalBudget.number)).where(
            FinalBudget.person_id == person_id, FinalBudget.number > final.number
        )
    )
    if newer is not None:
        add("final_budget", f"A newer final budget (number {newer}) has been proposed since this one.")
    _sheet_problems(session, final, add)
    indicative = _authorised_indicative(session, person_id)
    if indicative is None:
        add("indicative_budget", "The indicative budget has not been authorised yet.")
    elif rules.variance_needs_explanation(indicative.annual_amount, final.annual_amount):
        latest = _latest_version(session, person_id)
        explanation = final.variance_explanation or (latest.variance_explanation if latest else None)
        if not explanation:
            add(
                "variance_explanation",
                f"The final budget differs from the indicative budget of {format_gbp(indicative.annual_amount)} "
                f"by {format_gbp(final.annual_amount - indicative.annual_amount)}: record why.",
            )
    return {field: " ".join(messages) for field, messages in problems.items()}


def final_budget(session: Session, actor: Actor, person_id: int, final_budget_id: int) -> FinalBudgetRead:
    """One of a person's final budgets, with where its authorisation stands."""
    return _final_read(session, owned_budget(session, actor, person_id, FinalBudget, final_budget_id))


def _list_final(session: Session, person_id: int) -> list[FinalBudgetRead]:
    rows = _newest_first(session, FinalBudget, person_id)
    standing = Standing.of_person(session, person_id, (FINAL,))
    return [_final_read(session, f, standing) for f in rows]


def list_final_budgets(session: Session, actor: Actor, person_id: int) -> list[FinalBudgetRead]:
    """A person's final budgets, newest first, with their decisions."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _list_final(session, person_id)


# --- payment schedules --------------------------------------------------------------------------------------------


def make_schedule(session: Session, final: FinalBudget, *, decided_on: dt.date) -> PaymentSchedule | None:
    """The direct-payment schedule for the rest of the budget year, replacing the previous one from its start.

    A reduction takes effect no earlier than the previous budget's notice period after the decision; until then
    the previous schedule's payments stand.
    """
    annual = dp_annual(final)
    if annual is None or final.dp_frequency is None or final.dp_first_payment_on is None:
        return None
    frequency = PaymentFrequency(final.dp_frequency)
    start, end = _schedule_bounds(final)
    covers_from = final.effective_from  # the budget's first day: a first payment a few days later pays it too
    previous = session.scalar(
        select(PaymentSchedule)
        .where(PaymentSchedule.person_id == final.person_id, PaymentSchedule.ends_on >= start)
        .order_by(PaymentSchedule.id.desc())
        .limit(1)
    )
    note = None
    if previous is not None:
        previous_final = session.get(FinalBudget, previous.final_budget_id)
        old_annual = (
            dp_annual(previous_final)
            if previous_final is not None
            else rules.annualise(previous.amount_per_period, Frequency(previous.frequency))
        ) or ZERO
        covers_from = start  # the previous schedule paid the days before
        notice = (previous_final.dp_notice_days if previous_final else None) or 0
        if annual < old_annual:
            earliest = rules.reduction_start(start, decided_on, notice)
            if earliest > start:
                note = (
                    f"This is a reduction from {format_gbp(previous.amount_per_period)} to "
                    f"{format_gbp(final.dp_amount_per_period)} per payment. With {notice} days' notice it starts "
                    f"on {earliest:%d/%m/%Y}; payments before then stay at the previous amount."
                )
                start = covers_from = earliest
            else:
                note = f"A reduction, with the {notice} days' notice period already given."
        else:
            note = f"Replaces the previous schedule from {start:%d/%m/%Y}."
    if start > end:
        return None
    schedule = rules.build_schedule(annual, frequency, start, end, covers_from=covers_from)
    row = PaymentSchedule(
        person_id=final.person_id,
        final_budget_id=final.id,
        replaces_id=None if previous is None else previous.id,
        starts_on=schedule.start,
        ends_on=schedule.end,
        frequency=frequency.value,
        amount_per_period=schedule.periods[0].amount,
        total=schedule.total,
        note=note,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    for period in schedule.periods:
        session.add(
            ScheduledPayment(
                schedule_id=row.id,
                number=period.number,
                due_on=period.period_start,
                period_end=period.period_end,
                amount=period.amount,
            )
        )
    session.flush()
    return row


def _schedule_read(
    session: Session, schedule: PaymentSchedule, payments: Sequence[ScheduledPayment] | None = None
) -> PaymentScheduleRead:
    if payments is None:
        payments = session.scalars(
            select(ScheduledPayment)
            .where(ScheduledPayment.schedule_id == schedule.id)
            .order_by(ScheduledPayment.number)
        ).all()
    return PaymentScheduleRead(
        id=schedule.id,
        final_budget_id=schedule.final_budget_id,
        replaces_id=schedule.replaces_id,
        starts_on=schedule.starts_on,
        ends_on=schedule.ends_on,
        frequency=PaymentFrequency(schedule.frequency),
        amount_per_period=schedule.amount_per_period,
        total=schedule.total,
        note=schedule.note,
        payments=[ScheduledPaymentRead.model_validate(p) for p in payments],
    )


_SCHEDULES = select(PaymentSchedule).where(PaymentSchedule.person_id == _PERSON_ID).order_by(PaymentSchedule.id.desc())
_PAYMENTS = (
    select(ScheduledPayment)
    .where(ScheduledPayment.schedule_id.in_(bindparam("schedule_ids", expanding=True)))
    .order_by(ScheduledPayment.schedule_id, ScheduledPayment.number)
)


def _schedules(session: Session, person_id: int) -> list[PaymentScheduleRead]:
    rows = session.scalars(_SCHEDULES, {"person_id": person_id}).all()
    payments: dict[int, list[ScheduledPayment]] = {s.id: [] for s in rows}
    if rows:
        for payment in session.scalars(_PAYMENTS, {"schedule_ids": list(payments)}):
            payments[payment.schedule_id].append(payment)
    return [_schedule_read(session, s, payments[s.id]) for s in rows]


def payment_schedules(session: Session, actor: Actor, person_id: int) -> list[PaymentScheduleRead]:
    """The person's direct-payment schedules, newest first (a newer one replaces the older from its start)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _schedules(session, person_id)


def payments_due(schedules: Sequence[PaymentScheduleRead]) -> list[ScheduledPaymentRead]:
    """The payments that stand once each newer schedule has replaced the older ones from its start date."""
    standing: list[ScheduledPaymentRead] = []
    cutoff: dt.date | None = None
    for schedule in schedules:  # newest first
        standing.extend(p for p in schedule.payments if cutoff is None or p.due_on < cutoff)
        cutoff = schedule.starts_on if cutoff is None else min(cutoff, schedule.starts_on)
    return sorted(standing, key=lambda p: p.due_on)


# --- overview -----------------------------------------------------------------------------------------------------


def _stage(overview: BudgetOverview) -> str:
    final = overview.current_final
    if final is not None and final.status == "authorised":
        return "Final budget authorised"
    if final is not None and final.status.startswith("awaiting"):
        return f"Final budget {final.status}"
    indicative = overview.current_indicative
    if indicative is not None and indicative.status == "authorised":
        return "Indicative budget authorised: planning the budget sheet"
    if indicative is not None and indicative.status.startswith("awaiting"):
        return f"Indicative budget {indicative.status}"
    if overview.assessments:
        return "Assessment of need recorded"
    return "Not started"


def budget_overview(session: Session, actor: Actor, person_id: int) -> BudgetOverview:
    """Everything about a person's budget: assessments, indicative and final budgets, the sheet, schedules."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    standing = Standing.of_person(session, person_id, (INDICATIVE, FINAL))
    indicative = _newest_first(session, IndicativeBudget, person_id)
    finals = _newest_first(session, FinalBudget, person_id)
    # As _authorised_final / _authorised_indicative: the newest ever authorised (else the newest indicative).
    final_in_force = next((f for f in finals if standing.was_authorised(FINAL, f.id)), None)
    indicative_in_force = next((b for b in indicative if standing.was_authorised(INDICATIVE, b.id)), None)
    overview = BudgetOverview(
        person_id=person_id,
        assessments=_assessments(session, person_id),
        indicative_budgets=[_indicative_read(session, b, standing) for b in indicative],
        sheet=_sheet_read(
            session, person_id, authorised=(final_in_force, indicative_in_force or next(iter(indicative), None))
        ),
        final_budgets=[_final_read(session, f, standing) for f in finals],
        schedules=_schedules(session, person_id),
        stage="",
    )
    overview.stage = _stage(overview)
    return overview


__all__ = [
    "ZERO",
    "add_assessment_item",
    "add_line",
    "add_rate_card",
    "authorised_version",
    "budget_overview",
    "calculate_indicative_budget",
    "change_line",
    "compare_sheets",
    "current_sheet",
    "explain_variance",
    "list_rate_cards",
    "propose_final_budget",
    "record_assessment",
    "remove_line",
    "sheet_in_force",
    "sheet_version",
    "sheet_versions",
]


def budget_permissions(session: Session, actor: Actor, person_id: int) -> tuple[bool, frozenset[int]]:
    """(may edit this person's budget, the budget decision requests the actor may decide now) for showing forms.

    Only the forms the actor may use are shown; the services check again on every change.
    """
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    can_edit = decide(actor, Permission.BUDGET_EDIT, relationship(session, actor, person)).allowed
    open_requests = session.scalars(
        select(DecisionRequest).where(
            DecisionRequest.person_id == person_id,
            DecisionRequest.subject_type.in_((INDICATIVE, FINAL)),
            DecisionRequest.status == "open",
        )
    ).all()
    if not open_requests:  # most of the time: no need to read the framework in force
        return can_edit, frozenset()
    framework, _version = governance.framework_in_force(session)
    decidable = frozenset(r.id for r in open_requests if governance.why_not_decider(framework, r, actor) is None)
    return can_edit, decidable
