"""JSON API for decision notices and appeals: the same services and access checks as the pages."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.errors import ValidationFailedError
from phb.governance.appeals import services
from phb.governance.appeals.rules import Stage
from phb.governance.appeals.schemas import (
    AppealCreate,
    AppealDecisionInput,
    AppealRead,
    Communication,
    DatedStep,
    Delivery,
    NoticeRead,
    PersonAppeals,
    ReferralCreate,
    ReportRowRead,
    ReviewerAssign,
)
from phb.people.schemas import Page
from phb.web.security import require_staff


class AppealsApiController(Controller):
    """Appeals' steps, the dashboard, the report and notice delivery (staff)."""

    path = "/api/v1"
    tags = ["appeals"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/appeals", sync_to_thread=True)
    def dashboard(
        self, actor: Actor, db_session: Session, stage: Stage | None = None, page: int = 1
    ) -> Page[AppealRead]:
        """Open appeals the caller may see (of one ``stage``, if given), overdue first, 50 a page.

        Each has its next step and due date; ``total`` counts them all.
        """
        return services.appeals_page(db_session, actor, stage=stage, page=page)

    @get("/appeals/report", sync_to_thread=True)
    def report(self, actor: Actor, db_session: Session) -> list[ReportRowRead]:
        """Decided appeals per quarter, decision type and outcome, with working days to decide."""
        return [
            ReportRowRead(
                quarter=r.quarter,
                decision_type=r.decision_type,
                upheld=r.upheld,
                partly_upheld=r.partly_upheld,
                not_upheld=r.not_upheld,
                total=r.total,
                overturn_rate=round(r.overturn_rate, 4),
                mean_working_days=r.mean_working_days,
                longest_working_days=r.longest_working_days,
            )
            for r in services.appeal_report(db_session, actor)
        ]

    @get("/appeals/{appeal_id:int}", sync_to_thread=True)
    def show(self, actor: Actor, db_session: Session, appeal_id: int) -> AppealRead:
        """One appeal with its steps' timing and referrals."""
        return services.appeal_detail(db_session, actor, appeal_id)

    @post("/appeals/{appeal_id:int}/acknowledgement", sync_to_thread=True)
    def acknowledge(self, actor: Actor, db_session: Session, appeal_id: int, data: DatedStep) -> AppealRead:
        """Acknowledge the appeal."""
        services.acknowledge(db_session, actor, appeal_id, data)
        return services.appeal_detail(db_session, actor, appeal_id)

    @post("/appeals/{appeal_id:int}/reviewer", sync_to_thread=True)
    def assign(self, actor: Actor, db_session: Session, appeal_id: int, data: ReviewerAssign) -> AppealRead:
        """Assign an independent reviewer; 422 names the problem (e.g. the reviewer took the original decision).

        403 when the caller took (or second-approved) the original decision: they may not choose their reviewer.
        """
        services.assign_reviewer(db_session, actor, appeal_id, data)
        return services.appeal_detail(db_session, actor, appeal_id)

    @post("/appeals/{appeal_id:int}/decision", sync_to_thread=True)
    def decide(self, actor: Actor, db_session: Session, appeal_id: int, data: AppealDecisionInput) -> AppealRead:
        """The reviewer decides; upheld or partly upheld reopens the decision through the governance router."""
        services.decide_appeal(db_session, actor, appeal_id, data)
        return services.appeal_detail(db_session, actor, appeal_id)

    @post("/appeals/{appeal_id:int}/communication", sync_to_thread=True)
    def communicate(self, actor: Actor, db_session: Session, appeal_id: int, data: Communication) -> AppealRead:
        """Record how and when the person was told."""
        services.communicate(db_session, actor, appeal_id, data)
        return services.appeal_detail(db_session, actor, appeal_id)

    @post("/appeals/{appeal_id:int}/referrals", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def refer(self, actor: Actor, db_session: Session, appeal_id: int, data: ReferralCreate) -> AppealRead:
        """Record a referral to the NHS complaints procedure, an Independent Review Panel or the Ombudsman."""
        services.refer(db_session, actor, appeal_id, data)
        return services.appeal_detail(db_session, actor, appeal_id)

    @post("/people/{person_id:int}/notices/{notice_id:int}/delivery", sync_to_thread=True)
    def delivery(self, actor: Actor, db_session: Session, person_id: int, notice_id: int, data: Delivery) -> NoticeRead:
        """Record how and when the notice reached the person."""
        return services.record_delivery(db_session, actor, person_id, notice_id, data)


# What only the care team records about an appeal; the portal account says who is appealing, how and when.
STAFF_ONLY_FIELDS = {
    "on_behalf_of": "Only the care team records who is appealing: your account says it",
    "received_via": "Only the care team records how an appeal arrived",
    "lodged_on": "Only the care team records the day an appeal arrived: yours is dated today",
}


class PersonAppealsApiController(Controller):
    """A person's notices and appeals, for the care team and for the person or their representative (as the portal).

    The person (or their representative, through their portal account) lodges an appeal here as they would on
    ``/my/{id}/decisions/{outcome_id}/appeal``: ``outcome_id``, ``grounds`` and ``new_information``. The same
    service checks apply: another person's decision is 404 to them, a second appeal is 409.
    """

    path = "/api/v1/people/{person_id:int}"
    tags = ["appeals"]  # noqa: RUF012

    @get("/appeals", sync_to_thread=True)
    def person(self, actor: Actor, db_session: Session, person_id: int) -> PersonAppeals:
        """A person's decision notices and appeals."""
        return PersonAppeals(
            notices=services.person_notices(db_session, actor, person_id),
            appeals=services.person_appeals(db_session, actor, person_id),
        )

    @post("/appeals", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def lodge(self, actor: Actor, db_session: Session, person_id: int, data: AppealCreate) -> AppealRead:
        """Lodge an appeal; 422 when the decision is not about this person, 409 when it is already appealed.

        Staff say how it arrived (``received_via``, ``on_behalf_of``, ``lodged_on``); from the person or their
        representative those fields are refused (422): their account says who, the portal how, today when.
        """
        if not actor.is_staff:
            refused = {k: v for k, v in STAFF_ONLY_FIELDS.items() if k in data.model_fields_set}
            if refused:
                raise ValidationFailedError(refused)
        appeal = services.lodge_appeal(db_session, actor, person_id, data)
        return services.appeal_detail(db_session, actor, appeal.id)

    @get("/notices/{notice_id:int}", sync_to_thread=True)
    def notice(self, actor: Actor, db_session: Session, person_id: int, notice_id: int) -> NoticeRead:
        """One decision notice."""
        return services.notice_detail(db_session, actor, person_id, notice_id)[1]


ROUTES = [AppealsApiController, PersonAppealsApiController]
