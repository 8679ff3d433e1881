"""Budget services on both databases: versions are never overwritten, the read model others rely on, and a
mid-year reduction that respects the notice period."""

import datetime as dt
from decimal import Decimal

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.budgets import decisions, services
from phb.budgets.models import BudgetSheetLine
from phb.budgets.rules import Category, Frequency, ManagementOption, PaymentFrequency, Recipient
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    DecisionCreate,
    FinalBudgetCreate,
    IndicativeCalculate,
    SheetChange,
    SheetLineCreate,
)
from phb.errors import ConflictError, ForbiddenError
from phb.money import gbp
from tests.factories import actor, make_person, make_user
from tests.factories_budgets import authorise_final, make_rate_card


def line(description, category, unit, quantity, frequency, option="direct_payment"):
    return SheetLineCreate(
        description=description,
        category=Category(category),
        unit_cost=gbp(unit),
        quantity=Decimal(quantity),
        frequency=Frequency(frequency),
        management_option=ManagementOption(option),
    )


@pytest.fixture
def people(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    sam = make_user(db, "sam", Role.CHC_SERVICE_MANAGER)
    person = make_person(db, "Tom", "Price", case_manager=casey)
    make_rate_card(db)
    return actor(db, casey), actor(db, sam), person.id


def authorised_indicative(db, casey, sam, person_id):
    assessment = services.record_assessment(
        db,
        casey,
        person_id,
        AssessmentCreate(
            assessed_on=dt.date(2026, 4, 1),
            items=[AssessmentItemCreate(kind="pa_weekday_hour", quantity=Decimal(20), frequency=Frequency.WEEKLY)],
        ),
    )
    indicative = services.calculate_indicative_budget(
        db, casey, person_id, IndicativeCalculate(assessment_id=assessment.id, priced_on=dt.date(2026, 4, 1))
    )
    decisions.authorise_indicative_budget(
        db, sam, person_id, indicative.id, DecisionCreate(outcome="authorised", reasons="ok")
    )
    return indicative


def make_lee(db):
    return actor(db, make_user(db, "lee", Role.CHC_SERVICE_MANAGER))


def final_budget(amount, effective_from, first_payment, notice=28):
    return FinalBudgetCreate(
        annual_amount=gbp(amount),
        effective_from=effective_from,
        effective_to=dt.date(2027, 3, 31),
        management_options=[ManagementOption.DIRECT_PAYMENT],
        variance_explanation="Agreed with the person",
        dp_frequency=PaymentFrequency.MONTHLY,
        dp_first_payment_on=first_payment,
        dp_recipient=Recipient.PERSON,
        dp_notice_days=notice,
    )


def test_versions_are_never_overwritten_and_the_read_model_others_use(db, people):
    casey, _sam, person_id = people
    services.add_line(db, casey, person_id, line("PA weekdays", "personal_assistant_wages", "13.50", "14", "weekly"))
    sheet = services.add_line(db, casey, person_id, line("Contingency", "contingency", "500.00", "1", "annual"))
    pa = sheet.lines[0]
    services.change_line(
        db, casey, person_id, pa.id, line("PA weekdays", "personal_assistant_wages", "14.00", "14", "weekly")
    )
    services.remove_line(db, casey, person_id, sheet.lines[1].id, SheetChange(reason="Not needed"))

    current = services.current_sheet(db, casey, person_id)
    assert current.version == 4
    assert [(x.description, x.annual_cost) for x in current.lines] == [("PA weekdays", gbp("10220.00"))]
    assert current.final_budget_annual is None
    first = services.sheet_version(db, casey, person_id, 2)
    assert [(x.description, x.category, x.annual_cost) for x in first.lines] == [
        ("PA weekdays", Category.PERSONAL_ASSISTANT_WAGES, gbp("9855.00")),
        ("Contingency", Category.CONTINGENCY, gbp("500.00")),
    ]
    assert db.scalar(select(func.count()).select_from(BudgetSheetLine)) == 3  # nothing deleted or edited over
    history = services.sheet_versions(db, casey, person_id)
    assert (history[0].number, history[0].created_by_name) == (4, "Casey")
    assert history[0].reason == "Not needed"
    # the table others query: current lines have removed_in NULL, the contingency category is 'contingency'
    rows = db.execute(
        select(BudgetSheetLine.category).where(
            BudgetSheetLine.person_id == person_id, BudgetSheetLine.removed_in.is_(None)
        )
    ).all()
    assert rows == [("personal_assistant_wages",)]


def test_an_editor_who_saw_an_old_version_gets_a_conflict(db, people):
    casey, _sam, person_id = people
    services.add_line(db, casey, person_id, line("Taxi", "transport", "20.00", "2", "weekly"))
    stale = line("Bus pass", "transport", "60.00", "1", "monthly")
    stale.sheet_version = 0
    with pytest.raises(ConflictError, match="now at version 1"):
        services.add_line(db, casey, person_id, stale)


def test_authorising_needs_the_role_at_the_routed_level_and_someone_other_than_the_proposer(db, people):
    casey, sam, person_id = people
    assessment = services.record_assessment(
        db,
        sam,
        person_id,
        AssessmentCreate(
            assessed_on=dt.date(2026, 4, 1),
            items=[AssessmentItemCreate(kind="agency_hour", quantity=Decimal(3), frequency=Frequency.WEEKLY)],
        ),
    )
    indicative = services.calculate_indicative_budget(
        db, sam, person_id, IndicativeCalculate(assessment_id=assessment.id)
    )
    assert indicative.status == "awaiting authorisation"
    assert indicative.request is not None
    assert indicative.request.level == 2
    with pytest.raises(ForbiddenError, match="You proposed this request, so someone else must decide it"):
        decisions.authorise_indicative_budget(
            db, sam, person_id, indicative.id, DecisionCreate(outcome="authorised", reasons="x")
        )
    with pytest.raises(ForbiddenError, match="at level 2 is decided by a CHC service manager; you are a case manager"):
        decisions.authorise_indicative_budget(
            db, casey, person_id, indicative.id, DecisionCreate(outcome="authorised", reasons="x")
        )


def test_a_mid_year_reduction_starts_after_the_notice_period(db, people):
    casey, sam, person_id = people
    lee = make_lee(db)
    authorised_indicative(db, casey, sam, person_id)
    services.add_line(db, casey, person_id, line("PA weekdays", "personal_assistant_wages", "13.50", "20", "weekly"))
    services.add_line(db, casey, person_id, line("On-costs", "employer_costs", "1759.82", "1", "annual"))
    services.add_line(db, casey, person_id, line("Insurance", "insurance", "150.00", "1", "annual"))
    with freeze_time("2026-03-20"):
        first = services.propose_final_budget(
            db, casey, person_id, final_budget("16100.00", dt.date(2026, 4, 1), dt.date(2026, 4, 1))
        )
        authorise_final(db, casey, (sam, lee), person_id, first.id)
    schedules = services.payment_schedules(db, casey, person_id)
    # The direct payment is the sheet's direct-payment lines (£14,078.57 + £1,759.82 + £150.00), never typed:
    # twelve payments add up to it exactly, the odd pennies to the earliest.
    assert schedules[0].total == gbp("15988.39")
    assert [p.amount for p in schedules[0].payments] == [gbp("1332.37")] * 7 + [gbp("1332.36")] * 5

    # In September the hours drop: the new amount may only apply 28 days after the decision.
    services.change_line(
        db,
        casey,
        person_id,
        services.current_sheet(db, casey, person_id).lines[0].id,
        line("PA weekdays", "personal_assistant_wages", "13.50", "16", "weekly"),
    )
    with freeze_time("2026-09-20"):
        reduced = services.propose_final_budget(
            db, casey, person_id, final_budget("16000.00", dt.date(2026, 10, 1), dt.date(2026, 10, 1))
        )
        authorise_final(db, casey, (sam, lee), person_id, reduced.id)
    schedules = services.payment_schedules(db, casey, person_id)
    newest = schedules[0]
    assert newest.starts_on == dt.date(2026, 10, 18)  # 20 September + 28 days
    assert "28 days' notice" in newest.note
    assert sum(p.amount.amount for p in newest.payments) == newest.total.amount
    due = services.payments_due(schedules)
    old_amounts = [p.amount for p in due if p.due_on < dt.date(2026, 10, 18)]
    assert old_amounts == [gbp("1332.37")] * 7  # April to October at the old amount, including 1 October
    # From 18 October the new direct payment (£13,172.68 a year) for the 165 days left: £5,954.77 in five payments.
    # The 14 days from 18 March are less than half a month, so they join February's payment: no extra instalment.
    new = [p.amount for p in due if p.due_on >= dt.date(2026, 10, 18)]
    assert new == [gbp("1190.96")] * 2 + [gbp("1190.95")] * 3
    assert newest.total == gbp("5954.77")
    assert due[-1].due_on == dt.date(2027, 2, 18)
