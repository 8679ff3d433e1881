"""Demo appeals: Leon Baptiste's refused gym membership, its notice sent by letter, and his appeal under review.

Idempotent: each step is taken only if it has not been taken already (the request is found by its summary).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.governance import services as governance
from phb.governance.appeals import services
from phb.governance.appeals.models import Appeal
from phb.governance.appeals.rules import Stage
from phb.governance.appeals.schemas import AppealCreate, Channel, DatedStep, Delivery, ReviewerAssign
from phb.governance.models import DecisionOutcome, DecisionRequest
from phb.governance.rules import Action, DecisionType
from phb.governance.schemas import DecisionInput
from phb.money import gbp
from phb.people.models import Person

ORDER = 60  # after governance (50)

LEON = "9990000069"
GYM = "A gym membership at the leisure centre, to keep walking between physiotherapy blocks"
DECIDERS = ("sam", "priya", "drew", "cora")
REVIEWERS = ("priya", "cora", "drew")


def load(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Raise and refuse Leon's gym membership, send the notice, and lodge, acknowledge and assign his appeal."""
    leon = people.get(LEON)
    if leon is None or "casey" not in staff:
        return
    actors = {name: actor_for(session, user) for name, user in staff.items()}
    casey = actors["casey"]
    request = session.scalar(
        select(DecisionRequest).where(DecisionRequest.person_id == leon.id, DecisionRequest.summary == GYM)
    )
    if request is None:
        request = governance.raise_request(
            session,
            casey,
            person_id=leon.id,
            decision_type=DecisionType.FLEXIBLE_BUDGET_SPEND,
            summary=GYM,
            category="leisure",
            item_amount=gbp("900.00"),
        )
    if request.status == "open":
        framework, _ = governance.framework_in_force(session)
        decider = next(
            (
                actors[n]
                for n in DECIDERS
                if n in actors and governance.why_not_decider(framework, request, actors[n]) is None
            ),
            None,
        )
        if decider is None:  # e.g. routed to a risk enablement panel: nothing to appeal yet
            return
        governance.decide(
            session,
            decider,
            request.id,
            DecisionInput(
                action=Action.REFUSE,
                considered="Leon's care and support plan, his physiotherapist's discharge letter and the gym's prices",
                reasons="The plan's outcomes do not yet include keeping active between physiotherapy blocks, so a gym "
                "membership is not linked to an agreed outcome",
                alternatives="A review of the plan to add a mobility outcome; a further block of community "
                "physiotherapy; the council's free 'Active Leeds' sessions",
            ),
        )
    outcome = session.scalar(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id))
    if outcome is None:
        return
    notice = services.issue_notice(session, outcome.id)
    if notice.delivered_on is None:
        services.record_delivery(session, casey, leon.id, notice.id, Delivery(channel=Channel.LETTER))
    _appeal(session, actors, leon, outcome)


def _appeal(session: Session, actors: dict[str, Actor], leon: Person, outcome: DecisionOutcome) -> None:
    casey = actors["casey"]
    appeal = session.scalar(select(Appeal).where(Appeal.outcome_id == outcome.id))
    if appeal is None:
        appeal = services.lodge_appeal(
            session,
            casey,
            leon.id,
            AppealCreate(
                outcome_id=outcome.id,
                grounds="Leon rang: the gym is how he keeps walking; without it he loses what physiotherapy gained",
                new_information="His physiotherapist's letter recommends supervised gym work twice a week",
                received_via=Channel.PHONE,
            ),
        )
    if appeal.status == Stage.LODGED:
        services.acknowledge(session, casey, appeal.id, DatedStep())
    if appeal.status == Stage.ACKNOWLEDGED:
        choices = dict(services.reviewer_choices(session, casey, appeal.id))
        reviewer = next((actors[n] for n in REVIEWERS if n in actors and actors[n].user_id in choices), None)
        if reviewer is not None:
            services.assign_reviewer(session, casey, appeal.id, ReviewerAssign(reviewer_id=reviewer.user_id))
