"""Builders for risk records, straight through the models (the services are what the tests exercise)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from phb.risk.models import ContingencyPlan, DelegatedHealthTask, Risk, RiskDiscussion


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def make_discussion(db: Session, person_id: int, **overrides: Any) -> RiskDiscussion:
    values: dict[str, Any] = {
        "held_on": _today(),
        "participants": ["Leon Baptiste (the person)", "Casey Morgan (case manager)"],
        "wants_to_do": "I want to swim on my own at the local pool, like everyone else my age.",
        "words_of": "Leon Baptiste",
        "benefits": "Fitness, independence and confidence.",
    }
    discussion = RiskDiscussion(person_id=person_id, **(values | overrides))
    db.add(discussion)
    db.flush()
    return discussion


def make_risk(
    db: Session,
    person_id: int,
    title: str = "swimming alone",
    *,
    likelihood: int = 4,
    impact: int = 5,
    residual: tuple[int, int] = (3, 5),
    review_on: dt.date | None = None,
    status: str = "open",
    **overrides: Any,
) -> Risk:
    risk = Risk(
        person_id=person_id,
        title=title,
        category=overrides.pop("category", "clinical"),
        likelihood=likelihood,
        impact=impact,
        approach=overrides.pop("approach", "manage"),
        mitigations=overrides.pop("mitigations", "Lifeguard told about his epilepsy"),
        residual_likelihood=residual[0],
        residual_impact=residual[1],
        owner=overrides.pop("owner", "Leon Baptiste"),
        review_on=review_on or _today() + dt.timedelta(days=90),
        status=status,
        **overrides,
    )
    db.add(risk)
    db.flush()
    return risk


def make_contingency_plan(
    db: Session, person_id: int, scenario: str = "my personal assistant does not arrive"
) -> ContingencyPlan:
    plan = ContingencyPlan(
        person_id=person_id,
        scenario=scenario,
        warning_signs="Not here by 9am",
        what_to_do="Ring the agency",
        contacts=["Agency: 0113 496 0000"],
        budget_may_pay_for="An agency worker for the day",
    )
    db.add(plan)
    db.flush()
    return plan


def make_delegated_task(
    db: Session, person_id: int, *, review_on: dt.date, task: str = "Rescue medication"
) -> DelegatedHealthTask:
    record = DelegatedHealthTask(
        person_id=person_id,
        task=task,
        personal_assistant="Sam PA",
        accountable_delegator="Nina Patel, epilepsy nurse",
        training="Face to face with the epilepsy nurse",
        signed_off_by="Nina Patel",
        signed_off_on=review_on - dt.timedelta(days=365),
        competency_review_on=review_on,
        ongoing_support="Phone line to the epilepsy nurse",
    )
    db.add(record)
    db.flush()
    return record
