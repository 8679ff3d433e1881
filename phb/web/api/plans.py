"""JSON API for the care and support plan: the same services and access checks as the pages.

Reading the plan, its FHIR CarePlan, its versions and reviews, and asking for a review are open to the person and
their representative as well as staff (the services decide); every change needs ``PLAN_EDIT``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post, put
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.plans import fhir, reviews, services
from phb.plans.schemas import (
    ActionCreate,
    ArrangementsUpdate,
    InvolvementUpdate,
    LinkedPlanCreate,
    OnePageSummaryUpdate,
    OutcomeCreate,
    ParticipantCreate,
    PlanAgreement,
    PlanClosure,
    PlanDetailsUpdate,
    PlanRead,
    QualityEvidenceUpdate,
    RemoveItem,
    ReviewRead,
    ReviewRecord,
    ReviewRequest,
    StageAdvance,
    VersionSummary,
)
from phb.web.security import require_staff

FHIR_JSON = "application/fhir+json"
STAFF = [require_staff]


def _current(db_session: Session, actor: Actor, person_id: int) -> PlanRead:
    plan = services.plan_detail(db_session, actor, person_id)
    if plan is None:
        services.require_plan(db_session, person_id)
    assert plan is not None  # noqa: S101 - require_plan raised otherwise
    return plan


class PlanApiController(Controller):
    """The plan. Reading and asking for a review: staff who may see the person, the person, their representative.

    Changes (staff only, ``PLAN_EDIT``): each change is a new version; 409 on a stale ``base_version``.
    """

    path = "/api/v1/people/{person_id:int}/plan"
    tags = ["plans"]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def get_plan(self, actor: Actor, db_session: Session, person_id: int) -> PlanRead:
        """The current plan, with its stage, the five criteria and when the next review is due; 404 if none."""
        return _current(db_session, actor, person_id)

    @get("/versions", sync_to_thread=True)
    def list_versions(self, actor: Actor, db_session: Session, person_id: int) -> list[VersionSummary]:
        """Every version: who changed the plan, when and why."""
        return services.plan_history(db_session, actor, person_id)

    @get("/versions/{number:int}", sync_to_thread=True)
    def get_version(self, actor: Actor, db_session: Session, person_id: int, number: int) -> PlanRead:
        """The plan as it was at one version."""
        plan = services.plan_detail(db_session, actor, person_id, number=number)
        assert plan is not None  # noqa: S101 - plan_detail raises for a missing version
        return plan

    @get("/fhir", sync_to_thread=True, media_type=FHIR_JSON)
    def get_fhir(self, actor: Actor, db_session: Session, person_id: int) -> Response[dict[str, Any]]:
        """The current plan as a validated FHIR R4 CarePlan (outcomes as contained Goals, actions as activities)."""
        resource = fhir.care_plan_json(_current(db_session, actor, person_id))
        services.record_sharing(db_session, actor, person_id, "fhir")
        return Response(content=resource, media_type=FHIR_JSON)

    @get("/reviews", sync_to_thread=True)
    def list_reviews(self, actor: Actor, db_session: Session, person_id: int) -> list[ReviewRead]:
        """Reviews asked for and held."""
        return reviews.person_reviews(db_session, actor, person_id)

    @post("/reviews/requests", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def request_review(self, actor: Actor, db_session: Session, person_id: int, data: ReviewRequest) -> ReviewRead:
        """Ask for a formal review now (the person, their representative, or staff for them)."""
        review = reviews.request_review(db_session, actor, person_id, data)
        return next(r for r in reviews.person_reviews(db_session, actor, person_id) if r.id == review.id)

    @post("/", status_code=HTTP_201_CREATED, sync_to_thread=True, guards=STAFF)
    def start(self, actor: Actor, db_session: Session, person_id: int) -> PlanRead:
        """Start the person's plan."""
        services.start_plan(db_session, actor, person_id)
        return _current(db_session, actor, person_id)

    @put("/summary", sync_to_thread=True, guards=STAFF)
    def put_summary(self, actor: Actor, db_session: Session, person_id: int, data: OnePageSummaryUpdate) -> PlanRead:
        """Change the one-page summary."""
        services.update_summary(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @put("/details", sync_to_thread=True, guards=STAFF)
    def put_details(self, actor: Actor, db_session: Session, person_id: int, data: PlanDetailsUpdate) -> PlanRead:
        """Change aspirations, self-management, risk management, contingency and decision-making."""
        services.update_details(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @put("/arrangements", sync_to_thread=True, guards=STAFF)
    def put_arrangements(self, actor: Actor, db_session: Session, person_id: int, data: ArrangementsUpdate) -> PlanRead:
        """Change the coordinator, health monitoring, where the budget is held, cohort, team and review dates."""
        services.update_arrangements(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @put("/involvement", sync_to_thread=True, guards=STAFF)
    def put_involvement(self, actor: Actor, db_session: Session, person_id: int, data: InvolvementUpdate) -> PlanRead:
        """Record how the person was prepared and whether they chose who was involved."""
        services.update_involvement(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/participants", status_code=HTTP_201_CREATED, sync_to_thread=True, guards=STAFF)
    def post_participant(self, actor: Actor, db_session: Session, person_id: int, data: ParticipantCreate) -> PlanRead:
        """Add someone involved in planning."""
        services.add_participant(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/outcomes", status_code=HTTP_201_CREATED, sync_to_thread=True, guards=STAFF)
    def post_outcome(self, actor: Actor, db_session: Session, person_id: int, data: OutcomeCreate) -> PlanRead:
        """Add an outcome in the person's words (422 unless the person's involvement is recorded)."""
        services.add_outcome(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/actions", status_code=HTTP_201_CREATED, sync_to_thread=True, guards=STAFF)
    def post_action(self, actor: Actor, db_session: Session, person_id: int, data: ActionCreate) -> PlanRead:
        """Add an action (422 without an owner, a date or an outcome)."""
        services.add_action(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/links", status_code=HTTP_201_CREATED, sync_to_thread=True, guards=STAFF)
    def post_link(self, actor: Actor, db_session: Session, person_id: int, data: LinkedPlanCreate) -> PlanRead:
        """Link another plan and its owner."""
        services.add_link(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/remove/{kind:str}", sync_to_thread=True, guards=STAFF)
    def remove(self, actor: Actor, db_session: Session, person_id: int, kind: str, data: RemoveItem) -> PlanRead:
        """Take an outcome, action, link or participant out of the next version."""
        services.remove_item(db_session, actor, person_id, kind, data)
        return _current(db_session, actor, person_id)

    @post("/stage", sync_to_thread=True, guards=STAFF)
    def advance(self, actor: Actor, db_session: Session, person_id: int, data: StageAdvance) -> PlanRead:
        """Move on to the next stage (context, preparation, conversation, record and agree)."""
        services.advance_stage(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/agreement", sync_to_thread=True, guards=STAFF)
    def agree(self, actor: Actor, db_session: Session, person_id: int, data: PlanAgreement) -> PlanRead:
        """Agree the plan with the person (422 naming what it still needs)."""
        services.agree_plan(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @put("/quality", sync_to_thread=True, guards=STAFF)
    def put_quality(self, actor: Actor, db_session: Session, person_id: int, data: QualityEvidenceUpdate) -> PlanRead:
        """Record evidence for the five criteria."""
        services.update_quality_evidence(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/closure", sync_to_thread=True, guards=STAFF)
    def close(self, actor: Actor, db_session: Session, person_id: int, data: PlanClosure) -> PlanRead:
        """Close the plan."""
        services.close_plan(db_session, actor, person_id, data)
        return _current(db_session, actor, person_id)

    @post("/reviews", status_code=HTTP_201_CREATED, sync_to_thread=True, guards=STAFF)
    def record_review(self, actor: Actor, db_session: Session, person_id: int, data: ReviewRecord) -> ReviewRead:
        """Record a review held with the person (422 for a next review date past the longest interval)."""
        review = reviews.record_review(db_session, actor, person_id, data)
        return next(r for r in reviews.person_reviews(db_session, actor, person_id) if r.id == review.id)


ROUTES = [PlanApiController]
