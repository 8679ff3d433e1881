"""Access checks against the database: every route and service asks here before touching a person's record."""

from __future__ import annotations

import datetime as dt
import functools

from sqlalchemy import BindParameter, ColumnElement, Date, Integer, Select, bindparam, event, exists, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from phb import clock
from phb.access.rules import ORG_WIDE_READERS, Actor, Decision, Permission, Relationship, decide
from phb.audit.services import AuditActor, act_as, log_access
from phb.db import member_of
from phb.errors import ForbiddenError, NotFoundError
from phb.observability import get_logger
from phb.people.models import CaseloadAssignment, Person, Supporter

log = get_logger(__name__)


def audit_actor(actor: Actor) -> AuditActor:
    """The trail's view of an actor."""
    return AuditActor(user_id=actor.user_id, label=actor.username, roles=tuple(sorted(actor.roles)))


def begin(session: Session, actor: Actor) -> None:
    """Start acting as ``actor`` in this session: every change from here on is audited as theirs."""
    act_as(session, audit_actor(actor))


def _on_caseload(user_id: int | BindParameter[int], today: dt.date | BindParameter[dt.date]) -> Select[int]:
    """Ids of people on the user's caseload (active assignment, or named care coordinator)."""
    assigned = select(CaseloadAssignment.person_id).where(
        CaseloadAssignment.user_id == user_id,
        CaseloadAssignment.assigned_on <= today,
        or_(CaseloadAssignment.ended_on.is_(None), CaseloadAssignment.ended_on > today),
    )
    coordinated = select(Person.id).where(Person.care_coordinator_id == user_id)
    return select(assigned.union(coordinated).subquery().c.person_id)


@functools.lru_cache(maxsize=4096)
def _caseload_of(user_id: int, today: dt.date) -> Select[int]:
    """``_on_caseload`` built once per user and day (statements are immutable, so they can be shared).

    Every list a member of staff opens is filtered by it; building it cost as much as running the caseload's
    queries, and a reused statement's cache key is remembered too.
    """
    return _on_caseload(user_id, today)


# Asked for every person a member of staff opens, so built once with parameters (building the statement cost more
# than running it).
_CASELOAD = _on_caseload(bindparam("user_id", type_=Integer), bindparam("today", type_=Date)).subquery()
_ON_CASELOAD = select(exists().where(_CASELOAD.c.person_id == bindparam("person_id", type_=Integer)))


_CACHE_KEY = "phb_access_relationships"
_LOGGED_KEY = "phb_access_logged"
_PEOPLE_KEY = "phb_access_people"


@event.listens_for(Session, "after_flush")
def _forget_relationships(session: Session, _flush_context: object) -> None:
    """Any write may change a caseload or a representative: work relationships out afresh after it."""
    session.info.pop(_CACHE_KEY, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_transaction(session: Session, *_args: object) -> None:
    """Both memories last one transaction (one request in the web app)."""
    session.info.pop(_CACHE_KEY, None)
    session.info.pop(_LOGGED_KEY, None)
    session.info.pop(_PEOPLE_KEY, None)


def relationship(session: Session, actor: Actor, person: Person) -> Relationship:
    """How the actor stands to ``person`` today (remembered for the rest of the request until something is written)."""
    cache: dict[tuple[int, int], Relationship] = session.info.setdefault(_CACHE_KEY, {})
    key = (actor.user_id, person.id)
    if key not in cache:
        cache[key] = _relationship(session, actor, person)
    return cache[key]


def _relationship(session: Session, actor: Actor, person: Person) -> Relationship:
    today = clock.today()
    params = {"user_id": actor.user_id, "today": today, "person_id": person.id}
    on_caseload = bool(session.scalar(_ON_CASELOAD, params))
    return Relationship(
        on_caseload=on_caseload,
        is_self=actor.person_id == person.id,
        represents=person.id in actor.represents,
    )


def check(session: Session, actor: Actor, permission: Permission, person: Person | None = None) -> Decision:
    """Decide, log a refusal, and raise: NotFoundError when the record must stay hidden, else ForbiddenError."""
    rel = relationship(session, actor, person) if person is not None else None
    decision = decide(actor, permission, rel)
    person_id = person.id if person is not None else None
    logged: set[tuple[int, int | None, str, bool]] = session.info.setdefault(_LOGGED_KEY, set())
    entry = (actor.user_id, person_id, str(permission), decision.allowed)
    if person is not None and (actor.is_staff or not decision.allowed) and entry not in logged:
        # One access-log row per person, permission and outcome per request, however many services ask.
        log_access(session, user_id=actor.user_id, person_id=person_id, permission=permission, granted=decision.allowed)
        logged.add(entry)
    if not decision.allowed:
        log.warning(
            "access denied",
            user=actor.username,
            permission=str(permission),
            person_id=person_id,
            reason=decision.reason,
        )
        if decision.hide:
            raise NotFoundError("person", person_id)
        raise ForbiddenError(f"You cannot do this: {decision.reason}.")
    return decision


def require_person(session: Session, actor: Actor, permission: Permission, person_id: int) -> Person:
    """Load a person the actor may act on, or raise as if it did not exist / was forbidden.

    The person is kept referenced for the rest of the transaction: the session's identity map holds objects
    weakly, so without this every service a page calls (overview, permissions, header) would load them again.
    """
    person = session.get(Person, person_id)
    if person is None:
        log_access(session, user_id=actor.user_id, person_id=person_id, permission=permission, granted=False)
        raise NotFoundError("person", person_id)
    check(session, actor, permission, person)
    session.info.setdefault(_PEOPLE_KEY, {})[person_id] = person
    return person


def require(session: Session, actor: Actor, permission: Permission) -> None:
    """Check a permission that is not about one person (administration, adding a person)."""
    check(session, actor, permission, None)


def visible_people(actor: Actor) -> Select[Person]:
    """A query for the people this actor may see, for lists and search (filtering in SQL, not in Python)."""
    query = select(Person)
    if actor.has_any(*ORG_WIDE_READERS):
        return query
    today = clock.today()
    allowed: list[ColumnElement[bool]] = (
        [member_of(Person.id, _caseload_of(actor.user_id, today))] if actor.is_staff else []
    )
    if actor.person_id is not None:
        allowed.append(Person.id == actor.person_id)
    if actor.represents:
        allowed.append(Person.id.in_(actor.represents))
    return query.where(or_(*allowed)) if allowed else query.where(Person.id.is_(None))


def visible_filter(actor: Actor, person_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """A condition restricting ``person_id`` (of any table) to the people this actor may see.

    For someone who may see everyone it is ``true()``, which SQLAlchemy leaves out of the WHERE clause: the
    database then answers from that table's own indexes instead of semi-joining every person.
    """
    if actor.has_any(*ORG_WIDE_READERS):
        return true()
    return member_of(person_id, visible_people(actor).with_only_columns(Person.id))


def represented_people(session: Session, user_id: int) -> frozenset[int]:
    """People a user currently acts for as representative or nominee."""
    today = clock.today()
    rows = session.scalars(
        select(Supporter.person_id).where(
            Supporter.user_id == user_id, or_(Supporter.ended_on.is_(None), Supporter.ended_on > today)
        )
    )
    return frozenset(rows)
