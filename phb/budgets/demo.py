"""Demo budgets at every stage, on the current rate card, through the same services staff use.

* Leon Baptiste: an assessment of need only.
* Elsie Grant: an indicative budget awaiting authorisation.
* Tom Price: indicative budget authorised; the budget sheet is being planned (direct payment to his nominee).
* Aisha Rahman: a notional budget; the final budget awaits authorisation.
* Margaret Okafor: final budget authorised; monthly direct payments to her representative.
* James Whitfield: the worked example of docs/budgets.md, authorised, with its payment schedule.

Every authorisation is a governance decision: Sam (CHC service manager, level 2) authorises the indicative
budgets; a final budget needs two level-2 decision-makers (Sam, then Lee) once the case manager has completed the
person's sign-off checklist.

Idempotent: a person who already has an assessment of need is left alone, and the rate card is added once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.budgets import decisions, services
from phb.budgets.models import Assessment, RateCard
from phb.budgets.rules import Category, Frequency, ManagementOption, NeedKind, PaymentFrequency, Recipient, budget_year
from phb.budgets.schemas import (
    AssessmentCreate,
    AssessmentItemCreate,
    DecisionCreate,
    FinalBudgetCreate,
    IndicativeCalculate,
    RateCardCreate,
    SheetLineCreate,
)
from phb.governance import services as governance
from phb.governance.rules import CHECKLIST, ItemStatus
from phb.money import gbp
from phb.people.models import Person

ORDER = 10  # before plans, risk and spending, which refer to budget sheet lines

Need = tuple[str, str, str, str, str | None]  # kind, quantity, frequency, description, unit cost


def _needs(*needs: Need) -> list[AssessmentItemCreate]:
    return [
        AssessmentItemCreate(
            kind=NeedKind(kind),
            quantity=Decimal(quantity),
            frequency=Frequency(frequency),
            description=description,
            unit_cost=None if cost is None else gbp(cost),
        )
        for kind, quantity, frequency, description, cost in needs
    ]


def _line(
    description: str, category: str, unit: str, quantity: str, frequency: str, option: str, outcomes: str = ""
) -> SheetLineCreate:
    return SheetLineCreate(
        description=description,
        outcomes=outcomes,
        category=Category(category),
        unit_cost=gbp(unit),
        quantity=Decimal(quantity),
        frequency=Frequency(frequency),
        management_option=ManagementOption(option),
    )


def _ensure_rate_card(session: Session, staff: dict[str, User], year_start: dt.date) -> None:
    if session.scalar(select(RateCard.id).limit(1)) is not None:
        return
    services.add_rate_card(
        session,
        actor_for(session, staff["admin"]),
        RateCardCreate(
            effective_from=year_start,
            pa_weekday_hour=gbp("13.50"),
            pa_weekend_hour=gbp("15.00"),
            pa_night_hour=gbp("14.00"),
            agency_hour=gbp("24.50"),
            waking_night=gbp("210.00"),
            sleeping_night=gbp("95.00"),
            respite_week=gbp("1250.00"),
            employer_on_costs_percent=Decimal("12.5"),
            payroll_fee_monthly=gbp("15.00"),
            notes="Local rates agreed by the ICB for this financial year",
        ),
    )


def load(session: Session, staff: dict[str, User], people: dict[str, Person]) -> None:
    """Add the demo budgets (see the module docstring)."""
    today = clock.today()
    year_start, year_end = budget_year(today)
    _ensure_rate_card(session, staff, year_start)
    sam = actor_for(session, staff["sam"])
    lee = actor_for(session, staff["lee"])
    plan = [
        (
            "9990000069",
            "casey",
            _needs(("pa_weekday_hour", "6", "weekly", "Support to swim and go to college", None)),
            0,
        ),
        (
            "9990000050",
            "nina",
            _needs(("agency_hour", "21", "weekly", "", None), ("sleeping_night", "7", "weekly", "", None)),
            1,
        ),
        (
            "9990000042",
            "nina",
            _needs(
                ("pa_weekday_hour", "10", "weekly", "", None),
                ("therapy", "12", "annual", "Hydrotherapy sessions", "45.00"),
            ),
            2,
        ),
        (
            "9990000034",
            "casey",
            _needs(("agency_hour", "14", "weekly", "", None), ("respite_week", "2", "annual", "", None)),
            3,
        ),
        (
            "9990000018",
            "casey",
            _needs(("pa_weekday_hour", "15", "weekly", "", None), ("pa_weekend_hour", "4", "weekly", "", None)),
            4,
        ),
        (
            "9990000026",
            "casey",
            _needs(
                ("pa_weekday_hour", "14", "weekly", "", None),
                ("pa_weekend_hour", "6", "weekly", "", None),
                ("waking_night", "2", "weekly", "", None),
                ("equipment", "1", "one_off", "Profiling bed", "1450.00"),
            ),
            4,
        ),
    ]
    for nhs_number, username, needs, stage in plan:
        person = people.get(nhs_number)
        if person is None or session.scalar(select(Assessment.id).where(Assessment.person_id == person.id)):
            continue
        worker = actor_for(session, staff[username])
        assessment = services.record_assessment(
            session,
            worker,
            person.id,
            AssessmentCreate(
                assessed_on=today - dt.timedelta(days=40), summary="Assessed with the person at home", items=needs
            ),
        )
        if stage < 1:
            continue
        indicative = services.calculate_indicative_budget(
            session, worker, person.id, IndicativeCalculate(assessment_id=assessment.id)
        )
        if stage < 2:  # noqa: PLR2004 - the stages listed in the module docstring
            continue
        decisions.authorise_indicative_budget(
            session,
            sam,
            person.id,
            indicative.id,
            DecisionCreate(outcome="authorised", reasons="Matches the assessment"),
        )
        _sheet_and_final(session, worker, (sam, lee), person, nhs_number, stage, year_start, year_end)


def _sheet_and_final(
    session: Session,
    worker: Actor,
    authorisers: tuple[Actor, Actor],
    person: Person,
    nhs_number: str,
    stage: int,
    year_start: dt.date,
    year_end: dt.date,
) -> None:
    """Plan the sheet from the indicative budget (stage 2), propose the final budget (3) and authorise it (4)."""
    notional = nhs_number == "9990000034"
    option = ManagementOption.NOTIONAL if notional else ManagementOption.DIRECT_PAYMENT
    sheet = services.start_sheet_from_indicative(session, worker, person.id, option)
    if nhs_number == "9990000026":
        nights = next(line for line in sheet.lines if line.category is Category.AGENCY_CARE)
        services.change_line(
            session,
            worker,
            person.id,
            nights.id,
            _line("Agency waking night", "agency_care", "210.00", "2", "weekly", "third_party", "Sleep safely"),
        )
    if not notional:
        sheet = services.add_line(
            session,
            worker,
            person.id,
            _line("Employer's liability insurance", "insurance", "150.00", "1", "annual", "direct_payment"),
        )
    sheet = services.add_line(
        session,
        worker,
        person.id,
        _line("Contingency for emergencies", "contingency", "300.00", "1", "annual", option.value, "Stay at home"),
    )
    if stage < 3:  # noqa: PLR2004
        return
    dp_total = next((t.amount for t in sheet.by_management_option if t.key == "direct_payment"), None)
    # Monthly payments rounded up to the penny, so twelve of them cover the direct-payment lines in full.
    monthly = dp_total is not None  # paid monthly; each payment follows from the direct-payment lines
    annual = sheet.annual_total
    options = sorted({line.management_option for line in sheet.lines}, key=list(ManagementOption).index)
    recipient = Recipient.REPRESENTATIVE if nhs_number == "9990000018" else Recipient.PERSON
    final = services.propose_final_budget(
        session,
        worker,
        person.id,
        FinalBudgetCreate(
            annual_amount=annual,
            effective_from=year_start,
            effective_to=year_end,
            management_options=options,
            variance_explanation="Adds insurance and a contingency agreed with the person",
            dp_frequency=PaymentFrequency.MONTHLY if monthly else None,
            dp_first_payment_on=year_start if monthly else None,
            dp_recipient=recipient if monthly else None,
            dp_notice_days=28 if monthly else None,
        ),
    )
    if stage < 4:  # noqa: PLR2004
        return
    complete = {item.key: (ItemStatus.MET, "Recorded in the care and support plan") for item in CHECKLIST}
    governance.record_checklist(session, worker, person.id, complete)
    for authoriser in authorisers:  # two-person sign-off: a first approval, then a second
        decisions.authorise_final_budget(
            session,
            authoriser,
            person.id,
            final.id,
            DecisionCreate(outcome="authorised", reasons="Meets the assessed needs and covers the full cost"),
        )
