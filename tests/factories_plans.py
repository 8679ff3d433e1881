"""Builders for care and support plans, made through the services so every rule and audit event applies."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.plans import services
from phb.plans.models import CarePlan
from phb.plans.rules import BudgetManagement, Cohort
from phb.plans.schemas import (
    ActionCreate,
    ArrangementsUpdate,
    InvolvementUpdate,
    OnePageSummaryUpdate,
    OutcomeCreate,
    ParticipantCreate,
    PlanAgreement,
    PlanDetailsUpdate,
    QualityEvidenceUpdate,
    StageAdvance,
)

ALL_MET = {f"criterion_{n}_met": True for n in range(1, 6)} | {
    f"criterion_{n}_evidence": f"Evidence for criterion {n}" for n in range(1, 6)
}


def written_plan(
    db: Session,
    actor: Actor,
    person_id: int,
    *,
    team: str = "North",
    local_category: str = "",
    cohort: Cohort = Cohort.CHC_ADULTS,
    budget: BudgetManagement = BudgetManagement.DIRECT_PAYMENT,
    first_direct_payment_on: dt.date | None = None,
    evidence: dict[str, object] | None = None,
) -> CarePlan:
    """A plan with everything needed to agree it, at the record-and-agree stage."""
    plan = services.start_plan(db, actor, person_id)
    services.update_summary(
        db,
        actor,
        person_id,
        OnePageSummaryUpdate(
            appreciate_about_me="My sense of humour",
            important_to_me="My garden and my grandchildren",
            how_to_support_me="Talk to me, not about me",
            health_summary="Multiple sclerosis",
        ),
    )
    services.update_details(db, actor, person_id, PlanDetailsUpdate(contingency="My daughter covers if a PA is off"))
    services.update_involvement(
        db, actor, person_id, InvolvementUpdate(person_prepared=True, person_chose_involved=True)
    )
    services.add_participant(
        db, actor, person_id, ParticipantCreate(name="Grace", role="Daughter", chosen_by_person=True)
    )
    services.add_outcome(
        db,
        actor,
        person_id,
        OutcomeCreate(text="I want to sit in my garden every day", written_by="Me", person_involved=True),
    )
    services.add_action(
        db,
        actor,
        person_id,
        ActionCreate(
            outcome_ref=1, description="Help me outside after lunch", owner="My PA", due_on=dt.date(2027, 1, 1)
        ),
    )
    services.update_arrangements(
        db,
        actor,
        person_id,
        ArrangementsUpdate(
            care_coordinator="Nina Patel",
            health_monitor="District nurse team",
            budget_management=budget,
            budget_sheet_included=True,
            cohort=cohort,
            team=team,
            local_category=local_category,
            first_direct_payment_on=first_direct_payment_on,
            review_method="Home visit",
            knows_how_to_request_review=True,
        ),
    )
    services.update_quality_evidence(db, actor, person_id, QualityEvidenceUpdate.model_validate(evidence or ALL_MET))
    for _ in range(3):
        services.advance_stage(db, actor, person_id, StageAdvance())
    return plan


def agreed_plan(db: Session, actor: Actor, person_id: int, *, agreed_on: dt.date, **kwargs: object) -> CarePlan:
    """A written plan agreed on ``agreed_on`` (which must not be after today)."""
    plan = written_plan(db, actor, person_id, **kwargs)  # type: ignore[arg-type]
    services.agree_plan(
        db, actor, person_id, PlanAgreement(agreed_on=agreed_on, agreed_by="The person", person_agrees=True)
    )
    return plan
