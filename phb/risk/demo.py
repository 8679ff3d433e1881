"""Demo risk records: Leon Baptiste's swimming discussion, register and contingency plans, and people at other bands.

Loaded through the services, acting as each person's case manager, so the demo obeys the same rules and leaves
the same audit trail as real use. Idempotent: a person who already has risk records is left alone. Runs after
the budgets demo (so Leon's contingency plans can name his contingency line, when he has one) and before the
governance demo (which reads the risk summaries).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb import clock
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.people.models import Person
from phb.risk import services
from phb.risk.models import Risk, RiskDiscussion
from phb.risk.schemas import (
    ActionCreate,
    CapacityAssessmentCreate,
    ContingencyPlanCreate,
    DelegatedTaskCreate,
    DiscussionCreate,
    RiskCreate,
)

ORDER = 40

LEON, MARGARET, JAMES, TOM = "9990000069", "9990000018", "9990000026", "9990000042"


def _has_risk_records(session: Session, person_id: int) -> bool:
    return any(
        session.scalar(select(model.id).where(model.person_id == person_id).limit(1)) is not None
        for model in (Risk, RiskDiscussion)
    )


def _risk(days: int, **values: Any) -> RiskCreate:  # noqa: ANN401
    today = clock.today()
    return RiskCreate.model_validate({"review_on": today + dt.timedelta(days=days), **values})


def _leon(session: Session, casey: User, leon: Person) -> None:
    actor = actor_for(session, casey)
    today = clock.today()
    discussion = services.add_discussion(
        session,
        actor,
        leon.id,
        DiscussionCreate(
            held_on=today,
            participants=[
                "Leon Baptiste (the person)",
                "Marie Baptiste (mum)",
                "Casey Morgan (case manager)",
                "Nina Patel (epilepsy nurse)",
            ],
            wants_to_do="I want to go swimming on my own at the leisure centre, like everyone else my age. "
            "I don't want Mum sitting on the side any more.",
            words_of="Leon Baptiste",
            benefits="Fitness and weight management; independence from his mum; confidence; seeing friends who "
            "swim at the same session; swimming is the one exercise that does not hurt his knees.",
            risk_they_accept="I know I could have a seizure in the water. I'll take that chance if the lifeguards "
            "know about me and I wear the alarm.",
            organisation_can_support="A leisure centre pass and a waterproof seizure alarm from the budget; the "
            "epilepsy nurse will brief the lifeguard team.",
        ),
    )
    swimming = services.add_risk(
        session,
        actor,
        leon.id,
        _risk(
            90,
            title="swimming alone",
            discussion_id=discussion.id,
            category="clinical",
            description="A tonic-clonic seizure in the water with nobody close by.",
            person_view="I'd rather swim and be careful than sit at home being safe.",
            likelihood=3,
            impact=5,
            approach="reduce",
            mitigations="Swims only in lifeguarded public sessions; lifeguards briefed by the epilepsy nurse; "
            "wears a waterproof seizure alarm; lane nearest the lifeguard chair; no swimming within 24 hours of "
            "a missed dose.",
            residual_likelihood=2,
            residual_impact=5,
            owner="Leon Baptiste",
            action_description="Brief the lifeguard team about Leon's seizures and rescue medication",
            action_owner="Nina Patel",
            action_due_on=today + dt.timedelta(days=14),
        ),
    )
    services.add_action(
        session,
        actor,
        leon.id,
        swimming.id,
        ActionCreate(
            description="Buy the seizure alarm from the budget",
            owner="Marie Baptiste",
            due_on=today + dt.timedelta(days=7),
        ),
    )
    services.add_risk(
        session,
        actor,
        leon.id,
        _risk(
            90,
            title="getting to the pool on the bus",
            discussion_id=discussion.id,
            category="personal",
            likelihood=2,
            impact=2,
            approach="manage",
            mitigations="Travels at quiet times; carries his epilepsy card; Mum on speed dial.",
            residual_likelihood=1,
            residual_impact=2,
            owner="Leon Baptiste",
        ),
    )
    services.add_risk(
        session,
        actor,
        leon.id,
        _risk(
            180,
            title="leisure pass paid for but not used",
            discussion_id=discussion.id,
            category="financial",
            likelihood=2,
            impact=1,
            approach="accept",
            mitigations="Monthly pass rather than annual; checked at the three-month review.",
            residual_likelihood=2,
            residual_impact=1,
            owner="Casey Morgan",
        ),
    )
    lines = services.form_context(session, actor, leon.id).contingency_lines
    line_id = int(lines[0][0]) if lines else None
    for scenario, signs, what, contacts, pays in (
        (
            "I have a seizure at the pool",
            "The alarm sounds; Leon says he feels his aura (a rising feeling in his stomach).",
            (
                "Lifeguards follow the pool's seizure plan; buccal midazolam after 5 minutes; ambulance if it "
                "lasts longer or he is hurt. Leon rests before going home and does not take the bus."
            ),
            ["Marie Baptiste (mum) 07700 900123", "Epilepsy nurse 0113 496 0123", "In an emergency: 999"],
            "A taxi home after a seizure.",
        ),
        (
            "my personal assistant does not arrive",
            "The PA is not here by 9am and has not called.",
            "Ring the PA, then the agency; Mum covers the morning if she can.",
            ["Sam Jones (PA) 07700 900456", "Brightcare agency 0113 496 0000", "Casey Morgan 0113 496 0789"],
            "An agency worker for up to three days.",
        ),
    ):
        services.add_contingency_plan(
            session,
            actor,
            leon.id,
            ContingencyPlanCreate(
                scenario=scenario,
                warning_signs=signs,
                what_to_do=what,
                contacts=contacts,
                budget_may_pay_for=pays,
                budget_line_id=line_id,
            ),
        )
    services.add_capacity_assessment(
        session,
        actor,
        leon.id,
        CapacityAssessmentCreate(
            decision="Whether to swim without his mum at the pool",
            assessed_on=today,
            assessor="Nina Patel, nurse assessor",
            outcome="has_capacity",
            how_supported="Easy read information about seizures in water; time to think it over; Mum not in the "
            "room for the assessment at Leon's request.",
        ),
    )
    services.add_delegated_task(
        session,
        actor,
        leon.id,
        DelegatedTaskCreate(
            task="Giving buccal midazolam (rescue medication)",
            personal_assistant="Sam Jones",
            accountable_delegator="Nina Patel, epilepsy nurse",
            training="Face-to-face training with the epilepsy nurse, then observed practice",
            signed_off_on=today - dt.timedelta(days=30),
            signed_off_by="Nina Patel",
            competency_review_on=today + dt.timedelta(days=335),
            ongoing_support="The epilepsy nurse's phone line on weekdays; refresher with each new care plan.",
        ),
    )


def _others(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    today = clock.today()
    if MARGARET in people and not _has_risk_records(session, people[MARGARET].id):
        services.add_risk(
            session,
            actor_for(session, staff["casey"]),
            people[MARGARET].id,
            _risk(
                30,
                title="falls getting up at night",
                category="clinical",
                likelihood=4,
                impact=4,
                approach="reduce",
                mitigations="Sensor mat and night light; commode by the bed; waking night PA two nights a week.",
                residual_likelihood=2,
                residual_impact=4,
                owner="Grace Okafor (daughter)",
            ),
        )
    if JAMES in people and not _has_risk_records(session, people[JAMES].id):
        casey = actor_for(session, staff["casey"])
        services.add_risk(
            session,
            casey,
            people[JAMES].id,
            _risk(
                60,
                title="gaps in PA cover while recruiting",
                category="personal",
                likelihood=3,
                impact=3,
                approach="manage",
                mitigations="Agency waking nights booked ahead; a second PA being recruited.",
                residual_likelihood=2,
                residual_impact=3,
                owner="James Whitfield",
            ),
        )
        services.add_delegated_task(
            session,
            casey,
            people[JAMES].id,
            DelegatedTaskCreate(
                task="Bowel care",
                personal_assistant="Alex Green",
                accountable_delegator="Community nurse team lead",
                training="Community nurse teaching at home",
                signed_off_on=today - dt.timedelta(days=400),
                signed_off_by="Community nurse team lead",
                competency_review_on=today - dt.timedelta(days=35),  # overdue: shows the flag
                ongoing_support="Community nurse visits monthly",
            ),
        )
    if TOM in people and not _has_risk_records(session, people[TOM].id):
        services.add_risk(
            session,
            actor_for(session, staff["nina"]),
            people[TOM].id,
            _risk(
                120,
                title="direct payment account overdrawn",
                category="financial",
                likelihood=2,
                impact=3,
                approach="reduce",
                mitigations="Richard (nominee) gets a monthly statement; direct payments team checks quarterly.",
                residual_likelihood=1,
                residual_impact=3,
                owner="Richard Price (nominee)",
            ),
        )


def load(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Add the demo risk records; people who already have some are left alone."""
    if LEON in people and "casey" in staff and not _has_risk_records(session, people[LEON].id):
        _leon(session, staff["casey"], people[LEON])
    _others(session, staff, people)
