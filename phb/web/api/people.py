"""JSON API for people: the same services and the same access checks as the pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.status_codes import HTTP_201_CREATED
from pydantic import BaseModel
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.accounts import invitations
from phb.accounts.schemas import InvitationCreate, InvitationMade
from phb.people import services
from phb.people.schemas import (
    CareCoordinatorAssign,
    Page,
    PersonCreate,
    PersonRead,
    PersonSummary,
    PersonUpdate,
    SupporterCreate,
    SupporterRead,
)
from phb.web.security import require_staff


class Me(BaseModel):
    """The calling user."""

    user_id: int
    username: str
    display_name: str
    roles: list[str]
    person_id: int | None


@get("/api/v1/me", tags=["account"], sync_to_thread=False)
def me(actor: Actor) -> Me:
    """Who the API token or session belongs to."""
    return Me(
        user_id=actor.user_id,
        username=actor.username,
        display_name=actor.display_name,
        roles=sorted(actor.roles),
        person_id=actor.person_id,
    )


class PeopleApiController(Controller):
    """People on the caller's caseload (staff)."""

    path = "/api/v1/people"
    tags = ["people"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/", sync_to_thread=True)
    def list_people(self, actor: Actor, db_session: Session, page: int = 1, search: str = "") -> Page[PersonSummary]:
        """People the caller may see, 25 to a page, optionally searched by name or NHS number."""
        return services.caseload(db_session, actor, page=page, search=search)

    @post("/", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def create_person(self, actor: Actor, db_session: Session, data: PersonCreate) -> PersonRead:
        """Add a person (case managers, nurse assessors, service managers)."""
        person = services.add_person(db_session, actor, data)
        return services.person_detail(db_session, actor, person.id)

    @get("/{person_id:int}", sync_to_thread=True)
    def get_person(self, actor: Actor, db_session: Session, person_id: int) -> PersonRead:
        """One person's record; 404 if it does not exist or is not the caller's to see."""
        return services.person_detail(db_session, actor, person_id)

    @put("/{person_id:int}", sync_to_thread=True)
    def update_person(self, actor: Actor, db_session: Session, person_id: int, data: PersonUpdate) -> PersonRead:
        """Change a person's details; 409 if ``version`` is not the current one."""
        services.update_person(db_session, actor, person_id, data)
        return services.person_detail(db_session, actor, person_id)

    @put("/{person_id:int}/care-coordinator", sync_to_thread=True)
    def set_care_coordinator(
        self, actor: Actor, db_session: Session, person_id: int, data: CareCoordinatorAssign
    ) -> PersonRead:
        """Name the care coordinator, as the person page does; 422 if they are not care team staff."""
        services.set_care_coordinator(db_session, actor, person_id, data.care_coordinator_id)
        return services.person_detail(db_session, actor, person_id)

    @post("/{person_id:int}/supporters", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def add_supporter(self, actor: Actor, db_session: Session, person_id: int, data: SupporterCreate) -> SupporterRead:
        """Record a representative or nominee."""
        return SupporterRead.model_validate(services.add_supporter(db_session, actor, person_id, data))

    @post("/{person_id:int}/invitations", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def invite(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: InvitationCreate
    ) -> InvitationMade:
        """Make a one-time link (seven days) with which the person sets up their own account.

        With ``supporter_id``, the link is for their representative or nominee. An earlier link for the same person
        and relationship stops working. The link is shown once.
        """
        token = invitations.invite(db_session, actor, person_id, supporter_id=data.supporter_id)
        link = f"{str(request.base_url).rstrip('/')}/invite/{token}"
        return InvitationMade(link=link, expires_at=invitations.expiry_of(db_session, token))


ROUTES = [me, PeopleApiController]
