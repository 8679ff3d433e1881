"""The person's own pages and their representative's, and setting up those accounts from an invitation.

Plain English throughout: short sentences, no jargon without an explanation. A representative acting for
several people sees a list and switches between them; each page says whose record it is.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.accounts import invitations
from phb.audit.services import AuditActor, act_as
from phb.errors import ValidationFailedError
from phb.people.models import Person, Supporter
from phb.web.forms import FormData
from phb.web.pages.people import person_sections
from phb.web.rendering import redirect, render
from phb.web.security import require_staff


class InvitationController(Controller):
    """Setting up an account from an invitation link (public: the link itself is the credential)."""

    path = "/invite"
    include_in_schema = False
    opt = {"public": True}  # noqa: RUF012

    @get("/{token:str}", sync_to_thread=True)
    def invitation_page(self, request: Request[Any, Any, Any], db_session: Session, token: str) -> Template:
        """Set up your account from the link your care coordinator gave you."""
        invitation = invitations.open_invitation(db_session, token)
        if request.scope.get("user") is not None:
            return _signed_in(request, status_code=200)
        person = db_session.get(Person, invitation.person_id)
        return render(
            request,
            "portal/invitation.html",
            {"errors": {}, "form": {}, "token": token, "first_name": person.given_name if person else ""},
        )

    @post("/{token:str}", sync_to_thread=True)
    def accept_invitation(
        self, request: Request[Any, Any, Any], db_session: Session, token: str, data: FormData
    ) -> Response[Any]:
        """Create the account; the link stops working. Only someone signed out can: it makes a new account."""
        invitations.open_invitation(db_session, token)
        if request.scope.get("user") is not None:
            return _signed_in(request, status_code=403)
        act_as(db_session, AuditActor(user_id=None, label="invitation"))
        password = str(data.get("password", ""))
        errors: dict[str, str] = {}
        if password != str(data.get("confirm_password", "")):
            errors["confirm_password"] = "The two passwords are not the same"  # noqa: S105 - a message
        if not errors:
            try:
                invitations.accept(db_session, token, username=str(data.get("username", "")), password=password)
            except ValidationFailedError as exc:
                errors = exc.errors
            else:
                return Redirect(path="/login?welcome=1", status_code=303)
        invitation = invitations.open_invitation(db_session, token)
        person = db_session.get(Person, invitation.person_id)
        context = {
            "errors": errors,
            "form": {"username": data.get("username", "")},
            "token": token,
            "first_name": person.given_name if person else "",
        }
        return render(request, "portal/invitation.html", context, status_code=422)


def _signed_in(request: Request[Any, Any, Any], *, status_code: int) -> Template:
    """Refuse an invitation link to a signed-in session.

    An invitation sets up a new account for the person or their representative, so a member of staff cannot
    take one for themself by following the link they made.
    """
    return render(request, "portal/invitation_signed_in.html", {}, status_code=status_code)


class PortalAccountsController(Controller):
    """Staff who may change a person's record revoke the portal accounts and cancel the links on their page."""

    path = "/people/{person_id:int}"
    include_in_schema = False
    guards = [require_staff]  # noqa: RUF012

    @post("/portal-accounts/{user_id:int}/revoke", sync_to_thread=True)
    def revoke_account(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, user_id: int
    ) -> Response[Any]:
        """The account no longer reads this person's records."""
        invitations.revoke_portal_account(db_session, actor, person_id, user_id)
        return redirect(request, f"/people/{person_id}")

    @post("/invitations/{invitation_id:int}/cancel", sync_to_thread=True)
    def cancel_invitation(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, invitation_id: int
    ) -> Response[Any]:
        """The link stops working."""
        invitations.cancel_invitation(db_session, actor, person_id, invitation_id)
        return redirect(request, f"/people/{person_id}")


@post("/people/{person_id:int}/invitations", guards=[require_staff], sync_to_thread=True, include_in_schema=False)
def make_invitation(
    request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int, data: FormData
) -> Template:
    """A member of staff makes a one-time link for the person or one of their supporters; shown once."""
    raw = str(data.get("supporter_id") or "")
    supporter_id = int(raw) if raw.isdigit() else None
    token = invitations.invite(db_session, actor, person_id, supporter_id=supporter_id)
    link = f"{str(request.base_url).rstrip('/')}/invite/{token}"
    person = db_session.get(Person, person_id)
    supporter = db_session.get(Supporter, supporter_id) if supporter_id else None
    return render(
        request,
        "portal/invitation_made.html",
        {"link": link, "person": person, "supporter": supporter, "days": invitations.INVITATION_DAYS},
        status_code=201,
    )


class PortalController(Controller):
    """Pages for a budget holder and the people who act for them."""

    path = "/my"
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def home(self, request: Request[Any, Any, Any], actor: Actor, db_session: Session) -> Response[Any]:
        """Your own record, or the people you act for."""
        if actor.person_id is not None:
            return Redirect(path=f"/my/{actor.person_id}", status_code=303)
        people = list(
            db_session.scalars(select(Person).where(Person.id.in_(actor.represents)).order_by(Person.family_name))
        )
        if len(people) == 1:
            return Redirect(path=f"/my/{people[0].id}", status_code=303)
        return render(request, "portal/choose.html", {"people": people})

    @get("/{person_id:int}", sync_to_thread=True)
    def person_home(
        self, request: Request[Any, Any, Any], actor: Actor, db_session: Session, person_id: int
    ) -> Template:
        """What you can see and do about your (or their) personal health budget."""
        person = require_person(db_session, actor, Permission.PERSON_READ, person_id)
        own = actor.person_id == person_id
        sections = person_sections(request, person_id, prefix="/my")
        return render(
            request,
            "portal/home.html",
            {"person": person, "own": own, "sections": sections, "acts_for_several": len(actor.represents) > 1},
        )


ROUTES = [InvitationController, make_invitation, PortalAccountsController, PortalController]
