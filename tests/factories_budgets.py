"""Budget test data: a rate card and the worked example (a CHC case with PA hours, agency waking nights, a bed)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.budgets import decisions
from phb.budgets.models import RateCard
from phb.budgets.schemas import DecisionCreate
from phb.errors import ForbiddenError, NotFoundError
from phb.money import gbp
from tests.factories_governance import complete_checklist

# The worked example of docs/budgets.md, as form fields (pages) and JSON (API) both take them.
RATE_CARD_FORM = {
    "effective_from": "2026-04-01",
    "pa_weekday_hour": "13.50",
    "pa_weekend_hour": "15.00",
    "pa_night_hour": "14.00",
    "agency_hour": "24.50",
    "waking_night": "210.00",
    "sleeping_night": "95.00",
    "respite_week": "1250.00",
    "employer_on_costs_percent": "12.5",
    "payroll_fee_monthly": "15.00",
}
NEEDS = [
    {"kind": "pa_weekday_hour", "quantity": "14", "frequency": "weekly", "description": ""},
    {"kind": "pa_weekend_hour", "quantity": "6", "frequency": "weekly", "description": ""},
    {"kind": "waking_night", "quantity": "2", "frequency": "weekly", "description": ""},
    {
        "kind": "equipment",
        "quantity": "1",
        "frequency": "one_off",
        "description": "Profiling bed",
        "unit_cost": "1450.00",
    },
]
INSURANCE_LINE = {
    "description": "Employer's liability insurance",
    "outcomes": "Stay safe at home with my own team",
    "category": "insurance",
    "unit_cost": "150.00",
    "quantity": "1",
    "frequency": "annual",
    "management_option": "direct_payment",
}
# 14 h x £13.50 x 365/7 = £9,855.00; 6 h x £15.00 x 365/7 = £4,692.86; 2 x £210.00 x 365/7 = £21,900.00;
# bed £1,450.00; on-costs 12.5% of £14,547.86 = £1,818.48; payroll £15.00 x 12 = £180.00.
INDICATIVE_TOTAL = "39896.34"
SHEET_TOTAL = "40046.34"  # plus £150.00 insurance
DIRECT_PAYMENT_LINES = "18146.34"  # everything but the agency waking nights (third party)
MONTHLY_PAYMENT = "1512.20"  # the first six of twelve payments; the last six £1,512.19: £18,146.34 exactly


def make_rate_card(
    db: Session, effective_from: dt.date = dt.date(2026, 4, 1), version: int = 1, **rates: str
) -> RateCard:
    values = {k: v for k, v in RATE_CARD_FORM.items() if k not in {"effective_from", "employer_on_costs_percent"}}
    values.update(rates)
    card = RateCard(
        version=version,
        effective_from=effective_from,
        employer_on_costs_hundredths=int(Decimal(RATE_CARD_FORM["employer_on_costs_percent"]) * 100),
        **{k: gbp(v) for k, v in values.items()},
    )
    db.add(card)
    db.flush()
    return card


def authorise_final(db: Session, case_manager: Actor, deciders: Sequence[Actor], person_id: int, final_id: int) -> Any:
    """Complete the sign-off checklist, then have each decider approve the final budget (two-person sign-off)."""
    complete_checklist(db, case_manager, person_id)
    result = None
    for decider in deciders:
        result = decisions.authorise_final_budget(
            db, decider, person_id, final_id, DecisionCreate(outcome="authorised", reasons="Covers the assessed needs")
        )
    return result


def propose_final(
    db: Session, case_manager: Actor, person_id: int, deciders: Sequence[Actor], weekday_hours: str = "20"
) -> Any:
    """A real final budget proposed for the person (assessment, indicative, sheet, a monthly direct payment).

    The indicative budget is authorised by the first of ``deciders`` the framework lets decide it.
    Its authorisation request is raised by the budgets service, bound to the budget, as in production.
    """
    from phb.budgets import services  # noqa: PLC0415
    from phb.budgets.rules import Frequency, ManagementOption  # noqa: PLC0415
    from phb.budgets.schemas import (  # noqa: PLC0415
        AssessmentCreate,
        AssessmentItemCreate,
        IndicativeCalculate,
    )

    make_rate_card(db)
    assessment = services.record_assessment(
        db,
        case_manager,
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
    indicative = services.calculate_indicative_budget(
        db, case_manager, person_id, IndicativeCalculate(assessment_id=assessment.id, priced_on=dt.date(2026, 4, 1))
    )
    for decider in deciders:
        try:
            decisions.authorise_indicative_budget(
                db, decider, person_id, indicative.id, DecisionCreate(outcome="authorised", reasons="Covers the needs")
            )
            break
        except (ForbiddenError, NotFoundError):
            continue
    services.start_sheet_from_indicative(db, case_manager, person_id, ManagementOption.DIRECT_PAYMENT)
    return add_and_propose(db, case_manager, person_id, "Insurance", "insurance", "150.00", "Adds insurance")


def add_and_propose(
    db: Session,
    case_manager: Actor,
    person_id: int,
    description: str,
    category: str,
    annual_cost: str,
    explanation: str,
) -> Any:
    """Add an annual direct-payment line to the sheet, then propose the sheet as the 2026-27 final budget.

    The direct payment is monthly, rounded up to the penny so that it covers the direct-payment lines.
    """
    from phb.budgets import services  # noqa: PLC0415
    from phb.budgets.rules import Frequency, ManagementOption, PaymentFrequency, Recipient  # noqa: PLC0415
    from phb.budgets.schemas import FinalBudgetCreate, SheetLineCreate  # noqa: PLC0415

    sheet = services.add_line(
        db,
        case_manager,
        person_id,
        SheetLineCreate(
            description=description,
            category=category,
            unit_cost=gbp(annual_cost),
            quantity=Decimal(1),
            frequency=Frequency.ANNUAL,
            management_option=ManagementOption.DIRECT_PAYMENT,
        ),
    )
    return services.propose_final_budget(
        db,
        case_manager,
        person_id,
        FinalBudgetCreate(
            annual_amount=sheet.annual_total,
            effective_from=dt.date(2026, 4, 1),
            effective_to=dt.date(2027, 3, 31),
            management_options=[ManagementOption.DIRECT_PAYMENT],
            variance_explanation=explanation,
            dp_frequency=PaymentFrequency.MONTHLY,
            dp_first_payment_on=dt.date(2026, 4, 1),
            dp_recipient=Recipient.PERSON,
            dp_notice_days=28,
        ),
    )


def authorised_direct_payment(
    db: Session,
    person_id: int,
    *,
    annual: str,
    per_period: str,
    first_payment_on: dt.date,
    options: Sequence[str] = ("direct_payment",),
    frequency: str = "monthly",
    effective_to: dt.date | None = None,
) -> Any:
    """An authorised final budget with a direct payment, and its payment schedule, straight through the models.

    For areas that read the schedule (the person's money): the authorisation itself is tested with the budgets and
    governance services. The schedule is built by ``make_schedule``, as an authorisation builds it.
    """
    from phb.budgets import services  # noqa: PLC0415
    from phb.budgets.models import BudgetSheetVersion, FinalBudget  # noqa: PLC0415

    number = len(db.scalars(select(FinalBudget.id).where(FinalBudget.person_id == person_id)).all()) + 1
    latest = db.scalar(select(func.max(BudgetSheetVersion.number)).where(BudgetSheetVersion.person_id == person_id))
    final = FinalBudget(
        person_id=person_id,
        number=number,
        sheet_version=latest or 1,  # the sheet as it stands, as a proposal takes it
        annual_amount=gbp(annual),
        effective_from=first_payment_on,
        effective_to=effective_to,
        management_options=",".join(options),
        dp_amount_per_period=gbp(per_period),
        dp_frequency=frequency,
        dp_first_payment_on=first_payment_on,
        dp_recipient="person",
        dp_notice_days=28,
        proposed_by_name="Casey",
    )
    db.add(final)
    db.flush()
    _authorised(db, final)
    services.make_schedule(db, final, decided_on=first_payment_on)
    return final


def authorise_notional(db: Session, person_id: int, annual: str) -> Any:
    """An authorised final budget the NHS holds for the person (notional): no direct payment, no schedule."""
    from phb.budgets.models import FinalBudget  # noqa: PLC0415

    final = FinalBudget(
        person_id=person_id,
        number=1,
        sheet_version=1,
        annual_amount=gbp(annual),
        effective_from=dt.date(2026, 4, 1),
        management_options="notional",
        proposed_by_name="Casey",
    )
    db.add(final)
    db.flush()
    _authorised(db, final)
    return final


def _authorised(db: Session, final: Any) -> None:
    """The authorisation record of ``final`` (two-person sign-off is the budgets service's to test)."""
    from phb.budgets.models import BudgetDecision  # noqa: PLC0415

    db.add(
        BudgetDecision(
            person_id=final.person_id,
            subject_type="final_budget",
            subject_id=final.id,
            outcome="authorised",
            decided_by_name="Sam",
            decided_by_role="chc_service_manager",
            reasons="Covers the assessed needs",
        )
    )
    db.flush()
