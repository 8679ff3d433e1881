"""Test data for governance: staff at every level, a person on two caseloads, a complete sign-off checklist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.governance import services
from phb.governance.rules import CHECKLIST, ItemStatus
from phb.people.models import CaseloadAssignment, Person
from tests.factories import actor, make_person, make_user

STAFF_ROLES = {
    "casey": (Role.CASE_MANAGER,),
    "nina": (Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR),
    "sam": (Role.CHC_SERVICE_MANAGER,),
    "sally": (Role.CHC_SERVICE_MANAGER,),
    "priya": (Role.PEER_REVIEWER,),
    "drew": (Role.SPECIALIST_HCP, Role.CLINICAL_DIRECTOR),
    "dana": (Role.DIRECT_PAYMENTS_OFFICER,),
    "cora": (Role.CHC_COMMISSIONER,),
    "pat": (Role.PANEL_CHAIR,),
    "pete": (Role.PANEL_MEMBER,),
    "paula": (Role.PANEL_MEMBER,),
    "admin": (Role.ADMINISTRATOR,),
}


@dataclass
class Team:
    """Everyone, as users and as actors, and one person on casey's and nina's caseloads."""

    users: dict[str, User]
    person: Person
    db: Session

    def __getitem__(self, username: str) -> Actor:
        return actor(self.db, self.users[username])


def make_team(db: Session) -> Team:
    users = {name: make_user(db, name, *roles) for name, roles in STAFF_ROLES.items()}
    person = make_person(db, "Leon", "Baptiste", case_manager=users["casey"])
    db.add(CaseloadAssignment(person_id=person.id, user_id=users["nina"].id, assigned_on=dt.date(2020, 1, 1)))
    db.flush()
    return Team(users=users, person=person, db=db)


def complete_checklist(db: Session, who: Actor, person_id: int) -> None:
    services.record_checklist(
        db, who, person_id, {item.key: (ItemStatus.MET, "Section 3 of the plan") for item in CHECKLIST}
    )
