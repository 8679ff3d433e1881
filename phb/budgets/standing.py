"""Where each of a person's budgets stands: its latest decision, whether it was ever authorised, its newest request.

The budget overview shows every indicative and final budget with its status; asking per budget cost two queries
for each (and grew with a person's years of budgets). :meth:`Standing.of_person` reads all of a person's budget
decisions and authorisation requests in two queries; :meth:`Standing.of_subject` reads one budget's, for the
pages and endpoints that show a single budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.budgets.models import BudgetDecision
from phb.governance import services as governance
from phb.governance.models import DecisionRequest

Subject = tuple[str, int]  # (subject type, subject id)


def latest_decision(session: Session, subject_type: str, subject_id: int) -> BudgetDecision | None:
    """The newest decision about one budget (None: never decided)."""
    return session.scalar(
        select(BudgetDecision)
        .where(BudgetDecision.subject_type == subject_type, BudgetDecision.subject_id == subject_id)
        .order_by(BudgetDecision.id.desc())
        .limit(1)
    )


@dataclass
class Standing:
    """Decisions and requests about budgets, by subject."""

    latest: dict[Subject, BudgetDecision] = field(default_factory=dict)
    authorised: set[Subject] = field(default_factory=set)
    requests: dict[Subject, DecisionRequest] = field(default_factory=dict)

    def decision(self, subject_type: str, subject_id: int) -> BudgetDecision | None:
        """The newest decision about the budget (None: never decided)."""
        return self.latest.get((subject_type, subject_id))

    def request(self, subject_type: str, subject_id: int) -> DecisionRequest | None:
        """The newest authorisation request raised about the budget (None: none)."""
        return self.requests.get((subject_type, subject_id))

    def was_authorised(self, subject_type: str, subject_id: int) -> bool:
        """Whether any decision about the budget authorised it (complete only for :meth:`of_person`)."""
        return (subject_type, subject_id) in self.authorised

    def include(self, decisions: list[BudgetDecision], requests: list[DecisionRequest]) -> Standing:
        """Take in decisions and requests, each oldest first (the last seen per subject is the newest)."""
        for decision in decisions:  # oldest first: the last one seen is the latest
            key = (decision.subject_type, decision.subject_id)
            self.latest[key] = decision
            if decision.outcome == "authorised":
                self.authorised.add(key)
        for request in requests:  # oldest first, as governance.request_for orders them
            if request.subject_type is not None and request.subject_id is not None:
                self.requests[(request.subject_type, request.subject_id)] = request
        return self

    @classmethod
    def of_person(cls, session: Session, person_id: int, subject_types: tuple[str, ...]) -> Standing:
        """Every decision and request about the person's budgets of these types (two queries)."""
        decisions = session.scalars(
            select(BudgetDecision)
            .where(BudgetDecision.person_id == person_id, BudgetDecision.subject_type.in_(subject_types))
            .order_by(BudgetDecision.id)
        ).all()
        requests = governance.requests_for_person(session, person_id, subject_types)
        return cls().include(list(decisions), requests)

    @classmethod
    def of_subject(cls, session: Session, subject_type: str, subject_id: int) -> Standing:
        """One budget's latest decision and newest request (two queries)."""
        decision = latest_decision(session, subject_type, subject_id)
        request = governance.request_for(session, subject_type, subject_id)
        return cls().include([] if decision is None else [decision], [] if request is None else [request])
