"""Issue 19: two-person decisions keep both approvers' reasons; nobody decides a request reopened by an appeal
against their own decision; a new proposal withdraws the one it replaces; an unapprovable proposal is refused."""

import pytest
from sqlalchemy import select

from phb.budgets import services as budgets
from phb.errors import ConflictError, ForbiddenError, ValidationFailedError
from phb.governance import services
from phb.governance.appeals import services as appeals
from phb.governance.appeals.rules import AppealDecision
from phb.governance.appeals.schemas import AppealCreate, AppealDecisionInput, DatedStep, ReviewerAssign
from phb.governance.models import DecisionOutcome, DecisionRequest
from phb.governance.rules import Action
from phb.governance.schemas import DecisionInput
from tests.factories_appeals import refused_outcome
from tests.factories_budgets import add_and_propose, propose_final
from tests.factories_governance import complete_checklist, make_team


@pytest.fixture
def team(db):
    return make_team(db)


def _final(db, team, weekday_hours="20"):
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"]], weekday_hours=weekday_hours)
    return final, services.request_for(db, "final_budget", final.id)


def test_both_approvers_are_recorded_each_with_their_own_reasons(db, team):
    complete_checklist(db, team["casey"], team.person.id)
    _, request = _final(db, team)
    services.decide(db, team["sam"], request.id, DecisionInput(action=Action.APPROVE, reasons="Sam: the sheet adds up"))
    services.decide(db, team["sally"], request.id, DecisionInput(action=Action.APPROVE, reasons="Sally: risks agreed"))
    outcome = db.scalars(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id)).one()
    assert (outcome.decided_by_name, outcome.reasons) == ("Sam", "Sam: the sheet adds up")
    assert (outcome.second_approver_name, outcome.second_approver_reasons) == ("Sally", "Sally: risks agreed")
    assert outcome.second_approver_role == "chc_service_manager"
    assert "Sally (CHC service manager) gave the second approval: Sally: risks agreed." in outcome.for_person
    read = services.request_detail(db, team["casey"], request.id).result
    assert read is not None
    assert (read.reasons, read.second_approver_reasons) == ("Sam: the sheet adds up", "Sally: risks agreed")


def test_nobody_decides_a_request_reopened_by_an_appeal_against_their_own_decision(db, team):
    outcome = refused_outcome(db, team, decider="sam")  # £900 of flexible spend, level 2: sam refused it
    appeal = appeals.lodge_appeal(db, team["casey"], team.person.id, AppealCreate(outcome_id=outcome.id, grounds="x"))
    appeals.acknowledge(db, team["casey"], appeal.id, DatedStep())
    appeals.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["priya"].id))
    decided = appeals.decide_appeal(
        db, team["priya"], appeal.id, AppealDecisionInput(decision=AppealDecision.UPHELD, reasons="Physio letter")
    )
    reopened = db.get(DecisionRequest, decided.reopened_request_id)
    assert reopened is not None
    assert reopened.current_level == 2
    assert reopened.id not in [r.id for r in services.decision_queue(db, team["sam"]).items]
    assert reopened.id in [r.id for r in services.decision_queue(db, team["sally"]).items]
    detail = services.request_detail(db, team["sam"], reopened.id)
    assert not detail.may_decide
    assert detail.why_not is not None
    assert "You took the decision that was appealed against" in detail.why_not
    with pytest.raises(ForbiddenError, match="You took the decision that was appealed against"):
        services.decide(
            db, team["sam"], reopened.id, DecisionInput(action=Action.REFUSE, reasons="No", alternatives="-")
        )
    services.decide(db, team["sally"], reopened.id, DecisionInput(action=Action.APPROVE, reasons="The letter shows it"))
    assert db.get(DecisionRequest, reopened.id).status == "decided"


def test_a_new_final_budget_withdraws_the_request_of_the_one_it_replaces(db, team):
    _first, first_request = _final(db, team)
    assert first_request.status == "open"
    # The case manager changes the sheet and proposes again.
    second = add_and_propose(
        db, team["casey"], team.person.id, "Payroll service", "payroll_service", "180.00", "Adds the payroll service"
    )
    withdrawn = db.get(DecisionRequest, first_request.id)
    assert withdrawn.status == "withdrawn"
    assert first_request.id not in [r.id for r in services.decision_queue(db, team["sam"]).items]
    steps = services.request_detail(db, team["sam"], first_request.id).steps
    assert steps[-1].action == "withdrawn"
    assert steps[-1].note == f"Replaced by final budget {second.number}, proposed by Casey."
    with pytest.raises(ConflictError, match="This request was withdrawn"):
        services.decide(db, team["sam"], first_request.id, DecisionInput(action=Action.APPROVE))
    assert services.request_for(db, "final_budget", second.id).status == "open"


def test_a_final_budget_smaller_than_its_sheet_is_refused_when_proposed(db, team):
    final, _ = _final(db, team)
    from phb.budgets.schemas import FinalBudgetCreate  # noqa: PLC0415
    from phb.money import gbp  # noqa: PLC0415

    before = db.scalars(select(DecisionRequest.id)).all()
    with pytest.raises(ValidationFailedError) as refused:
        budgets.propose_final_budget(
            db,
            team["casey"],
            team.person.id,
            FinalBudgetCreate(
                annual_amount=final.annual_amount - gbp("100.00"),
                effective_from=final.effective_from,
                effective_to=final.effective_to,
                management_options=final.management_options,
                variance_explanation="Cheaper",
                dp_frequency=final.dp_frequency,
                dp_first_payment_on=final.dp_first_payment_on,
                dp_recipient=final.dp_recipient,
                dp_notice_days=28,
            ),
        )
    assert "more than the final budget" in refused.value.errors["annual_amount"]
    assert db.scalars(select(DecisionRequest.id)).all() == before


def test_a_decision_taken_at_half_past_midnight_bst_is_dated_that_day_in_england(db, team):
    from freezegun import freeze_time  # noqa: PLC0415

    from phb.governance.appeals.models import DecisionNotice  # noqa: PLC0415

    with freeze_time("2026-07-01 23:30:00"):  # 00:30 BST on Thursday 2 July
        outcome = refused_outcome(db, team)
    assert "2 July 2026" in outcome.for_person  # was 1 July: the date in UTC
    assert "1 July 2026" not in outcome.for_person
    notice = db.scalars(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome.id)).one()
    assert notice.sections[0][1].startswith("On Thursday 2 July 2026")


def test_a_double_click_on_propose_makes_one_final_budget(db, team):
    """Issue 24 item 3: the same proposal twice (a double click) is refused with 409, and one budget is made."""
    from phb.budgets.models import FinalBudget  # noqa: PLC0415
    from phb.budgets.schemas import FinalBudgetCreate  # noqa: PLC0415

    final, _ = _final(db, team)
    again = FinalBudgetCreate(
        annual_amount=final.annual_amount,
        effective_from=final.effective_from,
        effective_to=final.effective_to,
        management_options=final.management_options,
        variance_explanation=final.variance_explanation,
        dp_frequency=final.dp_frequency,
        dp_first_payment_on=final.dp_first_payment_on,
        dp_recipient=final.dp_recipient,
        dp_notice_days=final.dp_notice_days,
    )
    with pytest.raises(ConflictError, match="This final budget was already proposed"):
        budgets.propose_final_budget(db, team["casey"], team.person.id, again)
    assert len(db.scalars(select(FinalBudget.id).where(FinalBudget.person_id == team.person.id)).all()) == 1
    assert services.request_for(db, "final_budget", final.id).status == "open"  # the first is not withdrawn
