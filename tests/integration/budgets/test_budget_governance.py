"""Budget authorisations go through the governance router: levels, two people, the checklist, every path."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.budgets import decisions, services
from phb.budgets.models import BudgetDecision, PaymentSchedule
from phb.budgets.rules import Frequency, ManagementOption, PaymentFrequency, Recipient
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    DecisionCreate,
    FinalBudgetCreate,
    IndicativeCalculate,
    SheetChange,
    SheetLineCreate,
)
from phb.errors import ForbiddenError, ValidationFailedError
from phb.governance import services as governance
from phb.governance.appeals.models import DecisionNotice
from phb.governance.appeals.rules import AppealType
from phb.governance.models import DecisionOutcome
from phb.governance.rules import Action
from phb.governance.schemas import DecisionInput
from phb.money import gbp
from tests.factories import actor, make_person, make_user
from tests.factories_budgets import make_rate_card
from tests.factories_governance import complete_checklist

AUTHORISE = DecisionCreate(outcome="authorised", reasons="Covers the assessed needs")


@pytest.fixture
def team(db):
    make_rate_card(db)
    users = {
        "casey": make_user(db, "casey", Role.CASE_MANAGER),
        "sam": make_user(db, "sam", Role.CHC_SERVICE_MANAGER),
        "lee": make_user(db, "lee", Role.CHC_SERVICE_MANAGER),
        "cora": make_user(db, "cora", Role.CHC_COMMISSIONER),
    }
    person = make_person(db, "Tom", "Price", case_manager=users["casey"])
    return {name: actor(db, user) for name, user in users.items()}, person.id


def _indicative(db, casey, person_id, weekday_hours="20"):
    assessment = services.record_assessment(
        db,
        casey,
        person_id,
        AssessmentCreate(
            assessed_on=dt.date(2026, 4, 1),
            items=[
                AssessmentItemCreate(
                    kind="pa_weekday_hour", quantity=Decimal(weekday_hours), frequency=Frequency.WEEKLY
                )
            ],
        ),
    )
    return services.calculate_indicative_budget(
        db, casey, person_id, IndicativeCalculate(assessment_id=assessment.id, priced_on=dt.date(2026, 4, 1))
    )


def _line(description, category, unit_cost, frequency):
    return SheetLineCreate(
        description=description,
        category=category,
        unit_cost=gbp(unit_cost),
        quantity=Decimal(1),
        frequency=frequency,
        management_option=ManagementOption.DIRECT_PAYMENT,
    )


def _final(db, who, person_id, extra=None, notice_days=28):
    services.start_sheet_from_indicative(db, who["casey"], person_id, ManagementOption.DIRECT_PAYMENT)
    if extra is not None:
        services.add_line(db, who["casey"], person_id, extra)
    sheet = services.add_line(db, who["casey"], person_id, _line("Insurance", "insurance", "150.00", Frequency.ANNUAL))
    return _propose(db, who, person_id, sheet, "Adds insurance", notice_days=notice_days)


def _propose(db, who, person_id, sheet, explanation, notice_days=28):
    """A monthly direct payment covering ``sheet`` for 2026-27, as the final budget."""
    monthly = gbp(str((sheet.annual_total.amount / 12).quantize(Decimal("0.01"), "ROUND_CEILING")))
    return services.propose_final_budget(
        db,
        who["casey"],
        person_id,
        FinalBudgetCreate(
            annual_amount=monthly * 12,
            effective_from=dt.date(2026, 4, 1),
            effective_to=dt.date(2027, 3, 31),
            management_options=[ManagementOption.DIRECT_PAYMENT],
            variance_explanation=explanation,
            dp_amount_per_period=monthly,
            dp_frequency=PaymentFrequency.MONTHLY,
            dp_first_payment_on=dt.date(2026, 4, 1),
            dp_recipient=Recipient.PERSON,
            dp_notice_days=notice_days,
        ),
    )


def _schedules(db, person_id):
    return db.scalar(select(func.count()).select_from(PaymentSchedule).where(PaymentSchedule.person_id == person_id))


def test_proposing_a_budget_raises_a_routed_request_with_the_reason(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id)
    request = governance.request_for(db, "indicative_budget", indicative.id)
    assert request is not None
    assert (request.decision_type, request.current_level, request.amount) == (
        "indicative_budget_authorisation",
        2,
        indicative.annual_amount,
    )
    assert indicative.request.routing_reason == request.routing_reason
    assert "level 2" in request.routing_reason
    assert [r.id for r in governance.decision_queue(db, who["sam"]).items] == [request.id]


def test_a_budget_above_level_twos_limit_is_routed_to_the_commissioner(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id, weekday_hours="160")  # 160 h x £13.50 x 52.14 > £100k
    assert indicative.annual_amount > gbp("100000")
    assert indicative.request.level == 4
    assert "above level 2's limit of £100,000.00" in indicative.request.routing_reason
    with pytest.raises(ForbiddenError, match="at level 4 is decided by a CHC commissioner"):
        decisions.authorise_indicative_budget(db, who["sam"], person_id, indicative.id, AUTHORISE)
    decided = decisions.authorise_indicative_budget(db, who["cora"], person_id, indicative.id, AUTHORISE)
    assert decided.status == "authorised"
    assert (decided.decision.decided_by_name, decided.decision.decided_by_role) == ("Cora", "chc_commissioner")


def test_a_refusal_needs_reasons_and_alternatives_and_the_person_is_told(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id)
    with pytest.raises(ValidationFailedError) as caught:
        decisions.authorise_indicative_budget(
            db, who["sam"], person_id, indicative.id, DecisionCreate(outcome="refused", reasons="Too many hours")
        )
    assert "alternatives" in caught.value.errors
    refused = decisions.authorise_indicative_budget(
        db,
        who["sam"],
        person_id,
        indicative.id,
        DecisionCreate(outcome="refused", reasons="Too many hours", alternatives="A day centre three days a week"),
    )
    assert refused.status == "refused"
    outcome = governance.outcome_for(db, "indicative_budget", indicative.id)
    assert "A day centre three days a week" in outcome.for_person


def test_a_final_budget_waits_for_the_checklist_and_a_second_approver(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id)
    decisions.authorise_indicative_budget(db, who["sam"], person_id, indicative.id, AUTHORISE)
    final = _final(db, who, person_id)
    with pytest.raises(ValidationFailedError) as caught:
        decisions.authorise_final_budget(db, who["sam"], person_id, final.id, AUTHORISE)
    assert caught.value.errors["checklist"].startswith(
        "Final budget authorisation cannot be approved until the sign-off checklist is complete. 18 items"
    )
    complete_checklist(db, who["casey"], person_id)

    first = decisions.authorise_final_budget(db, who["sam"], person_id, final.id, AUTHORISE)
    assert first.status == "awaiting second approval"
    assert first.request.first_approver_name == "Sam"
    assert first.decision is None
    assert _schedules(db, person_id) == 0
    with pytest.raises(ForbiddenError, match="You gave the first approval"):
        decisions.authorise_final_budget(db, who["sam"], person_id, final.id, AUTHORISE)

    second = decisions.authorise_final_budget(db, who["lee"], person_id, final.id, AUTHORISE)
    assert second.status == "authorised"
    assert second.decision.decided_by_name == "Sam"
    assert _schedules(db, person_id) == 1
    outcome = governance.outcome_for(db, "final_budget", final.id)
    assert (outcome.decided_by_name, outcome.second_approver_name, outcome.level) == ("Sam", "Lee", 2)


def test_the_budget_rules_block_approval_from_any_path_with_every_reason(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id)
    decisions.authorise_indicative_budget(db, who["sam"], person_id, indicative.id, AUTHORISE)
    final = _final(db, who, person_id)
    complete_checklist(db, who["casey"], person_id)
    # The sheet changes after the final budget was proposed: approving from the decision queue is refused too.
    services.add_line(db, who["casey"], person_id, _line("Gym", "other", "30.00", Frequency.MONTHLY))
    request = governance.request_for(db, "final_budget", final.id)
    with pytest.raises(ValidationFailedError) as caught:
        governance.decide(db, who["sam"], request.id, DecisionInput(action=Action.APPROVE))
    assert "The budget sheet has changed (now version 3)" in caught.value.errors["budget_sheet"]
    assert (
        db.scalar(select(func.count()).select_from(BudgetDecision).where(BudgetDecision.subject_type == "final_budget"))
        == 0
    )


def test_deciding_from_the_governance_queue_authorises_the_budget_and_makes_its_schedule(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id)
    request = governance.request_for(db, "indicative_budget", indicative.id)
    governance.decide(db, who["sam"], request.id, DecisionInput(action=Action.APPROVE, reasons="Matches the needs"))
    assert services.indicative_budget(db, who["casey"], person_id, indicative.id).status == "authorised"

    final = _final(db, who, person_id)
    complete_checklist(db, who["casey"], person_id)
    request = governance.request_for(db, "final_budget", final.id)
    governance.decide(db, who["sam"], request.id, DecisionInput(action=Action.APPROVE))
    governance.decide(
        db,
        who["lee"],
        request.id,
        DecisionInput(action=Action.APPROVE_WITH_CONDITIONS, conditions="Review in 3 months"),
    )
    read = services.final_budget(db, who["casey"], person_id, final.id)
    assert read.status == "authorised"
    assert read.decision.reasons.endswith("Conditions: Review in 3 months")
    assert _schedules(db, person_id) == 1
    assert db.scalar(select(func.count()).select_from(DecisionOutcome)) == 2


def test_a_changed_framework_file_changes_how_budgets_are_authorised(db, team):
    who, person_id = team
    source = governance.DEFAULT_FRAMEWORK_PATH.read_text(encoding="utf-8")
    single = source.replace(
        "two_people = true                   # a second person confirms before the budget is final",
        "two_people = false",
    )
    assert single != source
    governance.store_framework(db, single, loaded_by_label="test", effective_from=dt.date(2000, 1, 1))
    indicative = _indicative(db, who["casey"], person_id)
    decisions.authorise_indicative_budget(db, who["sam"], person_id, indicative.id, AUTHORISE)
    final = _final(db, who, person_id)
    complete_checklist(db, who["casey"], person_id)
    assert decisions.authorise_final_budget(db, who["sam"], person_id, final.id, AUTHORISE).status == "authorised"


def _notice_for(db, final_id):
    outcome = governance.outcome_for(db, "final_budget", final_id)
    return db.scalars(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome.id)).one()


def _authorise_final(db, who, person_id, final_id):
    decisions.authorise_final_budget(db, who["sam"], person_id, final_id, AUTHORISE)
    return decisions.authorise_final_budget(db, who["lee"], person_id, final_id, AUTHORISE)


@freeze_time("2026-11-02 10:00")
def test_a_lower_final_budget_is_a_reduction_of_the_direct_payment_with_its_statutory_right(db, team):
    who, person_id = team
    indicative = _indicative(db, who["casey"], person_id)
    decisions.authorise_indicative_budget(db, who["sam"], person_id, indicative.id, AUTHORISE)
    therapy = _line("Hydrotherapy", "therapy", "60.00", Frequency.MONTHLY)
    first = _final(db, who, person_id, extra=therapy, notice_days=14)  # the plan's notice period, not the usual 28
    complete_checklist(db, who["casey"], person_id)
    assert _authorise_final(db, who, person_id, first.id).status == "authorised"
    assert _notice_for(db, first.id).appeal_type == AppealType.LOCAL  # a first budget reduces nothing

    sheet = services.current_sheet(db, who["casey"], person_id)
    therapy = next(line for line in sheet.lines if line.description == "Hydrotherapy")
    sheet = services.remove_line(db, who["casey"], person_id, therapy.id, SheetChange(reason="Course finished"))
    second = _propose(db, who, person_id, sheet, "Hydrotherapy course finished")
    assert second.dp_amount_per_period < first.dp_amount_per_period
    request = governance.request_for(db, "final_budget", second.id)
    assert request.details == {
        "direct_payment": True,
        "previous_dp_annual": str(first.dp_annual.amount),
        "reduces_amount": True,
        "stops_payments": False,
        "notice_days": 14,
    }
    assert _authorise_final(db, who, person_id, second.id).status == "authorised"
    notice = _notice_for(db, second.id)
    assert notice.appeal_type == AppealType.REG_13
    sections = dict(notice.sections)
    assert "reduce the amount of your direct payment (regulation 13)" in sections["Your right to ask us to reconsider"]
    # The letter gives the plan's 14 days and names the day the payment schedule starts the new amount
    assert notice.reduction_takes_effect_on == dt.date(2026, 11, 16)
    assert "We are giving you 14 days' notice in writing" in sections["When the change takes effect"]
    newest = db.scalars(
        select(PaymentSchedule).where(PaymentSchedule.person_id == person_id).order_by(PaymentSchedule.id.desc())
    ).first()
    assert (newest.final_budget_id, newest.starts_on) == (second.id, notice.reduction_takes_effect_on)
