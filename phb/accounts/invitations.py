"""Inviting a person, or someone who acts for them, to their own account.

The care coordinator (or anyone who may change the person's record) makes a one-time link that expires after
seven days; only its SHA-256 is stored. Accepting it creates an account with the role ``person`` linked to the
person's record, or ``representative`` linked to the supporter record, so the policy lets them read exactly
that person's records and nobody else's.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.accounts.models import Invitation, User
from phb.accounts.rules import Role
from phb.accounts.services import create_user, token_digest
from phb.db import utcnow
from phb.errors import NotFoundError, ValidationFailedError
from phb.people.models import Person, Supporter

INVITATION_DAYS = 7


def invite(session: Session, actor: Actor, person_id: int, *, supporter_id: int | None = None) -> str:
    """Make a one-time invitation link token for the person (or, with ``supporter_id``, their representative)."""
    require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    if supporter_id is not None:
        supporter = session.get(Supporter, supporter_id)
        if supporter is None or supporter.person_id != person_id:
            raise ValidationFailedError({"supporter_id": "Choose a representative or nominee of this person"})
        if supporter.user_id is not None:
            raise ValidationFailedError({"supporter_id": f"{supporter.name} already has an account"})
    elif session.scalar(select(User.id).where(User.person_id == person_id)) is not None:
        raise ValidationFailedError({"person": "This person already has an account"})
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
        if supporter is None:
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
