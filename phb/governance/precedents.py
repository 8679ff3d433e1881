"""Earlier decisions like the one being made, beyond the local principles.

:func:`phb.governance.services.similar_decisions` finds the local principles of the same decision type that share
words with a request: outcomes someone chose to keep as a rule. A decider also wants to see how requests of the
same kind were decided before, whoever they were about, to decide consistently: :func:`earlier_decisions` lists
those. Both appear on the request page, principles first (``docs/governance.md``).

Unlike a principle, which is written to be shared, an outcome is a person's record: only outcomes about people
the reader may see are listed, by their request's summary, and never with the person's name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from phb.access.services import visible_filter
from phb.governance.models import DecisionOutcome, DecisionRequest, LocalPrinciple
from phb.governance.rules import Outcome, keywords, shared_keywords
from phb.governance.schemas import EarlierDecision

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from phb.access.rules import Actor

# How many of the most recent outcomes of the type are ranked by shared words: one bounded query, whatever the
# history's length, and the most similar of recent decisions rather than of all time.
CANDIDATES = 50


def _words(summary: str, category: str | None) -> frozenset[str]:
    words = keywords(summary, category)
    return words | {f"category:{category.lower()}"} if category else words


def earlier_decisions(
    session: Session, actor: Actor, request: DecisionRequest, *, limit: int = 5
) -> list[EarlierDecision]:
    """Up to ``limit`` earlier outcomes of the request's decision type that are not local principles.

    Among the :data:`CANDIDATES` most recent outcomes decided before this request was (any time, while it is
    open), about people ``actor`` may see, the ones sharing most words with the request come first, then the
    most recent. Principles are left out: :func:`~phb.governance.services.similar_decisions` lists them.
    """
    query = (
        select(
            DecisionOutcome.id,
            DecisionOutcome.request_id,
            DecisionOutcome.person_id,
            DecisionOutcome.outcome,
            DecisionOutcome.by_panel,
            DecisionOutcome.level,
            DecisionOutcome.decided_at,
            DecisionRequest.summary,
            DecisionRequest.category,
        )
        .join(DecisionRequest, DecisionRequest.id == DecisionOutcome.request_id)
        .outerjoin(LocalPrinciple, LocalPrinciple.outcome_id == DecisionOutcome.id)
        .where(
            DecisionOutcome.decision_type == request.decision_type,
            DecisionOutcome.request_id != request.id,
            LocalPrinciple.id.is_(None),
            visible_filter(actor, DecisionOutcome.person_id),
        )
        .order_by(DecisionOutcome.decided_at.desc(), DecisionOutcome.id.desc())
        .limit(CANDIDATES)
    )
    if request.decided_at is not None:
        query = query.where(DecisionOutcome.decided_at < request.decided_at)
    mine = _words(request.summary, request.category)
    found = [
        EarlierDecision(
            outcome_id=row.id,
            request_id=row.request_id,
            summary=row.summary,
            outcome=Outcome(row.outcome),
            where="a risk enablement panel" if row.by_panel else f"level {row.level}",
            decided_at=row.decided_at,
            shared=[w.removeprefix("category:") for w in shared_keywords(mine, _words(row.summary, row.category))],
            same_person=row.person_id == request.person_id,
        )
        for row in session.execute(query)
    ]
    found.sort(key=lambda e: -len(e.shared))  # stable: equally similar ones stay most recent first
    return found[:limit]
