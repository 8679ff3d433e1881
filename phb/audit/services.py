"""Writing and verifying the audit trail.

State changes are captured in one place: an ``after_flush`` listener on every SQLAlchemy session turns each
inserted, updated or deleted :class:`Audited` object into an audit event with its before and after values.
Services never have to remember to audit; they only say *who* is acting (:func:`act_as`) and, when a person
gave one, *why* (:func:`because`). A change to an audited record with no actor set is refused, so nothing
slips into the database anonymously.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, event, insert, inspect, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from phb.audit.chain import HASHED_FIELDS, event_hash, jsonable
from phb.audit.models import GENESIS_HASH, AccessLogEntry, Audited, AuditEvent
from phb.db import is_postgresql, utcnow
from phb.observability import request_id_var

# Any constant will do: it names the one lock that serialises appends to the chain on PostgreSQL.
_CHAIN_LOCK_KEY = 7_202_611
_ACTOR_KEY = "phb_audit_actor"
_REASON_KEY = "phb_audit_reason"
_DENIALS_KEY = "phb_access_denials"
REDACTED = "[redacted]"


class AuditActorMissingError(RuntimeError):
    """An audited record changed in a session where nobody said who is acting."""


@dataclass(frozen=True)
class AuditActor:
    """Who is acting, as the trail records it."""

    user_id: int | None
    label: str
    roles: tuple[str, ...] = ()


def act_as(session: Session, actor: AuditActor) -> None:
    """Record every change made through ``session`` as done by ``actor``."""
    session.info[_ACTOR_KEY] = actor


@contextmanager
def because(session: Session, reason: str | None) -> Iterator[None]:
    """Attach a person's reason to the changes flushed inside the block."""
    previous = session.info.get(_REASON_KEY)
    session.info[_REASON_KEY] = reason
    try:
        yield
        session.flush()
    finally:
        session.info[_REASON_KEY] = previous


def record(
    session: Session,
    *,
    action: str,
    entity_type: str,
    entity_id: object = None,
    person_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """Write one explicit event (logins, bulk imports and other changes that are not a single ORM row)."""
    actor = _actor(session)
    _append(
        session,
        [
            {
                "actor_user_id": actor.user_id,
                "actor_label": actor.label,
                "actor_roles": ",".join(actor.roles),
                "action": action,
                "entity_type": entity_type,
                "entity_id": None if entity_id is None else str(entity_id),
                "person_id": person_id,
                "before": None if before is None else jsonable(before),
                "after": None if after is None else jsonable(after),
                "reason": reason or session.info.get(_REASON_KEY),
            }
        ],
    )


_LOG_ACCESS = insert(cast("Table", AccessLogEntry.__table__))


def log_access(session: Session, *, user_id: int | None, person_id: int | None, permission: str, granted: bool) -> None:
    """Note that a member of staff read, or was refused, a person's record.

    A refusal usually ends the request in an error that rolls the transaction back, so refusals are also kept
    in the session and written again by :func:`persist_denials` after the rollback.
    """
    row = {
        "accessed_at": utcnow(),
        "user_id": user_id,
        "person_id": person_id,
        "permission": str(permission),
        "outcome": "granted" if granted else "denied",
        "request_id": request_id_var.get(),
    }
    session.execute(_LOG_ACCESS, row)  # a Core insert: this runs on every staff read of a person
    if not granted:
        session.info.setdefault(_DENIALS_KEY, []).append(row)


def log_read(session: Session, *, what: str, person_id: int | None = None) -> None:
    """Note in the access log that the acting user took something away (a PDF, a FHIR resource, a report).

    A read event, not an audit-trail event: these are answers to GET requests, which anyone can make a signed-in
    browser send by a link from another site, so they must change no state (ASVS 5.0 V3.5.3). The access log
    records who, what and the request id.
    """
    log_access(session, user_id=_actor(session).user_id, person_id=person_id, permission=what[:60], granted=True)


def log_shown(session: Session, person_ids: Iterable[int], *, what: str) -> None:
    """Note in the access log every person a list or search showed the acting user.

    One row per person, in one statement, so "who saw Margaret's NHS number?" is answered for lists too, not only
    for her own page.
    """
    user_id, now, request_id = _actor(session).user_id, utcnow(), request_id_var.get()
    rows = [
        {
            "accessed_at": now,
            "user_id": user_id,
            "person_id": person_id,
            "permission": what[:60],
            "outcome": "granted",
            "request_id": request_id,
        }
        for person_id in dict.fromkeys(person_ids)
    ]
    if rows:
        session.execute(_LOG_ACCESS, rows)


def persist_denials(session: Session) -> None:
    """After a rollback, write the refusals the rolled-back transaction had logged, in a transaction of their own."""
    denials = session.info.pop(_DENIALS_KEY, [])
    if denials:
        session.execute(insert(AccessLogEntry), denials)
        session.commit()


def _actor(session: Session) -> AuditActor:
    actor = session.info.get(_ACTOR_KEY)
    if not isinstance(actor, AuditActor):
        raise AuditActorMissingError("a change was made with no actor: call phb.audit.services.act_as() first")
    return actor


def _append(session: Session, events: list[dict[str, Any]]) -> None:
    """Chain and insert events. The chain head is read under a lock so concurrent writers cannot fork it."""
    if not events:
        return
    connection = session.connection()
    if is_postgresql(session):
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    # On SQLite every transaction begins IMMEDIATE, which already holds the database's write lock.
    prev = connection.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    prev_hash = prev or GENESIS_HASH
    now = utcnow()
    request_id = request_id_var.get()
    rows = []
    for fields in events:
        row = {"occurred_at": now, "request_id": request_id, **fields}
        row["prev_hash"] = prev_hash
        row["hash"] = prev_hash = event_hash(prev_hash, {k: row[k] for k in HASHED_FIELDS})
        rows.append(row)
    connection.execute(insert(AuditEvent), rows)


def _column_values(obj: Audited, *, which: str) -> dict[str, Any]:
    """Column values of ``obj`` before or after the flush; excluded columns are redacted."""
    state = inspect(obj)
    values: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if which == "after":
            value = getattr(obj, key)
        elif history.deleted:
            value = history.deleted[0]
        elif history.unchanged:
            value = history.unchanged[0]
        else:
            value = None
        if value is NO_VALUE:
            value = None
        values[key] = REDACTED if key in obj.__audit_exclude__ and value is not None else jsonable(value)
    return values


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after[k] and k != "version"]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _event_for(obj: Audited, kind: str) -> dict[str, Any] | None:
    table = obj.__class__.__tablename__  # type: ignore[attr-defined]
    if kind == "created":
        before, after = None, _column_values(obj, which="after")
    elif kind == "deleted":
        before, after = _column_values(obj, which="before"), None
    else:
        before, after = _changed(_column_values(obj, which="before"), _column_values(obj, which="after"))
        if not after:
            return None
    person_attr = obj.__audit_person__
    person_id = getattr(obj, person_attr, None) if person_attr else None
    return {
        "action": f"{table}.{kind}",
        "entity_type": table,
        "entity_id": str(getattr(obj, obj.__audit_entity_id__)),
        "person_id": person_id if isinstance(person_id, int) else None,
        "before": before,
        "after": after,
    }


@event.listens_for(Session, "after_flush")
def _audit_flush(session: Session, _flush_context: object) -> None:
    """Turn the flushed changes to audited records into chained audit events."""
    changes = [
        *((obj, "created") for obj in session.new if isinstance(obj, Audited)),
        *((obj, "updated") for obj in session.dirty if isinstance(obj, Audited)),
        *((obj, "deleted") for obj in session.deleted if isinstance(obj, Audited)),
    ]
    if not changes:
        return
    actor = _actor(session)
    reason = session.info.get(_REASON_KEY)
    events = []
    for obj, kind in changes:
        fields = _event_for(obj, kind)
        if fields is not None:
            fields |= {
                "actor_user_id": actor.user_id,
                "actor_label": actor.label,
                "actor_roles": ",".join(actor.roles),
                "reason": reason,
            }
            events.append(fields)
    _append(session, events)


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the audit chain."""

    checked: int
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return self.broken_at is None


def verify_chain(session: Session, *, batch_size: int = 5000) -> ChainReport:
    """Recompute every event's hash in order; name the first event whose link does not hold."""
    prev_hash = GENESIS_HASH
    checked = 0
    last_id = 0
    columns = [getattr(AuditEvent, name) for name in ("id", "prev_hash", "hash", *HASHED_FIELDS)]
    while True:
        batch = session.execute(
            select(*columns).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch_size)
        ).all()
        if not batch:
            return ChainReport(checked=checked)
        for row in batch:
            event_id = row.id
            if row.prev_hash != prev_hash:
                return ChainReport(
                    checked,
                    event_id,
                    f"event {event_id} does not follow the event before it (an event was deleted or reordered)",
                )
            fields = {name: getattr(row, name) for name in HASHED_FIELDS}
            if event_hash(prev_hash, fields) != row.hash:
                return ChainReport(checked, event_id, f"event {event_id} was altered after it was written")
            prev_hash = row.hash
            checked += 1
            last_id = event_id


def person_history(session: Session, person_id: int, *, limit: int = 50) -> list[AuditEvent]:
    """The newest audit events about a person, for their record's history panel."""
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.person_id == person_id).order_by(AuditEvent.id.desc()).limit(limit)
        )
    )
