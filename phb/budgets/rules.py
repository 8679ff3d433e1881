"""Budget arithmetic: annualising costs, the indicative budget, budget sheet totals, payment schedules.

Pure functions over ``moneyed.Money`` and exact fractions; no database, no web. Every amount is worked out
from whole pence with :class:`fractions.Fraction` and rounded to the penny **once**, half up, at the point a
figure is shown or stored; splitting money goes through :func:`phb.money.allocate`, so parts always add up.

Annualisation convention (see ``docs/budgets.md``): a year is 365 days, so a weekly cost is paid
365/7 = 52 1/7 times a year (14 hours a week at £13.50 = £189.00 a week, £9,855.00 a year); four-weekly 13
times; monthly 12 times; annual and one-off once (a one-off cost falls in the budget year it is bought).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from moneyed import Money

from phb.clock import add_months
from phb.money import ZERO, MoneyError, allocate, format_gbp, from_pence, gbp, to_pence, total


class Frequency(StrEnum):
    """How often a cost recurs."""

    ONE_OFF = "one_off"
    WEEKLY = "weekly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    ANNUAL = "annual"

    @property
    def label(self) -> str:
        """As people say it."""
        return FREQUENCY_LABELS[self]


FREQUENCY_LABELS = {
    Frequency.ONE_OFF: "One-off",
    Frequency.WEEKLY: "Weekly",
    Frequency.FOUR_WEEKLY: "Every four weeks",
    Frequency.MONTHLY: "Monthly",
    Frequency.ANNUAL: "Yearly",
}
# "£189.00 a week": the words after an amount.
PER_PERIOD = {
    Frequency.ONE_OFF: "once",
    Frequency.WEEKLY: "a week",
    Frequency.FOUR_WEEKLY: "every four weeks",
    Frequency.MONTHLY: "a month",
    Frequency.ANNUAL: "a year",
}

# The one annualisation convention, used by the budget sheet, the indicative budget and direct payments.
PERIODS_PER_YEAR: dict[Frequency, Fraction] = {
    Frequency.ONE_OFF: Fraction(1),
    Frequency.WEEKLY: Fraction(365, 7),
    Frequency.FOUR_WEEKLY: Fraction(13),
    Frequency.MONTHLY: Fraction(12),
    Frequency.ANNUAL: Fraction(1),
}


class PaymentFrequency(StrEnum):
    """How often a direct payment is paid."""

    WEEKLY = "weekly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        """As people say it."""
        return FREQUENCY_LABELS[Frequency(self.value)]

    @property
    def as_frequency(self) -> Frequency:
        """The same period as a cost frequency (for annualising)."""
        return Frequency(self.value)


class Category(StrEnum):
    """What a budget sheet line is for (DOMAIN.md section 3)."""

    PERSONAL_ASSISTANT_WAGES = "personal_assistant_wages"
    EMPLOYER_COSTS = "employer_costs"
    AGENCY_CARE = "agency_care"
    EQUIPMENT = "equipment"
    THERAPY = "therapy"
    TRANSPORT = "transport"
    TRAINING = "training"
    INSURANCE = "insurance"
    PAYROLL_SERVICE = "payroll_service"
    CONTINGENCY = "contingency"
    OTHER = "other"

    @property
    def label(self) -> str:
        """As people say it."""
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.PERSONAL_ASSISTANT_WAGES: "Personal assistant wages",
    Category.EMPLOYER_COSTS: "Employer costs",
    Category.AGENCY_CARE: "Agency care",
    Category.EQUIPMENT: "Equipment",
    Category.THERAPY: "Therapy",
    Category.TRANSPORT: "Transport",
    Category.TRAINING: "Training",
    Category.INSURANCE: "Insurance",
    Category.PAYROLL_SERVICE: "Payroll or support service",
    Category.CONTINGENCY: "Contingency",
    Category.OTHER: "Other",
}


class ManagementOption(StrEnum):
    """Who holds the money for a line."""

    NOTIONAL = "notional"
    THIRD_PARTY = "third_party"
    DIRECT_PAYMENT = "direct_payment"

    @property
    def label(self) -> str:
        """As people say it."""
        return MANAGEMENT_LABELS[self]


MANAGEMENT_LABELS = {
    ManagementOption.NOTIONAL: "Notional budget (the NHS arranges it)",
    ManagementOption.THIRD_PARTY: "Third-party budget",
    ManagementOption.DIRECT_PAYMENT: "Direct payment",
}


class Recipient(StrEnum):
    """Who receives a direct payment."""

    PERSON = "person"
    REPRESENTATIVE = "representative"
    NOMINEE = "nominee"

    @property
    def label(self) -> str:
        """As people say it."""
        return {"person": "The person", "representative": "Their representative", "nominee": "Their nominee"}[
            self.value
        ]


class NeedKind(StrEnum):
    """An assessed need: a kind of support priced from the rate card, or an item with its own price."""

    PA_WEEKDAY_HOUR = "pa_weekday_hour"
    PA_WEEKEND_HOUR = "pa_weekend_hour"
    PA_NIGHT_HOUR = "pa_night_hour"
    AGENCY_HOUR = "agency_hour"
    WAKING_NIGHT = "waking_night"
    SLEEPING_NIGHT = "sleeping_night"
    RESPITE_WEEK = "respite_week"
    EQUIPMENT = "equipment"  # priced item (usually one-off)
    THERAPY = "therapy"  # priced item (sessions)
    OTHER = "other"  # priced item

    @property
    def label(self) -> str:
        """As people say it."""
        return NEED_LABELS[self][0]

    @property
    def priced_from_rate_card(self) -> bool:
        """True when the rate card sets the unit cost."""
        return self.value in RATE_KEYS

    @property
    def is_personal_assistant(self) -> bool:
        """Hours of a directly employed personal assistant (employer on-costs apply)."""
        return self.value.startswith("pa_")


# need: (label, unit noun singular, unit noun plural, budget sheet category)
NEED_LABELS: dict[NeedKind, tuple[str, str, str, Category]] = {
    NeedKind.PA_WEEKDAY_HOUR: ("personal assistant", "h", "h", Category.PERSONAL_ASSISTANT_WAGES),
    NeedKind.PA_WEEKEND_HOUR: ("personal assistant (weekend)", "h", "h", Category.PERSONAL_ASSISTANT_WAGES),
    NeedKind.PA_NIGHT_HOUR: ("personal assistant (night)", "h", "h", Category.PERSONAL_ASSISTANT_WAGES),
    NeedKind.AGENCY_HOUR: ("agency care", "h", "h", Category.AGENCY_CARE),
    NeedKind.WAKING_NIGHT: ("agency waking night", "night", "nights", Category.AGENCY_CARE),
    NeedKind.SLEEPING_NIGHT: ("sleeping night", "night", "nights", Category.AGENCY_CARE),
    NeedKind.RESPITE_WEEK: ("respite", "week", "weeks", Category.OTHER),
    NeedKind.EQUIPMENT: ("equipment", "item", "items", Category.EQUIPMENT),
    NeedKind.THERAPY: ("therapy", "session", "sessions", Category.THERAPY),
    NeedKind.OTHER: ("other support", "item", "items", Category.OTHER),
}

# The money rates of a rate card, by need; employer on-costs and the payroll fee are separate fields.
RATE_KEYS = (
    "pa_weekday_hour",
    "pa_weekend_hour",
    "pa_night_hour",
    "agency_hour",
    "waking_night",
    "sleeping_night",
    "respite_week",
)
RATE_LABELS = {
    "pa_weekday_hour": "Personal assistant, weekday (per hour)",
    "pa_weekend_hour": "Personal assistant, weekend (per hour)",
    "pa_night_hour": "Personal assistant, night (per hour)",
    "agency_hour": "Agency care (per hour)",
    "waking_night": "Agency waking night (per night)",
    "sleeping_night": "Sleeping night (per night)",
    "respite_week": "Respite (per week)",
    "employer_on_costs_percent": "Employer on-costs (% of personal assistant wages)",
    "payroll_fee_monthly": "Payroll service fee (per month)",
}

MAX_QUANTITY = Decimal(100_000)
HUNDRED = Decimal(100)


class BudgetRuleError(ValueError):
    """Input that breaks a budget rule; ``field`` names the input it is about."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


# --- exact arithmetic -------------------------------------------------------------------------------------------


def round_half_up(value: Fraction) -> int:
    """The nearest whole number, halves away from zero (pence: 0.5p rounds up, as people expect)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, remainder = divmod(magnitude.numerator, magnitude.denominator)
    if 2 * remainder >= magnitude.denominator:
        whole += 1
    return sign * whole


def parse_quantity(value: str | int | Decimal, field: str = "quantity") -> Decimal:
    """A positive quantity with at most two decimal places (7.5 hours, 2 nights)."""
    if isinstance(value, float):
        raise BudgetRuleError(field, "Enter the quantity as text or a whole number, not a binary float")
    try:
        quantity = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise BudgetRuleError(field, "Enter the quantity as a number, like 14 or 7.5") from exc
    if not quantity.is_finite():
        raise BudgetRuleError(field, "Enter the quantity as a number, like 14 or 7.5")
    if quantity <= 0:
        raise BudgetRuleError(field, "Quantity must be more than 0")
    if quantity > MAX_QUANTITY:  # before quantize: a huge number has no room for two decimal places
        raise BudgetRuleError(field, f"Quantity must be {MAX_QUANTITY:,} or less")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise BudgetRuleError(field, "Quantity can have at most two decimal places, like 7.25")
    return quantity


def exact_cost(unit_cost: Money, quantity: Decimal, periods: Fraction = Fraction(1)) -> Fraction:
    """Unit cost x quantity x periods, in pence, with no rounding at all."""
    return Fraction(to_pence(unit_cost)) * Fraction(quantity) * periods


def cost_per_period(unit_cost: Money, quantity: Decimal) -> Money:
    """Unit cost x quantity, rounded to the penny (half up)."""
    return from_pence(round_half_up(exact_cost(unit_cost, quantity)))


def annual_cost(unit_cost: Money, quantity: Decimal, frequency: Frequency) -> Money:
    """The cost over a year, by the annualisation convention, rounded to the penny once (half up).

    Worked from the exact product, not from the rounded period cost, so 7.25 h at £13.47 a week is
    £5,092.14 a year (13.47 x 7.25 x 365/7 = 5092.1357...), not 52 1/7 x £97.66 = £5,092.27.
    """
    return from_pence(round_half_up(exact_cost(unit_cost, quantity, PERIODS_PER_YEAR[frequency])))


def annualise(amount: Money, frequency: Frequency) -> Money:
    """An amount paid every ``frequency``, over a year."""
    return annual_cost(amount, Decimal(1), frequency)


def percent_of(amount: Money, percent: Decimal) -> Money:
    """``percent`` % of ``amount``, rounded to the penny (half up)."""
    return from_pence(round_half_up(Fraction(to_pence(amount)) * Fraction(percent) / 100))


def quantity_text(quantity: Decimal) -> str:
    """'14', '7.5', '0.25' (no trailing zeros)."""
    text = f"{quantity:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- the indicative budget ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateCardRates:
    """The rates of one rate card version (``None`` where the card has no rate)."""

    version: int
    effective_from: dt.date
    rates: dict[str, Money | None]
    employer_on_costs_percent: Decimal | None
    payroll_fee_monthly: Money | None


@dataclass(frozen=True)
class Need:
    """One assessed need: so much of a kind of support, this often (priced items carry their own unit cost)."""

    kind: NeedKind
    quantity: Decimal
    frequency: Frequency
    description: str = ""
    unit_cost: Money | None = None


@dataclass(frozen=True)
class BreakdownLine:
    """One step of the indicative budget, with the sentence that shows how it was reached."""

    text: str
    category: Category
    annual: Money
    kind: str  # a NeedKind value, "employer_on_costs" or "payroll_service"
    unit_cost: Money | None = None
    quantity: Decimal | None = None
    frequency: Frequency | None = None
    description: str = ""


@dataclass(frozen=True)
class IndicativeCalculation:
    """The indicative budget and the breakdown that adds up to it."""

    lines: tuple[BreakdownLine, ...]
    annual: Money

    @property
    def sentences(self) -> list[str]:
        """The breakdown in words, one line per step."""
        return [line.text for line in self.lines]


def _need_sentence(need: Need, unit_cost: Money, annual: Money) -> str:
    label, singular, plural, _category = NEED_LABELS[need.kind]
    what = need.description or label
    qty = quantity_text(need.quantity)
    if need.kind.priced_from_rate_card:
        unit = singular if need.quantity == 1 else plural
        per = {Frequency.WEEKLY: "/week", Frequency.FOUR_WEEKLY: " every 4 weeks", Frequency.MONTHLY: "/month"}.get(
            need.frequency, "/year" if need.frequency is Frequency.ANNUAL else " once"
        )
        head = f"{qty} {unit}{per} {label} at {format_gbp(unit_cost)}"
    else:
        head = f"{what}: {qty} x {format_gbp(unit_cost)}"
    period = cost_per_period(unit_cost, need.quantity)
    if need.frequency is Frequency.ONE_OFF:
        return f"{head} = {format_gbp(annual)} once (in this budget year)"
    if need.frequency is Frequency.ANNUAL:
        return f"{head} = {format_gbp(annual)} a year"
    return f"{head} = {format_gbp(period)} {PER_PERIOD[need.frequency]}, {format_gbp(annual)} a year"


def calculate_indicative(needs: Sequence[Need], card: RateCardRates) -> IndicativeCalculation:
    """Price each assessed need from the rate card, add employer on-costs and the payroll fee for PA hours.

    Raises :class:`BudgetRuleError` naming the need when the rate card has no rate for it.
    """
    if not needs:
        raise BudgetRuleError("items", "Add at least one assessed need before calculating the indicative budget")
    lines: list[BreakdownLine] = []
    for index, need in enumerate(needs):
        _label, _s, _p, category = NEED_LABELS[need.kind]
        if need.kind.priced_from_rate_card:
            rate = card.rates.get(need.kind.value)
            if rate is None:
                raise BudgetRuleError(
                    f"items.{index}",
                    f"Rate card version {card.version} (from {card.effective_from:%d/%m/%Y}) has no rate for "
                    f"{need.kind.label}: ask an administrator to add one",
                )
            unit_cost = rate
        else:
            if need.unit_cost is None:
                raise BudgetRuleError(f"items.{index}", f"Enter the unit cost of {need.description or need.kind.label}")
            unit_cost = need.unit_cost
        annual = annual_cost(unit_cost, need.quantity, need.frequency)
        lines.append(
            BreakdownLine(
                text=_need_sentence(need, unit_cost, annual),
                category=category,
                annual=annual,
                kind=need.kind.value,
                unit_cost=unit_cost,
                quantity=need.quantity,
                frequency=need.frequency,
                description=need.description or need.kind.label.capitalize(),
            )
        )
    pa_wages = total(line.annual for line in lines if line.kind.startswith("pa_"))
    if pa_wages.amount > 0:
        if card.employer_on_costs_percent is None:
            raise BudgetRuleError(
                "rate_card",
                f"Rate card version {card.version} has no employer on-costs percentage: ask an administrator",
            )
        on_costs = percent_of(pa_wages, card.employer_on_costs_percent)
        lines.append(
            BreakdownLine(
                text=f"Employer on-costs at {quantity_text(card.employer_on_costs_percent)}% of personal assistant "
                f"wages of {format_gbp(pa_wages)} = {format_gbp(on_costs)} a year",
                category=Category.EMPLOYER_COSTS,
                annual=on_costs,
                kind="employer_on_costs",
                description="Employer on-costs (National Insurance, pension, holiday cover)",
            )
        )
        if card.payroll_fee_monthly is not None:
            fee = annualise(card.payroll_fee_monthly, Frequency.MONTHLY)
            lines.append(
                BreakdownLine(
                    text=f"Payroll service at {format_gbp(card.payroll_fee_monthly)} a month = "
                    f"{format_gbp(fee)} a year",
                    category=Category.PAYROLL_SERVICE,
                    annual=fee,
                    kind="payroll_service",
                    unit_cost=card.payroll_fee_monthly,
                    quantity=Decimal(1),
                    frequency=Frequency.MONTHLY,
                    description="Payroll service",
                )
            )
    return IndicativeCalculation(lines=tuple(lines), annual=total(line.annual for line in lines))


# --- the budget sheet ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetLine:
    """A budget sheet line as the rules see it."""

    description: str
    category: Category
    unit_cost: Money
    quantity: Decimal
    frequency: Frequency
    management_option: ManagementOption

    @property
    def annual_cost(self) -> Money:
        """The line's cost over a year."""
        return annual_cost(self.unit_cost, self.quantity, self.frequency)


@dataclass(frozen=True)
class SheetTotals:
    """Everything the sheet's totals panel shows."""

    annual: Money
    by_category: dict[Category, Money]
    by_management_option: dict[ManagementOption, Money]
    final_budget: Money | None
    remaining: Money | None  # final budget minus the sheet's annual total (negative: over budget)
    indicative: Money | None
    variance: Money | None  # final (or, before it, the sheet total) minus the indicative budget
    variance_explanation: str | None = None

    @property
    def over_budget(self) -> bool:
        """The sheet costs more than the final budget."""
        return self.remaining is not None and self.remaining.amount < 0


def sheet_totals(
    annual_costs: Iterable[tuple[Category, ManagementOption, Money]],
    *,
    final_budget: Money | None = None,
    indicative: Money | None = None,
    variance_explanation: str | None = None,
) -> SheetTotals:
    """Totals of a sheet's lines (given as category, management option and annual cost)."""
    rows = list(annual_costs)
    annual = total(cost for _c, _m, cost in rows)
    by_category = {c: total(cost for cat, _m, cost in rows if cat is c) for c in Category}
    by_option = {m: total(cost for _c, opt, cost in rows if opt is m) for m in ManagementOption}
    remaining = None if final_budget is None else final_budget - annual
    compared = final_budget if final_budget is not None else annual
    variance = None if indicative is None else compared - indicative
    return SheetTotals(
        annual=annual,
        by_category={c: m for c, m in by_category.items() if m.amount != 0},
        by_management_option={o: m for o, m in by_option.items() if m.amount != 0},
        final_budget=final_budget,
        remaining=remaining,
        indicative=indicative,
        variance=variance,
        variance_explanation=variance_explanation,
    )


def full_cost_problems(lines: Sequence[SheetLine], management_options: Iterable[ManagementOption]) -> list[str]:
    """Reasons the sheet does not pay the full cost of its services (Annex D 8.3.3), in words."""
    problems: list[str] = []
    allowed = set(management_options)
    categories = {line.category for line in lines}
    if not lines:
        problems.append("The budget sheet has no lines: it must show how the money will be spent.")
    if Category.PERSONAL_ASSISTANT_WAGES in categories:
        if Category.EMPLOYER_COSTS not in categories:
            problems.append(
                "The sheet pays personal assistant wages but has no employer costs line (employer's National "
                "Insurance, pension, holiday pay): the full cost of employing them is missing."
            )
        if Category.INSURANCE not in categories:
            problems.append(
                "The sheet pays personal assistant wages but has no insurance line: an employer must hold "
                "employer's liability insurance, so the full cost of employing them is missing."
            )
    problems.extend(
        f"'{line.description}' is managed as {line.management_option.label.lower()}, which this final budget "
        "does not include."
        for line in lines
        if line.management_option not in allowed
    )
    return problems


# --- budget years and payment schedules -------------------------------------------------------------------------


def budget_year(day: dt.date) -> tuple[dt.date, dt.date]:
    """The NHS financial year (1 April to 31 March) holding ``day``."""
    start_year = day.year if day >= dt.date(day.year, 4, 1) else day.year - 1
    return dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31)


def payment_date(first: dt.date, frequency: PaymentFrequency, index: int) -> dt.date:
    """The ``index``-th payment date (0 is the first)."""
    if frequency is PaymentFrequency.WEEKLY:
        return first + dt.timedelta(days=7 * index)
    if frequency is PaymentFrequency.FOUR_WEEKLY:
        return first + dt.timedelta(days=28 * index)
    return add_months(first, index)


@dataclass(frozen=True)
class SchedulePeriod:
    """One payment: due on ``period_start``, covering the days up to ``period_end`` inclusive."""

    number: int
    period_start: dt.date
    period_end: dt.date
    amount: Money
    share: Fraction  # 1 for a whole period; days covered / days in the period for a part period


@dataclass(frozen=True)
class Schedule:
    """A direct-payment schedule: the periods add up exactly to ``total``; ``annual`` is the amount annualised."""

    start: dt.date
    end: dt.date
    frequency: PaymentFrequency
    annual: Money
    total: Money
    periods: tuple[SchedulePeriod, ...] = field(default_factory=tuple)

    @property
    def is_part_year(self) -> bool:
        """Fewer days than the whole budget year."""
        year_start, year_end = budget_year(self.start)
        return (self.end - self.start).days < (year_end - year_start).days


def build_schedule(
    annual: Money, frequency: PaymentFrequency, start: dt.date, end: dt.date, *, covers_from: dt.date | None = None
) -> Schedule:
    """Payments from ``start`` to ``end`` (inclusive, inside one budget year) that add up exactly to what is due.

    ``annual`` is the authorised direct payment for a whole budget year. What is due is all of it when the schedule
    covers the whole year, or the share of its days that are covered (from ``covers_from``, default ``start``, to
    ``end``), rounded to the penny once (half up). A payment falls every period from ``start``; a last period of
    less than half its days is not a payment of its own (its days join the payment before: never an extra
    instalment, so a year of four-weekly payments is 13, of weekly payments 52, of monthly payments 12). What is
    due is then split by each payment's share of a whole period (a part period at the end by its days) with
    :func:`phb.money.allocate`: whole periods are equal to the penny, and the odd pennies go to the earliest.
    The amount per payment is never typed: it follows from the annual amount.
    """
    if end < start:
        raise BudgetRuleError("effective_to", "The end date must be on or after the first payment date")
    year_start, year_end = budget_year(start)
    if end > year_end:
        raise BudgetRuleError("effective_to", f"A schedule covers one budget year, ending by {year_end:%d/%m/%Y}")
    first_day = covers_from if covers_from is not None and covers_from <= start else start
    bounds: list[tuple[dt.date, dt.date, Fraction]] = []
    index = 0
    while (due := payment_date(start, frequency, index)) <= end:
        next_due = payment_date(start, frequency, index + 1)
        full_days = (next_due - due).days
        period_end = min(next_due - dt.timedelta(days=1), end)
        days = (period_end - due).days + 1
        if bounds and 2 * days < full_days:  # a stub: its days join the payment before
            previous_start, _previous_end, previous_share = bounds[-1]
            bounds[-1] = (previous_start, period_end, previous_share)
            break
        bounds.append((due, period_end, Fraction(min(days, full_days), full_days)))
        index += 1
    days_in_year = (year_end - year_start).days + 1
    covered = (end - first_day).days + 1
    if covered >= days_in_year:
        due_total = annual
    else:
        due_total = from_pence(round_half_up(Fraction(to_pence(annual)) * covered / days_in_year))
    common = math.lcm(*(share.denominator for _s, _e, share in bounds))
    weights = [int(share * common) for _s, _e, share in bounds]
    amounts = allocate(due_total, weights) if due_total.amount != 0 else [ZERO for _ in bounds]
    periods = tuple(
        SchedulePeriod(number=i + 1, period_start=s, period_end=e, amount=amount, share=share)
        for i, ((s, e, share), amount) in enumerate(zip(bounds, amounts, strict=True))
    )
    return Schedule(start=start, end=end, frequency=frequency, annual=annual, total=due_total, periods=periods)


def reduction_start(change_from: dt.date, decided_on: dt.date, notice_days: int) -> dt.date:
    """The first day a reduced direct payment may apply: not before the notice period has run from the decision."""
    return max(change_from, decided_on + dt.timedelta(days=notice_days))


def variance_needs_explanation(indicative: Money | None, final: Money) -> bool:
    """A final budget that differs from the indicative budget must say why (DOMAIN.md section 2)."""
    return indicative is not None and indicative != final


def check_money(value: str, field: str, *, allow_zero: bool = False) -> Money:
    """Parse a pounds-and-pence amount from a form, naming ``field`` in the message."""
    try:
        amount = gbp(value)
    except MoneyError as exc:
        text = str(exc)
        if "decimal places" in text:
            raise BudgetRuleError(
                field, "Enter an amount in pounds and pence, with at most two decimal places"
            ) from exc
        raise BudgetRuleError(field, "Enter an amount in pounds and pence, like 13.50") from exc
    if amount.amount < 0 or (amount.amount == 0 and not allow_zero):
        raise BudgetRuleError(field, "Amount must be more than £0" if not allow_zero else "Amount must not be negative")
    return amount


__all__ = [
    "HUNDRED",
    "BreakdownLine",
    "BudgetRuleError",
    "Category",
    "Frequency",
    "IndicativeCalculation",
    "ManagementOption",
    "Need",
    "NeedKind",
    "PaymentFrequency",
    "RateCardRates",
    "Recipient",
    "Schedule",
    "SchedulePeriod",
    "SheetLine",
    "SheetTotals",
    "annual_cost",
    "annualise",
    "budget_year",
    "build_schedule",
    "calculate_indicative",
    "full_cost_problems",
    "sheet_totals",
]
