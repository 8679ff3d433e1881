"""The budget holder's side of a finding: the questions the team asked them, and their own answers.

The team's ``findings.record_explanation`` needs ``SPENDING_AUDIT`` (it records an answer given by phone or
letter); here the person, or their representative, answers in the portal themselves.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.audit.services import because
from phb.clock import today
from phb.errors import ForbiddenError, NotFoundError, ValidationFailedError
from phb.spending.findings import finding_transactions
from phb.spending.models import Finding
from phb.spending.schemas import FindingRead

MAX_ANSWER = 4000


def person_queries(session: Session, actor: Actor, person_id: int) -> list[FindingRead]:
    """Findings about the person that the team asked them about, newest question first, with their lines."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    found = session.scalars(
        select(Finding)
        .where(Finding.person_id == person_id, Finding.query.is_not(None))
        .order_by(Finding.queried_on.desc(), Finding.id.desc())
    ).all()
    reads = []
    for finding in found:
        read = FindingRead.model_validate(finding)
        read.transactions = finding_transactions(session, finding)
        reads.append(read)
    return reads


def answer_query(session: Session, actor: Actor, finding_id: int, text: str) -> Finding:
    """The person (or their representative) answers the team's question about a finding.

    Only for a finding about that person, only by the person or someone acting for them, and only while the
    question is open; the answer becomes the finding's explanation for the team to consider.
    """
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFoundError("finding", finding_id)
    require_person(session, actor, Permission.PERSON_READ, finding.person_id)
    if actor.person_id != finding.person_id and finding.person_id not in actor.represents:
        raise ForbiddenError("Only the person, or someone acting for them, answers a question put to them")
    answer = text.strip()
    if not answer:
        raise ValidationFailedError({"answer": "Write your answer"})
    if len(answer) > MAX_ANSWER:
        raise ValidationFailedError({"answer": f"Your answer must be {MAX_ANSWER} characters or fewer"})
    if finding.status != "queried":
        raise ValidationFailedError({"answer": "This question has already been answered"})
    finding.explanation = answer
    finding.explained_on = today()
    finding.status = "explained"
    with because(session, "answered by the budget holder in the portal"):
        session.flush()
    return finding
