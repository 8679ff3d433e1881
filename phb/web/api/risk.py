"""JSON API for a person's risks under ``/api/v1/people/{person_id}/risks``: the same services and checks as the pages.

Bad input is answered 400 (the body does not fit the schema) or 422 (a rule refused it), naming each field;
nothing is saved. A person outside the caller's caseload is 404; a role that may read but not change is 403.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, get, post, put
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.risk import services
from phb.risk.schemas import (
    ActionCreate,
    ActionRead,
    BestInterestsDecisionCreate,
    BestInterestsDecisionRead,
    CapacityAssessmentCreate,
    CapacityAssessmentRead,
    ContingencyPlanCreate,
    ContingencyPlanRead,
    DelegatedTaskCreate,
    DelegatedTaskRead,
    DiscussionCreate,
    DiscussionRead,
    HistoryEntry,
    RestraintProcedureCreate,
    RestraintProcedureRead,
    RiskCreate,
    RiskRead,
    RiskRegisterRead,
    RiskReview,
    RiskSummaryRead,
    SafeguardingConcernCreate,
    SafeguardingConcernRead,
)
from phb.web.security import require_staff

CREATED: dict[str, Any] = {"status_code": HTTP_201_CREATED, "sync_to_thread": True}


class RiskApiController(Controller):
    """A person's risk register, discussions, contingency plans, capacity, safeguarding and delegated tasks."""

    path = "/api/v1/people/{person_id:int}/risks"
    tags = ["risk"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def register(self, actor: Actor, db_session: Session, person_id: int) -> RiskRegisterRead:
        """The register (highest residual rating first) with the person's summary."""
        return services.risk_register(db_session, actor, person_id)

    @post("/", **CREATED)
    def add_risk(self, actor: Actor, db_session: Session, person_id: int, data: RiskCreate) -> RiskRead:
        """Register a risk; likelihood and impact 1-5, review date today or later."""
        risk = services.add_risk(db_session, actor, person_id, data)
        return services.risk_detail(db_session, actor, person_id, risk.id)

    @get("/summary", sync_to_thread=True)
    def summary(self, actor: Actor, db_session: Session, person_id: int) -> RiskSummaryRead:
        """Highest residual rating and band, overdue reviews, next review, and the reasons in words."""
        return services.risk_register(db_session, actor, person_id).summary

    @get("/{risk_id:int}", sync_to_thread=True)
    def risk(self, actor: Actor, db_session: Session, person_id: int, risk_id: int) -> RiskRead:
        """One risk with its actions."""
        return services.risk_detail(db_session, actor, person_id, risk_id)

    @put("/{risk_id:int}", sync_to_thread=True)
    def review_risk(
        self, actor: Actor, db_session: Session, person_id: int, risk_id: int, data: RiskReview
    ) -> RiskRead:
        """Review a risk; 409 if ``version`` is not the current one."""
        services.review_risk(db_session, actor, person_id, risk_id, data)
        return services.risk_detail(db_session, actor, person_id, risk_id)

    @get("/{risk_id:int}/history", sync_to_thread=True)
    def history(self, actor: Actor, db_session: Session, person_id: int, risk_id: int) -> list[HistoryEntry]:
        """Every change to the risk and its actions, newest first."""
        return services.risk_history(db_session, actor, person_id, risk_id)

    @post("/{risk_id:int}/actions", **CREATED)
    def add_action(
        self, actor: Actor, db_session: Session, person_id: int, risk_id: int, data: ActionCreate
    ) -> ActionRead:
        """Agree an action about a risk."""
        return ActionRead.model_validate(services.add_action(db_session, actor, person_id, risk_id, data))

    @get("/discussions", sync_to_thread=True)
    def discussions(self, actor: Actor, db_session: Session, person_id: int) -> list[DiscussionRead]:
        """Risk discussions, newest first."""
        return services.discussions(db_session, actor, person_id)

    @post("/discussions", **CREATED)
    def add_discussion(
        self, actor: Actor, db_session: Session, person_id: int, data: DiscussionCreate
    ) -> DiscussionRead:
        """Record a risk discussion; ``wants_to_do`` and ``risk_they_accept`` are the person's own words."""
        return DiscussionRead.model_validate(services.add_discussion(db_session, actor, person_id, data))

    @get("/discussions/{discussion_id:int}", sync_to_thread=True)
    def discussion(self, actor: Actor, db_session: Session, person_id: int, discussion_id: int) -> DiscussionRead:
        """One risk discussion."""
        return services.discussion_detail(db_session, actor, person_id, discussion_id)[0]

    @get("/contingency-plans", sync_to_thread=True)
    def contingency_plans(self, actor: Actor, db_session: Session, person_id: int) -> list[ContingencyPlanRead]:
        """Contingency plans."""
        return services.contingency_plans(db_session, actor, person_id)

    @post("/contingency-plans", **CREATED)
    def add_contingency_plan(
        self, actor: Actor, db_session: Session, person_id: int, data: ContingencyPlanCreate
    ) -> ContingencyPlanRead:
        """Add a contingency plan."""
        return ContingencyPlanRead.model_validate(services.add_contingency_plan(db_session, actor, person_id, data))

    @get("/capacity-assessments", sync_to_thread=True)
    def capacity_assessments(self, actor: Actor, db_session: Session, person_id: int) -> list[CapacityAssessmentRead]:
        """Capacity assessments, newest first."""
        return services.capacity_assessments(db_session, actor, person_id)

    @post("/capacity-assessments", **CREATED)
    def add_capacity_assessment(
        self, actor: Actor, db_session: Session, person_id: int, data: CapacityAssessmentCreate
    ) -> CapacityAssessmentRead:
        """Record a capacity assessment; an outcome needs an assessor."""
        record = services.add_capacity_assessment(db_session, actor, person_id, data)
        return CapacityAssessmentRead.model_validate(record)

    @get("/best-interests-decisions", sync_to_thread=True)
    def best_interests_decisions(
        self, actor: Actor, db_session: Session, person_id: int
    ) -> list[BestInterestsDecisionRead]:
        """Best-interests decisions, newest first."""
        return services.best_interests_decisions(db_session, actor, person_id)

    @post("/best-interests-decisions", **CREATED)
    def add_best_interests_decision(
        self, actor: Actor, db_session: Session, person_id: int, data: BestInterestsDecisionCreate
    ) -> BestInterestsDecisionRead:
        """Record a best-interests decision."""
        record = services.add_best_interests_decision(db_session, actor, person_id, data)
        return BestInterestsDecisionRead.model_validate(record)

    @get("/safeguarding-concerns", sync_to_thread=True)
    def safeguarding_concerns(self, actor: Actor, db_session: Session, person_id: int) -> list[SafeguardingConcernRead]:
        """Safeguarding concerns, newest first."""
        return services.safeguarding_concerns(db_session, actor, person_id)

    @post("/safeguarding-concerns", **CREATED)
    def add_safeguarding_concern(
        self, actor: Actor, db_session: Session, person_id: int, data: SafeguardingConcernCreate
    ) -> SafeguardingConcernRead:
        """Record a safeguarding concern."""
        record = services.add_safeguarding_concern(db_session, actor, person_id, data)
        return SafeguardingConcernRead.model_validate(record)

    @get("/restraint-procedures", sync_to_thread=True)
    def restraint_procedures(self, actor: Actor, db_session: Session, person_id: int) -> list[RestraintProcedureRead]:
        """Restraint procedures, soonest review first."""
        return services.restraint_procedures(db_session, actor, person_id)

    @post("/restraint-procedures", **CREATED)
    def add_restraint_procedure(
        self, actor: Actor, db_session: Session, person_id: int, data: RestraintProcedureCreate
    ) -> RestraintProcedureRead:
        """Record a restraint procedure."""
        record = services.add_restraint_procedure(db_session, actor, person_id, data)
        return RestraintProcedureRead.model_validate(record)

    @get("/delegated-tasks", sync_to_thread=True)
    def delegated_tasks(self, actor: Actor, db_session: Session, person_id: int) -> list[DelegatedTaskRead]:
        """Delegated health tasks, soonest competency review first, overdue ones flagged."""
        return services.delegated_tasks(db_session, actor, person_id)

    @post("/delegated-tasks", **CREATED)
    def add_delegated_task(
        self, actor: Actor, db_session: Session, person_id: int, data: DelegatedTaskCreate
    ) -> DelegatedTaskRead:
        """Record a health task delegated to a personal assistant."""
        record = services.add_delegated_task(db_session, actor, person_id, data)
        return next(t for t in services.delegated_tasks(db_session, actor, person_id) if t.id == record.id)


ROUTES = [RiskApiController]
