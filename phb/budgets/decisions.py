"""Authorising indicative and final budgets, through the governance framework.

Proposing a budget raises a governance decision request about it (:func:`phb.budgets.services.
calculate_indicative_budget`, :func:`~phb.budgets.services.propose_final_budget`), and the router puts it at the
lowest level whose delegated limit covers the annual amount and whose risk tolerance covers the person's residual
risk. Whoever then decides it (on the budget page through :func:`authorise_indicative_budget` and
:func:`authorise_final_budget`, from a decision queue, at a risk enablement panel, or on review after an appeal),
governance checks the decider's role at that level, separation of duties, the two-person rule and the sign-off
checklist, asks :data:`SUBJECTS` what still blocks approval, and hands the outcome back here to be recorded as the
budget's decision. An authorised final budget gets its direct-payment schedule.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor
from phb.budgets import services
from phb.budgets.decision_view import describe_final, describe_indicative, describe_sheet_change
from phb.budgets.models import BudgetDecision, FinalBudget, IndicativeBudget
from phb.budgets.notice_terms import final_budget_terms
from phb.budgets.schemas import DecisionCreate, FinalBudgetRead, IndicativeBudgetRead
from phb.budgets.standing import latest_decision
from phb.errors import ConflictError, NotFoundError
from phb.governance import services as governance
from phb.governance.models import DecisionOutcome
from phb.governance.rules import Action, DecisionType, Outcome
from phb.governance.schemas import DecisionInput
from phb.governance.subjects import DecisionSubject, SubjectFacts

INDICATIVE = services.INDICATIVE
FINAL = services.FINAL


def _decide(
    session: Session, actor: Actor, subject_type: str, subject_id: int, label: str, data: DecisionCreate
) -> None:
    request = governance.request_for(session, subject_type, subject_id)
    if request is None:
        raise ConflictError(
            f"This {label} has no decision request (it was proposed before budget decisions went through the "
            "governance framework): propose it again to have it routed."
        )
    action = Action.APPROVE if data.outcome == "authorised" else Action.REFUSE
    governance.decide(
        session,
        actor,
        request.id,
        DecisionInput(action=action, reasons=data.reasons, alternatives=data.alternatives),
    )


def authorise_indicative_budget(
    session: Session, actor: Actor, person_id: int, indicative_budget_id: int, decision: DecisionCreate
) -> IndicativeBudgetRead:
    """Authorise or refuse an indicative budget: its governance request, decided by whoever the framework allows."""
    services.owned_budget(session, actor, person_id, IndicativeBudget, indicative_budget_id)
    _decide(session, actor, INDICATIVE, indicative_budget_id, "indicative budget", decision)
    return services.indicative_budget(session, actor, person_id, indicative_budget_id)


def authorise_final_budget(
    session: Session, actor: Actor, person_id: int, final_budget_id: int, decision: DecisionCreate
) -> FinalBudgetRead:
    """Authorise or refuse a final budget; with two-person sign-off the first approval waits for a second.

    Refused with every reason, and nothing saved, if the sheet costs more than the final budget, misses the full
    cost of a service, or the direct payment would not cover its lines (Annex D 8.3.3).
    """
    services.owned_budget(session, actor, person_id, FinalBudget, final_budget_id)
    _decide(session, actor, FINAL, final_budget_id, "final budget", decision)
    return services.final_budget(session, actor, person_id, final_budget_id)


# --- what governance asks of a budget ------------------------------------------------------------------------------


def _indicative_facts(session: Session, subject_id: int) -> SubjectFacts | None:
    budget = session.get(IndicativeBudget, subject_id)
    return None if budget is None else SubjectFacts(person_id=budget.person_id, amount=budget.annual_amount)


def _final_facts(session: Session, subject_id: int) -> SubjectFacts | None:
    final = session.get(FinalBudget, subject_id)
    return None if final is None else SubjectFacts(person_id=final.person_id, amount=final.annual_amount)


def _indicative_blockers(_session: Session, _subject_id: int) -> Mapping[str, str]:
    return {}  # an indicative budget is a planning figure: nothing about it blocks authorising it


def _final_blockers(session: Session, subject_id: int) -> Mapping[str, str]:
    final = session.get(FinalBudget, subject_id)
    if final is None:
        raise NotFoundError("final budget", subject_id)
    services.lock_person(session, final.person_id)  # sheet edits wait until the decision is made
    return services.final_budget_problems(session, final)


def _record(session: Session, subject_type: str, outcome: DecisionOutcome) -> BudgetDecision | None:
    """The budget's own record of the outcome (None if the same outcome is already recorded: a review upheld)."""
    if outcome.subject_id is None:
        return None
    authorised = outcome.outcome in {Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS}
    verdict = "authorised" if authorised else "refused"
    previous = latest_decision(session, subject_type, outcome.subject_id)
    if previous is not None and previous.outcome == verdict:
        return None
    reasons = outcome.reasons if not outcome.conditions else f"{outcome.reasons} Conditions: {outcome.conditions}"
    row = BudgetDecision(
        person_id=outcome.person_id,
        subject_type=subject_type,
        subject_id=outcome.subject_id,
        outcome=verdict,
        decided_by_id=outcome.decided_by_id,
        decided_by_name=outcome.decided_by_name,
        decided_by_role=outcome.role,
        decided_at=outcome.decided_at,
        reasons=reasons,
    )
    session.add(row)
    session.flush()
    return row


def _indicative_decided(session: Session, outcome: DecisionOutcome) -> None:
    _record(session, INDICATIVE, outcome)


def _final_decided(session: Session, outcome: DecisionOutcome) -> None:
    row = _record(session, FINAL, outcome)
    if row is not None and row.outcome == "authorised":
        final = session.get(FinalBudget, row.subject_id)
        if final is not None:
            services.make_schedule(session, final, decided_on=clock.england_date(row.decided_at))


def _sheet_change_facts(session: Session, subject_id: int) -> SubjectFacts | None:
    final = session.get(FinalBudget, subject_id)
    if final is None:
        return None
    draft = services.sheet_total(session, final.person_id)
    increase = draft - final.annual_amount if draft > final.annual_amount else None
    return SubjectFacts(person_id=final.person_id, amount=draft, increase=increase)


def _sheet_change_blockers(session: Session, subject_id: int) -> Mapping[str, str]:
    final = session.get(FinalBudget, subject_id)
    if final is None:
        raise NotFoundError("final budget", subject_id)
    services.lock_person(session, final.person_id)  # sheet edits wait until the review is decided
    return services.draft_problems(session, final)


def _sheet_change_decided(session: Session, outcome: DecisionOutcome) -> None:
    """An approved budget review puts the draft in force: what is paid is now the changed sheet."""
    if outcome.subject_id is None or outcome.outcome not in {Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS}:
        return
    final = session.get(FinalBudget, outcome.subject_id)
    if final is None:
        return
    services.put_draft_in_force(session, final, outcome)


SUBJECTS = {
    INDICATIVE: DecisionSubject(
        label="indicative budget",
        decision_types=frozenset({DecisionType.INDICATIVE_BUDGET_AUTHORISATION.value}),
        facts=_indicative_facts,
        blockers=_indicative_blockers,
        decided=_indicative_decided,
        describe=describe_indicative,
    ),
    FINAL: DecisionSubject(
        label="final budget",
        decision_types=frozenset({DecisionType.FINAL_BUDGET_AUTHORISATION.value}),
        facts=_final_facts,
        blockers=_final_blockers,
        decided=_final_decided,
        notice_terms=final_budget_terms,
        describe=describe_final,
    ),
    services.SHEET_CHANGE: DecisionSubject(
        label="change to the authorised budget sheet",
        decision_types=frozenset({DecisionType.BUDGET_REVIEW.value}),
        facts=_sheet_change_facts,
        blockers=_sheet_change_blockers,
        decided=_sheet_change_decided,
        describe=describe_sheet_change,
    ),
}
