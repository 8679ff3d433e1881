"""Audit findings as the subject of governance decisions (financial audit, agreeing flexible budget spend).

Resolving a finding as "recovery required" or "referred to governance" raises a request about the finding
(:func:`phb.spending.integration.raise_decision`); the request is bound to it, so its person and the sum that
routes it come from the finding, and its outcome is the finding's decision status.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from phb.governance.models import DecisionOutcome
from phb.governance.rules import DecisionType
from phb.governance.subjects import DecisionSubject, SubjectFacts
from phb.spending.decision_view import describe_finding
from phb.spending.models import Finding

FINDING = "finding"


def _facts(session: Session, subject_id: int) -> SubjectFacts | None:
    finding = session.get(Finding, subject_id)
    if finding is None:
        return None
    amount = finding.recovery_amount if finding.recovery_amount is not None else finding.amount
    return SubjectFacts(person_id=finding.person_id, amount=amount, category=finding.category)


def _blockers(_session: Session, _subject_id: int) -> Mapping[str, str]:
    return {}  # the finding is a fact found in the statements: nothing about it blocks the decision


def _decided(_session: Session, _outcome: DecisionOutcome) -> None:
    """The finding reads its decision status from the outcome (:func:`phb.spending.integration.decision_status`)."""


SUBJECTS = {
    FINDING: DecisionSubject(
        label="audit finding",
        decision_types=frozenset({DecisionType.FINANCIAL_AUDIT.value, DecisionType.FLEXIBLE_BUDGET_SPEND.value}),
        facts=_facts,
        blockers=_blockers,
        decided=_decided,
        describe=describe_finding,
    ),
}
