"""JSON API for governance: the same services and access checks as the pages."""

from __future__ import annotations

import datetime as dt

from litestar import Controller, get, post, put
from litestar.status_codes import HTTP_201_CREATED
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.governance import services
from phb.governance.rules import ItemStatus, matrix_rows
from phb.governance.schemas import (
    ChecklistEntry,
    DecisionInput,
    DecisionRequestCreate,
    OutcomeRead,
    RequestDetail,
    RequestSummary,
)
from phb.people.schemas import Page
from phb.web.security import require_staff


class MatrixCell(BaseModel):
    """The roles that take one decision at one level."""

    level: int
    roles: list[str]


class MatrixRowRead(BaseModel):
    """One decision across the levels."""

    decision_type: str
    label: str
    nature: str
    two_people: bool
    target: str
    levels: list[MatrixCell]


class FrameworkRead(BaseModel):
    """The framework in force on a date."""

    name: str
    effective_from: dt.date
    version_id: int | None
    decisions: list[MatrixRowRead]


class PersonDecisions(BaseModel):
    """A person's requests and outcomes."""

    requests: list[RequestSummary]
    outcomes: list[OutcomeRead]


class ChecklistItemWrite(BaseModel):
    """How one sign-off checklist item stands, and the evidence (where in the plan; why it does not apply)."""

    status: ItemStatus
    evidence: str | None = Field(default=None, max_length=4000)


class ChecklistWrite(BaseModel):
    """Checklist items to record, by key (``plan_health_needs_outcomes``...); items left out are unchanged."""

    items: dict[str, ChecklistItemWrite]


class DecisionsApiController(Controller):
    """Decision requests: raise, queue, read, decide."""

    path = "/api/v1"
    tags = ["governance"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/decisions", sync_to_thread=True)
    def queue(self, actor: Actor, db_session: Session, page: int = 1) -> Page[RequestSummary]:
        """Requests the caller may decide now, most urgent first, 50 a page (``total`` counts them all)."""
        return services.decision_queue(db_session, actor, page=page)

    @get("/decisions/{request_id:int}", sync_to_thread=True)
    def show(self, actor: Actor, db_session: Session, request_id: int) -> RequestDetail:
        """One request with its routing, steps, outcome, missing sign-off items and similar decisions."""
        return services.request_detail(db_session, actor, request_id)

    @post("/decisions/{request_id:int}/decision", sync_to_thread=True)
    def decide(self, actor: Actor, db_session: Session, request_id: int, data: DecisionInput) -> RequestDetail:
        """Approve, approve with conditions, refuse, escalate or refer to a panel; 403/409/422 say exactly why not."""
        services.decide(db_session, actor, request_id, data)
        return services.request_detail(db_session, actor, request_id)

    @get("/people/{person_id:int}/decisions/checklist", sync_to_thread=True)
    def checklist(self, actor: Actor, db_session: Session, person_id: int) -> list[ChecklistEntry]:
        """The person's sign-off checklist (Annex D 8.3.2 and 8.3.3), item by item, with who recorded each."""
        return services.checklist(db_session, actor, person_id)

    @put("/people/{person_id:int}/decisions/checklist", sync_to_thread=True)
    def record_checklist(
        self, actor: Actor, db_session: Session, person_id: int, data: ChecklistWrite
    ) -> list[ChecklistEntry]:
        """Record checklist items; an unknown key, or not applicable without a reason, is a 422 naming the item."""
        entries = {key: (item.status, item.evidence) for key, item in data.items.items()}
        services.record_checklist(db_session, actor, person_id, entries)
        return services.checklist(db_session, actor, person_id)

    @get("/people/{person_id:int}/decisions", sync_to_thread=True)
    def person(self, actor: Actor, db_session: Session, person_id: int) -> PersonDecisions:
        """A person's requests and the decisions made on them."""
        _, requests, outcomes = services.person_decisions(db_session, actor, person_id)
        return PersonDecisions(requests=requests, outcomes=outcomes)

    @post("/people/{person_id:int}/decisions", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def create(self, actor: Actor, db_session: Session, person_id: int, data: DecisionRequestCreate) -> RequestDetail:
        """Ask for a decision; the answer says where the framework sent it and why."""
        created = services.raise_request(db_session, actor, person_id=person_id, **data.model_dump())
        return services.request_detail(db_session, actor, created.id)

    @get("/governance/framework", sync_to_thread=True)
    def framework(self, db_session: Session, date: dt.date | None = None) -> FrameworkRead:
        """The framework in force on ``date`` (today by default) as the matrix."""
        framework, version = services.framework_in_force(db_session, date)
        levels = sorted(framework.levels)
        return FrameworkRead(
            name=framework.name,
            effective_from=framework.effective_from,
            version_id=version.id if version else None,
            decisions=[
                MatrixRowRead(
                    decision_type=row.decision_type.value,
                    label=row.label,
                    nature=row.nature,
                    two_people=row.two_people,
                    target=row.target,
                    levels=[
                        MatrixCell(
                            level=n,
                            roles=sorted(r.value for r in framework.rule(row.decision_type).roles.get(n, frozenset())),
                        )
                        for n in levels
                    ],
                )
                for row in matrix_rows(framework)
            ],
        )


ROUTES = [DecisionsApiController]
