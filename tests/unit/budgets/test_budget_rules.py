"""Budget arithmetic: exact annualisation, sheet totals that are the sum of lines, schedules that add up."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phb.budgets import rules
from phb.budgets.rules import Category, Frequency, ManagementOption, PaymentFrequency
from phb.money import from_pence, gbp, to_pence, total

pence = st.integers(min_value=1, max_value=10_000_000)
quantities = st.integers(min_value=1, max_value=100_000).map(lambda h: Decimal(h) / 100)
frequencies = st.sampled_from(list(Frequency))
payment_frequencies = st.sampled_from(list(PaymentFrequency))
days = st.dates(min_value=dt.date(2024, 4, 1), max_value=dt.date(2030, 3, 31))


@pytest.mark.parametrize(
    ("frequency", "per_year"),
    [
        (Frequency.WEEKLY, Fraction(365, 7)),
        (Frequency.FOUR_WEEKLY, 13),
        (Frequency.MONTHLY, 12),
        (Frequency.ANNUAL, 1),
        (Frequency.ONE_OFF, 1),
    ],
)
def test_the_annualisation_convention(frequency, per_year):
    assert rules.PERIODS_PER_YEAR[frequency] == per_year


def test_the_brief_example_and_rounding_once():
    assert rules.annual_cost(gbp("13.50"), Decimal(14), Frequency.WEEKLY) == gbp("9855.00")
    assert rules.cost_per_period(gbp("13.50"), Decimal(14)) == gbp("189.00")
    # from the exact product, not 52 1/7 x the rounded weekly £97.66
    assert rules.annual_cost(gbp("13.47"), Decimal("7.25"), Frequency.WEEKLY) == gbp("5092.14")
    assert rules.annual_cost(gbp("0.01"), Decimal("0.5"), Frequency.ANNUAL) == gbp("0.01")  # half a penny rounds up


@given(pence, quantities, frequencies)
def test_annualisation_is_exact_then_rounded_once_half_up(unit, quantity, frequency):
    annual = rules.annual_cost(from_pence(unit), quantity, frequency)
    exact = Fraction(unit) * Fraction(quantity) * rules.PERIODS_PER_YEAR[frequency]
    assert abs(Fraction(to_pence(annual)) - exact) <= Fraction(1, 2)
    assert to_pence(annual) == int(exact + Fraction(1, 2))  # half up, for positive amounts
    if exact.denominator == 1:
        assert to_pence(annual) == exact  # no rounding when the exact cost is whole pence


@given(pence, quantities)
def test_annualised_frequencies_agree_with_each_other(unit, quantity):
    weekly = rules.annual_cost(from_pence(unit), quantity, Frequency.WEEKLY)
    yearly = rules.annual_cost(from_pence(unit * 365), quantity, Frequency.ANNUAL)
    assert abs(to_pence(weekly) * 7 - to_pence(yearly)) <= 4  # the same daily cost either way, to the penny
    monthly = rules.annual_cost(from_pence(unit), quantity, Frequency.MONTHLY)
    assert monthly == rules.annual_cost(from_pence(unit * 12), quantity, Frequency.ANNUAL)


lines = st.lists(
    st.builds(
        rules.SheetLine,
        description=st.just("line"),
        category=st.sampled_from(list(Category)),
        unit_cost=pence.map(from_pence),
        quantity=quantities,
        frequency=frequencies,
        management_option=st.sampled_from(list(ManagementOption)),
    ),
    max_size=40,
)


@given(lines, st.one_of(st.none(), pence.map(from_pence)), st.one_of(st.none(), pence.map(from_pence)))
def test_sheet_totals_are_the_sum_of_the_lines(sheet, final, indicative):
    totals = rules.sheet_totals(
        ((line.category, line.management_option, line.annual_cost) for line in sheet),
        final_budget=final,
        indicative=indicative,
    )
    annual = total(line.annual_cost for line in sheet)
    assert totals.annual == annual
    assert total(totals.by_category.values()) == annual
    assert total(totals.by_management_option.values()) == annual
    for category, amount in totals.by_category.items():
        assert amount == total(line.annual_cost for line in sheet if line.category is category)
    if final is not None:
        assert totals.remaining == final - annual
        assert totals.over_budget == (annual > final)
    if indicative is not None:
        assert totals.variance == (final if final is not None else annual) - indicative


@given(pence, payment_frequencies, days, st.integers(min_value=0, max_value=400))
def test_schedule_periods_add_up_exactly_to_what_is_due(amount, frequency, start, length):
    year_start, year_end = rules.budget_year(start)
    end = min(start + dt.timedelta(days=length), year_end)
    schedule = rules.build_schedule(from_pence(amount), frequency, start, end)
    assert total(p.amount for p in schedule.periods) == schedule.total
    assert schedule.periods[0].period_start == start
    assert schedule.periods[-1].period_end == end
    for before, after in zip(schedule.periods, schedule.periods[1:], strict=False):
        assert after.period_start == before.period_end + dt.timedelta(days=1)  # every day covered once
    days_in_year = (year_end - year_start).days + 1
    covered = (end - start).days + 1
    exact = Fraction(amount) * (1 if covered == days_in_year else Fraction(covered, days_in_year))
    assert abs(Fraction(to_pence(schedule.total)) - exact) <= Fraction(1, 2)
    whole = [p.amount for p in schedule.periods if p.share == 1]
    if whole:
        assert max(whole) - min(whole) <= from_pence(1)  # whole periods are equal to the penny


@given(pence, payment_frequencies, st.integers(min_value=2026, max_value=2040))
def test_a_whole_budget_year_pays_exactly_the_annual_amount_in_its_usual_number_of_payments(amount, frequency, year):
    start, end = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    schedule = rules.build_schedule(from_pence(amount), frequency, start, end)
    assert schedule.total == from_pence(amount)  # exactly the authorised direct payment
    usual = {PaymentFrequency.WEEKLY: 52, PaymentFrequency.FOUR_WEEKLY: 13, PaymentFrequency.MONTHLY: 12}
    assert len(schedule.periods) == usual[frequency]  # never an extra instalment for the odd day or two
    assert schedule.periods[0].amount >= schedule.periods[-1].amount  # odd pennies go to the earliest


@given(pence, payment_frequencies, days, st.integers(min_value=0, max_value=400))
def test_schedules_are_deterministic(amount, frequency, start, length):
    end = min(start + dt.timedelta(days=length), rules.budget_year(start)[1])
    first = rules.build_schedule(from_pence(amount), frequency, start, end)
    assert first == rules.build_schedule(from_pence(amount), frequency, start, end)


def test_four_weekly_payments_of_a_year_are_thirteen_and_add_up_to_the_penny():
    """Issue 20: a year of four-weekly payments paid 14 instalments (£10,055.07) against £10,000.12."""
    schedule = rules.build_schedule(
        gbp("10000.12"), PaymentFrequency.FOUR_WEEKLY, dt.date(2026, 4, 1), dt.date(2027, 3, 31)
    )
    assert [p.amount for p in schedule.periods] == [gbp("769.24")] * 13
    assert schedule.total == gbp("10000.12")
    odd = rules.build_schedule(gbp("10000.01"), PaymentFrequency.FOUR_WEEKLY, dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert [p.amount for p in odd.periods] == [gbp("769.24")] * 2 + [gbp("769.23")] * 11  # £10,000.01 can be paid
    assert odd.periods[-1].period_end == dt.date(2027, 3, 31)  # the 365th day joins the last payment


def test_a_whole_year_of_monthly_payments_is_twelve_payments_of_the_annual_amount():
    schedule = rules.build_schedule(
        gbp("18146.34"), PaymentFrequency.MONTHLY, dt.date(2026, 4, 1), dt.date(2027, 3, 31)
    )
    assert [p.amount for p in schedule.periods] == [gbp("1512.20")] * 6 + [gbp("1512.19")] * 6
    assert schedule.total == gbp("18146.34") == schedule.annual


def test_weekly_payments_are_fifty_two_and_cover_every_day_of_the_year():
    schedule = rules.build_schedule(gbp("36500.00"), PaymentFrequency.WEEKLY, dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert len(schedule.periods) == 52
    assert schedule.periods[-1].period_end == dt.date(2027, 3, 31)
    assert schedule.total == gbp("36500.00")


def test_part_year_is_pro_rata_by_days_and_odd_pennies_go_deterministically():
    schedule = rules.build_schedule(
        gbp("12000.00"), PaymentFrequency.MONTHLY, dt.date(2026, 10, 15), dt.date(2027, 3, 31)
    )
    assert schedule.total == gbp("5523.29")  # £12,000.00 x 168/365
    assert [str(p.amount.amount) for p in schedule.periods] == ["995.48"] * 4 + ["995.47", "545.90"]  # 17/31 last
    covered = rules.build_schedule(
        gbp("12000.00"),
        PaymentFrequency.MONTHLY,
        dt.date(2026, 4, 15),
        dt.date(2027, 3, 31),
        covers_from=dt.date(2026, 4, 1),
    )
    assert covered.total == gbp("12000.00")  # the budget starts 1 April; the first payment on the 15th pays it


def test_a_reduction_waits_for_the_notice_period():
    assert rules.reduction_start(dt.date(2026, 10, 1), dt.date(2026, 9, 20), 28) == dt.date(2026, 10, 18)
    assert rules.reduction_start(dt.date(2026, 12, 1), dt.date(2026, 9, 20), 28) == dt.date(2026, 12, 1)


def test_a_schedule_cannot_end_before_it_starts_or_cross_the_budget_year():
    with pytest.raises(rules.BudgetRuleError, match="on or after"):
        rules.build_schedule(gbp("1"), PaymentFrequency.MONTHLY, dt.date(2026, 5, 1), dt.date(2026, 4, 1))
    with pytest.raises(rules.BudgetRuleError, match="one budget year"):
        rules.build_schedule(gbp("1"), PaymentFrequency.MONTHLY, dt.date(2026, 5, 1), dt.date(2027, 5, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "more than 0"),
        ("-2", "more than 0"),
        ("1.234", "two decimal"),
        ("x", "number"),
        ("1.7976931348623155e+308", "or less"),
    ],
)
def test_quantities_must_be_positive_with_two_places_at_most(text, message):
    with pytest.raises(rules.BudgetRuleError, match=message):
        rules.parse_quantity(text)


def test_the_indicative_budget_shows_how_each_pound_was_reached():
    card = rules.RateCardRates(
        version=3,
        effective_from=dt.date(2026, 4, 1),
        rates={"pa_weekday_hour": gbp("13.50"), "waking_night": gbp("210.00")},
        employer_on_costs_percent=Decimal("12.5"),
        payroll_fee_monthly=gbp("15.00"),
    )
    needs = [
        rules.Need(rules.NeedKind.PA_WEEKDAY_HOUR, Decimal(14), Frequency.WEEKLY),
        rules.Need(rules.NeedKind.WAKING_NIGHT, Decimal(2), Frequency.WEEKLY),
        rules.Need(rules.NeedKind.EQUIPMENT, Decimal(1), Frequency.ONE_OFF, "Hoist", gbp("900.00")),
    ]
    result = rules.calculate_indicative(needs, card)
    assert result.sentences[0] == "14 h/week personal assistant at £13.50 = £189.00 a week, £9,855.00 a year"
    assert result.annual == total(line.annual for line in result.lines)
    assert result.annual == gbp("9855.00") + gbp("21900.00") + gbp("900.00") + gbp("1231.88") + gbp("180.00")
    with pytest.raises(rules.BudgetRuleError, match="has no rate for agency care"):
        rules.calculate_indicative([rules.Need(rules.NeedKind.AGENCY_HOUR, Decimal(1), Frequency.WEEKLY)], card)


def test_full_cost_problems_name_what_is_missing():
    wages = rules.SheetLine(
        "PA",
        Category.PERSONAL_ASSISTANT_WAGES,
        gbp("13.50"),
        Decimal(14),
        Frequency.WEEKLY,
        ManagementOption.DIRECT_PAYMENT,
    )
    problems = rules.full_cost_problems([wages], [ManagementOption.NOTIONAL])
    assert any("no employer costs line" in p for p in problems)
    assert any("no insurance line" in p for p in problems)
    assert any("which this final budget does not include" in p for p in problems)
