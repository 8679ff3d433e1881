"""The risk demo: Leon's swimming story and other people at different bands, loaded twice without duplicates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.people.models import CaseloadAssignment, Person
from phb.risk import demo, services
from phb.risk.models import ContingencyPlan, Risk, RiskDiscussion
from tests.factories import make_user


def _person(db, nhs_number: str, given: str, family: str, manager) -> Person:
    person = Person(nhs_number=nhs_number, given_name=given, family_name=family, date_of_birth=dt.date(1990, 1, 1))
    db.add(person)
    db.flush()
    db.add(CaseloadAssignment(person_id=person.id, user_id=manager.id, assigned_on=dt.date(2020, 1, 1)))
    db.flush()
    return person


def test_demo_gives_leon_his_swimming_story_and_is_idempotent(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    nina = make_user(db, "nina", Role.NURSE_ASSESSOR, Role.CARE_COORDINATOR)
    people = {
        demo.LEON: _person(db, demo.LEON, "Leon", "Baptiste", casey),
        demo.MARGARET: _person(db, demo.MARGARET, "Margaret", "Okafor", casey),
        demo.JAMES: _person(db, demo.JAMES, "James", "Whitfield", casey),
        demo.TOM: _person(db, demo.TOM, "Tom", "Price", nina),
    }
    staff = {"casey": casey, "nina": nina}
    demo.load(db, staff, people)
    demo.load(db, staff, people)

    leon = people[demo.LEON]
    assert db.scalar(select(func.count()).select_from(RiskDiscussion).where(RiskDiscussion.person_id == leon.id)) == 1
    assert db.scalar(select(func.count()).select_from(Risk)) == 6
    assert db.scalar(select(func.count()).select_from(ContingencyPlan)) == 2
    wants = db.scalar(select(RiskDiscussion.wants_to_do).where(RiskDiscussion.person_id == leon.id))
    assert "swimming on my own" in wants

    summaries = services.risk_summaries(db, [p.id for p in people.values()])
    bands = {nhs: summaries[p.id].highest_residual_band for nhs, p in people.items()}
    assert bands == {demo.LEON: "high", demo.MARGARET: "high", demo.JAMES: "moderate", demo.TOM: "low"}
    assert summaries[leon.id].reasons == ("residual rating 10 (high) for 'swimming alone'",)
