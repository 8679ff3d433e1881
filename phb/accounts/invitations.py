"""Inviting a person, or someone who acts for them, to their own account.

The care coordinator (or anyone who may change the person's record) makes a one-time link that expires after
seven days; only its SHA-256 is stored. Accepting it creates an account with the role ``person`` linked to the
person's record, or ``representative`` linked to the supporter record, so the policy lets them read exactly
that person's records and nobody else's.

One live invitation per person and relationship: a new link ends the earlier ones, and accepting refuses a
relationship that already has an account, so two links can never make two accounts. The accounts made this way
are listed on the person's page, where the same staff revoke them (a link accepted by the wrong person, or a
member of staff who set one up for themself, is cut off there).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission, decide
from phb.access.services import relationship, require_person
from phb.accounts.models import Invitation, User
from phb.accounts.rules import Role
from phb.accounts.services import create_user, disable_user, end_all_access, token_digest
from phb.db import utcnow
from phb.errors import NotFoundError, ValidationFailedError
from phb.people.models import Person, Supporter

INVITATION_DAYS = 7


def expiry_of(session: Session, token: str) -> dt.datetime:
    """When a link just made stops working."""
    return open_invitation(session, token).expires_at


def invite(session: Session, actor: Actor, person_id: int, *, supporter_id: int | None = None) -> str:
    """Make a one-time invitation link token for the person (or, with ``supporter_id``, their representative)."""
    require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    if supporter_id is not None:
        supporter = session.get(Supporter, supporter_id)
        if supporter is None or supporter.person_id != person_id:
            raise ValidationFailedError({"supporter_id": "Choose a representative or nominee of this person"})
        if supporter.user_id is not None:
            raise ValidationFailedError({"supporter_id": f"{supporter.name} already has an account"})
    elif _person_account(session, person_id) is not None:
        raise ValidationFailedError({"person": "This person already has an account"})
    now = utcnow()
    for earlier in _live(session, person_id, supporter_id=supporter_id, all_relationships=False):
        earlier.expires_at = now  # one live link per person and relationship
    token = secrets.token_urlsafe(32)
    session.add(
        Invitation(
            token_hash=token_digest(token),
            person_id=person_id,
            supporter_id=supporter_id,
            invited_by=actor.user_id,
            expires_at=utcnow() + dt.timedelta(days=INVITATION_DAYS),
        )
    )
    session.flush()
    return token


def open_invitation(session: Session, token: str) -> Invitation:
    """The live invitation behind a link; used, expired and unknown links all read as not found."""
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == token_digest(token)))
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= utcnow():
        raise NotFoundError("invitation", "link")
    return invitation


def accept(session: Session, token: str, *, username: str, password: str) -> User:
    """Set up the account an invitation offers; the link cannot be used again."""
    invitation = open_invitation(session, token)
    person = session.get(Person, invitation.person_id)
    if person is None:
        raise NotFoundError("invitation", "link")
    if invitation.supporter_id is None:
        if _person_account(session, person.id) is not None:
            raise NotFoundError("invitation", "link")  # set up already, from another link
        user = create_user(
            session,
            username=username,
            display_name=person.full_name,
            password=password,
            roles=[Role.PERSON],
            person_id=person.id,
        )
    else:
        supporter = session.get(Supporter, invitation.supporter_id)
        if supporter is None or supporter.user_id is not None:
            raise NotFoundError("invitation", "link")
        user = create_user(
            session,
            username=username,
            display_name=supporter.name,
            password=password,
            roles=[Role.REPRESENTATIVE],
            email=supporter.email,
        )
        supporter.user_id = user.id
    invitation.accepted_at = utcnow()
    invitation.user_id = user.id
    session.flush()
    return user


def _person_account(session: Session, person_id: int) -> int | None:
    """The person's own active account, if they have one."""
    return session.scalar(select(User.id).where(User.person_id == person_id, User.is_active.is_(True)))


def _live(
    session: Session, person_id: int, *, supporter_id: int | None = None, all_relationships: bool = True
) -> list[Invitation]:
    query = select(Invitation).where(
        Invitation.person_id == person_id, Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow()
    )
    if not all_relationships:
        query = query.where(
            Invitation.supporter_id.is_(None) if supporter_id is None else Invitation.supporter_id == supporter_id
        )
    return list(session.scalars(query.order_by(Invitation.id)))


@dataclass(frozen=True)
class PortalAccount:
    """An account that reads this person's records from outside the NHS: their own, or a representative's."""

    user_id: int
    username: str
    display_name: str
    acts_as: str  # "Budget holder" or the supporter's name and kind
    created_at: dt.datetime
    last_login_at: dt.datetime | None


@dataclass(frozen=True)
class LiveInvitation:
    """A link not yet used and not expired."""

    id: int
    for_whom: str
    created_at: dt.datetime
    expires_at: dt.datetime


def portal_accounts(session: Session, actor: Actor, person_id: int) -> list[PortalAccount]:
    """Everyone with an active account that reads this person's records through the portal (one query)."""
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    rows = session.execute(
        select(User.id, User.username, User.display_name, User.created_at, User.last_login_at, Supporter.name)
        .outerjoin(Supporter, (Supporter.user_id == User.id) & (Supporter.person_id == person.id))
        .where(User.is_active.is_(True), (User.person_id == person.id) | Supporter.id.is_not(None))
        .order_by(User.id)
    ).all()
    return [
        PortalAccount(
            row.id,
            row.username,
            row.display_name,
            "Budget holder" if row.name is None else f"Acts for them: {row.name}",
            row.created_at,
            row.last_login_at,
        )
        for row in rows
    ]


def live_invitations(session: Session, actor: Actor, person_id: int) -> list[LiveInvitation]:
    """The person's links that can still be used (one query)."""
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    rows = session.execute(
        select(Invitation.id, Invitation.created_at, Invitation.expires_at, Supporter.name)
        .outerjoin(Supporter, Supporter.id == Invitation.supporter_id)
        .where(Invitation.person_id == person.id, Invitation.accepted_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.id)
    ).all()
    return [
        LiveInvitation(row.id, person.full_name if row.name is None else row.name, row.created_at, row.expires_at)
        for row in rows
    ]


def cancel_invitation(session: Session, actor: Actor, person_id: int, invitation_id: int) -> None:
    """The link stops working now."""
    require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.person_id != person_id or invitation not in _live(session, person_id):
        raise NotFoundError("invitation", invitation_id)
    invitation.expires_at = utcnow()
    session.flush()


def revoke_portal_account(session: Session, actor: Actor, person_id: int, user_id: int) -> None:
    """End an account's access to this person's records.

    The person's own account is disabled (its sessions and API tokens end). A representative loses this person;
    if they act for nobody else, their account is disabled too.
    """
    require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFoundError("account", user_id)
    reason = f"portal access to person {person_id} revoked by {actor.username}"
    if user.person_id == person_id:
        disable_user(session, user, reason=reason)
        end_all_access(session, user.id, reason="revoked")
        return
    supporter = session.scalar(select(Supporter).where(Supporter.person_id == person_id, Supporter.user_id == user.id))
    if supporter is None:
        raise NotFoundError("account", user_id)
    supporter.user_id = None
    session.flush()
    if session.scalar(select(Supporter.id).where(Supporter.user_id == user.id)) is None and user.person_id is None:
        disable_user(session, user, reason=reason)
        end_all_access(session, user.id, reason="revoked")


def may_manage(session: Session, actor: Actor, person_id: int) -> bool:
    """May the actor invite, revoke and cancel for this person (the same staff who may change the record)?"""
    person = session.get(Person, person_id)
    return person is not None and decide(actor, Permission.PERSON_UPDATE, relationship(session, actor, person)).allowed
