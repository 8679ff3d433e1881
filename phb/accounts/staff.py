"""Staff accounts: made by an administrator, roles approved by a second one, password set by the owner alone.

Two rules stop one administrator giving anyone, themself included, access to health records:

* Nobody changes their own roles.
* A role added to an account (a new one or an existing one) is only a request until a *second* administrator
  approves it; neither the administrator who asked nor the account that gains the role may approve. Every role
  needs this, the administrator role too, or one administrator could make a second administrator account and
  approve their own requests with it. Taking a role away needs no approval (it only reduces access).

A new account has no password: the administrator gets a one-time link (seven days, only its SHA-256 stored) to
pass on, with which the owner sets their own. ``phb users create`` (run by the operator on the server, who
already holds the database's keys) is the bootstrap: it grants its roles at once and prints such a link too.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require
from phb.accounts.models import AccountSetup, RoleGrant, User, UserRole
from phb.accounts.rules import PORTAL_ROLES, Role, password_problems
from phb.accounts.services import create_user, end_all_access, hash_password, token_digest
from phb.db import utcnow
from phb.errors import ForbiddenError, NotFoundError, ValidationFailedError

SETUP_DAYS = 7


def _staff_roles(roles: list[Role]) -> list[Role]:
    if not roles:
        raise ValidationFailedError({"roles": "Choose at least one role"})
    if PORTAL_ROLES & set(roles):
        raise ValidationFailedError(
            {"roles": "Budget holder and representative accounts are made from an invitation on the person's page"}
        )
    return sorted(set(roles))


def issue_setup_link(session: Session, user: User, *, created_by: int | None) -> str:
    """A one-time link token with which ``user`` sets their own password; earlier unused links stop working."""
    now = utcnow()
    session.execute(
        update(AccountSetup)
        .where(AccountSetup.user_id == user.id, AccountSetup.used_at.is_(None), AccountSetup.expires_at > now)
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        AccountSetup(
            token_hash=token_digest(token),
            user_id=user.id,
            created_by=created_by,
            expires_at=now + dt.timedelta(days=SETUP_DAYS),
        )
    )
    session.flush()
    return token


def invite_staff(
    session: Session, actor: Actor, *, username: str, display_name: str, email: str | None, roles: list[Role]
) -> tuple[User, str]:
    """An administrator makes a staff account with no password and no roles yet.

    The roles wait for a second administrator, the password for its owner. Returns the account and the set-up
    link token (shown once).
    """
    require(session, actor, Permission.USER_ADMIN)
    wanted = _staff_roles(roles)
    user = create_user(
        session, username=username, display_name=display_name, password=None, roles=[], email=email, require_roles=False
    )
    for role in wanted:
        session.add(RoleGrant(user_id=user.id, role=str(role), requested_by=actor.user_id))
    token = issue_setup_link(session, user, created_by=actor.user_id)
    return user, token


def bootstrap_staff(
    session: Session, *, username: str, display_name: str, email: str | None, roles: list[Role]
) -> tuple[User, str]:
    """``phb users create``: the operator's account (typically the first administrator), roles at once."""
    user = create_user(
        session, username=username, display_name=display_name, password=None, roles=_staff_roles(roles), email=email
    )
    return user, issue_setup_link(session, user, created_by=None)


def request_roles(session: Session, actor: Actor, user: User, roles: list[Role]) -> list[RoleGrant]:
    """Set the roles an account should hold: removals now, additions as requests for a second administrator."""
    require(session, actor, Permission.USER_ADMIN)
    if user.id == actor.user_id:
        raise ForbiddenError("You cannot change your own roles: ask another administrator")
    if user.person_id is not None or user.role_set & PORTAL_ROLES:
        # A budget holder's or representative's account is made and revoked from the person's page; giving it a
        # staff role would hand a member of the public the records of everyone else.
        raise ValidationFailedError({"roles": "This is a budget holder's or representative's account"})
    wanted = {str(r) for r in _staff_roles(roles)}
    user.roles = [r for r in user.roles if r.role in wanted]
    pending = {g.role: g for g in pending_grants(session, user_id=user.id)}
    now = utcnow()
    for role, grant in pending.items():
        if role not in wanted:  # asked for earlier, no longer wanted: withdrawn
            grant.decided_by, grant.decided_at, grant.approved = actor.user_id, now, False
    new = [
        RoleGrant(user_id=user.id, role=role, requested_by=actor.user_id)
        for role in sorted(wanted - {r.role for r in user.roles} - set(pending))
    ]
    session.add_all(new)
    session.flush()
    return new


def pending_grants(session: Session, *, user_id: int | None = None) -> list[RoleGrant]:
    """Role requests waiting for a second administrator, oldest first."""
    query = select(RoleGrant).where(RoleGrant.decided_at.is_(None)).order_by(RoleGrant.id)
    if user_id is not None:
        query = query.where(RoleGrant.user_id == user_id)
    return list(session.scalars(query))


def decide_grant(session: Session, actor: Actor, grant_id: int, *, approve: bool) -> RoleGrant:
    """A second administrator approves or refuses a role request.

    Nobody approves a request they made or a role for their own account; the one who asked may withdraw it.
    """
    require(session, actor, Permission.USER_ADMIN)
    grant = session.get(RoleGrant, grant_id)
    if grant is None or grant.decided_at is not None:
        raise NotFoundError("role request", grant_id)
    if grant.user_id == actor.user_id:
        raise ForbiddenError("You cannot decide a request for your own account")
    if approve and grant.requested_by == actor.user_id:
        raise ForbiddenError("A second administrator must approve a role you asked for")
    grant.decided_by, grant.decided_at, grant.approved = actor.user_id, utcnow(), approve
    user = session.get(User, grant.user_id)
    if approve and user is not None and grant.role not in {r.role for r in user.roles}:
        user.roles.append(UserRole(role=grant.role))
    session.flush()
    return grant


def open_setup(session: Session, token: str) -> AccountSetup:
    """The live setup link behind a token; used, expired and unknown links all read as not found."""
    setup = session.scalar(select(AccountSetup).where(AccountSetup.token_hash == token_digest(token)))
    if setup is None or setup.used_at is not None or setup.expires_at <= utcnow():
        raise NotFoundError("account setup", "link")
    return setup


def complete_setup(session: Session, token: str, *, password: str) -> User:
    """The owner sets their password from the link; the link stops working and any other access ends."""
    setup = open_setup(session, token)
    user = session.get(User, setup.user_id)
    if user is None or not user.is_active:
        raise NotFoundError("account setup", "link")
    if problems := password_problems(password, username=user.username):
        raise ValidationFailedError({"password": "; ".join(problems)})
    user.password_hash = hash_password(password)
    setup.used_at = utcnow()
    end_all_access(session, user.id, reason="password_set")
    return user
