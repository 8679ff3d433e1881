"""Demo plans at different stages, written through the services as casey and nina would (idempotent).

Margaret: agreed, direct payment, first review due three months after her first payment; counted.
James: agreed a year ago and reviewed; counted. Aisha: notional budget, at record and agree (easy read).
Tom: agreed, his brother (nominee) has asked for a review.
Elsie: third-party budget, agreed without criteria evidence (not counted). Leon: at the conversation stage.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from phb import clock
from phb.access.services import begin
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.clock import add_months
from phb.people.models import Person
from phb.plans import reviews, services
from phb.plans.rules import BudgetManagement, Cohort, Progress
from phb.plans.schemas import (
    ActionCreate,
    ArrangementsUpdate,
    InvolvementUpdate,
    OnePageSummaryUpdate,
    OutcomeCreate,
    OutcomeProgressIn,
    ParticipantCreate,
    PlanAgreement,
    PlanDetailsUpdate,
    QualityEvidenceUpdate,
    ReviewRecord,
    ReviewRequest,
    StageAdvance,
)

ORDER = 30

EVIDENCE = {
    "criterion_1_met": True,
    "criterion_1_evidence": "Chose who came to the planning meeting; had the plan explained in their format first",
    "criterion_2_met": True,
    "criterion_2_evidence": "Conversation started with what makes a good day",
    "criterion_3_met": True,
    "criterion_3_evidence": "Outcomes written by the person in their own words",
    "criterion_4_met": True,
    "criterion_4_evidence": "Plan with outcomes, actions, contingency and budget sheet shared in their format",
    "criterion_5_met": True,
    "criterion_5_evidence": "Knows how to ask for a review; formal review date set",
}

STORIES: dict[str, dict[str, str]] = {
    "9990000018": {
        "appreciate": "My stories about Lagos and my laugh",
        "important": "Sunday lunch with Grace; my church choir on Thursdays",
        "support": "Large print, and give me time to answer",
        "health": "Heart failure and arthritis in both knees",
        "outcome": "I want to sing with my choir again every Thursday",
        "action": "Personal assistant drives me to choir practice",
    },
    "9990000026": {
        "appreciate": "My dry humour and that I always know the football scores",
        "important": "Living in my own flat and working three days a week",
        "support": "Ask me before moving anything; I direct my own care",
        "health": "C5 spinal cord injury",
        "outcome": "I want to keep working at the library three days a week",
        "action": "Morning PA shift starts at 6:30 on work days",
    },
    "9990000034": {
        "appreciate": "I am kind and I remember everyone's birthday",
        "important": "My sister, my cat Pepper and my art class",
        "support": "Use easy read and pictures; one thing at a time",
        "health": "Learning disability and epilepsy",
        "outcome": "I want to go to my art class on my own",
        "action": "Support worker practises the bus route with me",
    },
    "9990000042": {
        "appreciate": "I fix anything with an engine",
        "important": "My brother Richard and my allotment",
        "support": "Speak plainly; Richard handles the paperwork",
        "health": "Motor neurone disease",
        "outcome": "I want to spend Saturday mornings at my allotment",
        "action": "PA takes me to the allotment on Saturdays",
    },
    "9990000050": {
        "appreciate": "My gentleness and the songs I still know by heart",
        "important": "My son Martin visiting, and music from the 1950s",
        "support": "Calm voices; play my music when I am upset",
        "health": "Advanced dementia",
        "outcome": "Martin says: Mum stays calm and settled at home",
        "action": "Care provider keeps the same small team of carers",
    },
    "9990000069": {
        "appreciate": "My energy and that I never give up",
        "important": "Swimming, my gym friends and my independence",
        "support": "Talk to me directly, not to my mum",
        "health": "Epilepsy, well controlled",
        "outcome": "I want to swim at the local pool on my own",
        "action": "Pool staff briefed on my seizure plan",
    },
}


def _write(session: Session, actor_user: User, person: Person, *, stage_steps: int, **arrangements: object) -> None:
    """Write a plan through the services, up to ``stage_steps`` moves along the stages."""
    actor = actor_for(session, actor_user)
    story = STORIES[person.nhs_number]
    services.start_plan(session, actor, person.id)
    services.update_involvement(
        session, actor, person.id, InvolvementUpdate(person_prepared=True, person_chose_involved=True)
    )
    supporter = "Family member"
    services.add_participant(
        session, actor, person.id, ParticipantCreate(name=supporter, role="Chosen supporter", chosen_by_person=True)
    )
    services.update_summary(
        session,
        actor,
        person.id,
        OnePageSummaryUpdate(
            appreciate_about_me=story["appreciate"],
            important_to_me=story["important"],
            how_to_support_me=story["support"],
            health_summary=story["health"],
        ),
    )
    services.update_details(
        session,
        actor,
        person.id,
        PlanDetailsUpdate(
            aspirations="To stay at home and keep doing what I love",
            self_management="I know my warning signs and tell my supporters",
            contingency="Agency cover on the list of approved providers if a carer is off",
        ),
    )
    services.add_outcome(
        session,
        actor,
        person.id,
        OutcomeCreate(text=story["outcome"], written_by=person.given_name, person_involved=True),
    )
    services.add_action(
        session,
        actor,
        person.id,
        ActionCreate(
            outcome_ref=1, description=story["action"], owner="Personal assistant", due_on=add_months(clock.today(), 2)
        ),
    )
    services.update_arrangements(
        session,
        actor,
        person.id,
        ArrangementsUpdate.model_validate(
            {
                "care_coordinator": "Nina Patel",
                "health_monitor": "GP and community nursing team",
                "budget_sheet_included": True,
                "cohort": Cohort.CHC_ADULTS,
                "team": "North CHC team",
                "review_method": "A visit at home with the people the person chooses",
                "knows_how_to_request_review": True,
                **arrangements,
            }
        ),
    )
    for _ in range(stage_steps):
        services.advance_stage(session, actor, person.id, StageAdvance())


def load(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Add the demo plans for people who have none yet."""
    casey, nina = staff["casey"], staff["nina"]
    begin(session, actor_for(session, casey))
    today = clock.today()
    plans: dict[str, tuple[User, int, dict[str, object]]] = {
        "9990000018": (casey, 3, {"budget_management": BudgetManagement.DIRECT_PAYMENT, "local_category": "Frailty"}),
        "9990000026": (casey, 3, {"budget_management": BudgetManagement.MIXED, "local_category": "Neurological"}),
        "9990000034": (
            casey,
            3,
            {"budget_management": BudgetManagement.NOTIONAL, "local_category": "Learning disability"},
        ),
        "9990000042": (nina, 3, {"budget_management": BudgetManagement.DIRECT_PAYMENT, "team": "South CHC team"}),
        "9990000050": (nina, 3, {"budget_management": BudgetManagement.THIRD_PARTY, "team": "South CHC team"}),
        "9990000069": (casey, 2, {"budget_management": BudgetManagement.DIRECT_PAYMENT}),
    }
    for nhs_number, (user, steps, arrangements) in plans.items():
        person = people.get(nhs_number)
        if person is None or services.plan_for(session, person.id) is not None:
            continue
        begin(session, actor_for(session, user))
        actor = actor_for(session, user)
        _write(session, user, person, stage_steps=steps, **arrangements)
        if nhs_number != "9990000050":  # Elsie: agreed without evidence, so not counted
            services.update_quality_evidence(session, actor, person.id, QualityEvidenceUpdate.model_validate(EVIDENCE))
        if nhs_number in {"9990000034", "9990000069"}:
            continue  # Aisha at record and agree, Leon at the conversation
        services.agree_plan(
            session,
            actor,
            person.id,
            PlanAgreement(agreed_on=today, agreed_by=person.full_name, person_agrees=True),
        )
        if nhs_number == "9990000018":
            # First payment today: the first formal review is due within three months.
            services.update_arrangements(
                session,
                actor,
                person.id,
                ArrangementsUpdate.model_validate(
                    {
                        **_arrangements_now(session, person.id),
                        "first_direct_payment_on": today,
                        "next_review_on": add_months(today, 3),
                    }
                ),
            )
        if nhs_number == "9990000026":
            reviews.record_review(
                session,
                actor,
                person.id,
                ReviewRecord(
                    held_on=today,
                    outcomes=[OutcomeProgressIn(outcome_ref=1, progress=Progress.PARTLY, comment="Two days so far")],
                    budget_use="As planned on the personal assistant team and agency waking nights",
                    budget_covers_full_cost=True,
                ),
            )
        if nhs_number == "9990000042":
            reviews.request_review(
                session,
                actor,
                person.id,
                ReviewRequest(requested_by="Richard Price (nominee)", request_reason="Tom's speech has got worse"),
            )


def _arrangements_now(session: Session, person_id: int) -> dict[str, object]:
    plan = services.require_plan(session, person_id)
    version = services.load_version(session, plan.id, plan.current_version)
    return {
        name: getattr(version, name)
        for name in (
            "care_coordinator",
            "health_monitor",
            "budget_management",
            "budget_arrangements",
            "budget_sheet_included",
            "cohort",
            "team",
            "local_category",
            "review_interval_months",
            "review_method",
            "knows_how_to_request_review",
        )
    }
