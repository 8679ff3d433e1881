"""Input and output shapes for budgets, shared by the HTML forms and the JSON API.

Money is ``moneyed.Money`` inside (templates format it with the ``money`` filter) and a string of pounds and
pence with two decimals in JSON ("189.00"); input takes the same string (or a whole number) and refuses more
than two decimal places rather than rounding. Quantities are decimals with at most two places.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from moneyed import Money
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    computed_field,
    field_validator,
    model_validator,
)

from phb import clock
from phb.budgets.exclusions import line_exclusion
from phb.budgets.rules import (
    BudgetRuleError,
    Category,
    Frequency,
    ManagementOption,
    NeedKind,
    PaymentFrequency,
    Recipient,
    check_money,
    parse_quantity,
)


def _money_in(value: object) -> Money:
    if isinstance(value, Money):
        return value
    if isinstance(value, float):  # JSON numbers arrive as floats; their text form is what the client sent
        value = repr(value)
    try:
        return check_money(str(value if value is not None else ""), "amount")
    except BudgetRuleError as exc:
        raise ValueError(exc.message) from exc


def _money_in_or_zero(value: object) -> Money:
    if isinstance(value, Money):
        return value
    if isinstance(value, float):
        value = repr(value)
    try:
        return check_money(str(value if value is not None else ""), "amount", allow_zero=True)
    except BudgetRuleError as exc:
        raise ValueError(exc.message) from exc


def _money_out(value: Money) -> str:
    return f"{value.amount:.2f}"


_MONEY_SCHEMA = WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["189.00"]})
# A positive amount of pounds and pence.
MoneyField = Annotated[Money, PlainValidator(_money_in), PlainSerializer(_money_out, return_type=str), _MONEY_SCHEMA]
# An amount that may be zero (totals, balances, output).
MoneyAny = Annotated[
    Money, PlainValidator(_money_in_or_zero), PlainSerializer(_money_out, return_type=str), _MONEY_SCHEMA
]


def _quantity(value: object) -> Decimal:
    if isinstance(value, float):
        value = repr(value)
    try:
        return parse_quantity(str(value if value is not None else "").strip() or "missing")
    except BudgetRuleError as exc:
        raise ValueError(exc.message) from exc


Quantity = Annotated[
    Decimal, PlainValidator(_quantity), PlainSerializer(lambda d: f"{d:f}", return_type=str), WithJsonSchema({})
]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class _In(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, arbitrary_types_allowed=True)


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True, arbitrary_types_allowed=True)


# --- rate card ----------------------------------------------------------------------------------------------------


class RateCardCreate(_In):
    """A new version of the rate card, in force from ``effective_from``. Leave a rate blank if there is none."""

    effective_from: dt.date
    pa_weekday_hour: MoneyField | None = None
    pa_weekend_hour: MoneyField | None = None
    pa_night_hour: MoneyField | None = None
    agency_hour: MoneyField | None = None
    waking_night: MoneyField | None = None
    sleeping_night: MoneyField | None = None
    respite_week: MoneyField | None = None
    employer_on_costs_percent: Decimal | None = Field(default=None, ge=0, le=100)
    payroll_fee_monthly: MoneyField | None = None
    notes: str | None = Field(default=None, max_length=2000)

    @field_validator(
        "pa_weekday_hour",
        "pa_weekend_hour",
        "pa_night_hour",
        "agency_hour",
        "waking_night",
        "sleeping_night",
        "respite_week",
        "employer_on_costs_percent",
        "payroll_fee_monthly",
        "notes",
        mode="before",
    )
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("employer_on_costs_percent")
    @classmethod
    def _two_places(cls, value: Decimal | None) -> Decimal | None:
        if value is not None and value != value.quantize(Decimal("0.01")):
            raise ValueError("Employer on-costs can have at most two decimal places, like 12.5")
        return value


class RateCardRead(_Out):
    """A rate card version."""

    id: int
    version: int
    effective_from: dt.date
    pa_weekday_hour: MoneyAny | None
    pa_weekend_hour: MoneyAny | None
    pa_night_hour: MoneyAny | None
    agency_hour: MoneyAny | None
    waking_night: MoneyAny | None
    sleeping_night: MoneyAny | None
    respite_week: MoneyAny | None
    employer_on_costs_percent: Decimal | None
    payroll_fee_monthly: MoneyAny | None
    notes: str | None
    created_at: dt.datetime


# --- assessment of need -------------------------------------------------------------------------------------------


class AssessmentItemCreate(_In):
    """One assessed need. Kinds priced from the rate card take no unit cost; equipment, therapy, other do."""

    kind: NeedKind
    description: str = Field(default="", max_length=200)
    quantity: Quantity
    frequency: Frequency
    unit_cost: MoneyField | None = None

    @field_validator("unit_cost", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @model_validator(mode="after")
    def _priced(self) -> AssessmentItemCreate:
        if not self.kind.priced_from_rate_card and self.unit_cost is None:
            raise ValueError(f"Enter the unit cost of the {self.kind.label}")
        if self.kind.priced_from_rate_card and self.unit_cost is not None:
            raise ValueError(f"{self.kind.label.capitalize()} is priced from the rate card: leave unit cost blank")
        return self


class AssessmentCreate(_In):
    """An assessment of need: when, a summary, and (through the API) its needs all at once."""

    assessed_on: dt.date
    summary: str | None = Field(default=None, max_length=4000)
    items: list[AssessmentItemCreate] = []

    @field_validator("assessed_on")
    @classmethod
    def _not_future(cls, value: dt.date) -> dt.date:
        if value > clock.today():
            raise ValueError("Assessment date must be today or in the past")
        return value


class AssessmentItemRead(_Out):
    """An assessed need."""

    id: int
    kind: NeedKind
    description: str
    quantity: Quantity
    frequency: Frequency
    unit_cost: MoneyAny | None


class AssessmentRead(_Out):
    """An assessment of need with its items."""

    id: int
    assessed_on: dt.date
    assessor_name: str
    summary: str | None
    locked: bool
    created_at: dt.datetime
    items: list[AssessmentItemRead] = []


# --- decisions and the indicative budget --------------------------------------------------------------------------


class DecisionCreate(_In):
    """A decision-maker's decision on a budget's governance request: authorise or refuse, and why.

    A refusal also says what other ways of meeting the person's needs were offered (``alternatives``): the
    person is told them and may appeal.
    """

    outcome: Literal["authorised", "refused"]
    reasons: str = Field(min_length=1, max_length=4000)
    alternatives: str | None = Field(default=None, max_length=4000)

    @field_validator("alternatives", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


Status = Literal["awaiting authorisation", "awaiting second approval", "authorised", "refused"]


class AuthorisationRequestRead(_Out):
    """Where a budget's governance decision request stands: its level, why it was routed there, who acted."""

    id: int
    status: str  # open | decided
    level: int | None
    at_panel: bool
    routing_reason: str
    first_approver_name: str | None = None  # a two-person decision waiting for its second approval


class DecisionRead(_Out):
    """A recorded decision."""

    id: int
    subject_type: str
    subject_id: int
    outcome: str
    decided_by_name: str
    decided_by_role: str
    decided_at: dt.datetime
    reasons: str


class IndicativeCalculate(_In):
    """Work out an indicative budget from an assessment, priced with the rate card in force on ``priced_on``."""

    assessment_id: int
    priced_on: dt.date | None = None
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("priced_on", "reason", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class BreakdownLineRead(_Out):
    """One step of the indicative budget."""

    text: str
    category: Category
    annual: MoneyAny
    kind: str


class IndicativeBudgetRead(_Out):
    """An indicative budget, its breakdown and its authorisation."""

    id: int
    number: int
    annual_amount: MoneyAny
    assessment_id: int
    rate_card_id: int
    rate_card_version: int
    rate_card_effective_from: dt.date
    breakdown: list[BreakdownLineRead]
    proposed_by_id: int | None
    proposed_by_name: str
    proposed_at: dt.datetime
    reason: str | None
    status: Status
    decision: DecisionRead | None = None
    request: AuthorisationRequestRead | None = None


# --- budget sheet -------------------------------------------------------------------------------------------------


class SheetLineCreate(_In):
    """A budget sheet line; ``sheet_version`` is the version the editor saw (409 if someone saved since)."""

    description: str = Field(min_length=1, max_length=300)
    outcomes: str = Field(default="", max_length=2000)  # outcome labels, one per line
    category: Category
    unit_cost: MoneyField
    quantity: Quantity
    frequency: Frequency
    management_option: ManagementOption
    reason: str | None = Field(default=None, max_length=2000)
    sheet_version: int | None = None

    @field_validator("reason", "sheet_version", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class SheetChange(_In):
    """Removing a line or otherwise changing the sheet: why, and the version the editor saw."""

    reason: str | None = Field(default=None, max_length=2000)
    sheet_version: int | None = None

    @field_validator("reason", "sheet_version", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class VarianceExplanation(SheetChange):
    """Why the budget differs from the indicative budget."""

    explanation: str = Field(min_length=1, max_length=4000)


class SheetLineRead(_Out):
    """A budget sheet line."""

    id: int
    line_key: str
    description: str
    outcomes: list[str]
    category: Category
    unit_cost: MoneyAny
    quantity: Quantity
    frequency: Frequency
    annual_cost: MoneyAny
    management_option: ManagementOption

    @property
    def category_label(self) -> str:
        """As people say it."""
        return self.category.label

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exclusion(self) -> str | None:
        """Why the budget cannot pay for this line as planned (Annex D 8.4), in words; None when it can."""
        found = line_exclusion(self.description, self.management_option)
        return None if found is None else found.reason


class TotalRead(_Out):
    """A labelled total."""

    key: str
    label: str
    amount: MoneyAny
    percent: Decimal = Decimal(0)  # share of the sheet's annual total, for the chart


class SheetRead(_Out):
    """A budget sheet version with its lines and totals."""

    person_id: int
    version: int
    latest_version: int
    created_at: dt.datetime | None
    created_by_name: str | None
    change: str | None
    reason: str | None
    lines: list[SheetLineRead]
    annual_total: MoneyAny
    by_category: list[TotalRead]
    by_management_option: list[TotalRead]
    final_budget_annual: MoneyAny | None
    remaining: MoneyAny | None
    indicative_annual: MoneyAny | None
    variance: MoneyAny | None
    variance_explanation: str | None
    # The version the budget in force authorises (None before a final budget is authorised). A later version is a
    # draft: it waits for a budget review decision, and until then the authorised version is what is paid.
    authorised_version: int | None = None

    @property
    def is_latest(self) -> bool:
        """This is the current version."""
        return self.version == self.latest_version

    @property
    def has_draft(self) -> bool:
        """The sheet was changed after it was authorised, and the change is not yet decided."""
        return self.authorised_version is not None and self.latest_version > self.authorised_version


class SheetVersionRead(_Out):
    """One version in a sheet's history."""

    number: int
    change: str
    reason: str | None
    created_by_name: str
    created_at: dt.datetime
    annual_total: MoneyAny


class LineDifference(_Out):
    """One line compared between two versions."""

    line_key: str
    status: Literal["added", "removed", "changed", "unchanged"]
    before: SheetLineRead | None
    after: SheetLineRead | None
    changed_fields: list[str] = []


class SheetComparison(_Out):
    """Two budget sheet versions side by side."""

    before: SheetRead
    after: SheetRead
    lines: list[LineDifference]
    total_difference: MoneyAny


# --- final budget and schedule ------------------------------------------------------------------------------------


class FinalBudgetCreate(_In):
    """A final budget put forward for authorisation."""

    annual_amount: MoneyField
    effective_from: dt.date
    effective_to: dt.date | None = None
    management_options: list[ManagementOption] = Field(min_length=1)
    variance_explanation: str | None = Field(default=None, max_length=4000)
    dp_frequency: PaymentFrequency | None = None
    dp_first_payment_on: dt.date | None = None
    dp_recipient: Recipient | None = None
    dp_notice_days: int | None = Field(default=None, ge=0, le=365)
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator(
        "effective_to",
        "variance_explanation",
        "dp_frequency",
        "dp_first_payment_on",
        "dp_recipient",
        "dp_notice_days",
        "reason",
        mode="before",
    )
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("management_options", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        if isinstance(value, str):
            return [value] if value else []
        return value

    @field_validator("effective_to")
    @classmethod
    def _end_after_start(cls, value: dt.date | None, info: object) -> dt.date | None:
        start = getattr(info, "data", {}).get("effective_from")
        if value is not None and start is not None and value < start:
            raise ValueError("The end date must be on or after the start date")
        return value

    @property
    def has_direct_payment(self) -> bool:
        """A direct payment is one of the management options."""
        return ManagementOption.DIRECT_PAYMENT in self.management_options

    def direct_payment_errors(self) -> dict[str, str]:
        """Messages for direct-payment fields that are missing or out of range (checked after field validation)."""
        errors: dict[str, str] = {}
        if not self.has_direct_payment:
            return errors
        required = {
            "dp_frequency": "Choose how often the direct payment is paid",
            "dp_first_payment_on": "Enter the date of the first direct payment",
            "dp_recipient": "Choose who receives the direct payment",
            "dp_notice_days": "Enter the notice period (in days) for a reduction of the direct payment",
        }
        errors = {name: message for name, message in required.items() if getattr(self, name) is None}
        first = self.dp_first_payment_on
        if first is not None and first < self.effective_from:
            errors["dp_first_payment_on"] = "The first payment date must be on or after the start date"
        if first is not None and self.effective_to is not None and first > self.effective_to:
            errors["dp_first_payment_on"] = "The first payment date must be on or before the end date"
        return errors


class FinalBudgetRead(_Out):
    """A final budget and its authorisation."""

    id: int
    number: int
    sheet_version: int
    indicative_budget_id: int | None
    annual_amount: MoneyAny
    effective_from: dt.date
    effective_to: dt.date | None
    management_options: list[ManagementOption]
    variance_explanation: str | None
    dp_amount_per_period: MoneyAny | None
    dp_frequency: PaymentFrequency | None
    dp_first_payment_on: dt.date | None
    dp_recipient: Recipient | None
    dp_notice_days: int | None
    dp_annual: MoneyAny | None
    proposed_by_id: int | None
    proposed_by_name: str
    proposed_at: dt.datetime
    reason: str | None
    status: Status
    decision: DecisionRead | None = None
    request: AuthorisationRequestRead | None = None


class ScheduledPaymentRead(_Out):
    """One payment."""

    number: int
    due_on: dt.date
    period_end: dt.date
    amount: MoneyAny


class PaymentScheduleRead(_Out):
    """A direct-payment schedule and its payments."""

    id: int
    final_budget_id: int
    replaces_id: int | None
    starts_on: dt.date
    ends_on: dt.date
    frequency: PaymentFrequency
    amount_per_period: MoneyAny
    total: MoneyAny
    note: str | None
    payments: list[ScheduledPaymentRead]


class BudgetOverview(_Out):
    """Everything about a person's budget at a glance (the budget page and ``GET .../budget``)."""

    person_id: int
    assessments: list[AssessmentRead]
    indicative_budgets: list[IndicativeBudgetRead]
    sheet: SheetRead
    final_budgets: list[FinalBudgetRead]
    schedules: list[PaymentScheduleRead]
    stage: str

    @property
    def current_indicative(self) -> IndicativeBudgetRead | None:
        """The newest indicative budget."""
        return self.indicative_budgets[0] if self.indicative_budgets else None

    @property
    def current_final(self) -> FinalBudgetRead | None:
        """The newest final budget (proposed, authorised or refused)."""
        return self.final_budgets[0] if self.final_budgets else None

    @property
    def current_schedule(self) -> PaymentScheduleRead | None:
        """The newest payment schedule."""
        return self.schedules[0] if self.schedules else None
