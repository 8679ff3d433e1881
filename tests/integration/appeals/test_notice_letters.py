"""Letters a person can read, on SQLite and PostgreSQL: no routing jargon or internal numbers in a notice, the
final budget's payment terms, the person's format honoured, and nobody who took a decision choosing who reviews
the appeal against it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from phb.accounts.rules import Role
from phb.budgets import decisions
from phb.budgets import services as budgets
from phb.budgets.rules import Frequency, ManagementOption, PaymentFrequency, Recipient
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    DecisionCreate,
    FinalBudgetCreate,
    IndicativeCalculate,
    SheetLineCreate,
)
from phb.errors import ForbiddenError
from phb.governance import services as governance
from phb.governance.appeals import services
from phb.governance.appeals.models import DecisionNotice
from phb.governance.appeals.schemas import AppealCreate, DatedStep, ReviewerAssign
from phb.governance.models import DecisionOutcome
from phb.money import format_gbp, gbp
from phb.people.models import Person
from tests.factories import actor, make_person, make_user
from tests.factories_appeals import refused_outcome
from tests.factories_budgets import make_rate_card
from tests.factories_governance import complete_checklist, make_team

AUTHORISE = DecisionCreate(outcome="authorised", reasons="It covers the support you were assessed as needing")
# Words and numbers only the team uses: a framework level, the router's reasons, record and version numbers.
JARGON = re.compile(
    r"\blevel \d|routed|routing|not taken at level|delegated limit|budget sheet version|version \d|"
    r"\b(?:final|indicative) budget \d|Authorise |Decision notice \d",
    re.IGNORECASE,
)


@pytest.fixture
def budget_team(db):
    make_rate_card(db)
    users = {
        "casey": make_user(db, "casey", Role.CASE_MANAGER),
        "sam": make_user(db, "sam", Role.CHC_SERVICE_MANAGER),
        "lee": make_user(db, "lee", Role.CHC_SERVICE_MANAGER),
    }
    person = make_person(db, "Tom", "Price", case_manager=users["casey"])
    return {name: actor(db, user) for name, user in users.items()}, person.id


def _notice(db, subject_type, subject_id):
    outcome = governance.outcome_for(db, subject_type, subject_id)
    return outcome, db.scalars(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome.id)).one()


def _words(notice):
    return "\n".join([notice.title, *(f"{heading}\n{text}" for heading, text in notice.sections)])


def _indicative(db, who, person_id):
    assessment = budgets.record_assessment(
        db,
        who["casey"],
        person_id,
        AssessmentCreate(
            assessed_on=dt.date(2026, 4, 1),
            items=[AssessmentItemCreate(kind="pa_weekday_hour", quantity=Decimal(20), frequency=Frequency.WEEKLY)],
        ),
    )
    return budgets.calculate_indicative_budget(
        db, who["casey"], person_id, IndicativeCalculate(assessment_id=assessment.id, priced_on=dt.date(2026, 4, 1))
    )


def _final(db, who, person_id):
    """A final budget paid monthly by direct payment from 1 April 2026, with 28 days' notice, authorised by two."""
    budgets.start_sheet_from_indicative(db, who["casey"], person_id, ManagementOption.DIRECT_PAYMENT)
    sheet = budgets.add_line(
        db,
        who["casey"],
        person_id,
        SheetLineCreate(
            description="Insurance",
            category="insurance",
            unit_cost=gbp("150.00"),
            quantity=Decimal(1),
            frequency=Frequency.ANNUAL,
            management_option=ManagementOption.DIRECT_PAYMENT,
        ),
    )
    final = budgets.propose_final_budget(
        db,
        who["casey"],
        person_id,
        FinalBudgetCreate(
            annual_amount=sheet.annual_total,
            effective_from=dt.date(2026, 4, 1),
            effective_to=dt.date(2027, 3, 31),
            management_options=[ManagementOption.DIRECT_PAYMENT],
            variance_explanation="Adds insurance",
            dp_frequency=PaymentFrequency.MONTHLY,
            dp_first_payment_on=dt.date(2026, 4, 1),
            dp_recipient=Recipient.PERSON,
            dp_notice_days=28,
        ),
    )
    complete_checklist(db, who["casey"], person_id)
    decisions.authorise_final_budget(db, who["sam"], person_id, final.id, AUTHORISE)
    decisions.authorise_final_budget(
        db, who["lee"], person_id, final.id, DecisionCreate(outcome="authorised", reasons="Risks agreed with Tom")
    )
    return final, final.dp_annual


def test_budget_notices_have_no_routing_jargon_or_internal_numbers(db, budget_team):
    who, person_id = budget_team
    indicative = _indicative(db, who, person_id)
    decisions.authorise_indicative_budget(db, who["sam"], person_id, indicative.id, AUTHORISE)
    outcome, notice = _notice(db, "indicative_budget", indicative.id)
    words = _words(notice)
    assert JARGON.search(words) is None, JARGON.search(words)
    assert JARGON.search(outcome.for_person) is None, outcome.for_person  # the portal's record of the decision
    sections = dict(notice.sections)
    amount = format_gbp(indicative.annual_amount)
    assert amount in sections["What we decided"]
    assert sections["Who decided"] == "Sam, a CHC service manager, made this decision."

    final, _monthly = _final(db, who, person_id)
    outcome, notice = _notice(db, "final_budget", final.id)
    words = _words(notice)
    assert JARGON.search(words) is None, JARGON.search(words)
    assert JARGON.search(outcome.for_person) is None, outcome.for_person
    sections = dict(notice.sections)
    assert f"Your personal health budget of {format_gbp(final.annual_amount)} a year" in (sections["What we decided"])
    assert sections["Who decided"] == ("Sam, a CHC service manager, made this decision. Lee checked it and agreed.")
    assert "How to appeal and by when" in sections  # the person's rights are still there


def test_the_final_budget_notice_says_how_much_is_paid_how_often_from_when_and_the_notice_period(db, budget_team):
    who, person_id = budget_team
    decisions.authorise_indicative_budget(db, who["sam"], person_id, _indicative(db, who, person_id).id, AUTHORISE)
    final, monthly = _final(db, who, person_id)
    _outcome, notice = _notice(db, "final_budget", final.id)
    terms = dict(notice.sections)["Your budget and payments"]
    annual = format_gbp(final.annual_amount)
    assert f"Your personal health budget is {annual} a year, from 1 April 2026 to 31 March 2027." in terms
    # The payments the system worked out: twelve, adding up exactly to the direct payment (the sheet's lines).
    assert "We will pay every month into your account, starting on 1 April 2026: 12 payments of £" in terms
    assert f"{format_gbp(monthly)} in all." in terms
    assert "Lee also said: Risks agreed with Tom" in dict(notice.sections)["Why"]  # each approver's own reasons
    assert "We must give you at least 28 days' notice in writing before we reduce your direct payment." in terms
    assert "How to appeal and by when" in dict(notice.sections)


def test_a_person_who_needs_easy_read_is_told_it_will_be_sent_and_it_is_recorded_as_owed(db):
    team = make_team(db)
    person = db.get(Person, team.person.id)
    person.accessible_format = "easy_read"
    db.flush()
    outcome = refused_outcome(db, team)
    notice = services.issue_notice(db, outcome.id)
    sections = dict(notice.sections)
    assert sections["Easy read"] == (
        "Your record says you need information in easy read. We will send you an easy read version of this letter."
    )
    read = services.notice_detail(db, team["casey"], team.person.id, notice.id)[1]
    assert read.formats_owed == ["easy read"]


def _acknowledged(db, team):
    outcome = refused_outcome(db, team)  # sam refused it
    appeal = services.lodge_appeal(
        db, team["casey"], team.person.id, AppealCreate(outcome_id=outcome.id, grounds="The gym keeps me walking")
    )
    services.acknowledge(db, team["casey"], appeal.id, DatedStep())
    return appeal


def test_the_original_decider_may_not_choose_or_change_who_reviews_the_appeal(db):
    team = make_team(db)
    appeal = _acknowledged(db, team)
    priya, sally = team.users["priya"].id, team.users["sally"].id
    message = "You took the original decision, so someone else must choose who reviews the appeal against it."
    with pytest.raises(ForbiddenError) as caught:
        services.assign_reviewer(db, team["sam"], appeal.id, ReviewerAssign(reviewer_id=priya))
    assert str(caught.value) == message
    assert services.reviewer_choices(db, team["sam"], appeal.id) == []
    assert services.reviewer_assigner_problem(db, team["sam"], appeal.id) == message
    services.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=priya))
    with pytest.raises(ForbiddenError, match="someone else must choose who reviews"):  # nor change it
        services.assign_reviewer(db, team["sam"], appeal.id, ReviewerAssign(reviewer_id=sally))
    assert services.appeal_detail(db, team["casey"], appeal.id).reviewer_name == "Priya"
    assert services.reviewer_assigner_problem(db, team["casey"], appeal.id) is None


def test_the_second_approver_may_not_choose_the_reviewer_either(db):
    team = make_team(db)
    appeal = _acknowledged(db, team)
    outcome = db.get(DecisionOutcome, appeal.outcome_id)
    outcome.second_approver_id, outcome.second_approver_name = team.users["sally"].id, "Sally"
    db.flush()
    with pytest.raises(ForbiddenError, match="You took the original decision"):
        services.assign_reviewer(db, team["sally"], appeal.id, ReviewerAssign(reviewer_id=team.users["priya"].id))
