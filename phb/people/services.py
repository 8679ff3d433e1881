"""Use cases about people: add, change, list a caseload, record who acts for them.

Every function takes the acting user and asks :mod:`phb.access.services` first; none commits (the caller's
unit of work does).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from phb.access.rules import Actor, Permission
from phb.access.services import require, require_person, visible_people
from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.audit.chain import jsonable
from phb.audit.services import because, log_shown
from phb.clock import today as _today
from phb.db import utcnow
from phb.errors import ConflictError, ValidationFailedError
from phb.people.models import CaseloadAssignment, Person, Supporter
from phb.people.schemas import Page, PersonCreate, PersonRead, PersonSummary, PersonUpdate, SupporterCreate

ALREADY_RECORDED = (
    "A person with this NHS number is already recorded. Ask a service manager to add them to your caseload."
)
DETAIL_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "preferred_contact",
    "accessible_format",
    "format_notes",
    "consent_to_share",
)


def add_person(session: Session, actor: Actor, data: PersonCreate) -> Person:
    """Record a new person; a case manager who adds someone takes them onto their caseload."""
    require(session, actor, Permission.PERSON_CREATE)
    if session.scalar(select(Person.id).where(Person.nhs_number == data.nhs_number)) is not None:
        raise ValidationFailedError({"nhs_number": ALREADY_RECORDED})
    person = Person(nhs_number=data.nhs_number, **{f: getattr(data, f) for f in DETAIL_FIELDS})
    if data.consent_to_share:
        person.consent_recorded_at = utcnow()
    try:
        # Two people adding the same person at once both pass the check above; the unique NHS number stops the
        # second here. The savepoint keeps the session usable, so the form can be shown again with the message.
        with session.begin_nested():
            session.add(person)
            session.flush()
    except IntegrityError as exc:
        if session.scalar(select(Person.id).where(Person.nhs_number == data.nhs_number)) is None:
            raise  # some other rule: the web layer's handler answers 409
        raise ValidationFailedError({"nhs_number": ALREADY_RECORDED}) from exc
    if actor.has_any(Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR):
        session.add(CaseloadAssignment(person_id=person.id, user_id=actor.user_id, assigned_on=_today()))
    session.flush()
    return person


def update_person(
    session: Session, actor: Actor, person_id: int, data: PersonUpdate, *, reason: str | None = None
) -> Person:
    """Change a person's details, refusing if someone else saved a newer version first."""
    person = require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    if person.version != data.version:
        raise ConflictError(
            "Someone else changed this person's details after you opened the form. Check their changes below, "
            "then make yours again.",
            current={field: jsonable(getattr(person, field)) for field in DETAIL_FIELDS},
        )
    if data.consent_to_share and not person.consent_to_share:
        person.consent_recorded_at = utcnow()
    for field in DETAIL_FIELDS:
        setattr(person, field, getattr(data, field))
    with because(session, reason):
        session.flush()
    return person


def person_detail(session: Session, actor: Actor, person_id: int) -> PersonRead:
    """Everything the person page shows about someone, as a read model."""
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    supporters = session.scalars(select(Supporter).where(Supporter.person_id == person_id).order_by(Supporter.id))
    set_committed_value(person, "supporters", list(supporters))
    read = PersonRead.model_validate(person)
    if person.care_coordinator_id is not None:
        read.care_coordinator_name = session.scalar(
            select(User.display_name).where(User.id == person.care_coordinator_id)
        )
    return read


def caseload(
    session: Session, actor: Actor, *, page: int = 1, per_page: int = 25, search: str = ""
) -> Page[PersonSummary]:
    """The people this actor may see, newest surname order, one page at a time; optional name or NHS number search."""
    query = visible_people(actor)
    if search.strip():
        term = search.strip()
        digits = term.replace(" ", "")
        query = query.where(
            or_(
                Person.family_name.ilike(f"{term}%"),
                Person.given_name.ilike(f"{term}%"),
                Person.nhs_number == digits,
            )
        )
    # count(Person.id), not count(*): for someone who may see everyone the query has no WHERE, and replacing its
    # columns with a bare count(*) dropped its only reference to the table (SELECT count(*) answers 1).
    total = session.scalar(query.with_only_columns(func.count(Person.id))) or 0
    page = max(1, page)
    rows = session.execute(
        query.with_only_columns(*_SUMMARY_COLUMNS)
        .order_by(Person.family_name, Person.given_name, Person.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    # Rows of the five columns a caseload line shows, not Person objects: hydrating 25 whole people cost more
    # than the two queries.
    items = [PersonSummary.model_validate(row) for row in rows]
    # Each line shows an NHS number and a date of birth: the read is logged like opening the record.
    log_shown(session, (p.id for p in items), what="person.search" if search.strip() else "person.list")
    return Page[PersonSummary](items=items, page=page, per_page=per_page, total=total)


_SUMMARY_COLUMNS = tuple(getattr(Person, name) for name in PersonSummary.model_fields)


def add_supporter(session: Session, actor: Actor, person_id: int, data: SupporterCreate) -> Supporter:
    """Record a representative or nominee and the legal basis on which they act."""
    require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    supporter = Supporter(person_id=person_id, **data.model_dump())
    session.add(supporter)
    session.flush()
    return supporter


def assign_caseload(session: Session, actor: Actor, person_id: int, user_id: int) -> CaseloadAssignment:
    """Put a person on a member of staff's caseload (service managers)."""
    require_person(session, actor, Permission.CASELOAD_ASSIGN, person_id)
    staff = session.get(User, user_id)
    if staff is None or not staff.role_set.intersection(
        {Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR}
    ):
        raise ValidationFailedError({"user_id": "Choose a case manager, nurse assessor or care coordinator"})
    assignment = CaseloadAssignment(person_id=person_id, user_id=user_id, assigned_on=_today())
    session.add(assignment)
    session.flush()
    return assignment


CARE_TEAM_ROLES = (Role.CASE_MANAGER, Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR)


def care_team_candidates(session: Session) -> list[User]:
    """Active staff who can be a care coordinator or hold a caseload."""
    from phb.accounts.models import UserRole  # noqa: PLC0415

    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(User.is_active.is_(True), UserRole.role.in_([str(r) for r in CARE_TEAM_ROLES]))
            .order_by(User.display_name)
            .distinct()
        )
    )


def care_team(session: Session, actor: Actor, person_id: int) -> list[tuple[str, str]]:
    """(name, since) of the staff with the person on their caseload now."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    today = _today()
    rows = session.execute(
        select(User.display_name, CaseloadAssignment.assigned_on)
        .join(CaseloadAssignment, CaseloadAssignment.user_id == User.id)
        .where(
            CaseloadAssignment.person_id == person_id,
            or_(CaseloadAssignment.ended_on.is_(None), CaseloadAssignment.ended_on > today),
        )
        .order_by(CaseloadAssignment.assigned_on)
    ).all()
    return [(name, since.isoformat()) for name, since in rows]


def set_care_coordinator(session: Session, actor: Actor, person_id: int, user_id: int) -> Person:
    """Name the person's care coordinator (required in every direct-payment plan)."""
    person = require_person(session, actor, Permission.PERSON_UPDATE, person_id)
    staff = session.get(User, user_id)
    if staff is None or not staff.is_active or not staff.role_set.intersection(CARE_TEAM_ROLES):
        raise ValidationFailedError(
            {"care_coordinator_id": "Choose a case manager, nurse assessor or care coordinator"}
        )
    person.care_coordinator_id = user_id
    session.flush()
    return person
