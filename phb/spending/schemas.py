"""Input and output shapes for spending, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from moneyed import Money
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, field_validator

from phb.money import MoneyError, gbp
from phb.spending.planning import REG15_GROUNDS


def _money_in(value: object) -> Money:
    if isinstance(value, Money):
        return value
    if isinstance(value, float):
        raise ValueError("Enter an amount in pounds and pence, like 12.50")  # noqa: TRY004 - a form message
    try:
        return gbp(str(value))
    except MoneyError as exc:
        raise ValueError("Enter an amount in pounds and pence, like 12.50") from exc


def _money_out(value: Money) -> str:
    return f"{value.amount:.2f}"


# Money as read models carry it (validated where it is typed in), sent as "1234.50"; typed as Money so the
# OpenAPI document describes it (see phb.web.openapi.MoneySchemaPlugin).
MoneyAny = Annotated[Money, PlainValidator(_money_in), PlainSerializer(_money_out, return_type=str, when_used="json")]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class AccountKind(StrEnum):
    """Where a direct payment is held."""

    BANK_ACCOUNT = "bank_account"
    PREPAID_CARD = "prepaid_card"


class CommitmentKind(StrEnum):
    """Money already promised from the account."""

    WAGES_DUE = "wages_due"
    INVOICE_UNPAID = "invoice_unpaid"


class Resolution(StrEnum):
    """How a finding ends."""

    ACCEPTED = "accepted"
    ACCEPTED_PLAN_AMENDMENT = "accepted_plan_amendment"
    RECOVERY_REQUIRED = "recovery_required"
    REFERRED_TO_GOVERNANCE = "referred_to_governance"


LABELS = {
    "bank_account": "Bank account",
    "prepaid_card": "Prepaid card",
    "wages_due": "Wages due",
    "invoice_unpaid": "Invoice received, not yet paid",
    "accepted": "Accepted",
    "accepted_plan_amendment": "Accepted with a plan amendment",
    "recovery_required": "Recovery required",
    "referred_to_governance": "Referred to governance",
    "open": "Open",
    "queried": "Queried with the budget holder",
    "explained": "Explanation received",
    "resolved": "Resolved",
    "exclusion": "Excluded spending",
    "connected_person": "Payment to a connected person",
    "unplanned": "Unplanned spending",
    "surplus": "Surplus",
    "reconciled": "Reconciled",
    "mismatch": "Balance mismatch",
    "no_balance": "No balance column to reconcile",
}


class AccountCreate(BaseModel):
    """A new direct-payment account."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: AccountKind
    name: Annotated[str, Field(min_length=1, max_length=120)]
    provider: Annotated[str, Field(min_length=1, max_length=120)]
    reference: str | None = Field(default=None, max_length=40)
    opened_on: dt.date
    opening_balance: MoneyAny
    weekly_payment: MoneyAny | None = None
    surplus_threshold_weeks: Annotated[int, Field(ge=1, le=52)] = 8
    default_profile: str = "generic"

    @field_validator("reference", "weekly_payment", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("opening_balance", mode="before")
    @classmethod
    def _opening(cls, value: object) -> Money:
        return _money_in(value)

    @field_validator("weekly_payment", mode="before")
    @classmethod
    def _weekly(cls, value: object) -> Money | None:
        value = _blank_to_none(value)
        return None if value is None else _money_in(value)


class AccountRead(BaseModel):
    """An account as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    kind: AccountKind
    name: str
    provider: str
    reference: str | None
    opened_on: dt.date
    opening_balance: MoneyAny
    weekly_payment: MoneyAny | None
    surplus_threshold_weeks: int
    default_profile: str
    version: int


class CommitmentCreate(BaseModel):
    """Money committed from an account."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: CommitmentKind
    description: Annotated[str, Field(min_length=1, max_length=300)]
    amount: MoneyAny
    due_on: dt.date

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: object) -> Money:
        money = _money_in(value)
        if money.amount <= 0:
            raise ValueError("Enter an amount more than £0")
        return money


class CommitmentRead(BaseModel):
    """A commitment as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: CommitmentKind
    description: str
    amount: MoneyAny
    due_on: dt.date
    settled_on: dt.date | None


class ConnectedPersonCreate(BaseModel):
    """A connected person the account pays, and the plan's agreement if there is one."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    relationship: Annotated[str, Field(min_length=1, max_length=100)]
    payee_pattern: Annotated[str, Field(min_length=2, max_length=200)]
    agreement: str | None = Field(default=None, max_length=2000)
    agreed_on: dt.date | None = None
    plan_reference: str | None = Field(default=None, max_length=120)

    @field_validator("agreement", "agreed_on", "plan_reference", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class ConnectedPersonRead(BaseModel):
    """A connected person as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    relationship: str
    payee_pattern: str
    agreement: str | None
    agreed_on: dt.date | None
    plan_reference: str | None

    @property
    def allowed(self) -> bool:
        """The plan records an agreement allowing payments to them."""
        return bool(self.agreement and self.agreed_on)


class ImportRead(BaseModel):
    """A statement import as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    file_sha256: str
    profile: str
    rules_version: str
    imported_at: dt.datetime
    imported_by_name: str
    lines_read: int
    lines_added: int
    lines_flagged: int
    first_date: dt.date | None
    last_date: dt.date | None
    reconciliation: str
    reconciliation_notes: str | None
    findings_raised: int


class TransactionRead(BaseModel):
    """A statement line as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    posted_on: dt.date
    description: str
    payee: str
    amount: MoneyAny
    balance: MoneyAny | None
    mcc: str | None
    flag_category: str | None
    flag_reason: str | None
    flag_rule_id: str | None
    flag_rules_version: str | None
    match_status: str | None
    budget_line_id: int | None
    match_reason: str | None


class BalancePoint(BaseModel):
    """The account balance at the end of a day."""

    on: dt.date
    balance: MoneyAny


class SpendRow(BaseModel):
    """Spending against one budget sheet line (or category) over a period."""

    key: str
    label: str
    planned: MoneyAny | None
    spent: MoneyAny
    percent: int | None = None  # of plan, for the chart
    bar: int = 0  # 0-100, width of the chart bar


class SurplusRead(BaseModel):
    """The surplus check of an account."""

    balance: MoneyAny
    commitments: MoneyAny
    available: MoneyAny
    weekly_payment: MoneyAny | None
    threshold_weeks: int
    threshold: MoneyAny | None
    above: MoneyAny
    flagged: bool


class AccountSummary(BaseModel):
    """An account with its money picture."""

    account: AccountRead
    surplus: SurplusRead
    open_findings: int
    last_import: ImportRead | None


class FindingRow(BaseModel):
    """A row of the findings queue."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    person_name: str = ""
    account_id: int
    kind: str
    category: str
    payee: str | None
    reason: str
    amount: MoneyAny
    line_count: int
    first_date: dt.date | None
    status: str
    owner_id: int | None
    owner_name: str | None = None
    raised_on: dt.date
    due_on: dt.date
    resolution: str | None
    overdue: bool = False


class FindingRead(FindingRow):
    """A finding with everything its page shows."""

    last_date: dt.date | None
    query: str | None
    queried_on: dt.date | None
    explanation: str | None
    explained_on: dt.date | None
    resolution_note: str | None
    resolved_on: dt.date | None
    recovery_amount: MoneyAny | None
    recovery_ground: str | None
    repay_within_days: int | None
    repay_by: str | None
    decision_request_id: int | None
    referral_note: str | None
    version: int
    transactions: list[TransactionRead] = []
    history: list[str] = []
    decision_status: str | None = None


class AssignInput(BaseModel):
    """Who works a finding and by when."""

    owner_id: int | None = None
    due_on: dt.date
    version: int

    @field_validator("owner_id", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class QueryInput(BaseModel):
    """A question to the budget holder."""

    model_config = ConfigDict(str_strip_whitespace=True)

    query: Annotated[str, Field(min_length=1, max_length=4000)]
    version: int


class ExplanationInput(BaseModel):
    """The budget holder's explanation, as recorded by the team."""

    model_config = ConfigDict(str_strip_whitespace=True)

    explanation: Annotated[str, Field(min_length=1, max_length=4000)]
    version: int


class ResolutionInput(BaseModel):
    """How a finding is resolved; recovery needs the amount, a reg 15 ground, time allowed and who repays."""

    model_config = ConfigDict(str_strip_whitespace=True)

    resolution: Resolution
    note: Annotated[str, Field(min_length=1, max_length=4000)]
    recovery_amount: MoneyAny | None = None
    recovery_ground: str | None = None
    repay_within_days: Annotated[int, Field(ge=1, le=365)] | None = None
    repay_by: str | None = Field(default=None, max_length=200)
    version: int

    @field_validator("recovery_amount", "recovery_ground", "repay_within_days", "repay_by", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("recovery_amount", mode="before")
    @classmethod
    def _amount(cls, value: object) -> Money | None:
        value = _blank_to_none(value)
        return None if value is None else _money_in(value)

    @field_validator("recovery_ground")
    @classmethod
    def _ground(cls, value: str | None) -> str | None:
        if value is not None and value not in REG15_GROUNDS:
            raise ValueError("Choose one of the repayment grounds (a) to (f) of regulation 15")
        return value


class MatchInput(BaseModel):
    """Match a debit to a budget sheet line by hand (the team teaches a payee rule)."""

    budget_line_id: int


class ReportPeriod(BaseModel):
    """The period of an audit report."""

    start: dt.date
    end: dt.date


def decimal_or_none(value: Money | None) -> Decimal | None:
    """The amount of a Money, for spreadsheets."""
    return None if value is None else value.amount
