"""Test data for appeals: a refused flexible-spend decision for Leon (level 2, refused by sam) and his account."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.governance import services
from phb.governance.models import DecisionOutcome
from phb.governance.rules import Action, DecisionType
from phb.governance.schemas import DecisionInput
from phb.money import gbp
from tests.factories import make_user
from tests.factories_governance import Team

REASONS = "A gym membership is not linked to an outcome in Leon's plan"
ALTERNATIVES = "Physiotherapy sessions, or a review of the plan's mobility outcome"


def refused_outcome(
    db: Session,
    team: Team,
    *,
    kind: DecisionType = DecisionType.FLEXIBLE_BUDGET_SPEND,
    decider: str = "sam",
    summary: str = "A gym membership",
    **amounts: object,
) -> DecisionOutcome:
    """Casey asks; ``decider`` refuses with reasons and alternatives. Flexible spend of £900 sits at level 2."""
    if not amounts:
        amounts = {"item_amount": gbp("900.00")}
    request = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type=kind, summary=summary, **amounts
    )
    services.decide(
        db,
        team[decider],
        request.id,
        DecisionInput(action=Action.REFUSE, reasons=REASONS, alternatives=ALTERNATIVES, considered="The plan"),
    )
    return db.scalars(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id)).one()


def portal_user(db: Session, team: Team, username: str = "leon") -> User:
    """Leon's own account."""
    return make_user(db, username, Role.PERSON, person_id=team.person.id)
