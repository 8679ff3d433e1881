"""Risk services on SQLite and PostgreSQL: the summary other areas depend on, reviews, history, audit, limits."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from phb.accounts.rules import Role
from phb.audit.models import AuditEvent
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.risk import services
from phb.risk.models import Risk
from phb.risk.rules import RiskSummary, date_words
from phb.risk.schemas import BestInterestsDecisionCreate, ContingencyPlanCreate, RiskReview
from tests.factories import actor, make_person, make_user
from tests.factories_risk import make_risk

TODAY = dt.datetime.now(dt.UTC).date()


def _review(risk: Risk, **changes) -> RiskReview:
    values = {
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "approach": risk.approach,
        "mitigations": risk.mitigations,
        "residual_likelihood": risk.residual_likelihood,
        "residual_impact": risk.residual_impact,
        "owner": risk.owner,
        "review_on": risk.review_on,
        "status": risk.status,
        "reason": "Reviewed with Leon",
        "version": risk.version,
    }
    return RiskReview.model_validate(values | changes)


def test_risk_summaries_for_a_caseload_in_one_query(db):
    leon, margaret, james = (make_person(db, given) for given in ("Leon", "Margaret", "James"))
    make_risk(db, leon.id, "swimming alone", residual=(3, 5), review_on=TODAY + dt.timedelta(days=10))
    make_risk(db, leon.id, "bus travel", residual=(1, 2), review_on=TODAY - dt.timedelta(days=2))
    make_risk(db, margaret.id, "falls at night", residual=(2, 3), review_on=TODAY + dt.timedelta(days=40))
    make_risk(db, margaret.id, "closed one", residual=(5, 5), status="closed")
    statements: list[str] = []
    connection = db.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(connection, "before_cursor_execute", listener)
    try:
        summaries = services.risk_summaries(db, [leon.id, margaret.id, james.id])
    finally:
        event.remove(connection, "before_cursor_execute", listener)
    assert len(statements) == 1
    assert summaries[leon.id] == RiskSummary(
        highest_residual_rating=15,
        highest_residual_band="extreme",
        overdue_reviews=1,
        next_review=TODAY - dt.timedelta(days=2),
        reasons=(
            "residual rating 15 (extreme) for 'swimming alone'",
            f"review of 'bus travel' overdue since {date_words(TODAY - dt.timedelta(days=2))}",
        ),
    )
    assert summaries[margaret.id].highest_residual_rating == 6  # the closed 25 does not count
    assert summaries[margaret.id].highest_residual_band == "moderate"
    assert summaries[james.id] == RiskSummary()
    assert services.risk_summary(db, james.id).highest_residual_band is None
    assert services.risk_summaries(db, []) == {}


def test_reviews_become_overdue_as_time_passes(db):
    leon = make_person(db, "Leon")
    make_risk(db, leon.id, review_on=TODAY + dt.timedelta(days=7))
    assert services.risk_summary(db, leon.id).overdue_reviews == 0
    with freeze_time(TODAY + dt.timedelta(days=8)):
        later = services.risk_summary(db, leon.id)
    assert later.overdue_reviews == 1
    assert any("overdue since" in reason for reason in later.reasons)


def test_a_review_is_a_change_with_a_reason_and_the_old_values_stay_in_history(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", case_manager=casey)
    risk = make_risk(db, leon.id, residual=(3, 5))
    me = actor(db, casey)
    services.review_risk(db, me, leon.id, risk.id, _review(risk, residual_likelihood=1, reason="Alarm works well"))
    assert risk.version == 2
    history = services.risk_history(db, me, leon.id, risk.id)
    assert [h.what for h in history] == ["Risk reviewed", "Risk registered"]
    assert history[0].changes == ["residual likelihood: 3 → 1"]
    assert history[0].reason == "Alarm works well"
    with pytest.raises(ConflictError):
        services.review_risk(db, me, leon.id, risk.id, _review(risk, version=1))


def test_a_review_may_keep_an_overdue_date_but_not_set_a_new_past_one(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", case_manager=casey)
    risk = make_risk(db, leon.id, review_on=TODAY - dt.timedelta(days=5))
    me = actor(db, casey)
    services.review_risk(db, me, leon.id, risk.id, _review(risk, mitigations="Seizure alarm added"))
    with pytest.raises(ValidationFailedError) as refused:
        services.review_risk(db, me, leon.id, risk.id, _review(risk, review_on=TODAY - dt.timedelta(days=1)))
    assert "review_on" in refused.value.errors


def test_permissions_in_the_services(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    nina = make_user(db, "nina", Role.NURSE_ASSESSOR)
    dana = make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    leon = make_person(db, "Leon", case_manager=casey)
    risk = make_risk(db, leon.id)
    with pytest.raises(NotFoundError):
        services.risk_register(db, actor(db, nina), leon.id)
    assert services.risk_register(db, actor(db, dana), leon.id).risks[0].id == risk.id
    with pytest.raises(ForbiddenError):
        services.review_risk(db, actor(db, dana), leon.id, risk.id, _review(risk))
    assert not services.can_edit(db, actor(db, dana), leon.id)
    assert services.can_edit(db, actor(db, casey), leon.id)


def test_best_interests_refuses_another_persons_assessment_or_representative(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", case_manager=casey)
    data = BestInterestsDecisionCreate.model_validate(
        {
            "decision": "Respite",
            "decided_on": TODAY,
            "decision_maker": "Nina",
            "capacity_assessment_id": 999_999,
            "representative_id": 999_999,
            "consulted": ["Mum"],
            "reasons": "Least restrictive",
        }
    )
    with pytest.raises(ValidationFailedError) as refused:
        services.add_best_interests_decision(db, actor(db, casey), leon.id, data)
    assert set(refused.value.errors) == {"capacity_assessment_id", "representative_id"}


def test_every_risk_record_is_audited_about_the_person(db):
    leon = make_person(db, "Leon")
    risk = make_risk(db, leon.id)
    event_row = db.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "risks", AuditEvent.entity_id == str(risk.id))
    )
    assert event_row is not None
    assert event_row.person_id == leon.id
    assert event_row.after["title"] == "swimming alone"


def test_the_database_refuses_scores_outside_the_matrix(db):
    leon = make_person(db, "Leon")
    with pytest.raises(IntegrityError), db.begin_nested():
        make_risk(db, leon.id, likelihood=6)
    assert db.scalar(select(func.count()).select_from(Risk)) == 0


def _sheet_line(db, person_id: int, category: str, description: str):
    from moneyed import Money  # noqa: PLC0415 - only this test builds a budget sheet line

    from phb.budgets.models import BudgetSheetLine  # noqa: PLC0415

    line = BudgetSheetLine(
        person_id=person_id,
        line_key=f"{category}-{person_id}",
        added_in=1,
        position=0,
        description=description,
        outcomes="",
        category=category,
        unit_cost=Money("300.00", "GBP"),
        quantity_hundredths=100,
        frequency="one_off",
        annual_cost=Money("300.00", "GBP"),
        management_option="direct_payment",
    )
    db.add(line)
    db.flush()
    return line


def test_a_contingency_plan_is_funded_from_the_persons_contingency_line_only(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", case_manager=casey)
    other = make_person(db, "Margaret", case_manager=casey)
    contingency = _sheet_line(db, leon.id, "contingency", "Contingency fund")
    personal_care = _sheet_line(db, leon.id, "personal_care", "Personal assistant hours")
    someone_elses = _sheet_line(db, other.id, "contingency", "Margaret's contingency")
    me = actor(db, casey)
    body = {
        "scenario": "my personal assistant does not arrive",
        "warning_signs": "Not here by 9am",
        "what_to_do": "Ring the agency",
        "contacts": "Agency 0113 496 0000",
        "budget_may_pay_for": "An agency worker for the day",
    }
    assert services.form_context(db, me, leon.id).contingency_lines == [(str(contingency.id), "Contingency fund")]
    for wrong in (personal_care.id, someone_elses.id):
        with pytest.raises(ValidationFailedError) as refused:
            services.add_contingency_plan(
                db, me, leon.id, ContingencyPlanCreate.model_validate(body | {"budget_line_id": wrong})
            )
        assert "budget_line_id" in refused.value.errors
    services.add_contingency_plan(
        db, me, leon.id, ContingencyPlanCreate.model_validate(body | {"budget_line_id": str(contingency.id)})
    )
    card = services.contingency_card(db, me, leon.id)
    assert [(p.budget_line_id, p.budget_line_description) for p in card.plans] == [(contingency.id, "Contingency fund")]
