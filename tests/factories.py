"""Test data builders. Passwords are hashed once: argon2id is deliberately slow."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache

import nhs_number
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.accounts.models import User, UserRole
from phb.accounts.rules import Role
from phb.accounts.services import actor_for, hash_password
from phb.people.models import CaseloadAssignment, Person

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def _next_nhs_number() -> str:
    while True:
        candidate = f"999{next(_counter):07d}"
        if nhs_number.is_valid(candidate):
            return candidate


def make_user(db: Session, username: str, *roles: Role, person_id: int | None = None) -> User:
    user = User(
        username=username,
        display_name=username.title(),
        password_hash=_password_hash(),
        person_id=person_id,
        roles=[UserRole(role=str(r)) for r in roles],
    )
    db.add(user)
    db.flush()
    return user


def make_person(
    db: Session, given: str = "Test", family: str = "Person", *, case_manager: User | None = None
) -> Person:
    person = Person(
        nhs_number=_next_nhs_number(), given_name=given, family_name=family, date_of_birth=dt.date(1950, 1, 1)
    )
    db.add(person)
    db.flush()
    if case_manager is not None:
        db.add(CaseloadAssignment(person_id=person.id, user_id=case_manager.id, assigned_on=dt.date(2020, 1, 1)))
        db.flush()
    return person


def actor(db: Session, user: User) -> Actor:
    return actor_for(db, user)
