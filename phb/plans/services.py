"""Use cases of the care and support plan: start it, change it (each change a new version), agree it, read it.

Every function takes the acting user and asks :mod:`phb.access.services` first: reads need ``PERSON_READ`` (so
the person and their representative may read their own plan), changes need ``PLAN_EDIT``. None commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.accounts.models import User
from phb.audit.services import because, log_read
from phb.budgets.models import PaymentSchedule, ScheduledPayment
from phb.clock import today
from phb.db import Base, utcnow
from phb.errors import ConflictError, NotFoundError, ValidationFailedError
from phb.people.models import Person
from phb.plans.models import CarePlan, LinkedPlan, PlanAction, PlanOutcome, PlanParticipant, PlanReview, PlanVersion
from phb.plans.rules import (
    ADVANCE,
    BudgetManagement,
    Cohort,
    CriterionEvidence,
    OutcomeFacts,
    PlanFacts,
    ReviewDeadline,
    RiskBand,
    Stage,
    action_problems,
    agreement_problems,
    due_by,
    evaluate_criteria,
    outcome_problems,
    review_date_problem,
    review_deadline,
    review_status,
)
from phb.plans.schemas import (
    ActionCreate,
    ArrangementsUpdate,
    CriterionRead,
    InvolvementUpdate,
    LinkedPlanCreate,
    OnePageSummaryUpdate,
    OutcomeCreate,
    ParticipantCreate,
    PlanAgreement,
    PlanClosure,
    PlanDetailsUpdate,
    PlanRead,
    PlanVersionRead,
    QualityEvidenceUpdate,
    RemoveItem,
    ReviewSchedule,
    StageAdvance,
    VersionSummary,
    _Change,
)
from phb.risk.services import highest_residual_bands, risk_summary

CHILD_KINDS: dict[str, type[Base]] = {
    "outcomes": PlanOutcome,
    "actions": PlanAction,
    "links": LinkedPlan,
    "participants": PlanParticipant,
}
_VERSION_META = frozenset(
    {"id", "number", "created_at", "created_by_id", "created_by_name", "change_summary", "reason"}
)
_CHILD_META = frozenset({"id", "version_id"})
C = TypeVar("C", bound=Base)


class ChangeInfo(Protocol):
    """What every change carries: the version the editor saw, and why."""

    base_version: int | None
    reason: str | None


# ---------------------------------------------------------------------------------------------------------------
# Links to the areas built beside this one
# ---------------------------------------------------------------------------------------------------------------


def risk_band(session: Session, person_id: int) -> RiskBand | None:
    """The person's highest residual risk from the risk area, or None where there is no risk area or rating.

    A high or extreme residual risk shortens the review interval (see :data:`phb.plans.rules.RISK_REVIEW_MONTHS`).
    """
    band = risk_summary(session, person_id).highest_residual_band
    try:
        return RiskBand(str(band)) if band else None
    except ValueError:
        return None


def risk_bands(session: Session, people: Select[Any]) -> dict[int, RiskBand]:
    """:func:`risk_band` of every person ``people`` selects who has a rating, in one query (for long lists)."""
    known = {band.value for band in RiskBand}
    bands = highest_residual_bands(session, people)
    return {person_id: RiskBand(band) for person_id, band in bands.items() if band in known}


def first_scheduled_payment(person_id: ColumnElement[int] | InstrumentedAttribute[int] | int) -> ScalarSelect[dt.date]:
    """The first payment of any of the person's direct-payment schedules (budgets), as a subquery."""
    return (
        select(func.min(ScheduledPayment.due_on))
        .join(PaymentSchedule, PaymentSchedule.id == ScheduledPayment.schedule_id)
        .where(PaymentSchedule.person_id == person_id)
        .scalar_subquery()
    )


def first_direct_payment_on(session: Session, plan: CarePlan) -> dt.date | None:
    """The date of the first direct payment: the first payment of the schedule the budgets area made.

    The date recorded on the plan stands only for a budget paid before phb (no schedule here): the first review
    is due within three months of the first payment actually scheduled, not of a date typed on the plan.
    """
    scheduled = session.scalar(select(first_scheduled_payment(plan.person_id)))
    return scheduled if scheduled is not None else plan.first_direct_payment_on


# ---------------------------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------------------------


def plan_for(session: Session, person_id: int) -> CarePlan | None:
    """The person's plan, if they have one."""
    return session.scalar(select(CarePlan).where(CarePlan.person_id == person_id))


def require_plan(session: Session, person_id: int) -> CarePlan:
    """The person's plan, or NotFoundError (their record may exist without a plan)."""
    plan = plan_for(session, person_id)
    if plan is None:
        raise NotFoundError("care and support plan for person", person_id)
    return plan


def load_version(session: Session, plan_id: int, number: int) -> PlanVersion:
    """A version with its outcomes, actions, linked plans and people involved."""
    version = session.scalar(
        select(PlanVersion)
        .where(PlanVersion.plan_id == plan_id, PlanVersion.number == number)
        .options(*(selectinload(getattr(PlanVersion, kind)) for kind in CHILD_KINDS))
    )
    if version is None:
        raise NotFoundError("plan version", number)
    return version


def last_review_on(session: Session, plan_id: int) -> dt.date | None:
    """The date of the latest formal review held."""
    return session.scalar(
        select(func.max(PlanReview.held_on)).where(PlanReview.plan_id == plan_id, PlanReview.status == "completed")
    )


def open_review(session: Session, plan_id: int) -> PlanReview | None:
    """A review asked for and not yet held."""
    return session.scalar(
        select(PlanReview).where(PlanReview.plan_id == plan_id, PlanReview.status == "requested").limit(1)
    )


# ---------------------------------------------------------------------------------------------------------------
# Facts, deadlines and read models
# ---------------------------------------------------------------------------------------------------------------


def facts(version: PlanVersion, *, label: str = "") -> PlanFacts:
    """The pure rules' view of a loaded version."""
    return PlanFacts(
        plan_id=version.plan_id,
        person_id=version.person_id,
        label=label,
        version=version.number,
        important_to_me=version.important_to_me,
        how_to_support_me=version.how_to_support_me,
        contingency=version.contingency,
        care_coordinator=version.care_coordinator,
        health_monitor=version.health_monitor,
        budget_management=BudgetManagement(version.budget_management) if version.budget_management else None,
        budget_sheet_included=version.budget_sheet_included,
        person_prepared=version.person_prepared,
        person_chose_involved=version.person_chose_involved,
        participants=len(version.participants),
        outcomes=tuple(
            OutcomeFacts(
                ref=o.ref,
                text=o.text,
                person_involved=o.person_involved,
                actions=sum(1 for a in version.actions if a.outcome_ref == o.ref),
            )
            for o in version.outcomes
        ),
        next_review_on=version.next_review_on,
        review_method=version.review_method,
        knows_how_to_request_review=version.knows_how_to_request_review,
        evidence={
            n: CriterionEvidence(
                met=getattr(version, f"criterion_{n}_met"), evidence=getattr(version, f"criterion_{n}_evidence")
            )
            for n in range(1, 6)
        },
        team=version.team,
        local_category=version.local_category,
        cohort=Cohort(version.cohort) if version.cohort else None,
    )


def deadline_for(
    session: Session,
    plan: CarePlan,
    version: PlanVersion,
    *,
    first_payment: dt.date | None = None,
    last_review: dt.date | None = None,
    band: RiskBand | None = None,
    agreed_on: dt.date | None = None,
) -> ReviewDeadline:
    """The latest date the next formal review may be, from the plan's dates, the risk rating and the plan's own say."""
    return review_deadline(
        today=today(),
        agreed_on=agreed_on or plan.first_agreed_on,
        last_review_on=last_review if last_review is not None else last_review_on(session, plan.id),
        first_direct_payment_on=first_payment if first_payment is not None else first_direct_payment_on(session, plan),
        risk_band=band if band is not None else risk_band(session, plan.person_id),
        plan_months=version.review_interval_months,
    )


def schedule_for(session: Session, plan: CarePlan, version: PlanVersion) -> ReviewSchedule:
    """When the next review is due, why, and where that leaves the person."""
    band = risk_band(session, plan.person_id)
    deadline = deadline_for(session, plan, version, band=band)
    due = due_by(version.next_review_on, deadline)
    request = open_review(session, plan.id)
    return ReviewSchedule(
        planned_on=version.next_review_on,
        latest_allowed=deadline.latest,
        due_by=due,
        rule=deadline.reason,
        status=review_status(due, today(), requested=request is not None),
        risk_band=band.value if band else None,
    )


def plan_read(session: Session, plan: CarePlan, version: PlanVersion, person: Person) -> PlanRead:
    """The read model of a plan at one of its versions."""
    plan_facts = facts(version, label=person.full_name)
    request = open_review(session, plan.id)
    display_stage = Stage.REVIEW if request is not None else Stage(version.stage)
    return PlanRead(
        id=plan.id,
        person_id=person.id,
        person_name=person.full_name,
        nhs_number=person.nhs_number,
        version=PlanVersionRead.model_validate(version),
        display_stage=display_stage,
        first_agreed_on=plan.first_agreed_on,
        first_direct_payment_on=first_direct_payment_on(session, plan),
        closed_on=plan.closed_on,
        closed_reason=plan.closed_reason,
        criteria=[CriterionRead.of(r) for r in evaluate_criteria(plan_facts)],
        schedule=schedule_for(session, plan, version),
        agreement_problems=agreement_problems(plan_facts) if version.stage == Stage.RECORD_AND_AGREE else {},
        open_review_id=request.id if request is not None else None,
        row_version=plan.version,
    )


def plan_detail(session: Session, actor: Actor, person_id: int, *, number: int | None = None) -> PlanRead | None:
    """The person's current plan (or one earlier version), or None if they have none yet.

    Readable by staff who may see the person, by the person themselves and by their representative.
    """
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    plan = plan_for(session, person_id)
    if plan is None:
        if number is not None:
            raise NotFoundError("plan version", number)
        return None
    version = load_version(session, plan.id, plan.current_version if number is None else number)
    return plan_read(session, plan, version, person)


def plan_history(session: Session, actor: Actor, person_id: int) -> list[VersionSummary]:
    """Every version of the plan, newest first: who changed it, when and why."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    plan = require_plan(session, person_id)
    versions = session.scalars(
        select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number.desc())
    )
    return [VersionSummary.model_validate(v) for v in versions]


def record_sharing(session: Session, actor: Actor, person_id: int, fmt: str) -> None:
    """Log that the plan left the system (PDF, FHIR): a read event in the access log, who took it in which format.

    Not an audit-trail event: the PDF and FHIR downloads are GET requests, which must change no state.
    """
    plan = require_plan(session, person_id)
    del actor  # the access log takes the acting user from the session, as every read does
    log_read(session, what=f"plan.shared:{fmt}:v{plan.current_version}", person_id=person_id)


# ---------------------------------------------------------------------------------------------------------------
# Changing the plan: every change is a new version
# ---------------------------------------------------------------------------------------------------------------


def _copy_columns(source: Base, target: Base, skip: frozenset[str]) -> None:
    for attr in source.__mapper__.column_attrs:
        if attr.key not in skip:
            setattr(target, attr.key, getattr(source, attr.key))


def _clone_child(child: C) -> C:
    copy = type(child)()
    _copy_columns(child, copy, _CHILD_META)
    return copy


def _clone(version: PlanVersion) -> PlanVersion:
    new = PlanVersion()
    _copy_columns(version, new, _VERSION_META)
    for kind in CHILD_KINDS:
        getattr(new, kind).extend(_clone_child(child) for child in getattr(version, kind))
    return new


def _next_ref(items: Iterable[Any]) -> int:
    return max((item.ref for item in items), default=0) + 1


def _change(
    session: Session,
    actor: Actor,
    person_id: int,
    data: ChangeInfo,
    summary: str,
    mutate: Callable[[CarePlan, PlanVersion], None],
) -> PlanVersion:
    """Copy the current version, let ``mutate`` change the copy, and save it as the next version.

    ``mutate`` raises ValidationFailedError before anything is added to the session, so a refused change saves
    nothing. A colleague's newer version (``base_version`` no longer current) is a conflict, not an overwrite.
    """
    require_person(session, actor, Permission.PLAN_EDIT, person_id)
    plan = require_plan(session, person_id)
    if plan.closed_on is not None:
        raise ValidationFailedError({"plan": f"This plan was closed on {plan.closed_on.isoformat()}: it cannot change"})
    if data.base_version is not None and data.base_version != plan.current_version:
        raise ConflictError(
            f"Someone else saved version {plan.current_version} of this plan after you opened version "
            f"{data.base_version}. Check the plan, then make your change again.",
            current={"current_version": plan.current_version},
        )
    current = load_version(session, plan.id, plan.current_version)
    new = _clone(current)
    mutate(plan, new)
    _stamp(new, actor, number=current.number + 1, summary=summary, reason=data.reason)
    session.add(new)
    plan.current_version = new.number
    with because(session, data.reason or summary):
        session.flush()
    return new


def _stamp(version: PlanVersion, actor: Actor, *, number: int, summary: str, reason: str | None) -> None:
    version.number = number
    version.created_at = utcnow()
    version.created_by_id = actor.user_id
    version.created_by_name = actor.display_name
    version.change_summary = summary
    version.reason = reason


def start_plan(session: Session, actor: Actor, person_id: int, *, reason: str | None = None) -> CarePlan:
    """Begin the person's single plan at the context stage; there is one plan per person."""
    person = require_person(session, actor, Permission.PLAN_EDIT, person_id)
    if plan_for(session, person_id) is not None:
        raise ValidationFailedError({"plan": f"{person.full_name} already has a plan: there is one plan per person"})
    coordinator = ""
    if person.care_coordinator_id is not None:
        coordinator = session.scalar(select(User.display_name).where(User.id == person.care_coordinator_id)) or ""
    plan = CarePlan(person_id=person_id, current_version=1)
    session.add(plan)
    session.flush()
    version = PlanVersion(plan_id=plan.id, person_id=person_id, stage=Stage.CONTEXT.value, care_coordinator=coordinator)
    _stamp(version, actor, number=1, summary="Started the plan", reason=reason)
    session.add(version)
    with because(session, reason or "Started the plan"):
        session.flush()
    return plan


def _set_fields(version: PlanVersion, data: _Change, fields: Iterable[str]) -> None:
    for name in fields:
        value = getattr(data, name)
        setattr(version, name, value.value if hasattr(value, "value") else value)


def update_summary(session: Session, actor: Actor, person_id: int, data: OnePageSummaryUpdate) -> PlanVersion:
    """Change the one-page summary."""
    fields = ("appreciate_about_me", "important_to_me", "how_to_support_me", "health_summary")
    return _change(
        session, actor, person_id, data, "Changed the one-page summary", lambda _p, v: _set_fields(v, data, fields)
    )


def update_details(session: Session, actor: Actor, person_id: int, data: PlanDetailsUpdate) -> PlanVersion:
    """Change aspirations, self-management, risk management, contingency, and how decisions are made."""
    fields = ("aspirations", "self_management", "risk_management", "contingency", "capacity_and_decisions")
    return _change(
        session,
        actor,
        person_id,
        data,
        "Changed aspirations, self-management, risks or contingency",
        lambda _p, v: _set_fields(v, data, fields),
    )


def update_arrangements(session: Session, actor: Actor, person_id: int, data: ArrangementsUpdate) -> PlanVersion:
    """Change the care coordinator, health monitoring, where the budget is held, and the review arrangements.

    A next review date beyond the longest interval the rules allow is refused.
    """

    def mutate(plan: CarePlan, version: PlanVersion) -> None:
        previous_date = version.next_review_on
        _set_fields(
            version,
            data,
            (
                "care_coordinator",
                "health_monitor",
                "budget_management",
                "budget_arrangements",
                "budget_sheet_included",
                "cohort",
                "team",
                "local_category",
                "review_interval_months",
                "review_method",
                "next_review_on",
                "knows_how_to_request_review",
            ),
        )
        _check_review_date(session, plan, version, first_payment=data.first_direct_payment_on, previous=previous_date)
        plan.first_direct_payment_on = data.first_direct_payment_on

    return _change(session, actor, person_id, data, "Changed the plan's arrangements", mutate)


def _check_review_date(
    session: Session,
    plan: CarePlan,
    version: PlanVersion,
    *,
    first_payment: dt.date | None,
    previous: dt.date | None,
    agreed_on: dt.date | None = None,
    last_review: dt.date | None = None,
) -> None:
    """Refuse a next review date past the longest allowed interval (and a new date in the past)."""
    proposed = version.next_review_on
    if proposed is None:
        return
    deadline = review_deadline(
        today=today(),
        agreed_on=agreed_on or plan.first_agreed_on,
        last_review_on=last_review if last_review is not None else last_review_on(session, plan.id),
        first_direct_payment_on=first_payment,
        risk_band=risk_band(session, plan.person_id),
        plan_months=version.review_interval_months,
    )
    problem = review_date_problem(proposed, deadline, today())
    if problem is not None and not (proposed == previous and proposed <= deadline.latest):
        raise ValidationFailedError({"next_review_on": problem})


def update_involvement(session: Session, actor: Actor, person_id: int, data: InvolvementUpdate) -> PlanVersion:
    """Record how the person was prepared and whether they chose who was involved."""
    fields = ("person_prepared", "person_chose_involved", "involvement_notes")
    return _change(
        session, actor, person_id, data, "Changed who was involved", lambda _p, v: _set_fields(v, data, fields)
    )


def add_participant(session: Session, actor: Actor, person_id: int, data: ParticipantCreate) -> PlanVersion:
    """Record someone involved in planning."""

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        version.participants.append(
            PlanParticipant(
                person_id=person_id,
                ref=_next_ref(version.participants),
                name=data.name,
                role=data.role,
                chosen_by_person=data.chosen_by_person,
            )
        )

    return _change(session, actor, person_id, data, f"Added {data.name} to the people involved", mutate)


def add_outcome(session: Session, actor: Actor, person_id: int, data: OutcomeCreate) -> PlanVersion:
    """Record an outcome in the person's words; refused unless the person's involvement is recorded."""
    errors = outcome_problems(text=data.text, written_by=data.written_by, person_involved=data.person_involved)
    if errors:
        raise ValidationFailedError(errors)

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        version.outcomes.append(
            PlanOutcome(
                person_id=person_id,
                ref=_next_ref(version.outcomes),
                text=data.text,
                written_by=data.written_by,
                person_involved=True,
            )
        )

    return _change(session, actor, person_id, data, "Added an outcome", mutate)


def add_action(session: Session, actor: Actor, person_id: int, data: ActionCreate) -> PlanVersion:
    """Record who does what, by when, for which outcome; refused without an owner or a date."""

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        errors = action_problems(
            description=data.description,
            owner=data.owner,
            due_on=data.due_on,
            outcome_ref=data.outcome_ref,
            outcome_refs=[o.ref for o in version.outcomes],
        )
        if errors:
            raise ValidationFailedError(errors)
        assert data.due_on is not None  # noqa: S101 - action_problems refused a missing date
        assert data.outcome_ref is not None  # noqa: S101
        version.actions.append(
            PlanAction(
                person_id=person_id,
                ref=_next_ref(version.actions),
                outcome_ref=data.outcome_ref,
                description=data.description,
                owner=data.owner,
                due_on=data.due_on,
            )
        )

    return _change(session, actor, person_id, data, f"Added an action for {data.owner or 'someone'}", mutate)


def add_link(session: Session, actor: Actor, person_id: int, data: LinkedPlanCreate) -> PlanVersion:
    """Link another plan the person has, and who owns it."""

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        version.links.append(
            LinkedPlan(
                person_id=person_id,
                ref=_next_ref(version.links),
                kind=data.kind.value,
                title=data.title,
                owner=data.owner,
            )
        )

    return _change(session, actor, person_id, data, f"Linked the {data.kind.label}", mutate)


def remove_item(session: Session, actor: Actor, person_id: int, kind: str, data: RemoveItem) -> PlanVersion:
    """Take an outcome (with its actions), action, linked plan or participant out of the next version."""
    if kind not in CHILD_KINDS:
        raise NotFoundError("plan item kind", kind)

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        items: list[Any] = getattr(version, kind)
        keep = [item for item in items if item.ref != data.ref]
        if len(keep) == len(items):
            raise ValidationFailedError({"ref": "That item is not in the current version of the plan"})
        items[:] = keep
        if kind == "outcomes":
            version.actions[:] = [a for a in version.actions if a.outcome_ref != data.ref]

    return _change(session, actor, person_id, data, f"Removed one of the {kind}", mutate)


def advance_stage(session: Session, actor: Actor, person_id: int, data: StageAdvance) -> PlanVersion:
    """Move from context to preparation to conversation to record and agree (agreeing and reviewing do the rest)."""

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        stage = Stage(version.stage)
        if stage not in ADVANCE:
            raise ValidationFailedError(
                {"stage": f"The plan is at {stage.label}: it moves on when it is agreed or reviewed, not by hand"}
            )
        version.stage = ADVANCE[stage].value

    plan = plan_for(session, person_id)
    label = "the next stage"
    if plan is not None:
        stage = Stage(load_version(session, plan.id, plan.current_version).stage)
        label = ADVANCE[stage].label if stage in ADVANCE else label
    return _change(session, actor, person_id, data, f"Moved on to {label}", mutate)


def agree_plan(session: Session, actor: Actor, person_id: int, data: PlanAgreement) -> PlanVersion:
    """The person agrees the plan: it must hold what a direct-payment plan needs; then it is put into action."""

    def mutate(plan: CarePlan, version: PlanVersion) -> None:
        errors: dict[str, str] = {}
        if version.stage != Stage.RECORD_AND_AGREE:
            errors["stage"] = "Move the plan on to record and agree before agreeing it"
        if not data.person_agrees:
            errors["person_agrees"] = "Confirm that the person, or their representative, agrees to the plan"
        if data.agreed_on > today():
            errors["agreed_on"] = "Date agreed must be today or in the past"
        errors |= agreement_problems(facts(version))
        if errors:
            raise ValidationFailedError(errors)
        previous = version.next_review_on
        if data.next_review_on is None:
            version.next_review_on = deadline_for(session, plan, version, agreed_on=data.agreed_on).latest
        else:
            version.next_review_on = data.next_review_on
            _check_review_date(
                session,
                plan,
                version,
                first_payment=first_direct_payment_on(session, plan),
                previous=previous,
                agreed_on=data.agreed_on,
            )
        version.agreed_on = data.agreed_on
        version.agreed_by = data.agreed_by
        version.stage = Stage.MAKE_IT_HAPPEN.value
        if plan.first_agreed_on is None:
            plan.first_agreed_on = data.agreed_on

    return _change(session, actor, person_id, data, f"Agreed with {data.agreed_by}", mutate)


def update_quality_evidence(session: Session, actor: Actor, person_id: int, data: QualityEvidenceUpdate) -> PlanVersion:
    """Record the evidence for the five criteria; a criterion marked met needs its evidence in words."""
    errors = {
        f"criterion_{n}_evidence": f"Say what shows criterion {n} was met"
        for n in range(1, 6)
        if getattr(data, f"criterion_{n}_met") and not getattr(data, f"criterion_{n}_evidence").strip()
    }
    if errors:
        raise ValidationFailedError(errors)
    fields = [f"criterion_{n}_{part}" for n in range(1, 6) for part in ("met", "evidence")]
    return _change(
        session,
        actor,
        person_id,
        data,
        "Recorded evidence for the five criteria",
        lambda _p, v: _set_fields(v, data, fields),
    )


def close_plan(session: Session, actor: Actor, person_id: int, data: PlanClosure) -> CarePlan:
    """End the plan and with it the personal health budget (it stays readable; the national return stops counting)."""
    require_person(session, actor, Permission.PLAN_EDIT, person_id)
    plan = require_plan(session, person_id)
    if plan.closed_on is not None:
        raise ValidationFailedError({"closed_on": f"The plan was already closed on {plan.closed_on.isoformat()}"})
    if data.closed_on > today():
        raise ValidationFailedError({"closed_on": "Date closed must be today or in the past"})
    plan.closed_on = data.closed_on
    plan.closed_reason = data.closed_reason
    with because(session, data.reason or data.closed_reason):
        session.flush()
    return plan


def versions_as_at(session: Session, plan_ids: Sequence[int], cutoff: dt.datetime) -> dict[int, PlanVersion]:
    """Each plan's latest version saved before ``cutoff`` (for a plan first recorded later, its current one)."""
    if not plan_ids:
        return {}
    before = (
        select(PlanVersion.plan_id, func.max(PlanVersion.number).label("number"))
        .where(PlanVersion.plan_id.in_(plan_ids), PlanVersion.created_at < cutoff)
        .group_by(PlanVersion.plan_id)
    )
    chosen: dict[int, int] = dict(session.execute(before).all())
    missing = [plan_id for plan_id in plan_ids if plan_id not in chosen]
    if missing:
        current = select(CarePlan.id, CarePlan.current_version).where(CarePlan.id.in_(missing))
        chosen |= dict(session.execute(current).all())
    versions = session.scalars(
        select(PlanVersion)
        .where(PlanVersion.plan_id.in_(plan_ids))
        .where(PlanVersion.number.in_(set(chosen.values())))
        .options(*(selectinload(getattr(PlanVersion, kind)) for kind in CHILD_KINDS))
    )
    return {v.plan_id: v for v in versions if chosen[v.plan_id] == v.number}
