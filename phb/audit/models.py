"""Audit events (every state change) and access log entries (every read of a person's record by staff).

Both tables are append-only: migrations install triggers that refuse UPDATE and DELETE on both backends,
and audit events are chained by SHA-256 so that a change made behind the triggers' back is still detected
by ``phb audit verify``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phb.db import Base, UTCDateTime, utcnow

GENESIS_HASH = "0" * 64


class Audited:
    """Mixin for models whose every insert, update and delete is written to the audit trail automatically.

    ``__audit_person__`` names the attribute holding the person the record is about (default ``person_id``),
    ``__audit_entity_id__`` the identifying attribute (default ``id``), and ``__audit_exclude__`` the columns
    whose values must never be copied into the trail (their change is recorded as ``[redacted]``).
    """

    __audit_person__: ClassVar[str | None] = "person_id"
    __audit_entity_id__: ClassVar[str] = "id"
    __audit_exclude__: ClassVar[frozenset[str]] = frozenset()


class AuditEvent(Base):
    """One state change: who, in which role, did what to which record, before and after, why, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity_type_entity_id", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the trail outlives accounts
    actor_label: Mapped[str] = mapped_column(String(120))
    actor_roles: Mapped[str] = mapped_column(String(400))
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    person_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AccessLogEntry(Base):
    """A member of staff read (or was refused) a person's record."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_person_id_accessed_at", "person_id", "accessed_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    accessed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(index=True)
    person_id: Mapped[int | None]
    permission: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))  # "granted" | "denied"
    request_id: Mapped[str | None] = mapped_column(String(64))
