"""What spending reads from budgets (the sheet in force, the payment schedule) and asks of governance (decisions).

Ordinary imports, kept in this one module so the dependency is easy to see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.budgets import services as budgets
from phb.governance import services as governance
from phb.money import to_pence
from phb.spending.decisions import FINDING
from phb.spending.planning import PlannedLine


def budget_sheet(session: Session, actor: Actor, person_id: int) -> list[PlannedLine]:
    """The lines of the person's sheet in force (what is paid: a draft change is not yet planned)."""
    sheet = budgets.sheet_in_force(session, actor, person_id)
    lines = []
    for line in sheet.lines:
        frequency = getattr(line, "frequency", None)
        lines.append(
            PlannedLine(
                id=int(line.id),
                description=str(line.description),
                category=str(getattr(line.category, "value", line.category)),
                annual_pence=to_pence(line.annual_cost),
                management_option=str(getattr(line.management_option, "value", line.management_option)),
                frequency=None if frequency is None else str(getattr(frequency, "value", frequency)),
            )
        )
    return lines


def scheduled_payments(
    session: Session, actor: Actor, person_id: int, start: dt.date, end: dt.date
) -> list[tuple[dt.date, int]]:
    """The direct payments due from ``start`` to ``end`` (due date, pence) as the person's schedules stand.

    Empty when no payment falls in the period. A newer schedule replaces an older one from its start
    (``payments_due``), so a mid-year change is counted once.
    """
    due = budgets.payments_due(budgets.payment_schedules(session, actor, person_id))
    return [(p.due_on, to_pence(p.amount)) for p in due if start <= p.due_on <= end]


@dataclass(frozen=True)
class Referral:
    """What happened when a finding was sent for a decision."""

    request_id: int | None
    note: str


def raise_decision(
    session: Session,
    actor: Actor,
    *,
    person_id: int,
    finding_id: int,
    decision_type: str,
    summary: str,
) -> Referral:
    """Ask governance for a decision bound to a finding: its person and the sum at issue come from the finding."""
    request = governance.raise_request(
        session,
        actor,
        person_id=person_id,
        decision_type=decision_type,
        summary=summary,
        subject_type=FINDING,
        subject_id=finding_id,
    )
    return Referral(int(request.id), f"Decision request {request.id} raised ({decision_type.replace('_', ' ')}).")


def decision_status(session: Session, finding_id: int) -> str | None:
    """The governance outcome of a finding's decision request, in words (None: none decided yet)."""
    outcome = governance.outcome_for(session, FINDING, finding_id)
    if outcome is None:
        return None
    return f"{str(outcome.outcome).replace('_', ' ')} by {outcome.decided_by_name} on {outcome.decided_at:%d %B %Y}"
