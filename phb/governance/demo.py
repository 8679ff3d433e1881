"""Demo governance: open requests at every level, a case referred to a risk enablement panel, and its meeting.

Idempotent: a request already raised (same person and summary) is left alone, and the panel meeting is arranged
only once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.governance import panels, services
from phb.governance.models import DecisionRequest, PanelMeeting
from phb.governance.rules import CHECKLIST, Action, DecisionType, ItemStatus
from phb.governance.schemas import DecisionInput, PanelMeetingCreate
from phb.money import gbp
from phb.people.models import Person

ORDER = 50

MARGARET, JAMES, LEON, AISHA = "9990000018", "9990000026", "9990000069", "9990000034"
SWIMMING = "Swimming alone at the local pool, twice a week, paid from the budget"


@dataclass(frozen=True)
class DemoRequest:
    """One request for the demo."""

    nhs_number: str
    proposer: str
    decision_type: DecisionType
    summary: str
    category: str | None = None
    amount: str | None = None
    increase: str | None = None
    item_amount: str | None = None
    unusual: bool = False


REQUESTS = (
    DemoRequest(
        MARGARET,
        "casey",
        DecisionType.FLEXIBLE_BUDGET_SPEND,
        "A riser-recliner chair",
        "equipment",
        item_amount="320.00",
    ),
    DemoRequest(MARGARET, "casey", DecisionType.CARE_PLAN_SIGN_OFF, "Sign off Margaret's care and support plan"),
    DemoRequest(
        JAMES, "casey", DecisionType.BUDGET_REVIEW, "Agency waking nights added to the PA team", amount="62400.00"
    ),
    DemoRequest(
        JAMES, "casey", DecisionType.FLEXIBLE_BUDGET_SPEND, "A ceiling track hoist", "equipment", item_amount="4000.00"
    ),
    DemoRequest(
        JAMES,
        "sam",
        DecisionType.FINANCIAL_AUDIT,
        "Unexplained balance on the direct payment account",
        amount="120000.00",
    ),
    DemoRequest(
        LEON, "casey", DecisionType.FLEXIBLE_BUDGET_SPEND, SWIMMING, "leisure", item_amount="180.00", unusual=True
    ),
)


def load(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Raise the demo requests, half-complete Aisha's sign-off checklist, refer Leon's case to a panel."""
    actors = {name: actor_for(session, user) for name, user in staff.items()}
    for demo in REQUESTS:
        person = people[demo.nhs_number]
        exists = session.scalar(
            select(DecisionRequest.id).where(
                DecisionRequest.person_id == person.id, DecisionRequest.summary == demo.summary
            )
        )
        if exists is not None:
            continue
        services.raise_request(
            session,
            actors[demo.proposer],
            person_id=person.id,
            decision_type=demo.decision_type,
            summary=demo.summary,
            category=demo.category,
            amount=gbp(demo.amount) if demo.amount else None,
            increase=gbp(demo.increase) if demo.increase else None,
            item_amount=gbp(demo.item_amount) if demo.item_amount else None,
            unusual=demo.unusual,
        )
    aisha = people[AISHA]  # her final budget awaits authorisation: the checklist shows what still blocks it
    if not services.checklist_status(session, aisha.id):
        half = {item.key: (ItemStatus.MET, "In the plan") for item in CHECKLIST[:9]}
        services.record_checklist(session, actors["casey"], aisha.id, half)
    _panel(session, actors, people[LEON])


def _panel(session: Session, actors: dict[str, Actor], leon: Person) -> None:
    sam, pat = actors["sam"], actors["pat"]
    swimming = session.scalar(
        select(DecisionRequest).where(DecisionRequest.person_id == leon.id, DecisionRequest.summary == SWIMMING)
    )
    if swimming is None or session.scalar(select(PanelMeeting.id)) is not None:
        return
    if not swimming.at_panel and swimming.status == "open":
        services.decide(
            session,
            sam,
            swimming.id,
            DecisionInput(
                action=Action.REFER_TO_PANEL,
                reasons="Leon wants to swim without a PA; the team disagrees about the drowning risk",
                question="May the budget pay for Leon to swim alone at the local pool?",
                papers="Risk discussion of 2 March; pool's lifeguard rota; Leon's own statement",
            ),
        )
    # Meeting today (in England), so the demo can record the decision: pat and pete have confirmed attending; sam
    # referred the case, so does not count to its quorum; a third member confirming (or the chair recording one,
    # with a reason) makes it quorate.
    meeting = panels.create_meeting(
        session, pat, PanelMeetingCreate(meets_on=clock.today(), place="Room 4, Civic Hall")
    )
    panels.confirm_attendance(session, pat, meeting.id)
    if "pete" in actors:
        panels.confirm_attendance(session, actors["pete"], meeting.id)
