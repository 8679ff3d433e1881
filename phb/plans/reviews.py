"""Reviews of the plan: asked for by the person at any time, held and recorded by staff, and the caseload dashboard.

The dates follow DOMAIN.md section 8: the first formal review within three months of the first direct payment,
then at least every twelve months, sooner for a high or extreme residual risk or where the plan says so.
"""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload

from phb.access.rules import Actor, Permission
from phb.access.services import require_person, visible_filter
from phb.audit.services import because
from phb.clock import today
from phb.errors import ValidationFailedError
from phb.people.models import Person
from phb.plans.models import CarePlan, PlanReview, PlanVersion, ReviewOutcome
from phb.plans.rules import Progress, Stage, due_by, review_deadline, review_status
from phb.plans.schemas import DashboardRow, OutcomeProgressIn, ReviewRead, ReviewRecord, ReviewRequest
from phb.plans.services import (
    _change,
    _check_review_date,
    deadline_for,
    first_direct_payment_on,
    first_scheduled_payment,
    last_review_on,
    load_version,
    open_review,
    require_plan,
    risk_band,
    risk_bands,
)


def request_review(session: Session, actor: Actor, person_id: int, data: ReviewRequest) -> PlanReview:
    """Ask for a formal review now. The person and their representative may ask; staff need ``PLAN_EDIT``.

    Asking again while a review is already open changes nothing and returns the open one.
    """
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    if actor.is_staff:
        require_person(session, actor, Permission.PLAN_EDIT, person_id)
    plan = require_plan(session, person_id)
    if plan.first_agreed_on is None or plan.closed_on is not None:
        raise ValidationFailedError(
            {"request_reason": f"{person.full_name}'s plan is not in place yet, so there is nothing to review"}
        )
    existing = open_review(session, plan.id)
    if existing is not None:
        return existing
    review = PlanReview(
        plan_id=plan.id,
        person_id=person_id,
        status="requested",
        kind="requested",
        requested_on=today(),
        requested_by=data.requested_by or actor.display_name,
        request_reason=data.request_reason,
    )
    session.add(review)
    with because(session, data.request_reason or "Review asked for"):
        session.flush()
    return review


def record_review(session: Session, actor: Actor, person_id: int, data: ReviewRecord) -> PlanReview:
    """Record a formal review held with the person, and carry it into a new plan version.

    Every outcome needs its progress; outcomes no longer wanted leave the plan with their actions. The next
    review date defaults to the latest the rules allow and may not be later. With ``revise_plan`` the plan goes
    back to the conversation stage to be agreed again; otherwise it carries on (make it happen).
    """
    require_person(session, actor, Permission.PLAN_EDIT, person_id)
    plan = require_plan(session, person_id)
    current = load_version(session, plan.id, plan.current_version)
    progress = _check_review(plan, current, data)
    held_before = last_review_on(session, plan.id)
    first_payment = first_direct_payment_on(session, plan)
    is_first = first_payment is not None and (held_before is None or held_before < first_payment)
    deadline = deadline_for(session, plan, current, last_review=data.held_on, band=risk_band(session, person_id))

    def mutate(_plan: CarePlan, version: PlanVersion) -> None:
        dropped = {ref for ref, item in progress.items() if item.progress is Progress.NO_LONGER_WANTED}
        for outcome in version.outcomes:
            outcome.progress = progress[outcome.ref].progress.value
        version.outcomes[:] = [o for o in version.outcomes if o.ref not in dropped]
        version.actions[:] = [a for a in version.actions if a.outcome_ref not in dropped]
        version.next_review_on = data.next_review_on or deadline.latest
        _check_review_date(session, plan, version, first_payment=first_payment, previous=None, last_review=data.held_on)
        version.stage = (Stage.CONVERSATION if data.revise_plan else Stage.MAKE_IT_HAPPEN).value

    summary = f"Reviewed on {data.held_on.isoformat()}" + (
        ", to be revised with the person" if data.revise_plan else ""
    )
    new_version = _change(session, actor, person_id, _Reason(data.notes), summary, mutate)

    review = open_review(session, plan.id) or PlanReview(plan_id=plan.id, person_id=person_id, kind="scheduled")
    if is_first:
        review.kind = "first"
    _fill_review(review, actor, data)
    review.next_review_on = new_version.next_review_on
    review.version_before = current.number
    review.version_after = new_version.number
    review.outcomes = [
        ReviewOutcome(
            person_id=person_id,
            outcome_ref=o.ref,
            outcome_text=o.text,
            progress=progress[o.ref].progress.value,
            comment=progress[o.ref].comment,
        )
        for o in current.outcomes
    ]
    session.add(review)
    with because(session, summary):
        session.flush()
    return review


def _check_review(plan: CarePlan, current: PlanVersion, data: ReviewRecord) -> dict[int, OutcomeProgressIn]:
    """Refuse a review before agreement, in the future, or without progress on every outcome."""
    errors: dict[str, str] = {}
    if plan.first_agreed_on is None:
        errors["held_on"] = "The plan has not been agreed yet: agree it before reviewing it"
    elif data.held_on < plan.first_agreed_on:
        errors["held_on"] = "Date of the review must be on or after the date the plan was agreed"
    if data.held_on > today():
        errors["held_on"] = "Date of the review must be today or in the past"
    progress = {item.outcome_ref: item for item in data.outcomes}
    for outcome in current.outcomes:
        if outcome.ref not in progress:
            errors[f"progress_{outcome.ref}"] = f"Record progress on the outcome “{outcome.text[:60]}”"
    if set(progress) - {o.ref for o in current.outcomes}:
        errors["outcomes"] = "Progress was given for an outcome that is not in the plan"
    if errors:
        raise ValidationFailedError(errors)
    return progress


def _fill_review(review: PlanReview, actor: Actor, data: ReviewRecord) -> None:
    review.status = "completed"
    review.held_on = data.held_on
    review.reviewer_id = actor.user_id
    review.reviewer_name = actor.display_name
    for name in ("changed_needs", "budget_use", "risk_changes", "budget_covers_full_cost", "budget_review_needed"):
        setattr(review, name, getattr(data, name))
    for name in ("insurance", "training", "employer_duties", "provider_registration"):
        setattr(review, name, getattr(data, name).value)
    review.notes = data.notes


class _Reason:
    """The ``_change`` input for a review: no base version check (the review form is the whole change)."""

    def __init__(self, notes: str) -> None:
        self.base_version: int | None = None
        self.reason: str | None = notes or None


def person_reviews(session: Session, actor: Actor, person_id: int) -> list[ReviewRead]:
    """The person's reviews, newest first (open requests first of all)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    reviews = session.scalars(
        select(PlanReview)
        .where(PlanReview.person_id == person_id)
        .options(selectinload(PlanReview.outcomes))
        .order_by(PlanReview.status.desc(), PlanReview.held_on.desc(), PlanReview.id.desc())
    )
    return [ReviewRead.model_validate(r) for r in reviews]


def reviews_dashboard(session: Session, actor: Actor) -> list[DashboardRow]:
    """Every agreed, open plan the actor may see with when its review is due, soonest first.

    Three statements whatever the number of plans (a service manager sees every plan): the plans with their last
    review and any open request, and the risk bands of their people; each deadline is then worked out by the
    rules, with no statement per plan.
    """
    last = (
        select(PlanReview.plan_id, func.max(PlanReview.held_on).label("held_on"))
        .where(PlanReview.status == "completed")
        .group_by(PlanReview.plan_id)
        .subquery()
    )
    requested = (
        select(PlanReview.plan_id, func.min(PlanReview.requested_on).label("requested_on"))
        .where(PlanReview.status == "requested")
        .group_by(PlanReview.plan_id)
        .subquery()
    )
    open_plans = (
        visible_filter(actor, CarePlan.person_id),
        CarePlan.first_agreed_on.is_not(None),
        CarePlan.closed_on.is_(None),
    )
    bands = risk_bands(session, select(CarePlan.person_id).where(*open_plans))
    rows = session.execute(
        select(
            Person.id,
            Person.given_name,
            Person.family_name,
            Person.nhs_number,
            CarePlan.first_agreed_on,
            func.coalesce(first_scheduled_payment(CarePlan.person_id), CarePlan.first_direct_payment_on),
            PlanVersion.review_interval_months,
            PlanVersion.next_review_on,
            last.c.held_on,
            requested.c.requested_on,
            requested.c.plan_id,
        )
        .join(Person, Person.id == CarePlan.person_id)
        .join(PlanVersion, and_(PlanVersion.plan_id == CarePlan.id, PlanVersion.number == CarePlan.current_version))
        .outerjoin(last, last.c.plan_id == CarePlan.id)
        .outerjoin(requested, requested.c.plan_id == CarePlan.id)
        .where(*open_plans)
    )
    on = today()
    result = []
    for person_id, given, family, nhs, agreed, first_payment, months, planned, held_on, asked_on, asked in rows:
        deadline = review_deadline(
            today=on,
            agreed_on=agreed,
            last_review_on=held_on,
            first_direct_payment_on=first_payment,
            risk_band=bands.get(person_id),
            plan_months=months,
        )
        due = due_by(planned, deadline)
        result.append(
            DashboardRow.model_construct(  # typed values from the database and the rules: nothing to validate
                person_id=person_id,
                person_name=f"{given} {family}",
                nhs_number=nhs,
                due_by=due,
                status=review_status(due, on, requested=asked is not None),
                rule=deadline.reason,
                requested_on=asked_on,
            )
        )
    return sorted(result, key=lambda r: (r.due_by, r.person_name))
