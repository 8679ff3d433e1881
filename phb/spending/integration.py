"""The two packages spending leans on but does not own: budgets (the budget sheet) and governance (decisions).

Both are imported lazily and may be absent (they are built alongside this one). Without budgets every debit
is *unplanned*; without governance a referral is recorded on the finding for the team to raise by hand. The
code paths stay the same, so nothing changes here when those packages arrive.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.governance import services as governance
from phb.money import to_pence
from phb.spending.decisions import FINDING
from phb.spending.planning import PlannedLine


def _module(name: str) -> Any | None:  # noqa: ANN401 - a module we may not have
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None
        raise


def _has_table(session: Session, table: str) -> bool:
    return inspect(session.connection()).has_table(table)


def budget_sheet(session: Session, actor: Actor, person_id: int) -> list[PlannedLine] | None:
    """The person's current budget sheet lines, or None when the budgets package (or its tables) is not there."""
    services = _module("phb.budgets.services")
    if services is None or not hasattr(services, "sheet_in_force") or not _has_table(session, "budget_sheet_lines"):
        return None
    sheet = services.sheet_in_force(session, actor, person_id)  # what is paid: a draft change is not yet planned
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
) -> list[tuple[dt.date, int]] | None:
    """The direct payments due from ``start`` to ``end`` (due date, pence) as the person's schedules stand.

    None when the budgets package (or its tables) is not there; an empty list when no payment falls in the period.
    A newer schedule replaces an older one from its start (``payments_due``), so a mid-year change is counted once.
    """
    services = _module("phb.budgets.services")
    if (
        services is None
        or not hasattr(services, "payments_due")
        or not _has_table(session, "budget_scheduled_payments")
    ):
        return None
    due = services.payments_due(services.payment_schedules(session, actor, person_id))
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
