"""Accounts, roles, server-side sessions, API tokens and login attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from phb.accounts.rules import Role
from phb.audit.models import Audited
from phb.db import Base, UTCDateTime, VersionedMixin, utcnow


class User(VersionedMixin, Audited, Base):
    """Anyone who logs in: staff, a budget holder, or a representative."""

    __tablename__ = "users"
    __audit_exclude__ = frozenset({"password_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # No longer used: sign-in delays are worked out from login_attempts alone, so an unknown username is treated
    # exactly like a real one. Kept rather than rebuild this parent table on SQLite.
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Set for a budget holder's own account: the person whose records they may read.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[UserRole]] = relationship(back_populates="user", lazy="selectin", cascade="all, delete-orphan")

    @property
    def role_set(self) -> frozenset[Role]:
        """The user's roles as enum members."""
        return frozenset(Role(r.role) for r in self.roles)


class UserRole(Audited, Base):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __audit_entity_id__ = "user_id"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles", lazy="raise")


class WebSession(Base):
    """A browser session held server-side; the cookie carries a random token whose SHA-256 is the key.

    Idle and absolute timeouts are checked on every request, and a disabled account ends all its sessions.
    """

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user_id_ended_at", "user_id", "ended_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class ApiToken(Audited, Base):
    """A bearer token for the JSON API (``/api/v1`` only). Only its SHA-256 is stored; shown once at creation."""

    __tablename__ = "api_tokens"
    __audit_exclude__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # "read" tokens may only use safe methods; "write" tokens may also change records. Tokens made before scopes
    # existed read only.
    scope: Mapped[str] = mapped_column(String(10), default="read", server_default="read")


class LoginAttempt(Base):
    """Every login attempt, for the progressive delays (by account and by address) and for the security log."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_ip_address_attempted_at", "ip_address", "attempted_at"),
        Index("ix_login_attempts_username_attempted_at", "username", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    ip_address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    succeeded: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(40))


class Invitation(Audited, Base):
    """A one-time, expiring link for a person or their representative to set up their own account."""

    __tablename__ = "invitations"
    __audit_exclude__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    # Set when the invitation is for a representative or nominee rather than the person themself.
    supporter_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id", ondelete="CASCADE"))
    invited_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class RoleGrant(Audited, Base):
    """A role an administrator asked to give an account; it takes effect only when a second administrator approves.

    No single administrator can give anyone (themself included, through an account they made) access to health
    records: the approver must be neither the one who asked nor the account that gains the role.
    """

    __tablename__ = "role_grants"
    __audit_person__ = None

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved: Mapped[bool | None]


class AccountSetup(Audited, Base):
    """A one-time, expiring link with which a member of staff sets their own password (a new account, or a reset).

    Nobody else ever chooses or knows the password of an account; only the link's SHA-256 is stored.
    """

    __tablename__ = "account_setups"
    __audit_person__ = None
    __audit_exclude__ = frozenset({"token_hash"})

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
