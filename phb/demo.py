"""The demo data set: staff at every governance level and people in different situations.

Loading is idempotent: a user or person that already exists (by username or NHS number) is left alone, so
``phb demo`` can run on every start. NHS numbers are from the 999 range, which is never issued to patients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb import clock
from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.accounts.services import create_user
from phb.audit.services import AuditActor, act_as
from phb.db import create_db_engine, make_session_factory, utcnow
from phb.discovery import domain_modules
from phb.people.models import CaseloadAssignment, Person, Supporter

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed for newcomers; demo data only


@dataclass(frozen=True)
class DemoUser:
    """A demo account."""

    username: str
    name: str
    roles: tuple[Role, ...]
    description: str


STAFF = (
    DemoUser("admin", "Alex Admin", (Role.ADMINISTRATOR,), "administrator: users, rate card, rules"),
    DemoUser("casey", "Casey Morgan", (Role.CASE_MANAGER,), "case manager (level 1)"),
    DemoUser(
        "nina",
        "Nina Patel",
        (Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR),
        "nurse assessor and care coordinator (level 1)",
    ),
    DemoUser("sam", "Sam Okoro", (Role.CHC_SERVICE_MANAGER,), "CHC service manager (level 2)"),
    DemoUser("lee", "Lee Carter", (Role.CHC_SERVICE_MANAGER,), "CHC service manager (level 2, second approver)"),
    DemoUser("priya", "Priya Shah", (Role.PEER_REVIEWER,), "peer reviewer (level 2)"),
    DemoUser(
        "drew",
        "Dr Drew Hughes",
        (Role.SPECIALIST_HCP, Role.CLINICAL_DIRECTOR),
        "specialist health care professional, clinical director (level 3)",
    ),
    DemoUser("dana", "Dana Reid", (Role.DIRECT_PAYMENTS_OFFICER,), "direct payments team (level 3, financial audit)"),
    DemoUser("cora", "Cora Lindqvist", (Role.CHC_COMMISSIONER,), "CHC commissioner (level 4)"),
    DemoUser("pat", "Pat Adeyemi", (Role.PANEL_CHAIR,), "risk enablement panel chair"),
    DemoUser("pete", "Pete Walsh", (Role.PANEL_MEMBER,), "risk enablement panel member"),
)


@dataclass(frozen=True)
class DemoPerson:
    """A demo budget holder and their situation."""

    nhs_number: str
    given_name: str
    family_name: str
    born: dt.date
    caseload: str  # username of their case manager
    situation: str
    accessible_format: str = "standard"
    preferred_contact: str = "letter"
    supporter: tuple[str, str, str, str] | None = None  # kind, name, relationship, legal basis
    format_notes: str | None = None


PEOPLE = (
    DemoPerson(
        "9990000018",
        "Margaret",
        "Okafor",
        dt.date(1941, 3, 14),
        "casey",
        "Direct payment for personal assistants; daughter holds health and welfare LPA",
        "large_print",
        format_notes="16 point text or larger; copy letters to her daughter",
        supporter=("representative", "Grace Okafor", "Daughter", "lpa_health_and_welfare"),
    ),
    DemoPerson(
        "9990000026",
        "James",
        "Whitfield",
        dt.date(1994, 7, 2),
        "casey",
        "Spinal cord injury; employs a team of PAs with agency waking nights",
        preferred_contact="email",
    ),
    DemoPerson(
        "9990000034",
        "Aisha",
        "Rahman",
        dt.date(1978, 11, 30),
        "casey",
        "Notional budget commissioned by the ICB; easy read information",
        "easy_read",
        format_notes="Easy read with pictures; one thing at a time",
    ),
    DemoPerson(
        "9990000042",
        "Tom",
        "Price",
        dt.date(1965, 1, 19),
        "nina",
        "Brother manages the direct payment as nominee",
        supporter=("nominee", "Richard Price", "Brother", "nominated_by_person"),
    ),
    DemoPerson(
        "9990000050",
        "Elsie",
        "Grant",
        dt.date(1933, 9, 8),
        "nina",
        "Third-party budget held by a support provider; lacks capacity for finances",
        supporter=("representative", "Martin Grant", "Son", "court_appointed_deputy"),
    ),
    DemoPerson(
        "9990000069",
        "Leon",
        "Baptiste",
        dt.date(2001, 5, 23),
        "casey",
        "Wants to swim alone at the local pool: a positive risk-taking case",
        preferred_contact="text_message",
    ),
)


def _ensure_staff(session: Session) -> dict[str, User]:
    users: dict[str, User] = {}
    for demo in STAFF:
        user = session.scalar(select(User).where(User.username == demo.username))
        if user is None:
            user = create_user(
                session,
                username=demo.username,
                display_name=demo.name,
                password=DEMO_PASSWORD,
                roles=list(demo.roles),
                email=f"{demo.username}@example.nhs.uk",
            )
        users[demo.username] = user
    return users


def _ensure_people(session: Session, users: dict[str, User]) -> None:
    today = clock.today()
    for demo in PEOPLE:
        if session.scalar(select(Person.id).where(Person.nhs_number == demo.nhs_number)) is not None:
            continue
        manager = users[demo.caseload]
        person = Person(
            nhs_number=demo.nhs_number,
            given_name=demo.given_name,
            family_name=demo.family_name,
            date_of_birth=demo.born,
            accessible_format=demo.accessible_format,
            preferred_contact=demo.preferred_contact,
            consent_to_share=True,
            consent_recorded_at=utcnow(),
            care_coordinator_id=users["nina"].id,
            format_notes=demo.format_notes,
            address=f"{10 + len(demo.family_name)} High Street, Leeds LS1 4AP",
        )
        session.add(person)
        session.flush()
        session.add(CaseloadAssignment(person_id=person.id, user_id=manager.id, assigned_on=today))
        if demo.supporter:
            kind, name, relation, basis = demo.supporter
            session.add(
                Supporter(
                    person_id=person.id,
                    kind=kind,
                    name=name,
                    relationship_to_person=relation,
                    legal_basis=basis,
                    started_on=today,
                )
            )
    session.flush()


def load_demo(database_url: str) -> list[tuple[str, str]]:
    """Load the demo set into ``database_url``; returns (username, description) of every demo login.

    After staff and people, each ``phb/<area>/demo.py`` adds its part through ``load(session, staff, people)``
    (``staff`` by username, ``people`` by NHS number), in the order of its ``ORDER`` number; each must be
    idempotent too.
    """
    factory = make_session_factory(create_db_engine(database_url))
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label="cli:phb demo"))
        users = _ensure_staff(session)
        _ensure_people(session, users)
        people = {
            p.nhs_number: p
            for p in session.scalars(select(Person).where(Person.nhs_number.in_([d.nhs_number for d in PEOPLE])))
        }
        for module in sorted(domain_modules("demo"), key=lambda m: getattr(m, "ORDER", 100)):
            module.load(session, users, people)
            session.flush()
        session.commit()
    return [(d.username, d.description) for d in STAFF]
