"""Budget records. Nothing here is ever overwritten: each change is a new row with who, when and why.

* A rate card version is a row with an effective date; budgets point at the version they used.
* An assessment of need holds costed needs; once an indicative budget is worked out from it, it is locked.
* An indicative budget and a final budget are rows whose authorisation is a separate decision row.
* The budget sheet is versioned by number per person. A line row is never edited: changing a line adds a new
  row (same ``line_key``) in a new version and closes the old row's life (``removed_in``); removing a line only
  closes it. The lines of version *n* are those with ``added_in <= n`` and ``removed_in`` empty or ``> n``, so
  ``removed_in IS NULL`` gives the current sheet and any older version can be rebuilt exactly.
* Quantities are stored as integer hundredths (7.5 hours is 750): exact on both databases, where a NUMERIC on
  SQLite would pass through a float.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from moneyed import Money
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from phb.audit.models import Audited
from phb.db import Base, MoneyType, UTCDateTime, utcnow

HUNDREDTHS = Decimal(100)


def to_hundredths(value: Decimal) -> int:
    """7.5 -> 750 (the value has at most two decimal places: the rules check that first)."""
    return int(value * HUNDREDTHS)


def from_hundredths(value: int) -> Decimal:
    """750 -> Decimal('7.5')."""
    return (Decimal(value) / HUNDREDTHS).normalize() if value % 100 else Decimal(value // 100)


class RateCard(Audited, Base):
    """One version of the local rate card, in force from ``effective_from`` until the next version's date."""

    __tablename__ = "budget_rate_cards"
    __audit_person__ = None

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    effective_from: Mapped[dt.date] = mapped_column(Date, unique=True)
    pa_weekday_hour: Mapped[Money | None] = mapped_column(MoneyType)
    pa_weekend_hour: Mapped[Money | None] = mapped_column(MoneyType)
    pa_night_hour: Mapped[Money | None] = mapped_column(MoneyType)
    agency_hour: Mapped[Money | None] = mapped_column(MoneyType)
    waking_night: Mapped[Money | None] = mapped_column(MoneyType)
    sleeping_night: Mapped[Money | None] = mapped_column(MoneyType)
    respite_week: Mapped[Money | None] = mapped_column(MoneyType)
    employer_on_costs_hundredths: Mapped[int | None] = mapped_column(Integer)  # 12.5% is 1250
    payroll_fee_monthly: Mapped[Money | None] = mapped_column(MoneyType)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assessment(Audited, Base):
    """An assessment of need: who assessed, when, and the costed needs (its items)."""

    __tablename__ = "budget_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assessor_name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(default=False)  # an indicative budget was worked out from it
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssessmentItem(Audited, Base):
    """One assessed need: a kind of support, how much, how often (priced items carry their unit cost)."""

    __tablename__ = "budget_assessment_items"
    __audit_person__ = None

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("budget_assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity_hundredths: Mapped[int]
    frequency: Mapped[str] = mapped_column(String(20))
    unit_cost: Mapped[Money | None] = mapped_column(MoneyType)


class IndicativeBudget(Audited, Base):
    """An indicative budget worked out from an assessment and a rate card version, with its breakdown."""

    __tablename__ = "budget_indicative_budgets"
    __table_args__ = (UniqueConstraint("person_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    assessment_id: Mapped[int] = mapped_column(ForeignKey("budget_assessments.id", ondelete="RESTRICT"))
    rate_card_id: Mapped[int] = mapped_column(ForeignKey("budget_rate_cards.id", ondelete="RESTRICT"))
    annual_amount: Mapped[Money] = mapped_column(MoneyType)
    breakdown: Mapped[str] = mapped_column(Text)  # JSON list of {text, category, annual_pence, ...}
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_by_name: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


class BudgetSheetVersion(Audited, Base):
    """One version of a person's budget sheet: who made the change, when, why, and what it was."""

    __tablename__ = "budget_sheet_versions"
    __table_args__ = (UniqueConstraint("person_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    change: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(Text)
    variance_explanation: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BudgetSheetLine(Audited, Base):
    """A budget sheet line, alive from version ``added_in`` until (excluding) version ``removed_in``."""

    __tablename__ = "budget_sheet_lines"
    __table_args__ = (Index("ix_budget_sheet_lines_person_id_removed_in", "person_id", "removed_in"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    line_key: Mapped[str] = mapped_column(String(36), index=True)  # the same line across its edits
    added_in: Mapped[int]
    removed_in: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(300))
    outcomes: Mapped[str] = mapped_column(Text, default="")  # outcome labels, one per line of text
    category: Mapped[str] = mapped_column(String(40))
    unit_cost: Mapped[Money] = mapped_column(MoneyType)
    quantity_hundredths: Mapped[int]
    frequency: Mapped[str] = mapped_column(String(20))
    annual_cost: Mapped[Money] = mapped_column(MoneyType)
    management_option: Mapped[str] = mapped_column(String(20))


class FinalBudget(Audited, Base):
    """A proposed final budget: the amount, its dates, how it is held, and the direct payment's terms."""

    __tablename__ = "budget_final_budgets"
    __table_args__ = (UniqueConstraint("person_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    sheet_version: Mapped[int]  # the budget sheet version it was proposed with
    indicative_budget_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_indicative_budgets.id", ondelete="RESTRICT")
    )
    annual_amount: Mapped[Money] = mapped_column(MoneyType)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    management_options: Mapped[str] = mapped_column(String(100))  # comma-separated ManagementOption values
    variance_explanation: Mapped[str | None] = mapped_column(Text)
    # The authorised direct payment for a whole budget year: the sheet's direct-payment lines, never typed.
    dp_annual: Mapped[Money | None] = mapped_column(MoneyType)
    dp_amount_per_period: Mapped[Money | None] = mapped_column(MoneyType)  # the first payment of a whole year
    dp_frequency: Mapped[str | None] = mapped_column(String(20))
    dp_first_payment_on: Mapped[dt.date | None] = mapped_column(Date)
    dp_recipient: Mapped[str | None] = mapped_column(String(20))
    dp_notice_days: Mapped[int | None]
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_by_name: Mapped[str] = mapped_column(String(200))
    proposed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)


class BudgetDecision(Audited, Base):
    """An authorisation decision about an indicative or final budget: who, in which role, when, and why.

    Until the governance package routes these decisions, this row *is* the decision record.
    """

    __tablename__ = "budget_decisions"
    __table_args__ = (Index("ix_budget_decisions_subject_type_subject_id", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(30))  # "indicative_budget" | "final_budget"
    subject_id: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(20))  # "authorised" | "refused"
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_name: Mapped[str] = mapped_column(String(200))
    decided_by_role: Mapped[str] = mapped_column(String(40))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    reasons: Mapped[str] = mapped_column(Text)


class PaymentSchedule(Audited, Base):
    """The direct-payment schedule of an authorised final budget for one budget year.

    A mid-year change adds a new schedule that ``replaces`` the previous one from ``starts_on``; the earlier
    schedule's payments before that date stand, and its rows are never changed.
    """

    __tablename__ = "budget_payment_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    final_budget_id: Mapped[int] = mapped_column(ForeignKey("budget_final_budgets.id", ondelete="CASCADE"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("budget_payment_schedules.id", ondelete="SET NULL"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    frequency: Mapped[str] = mapped_column(String(20))
    amount_per_period: Mapped[Money] = mapped_column(MoneyType)
    total: Mapped[Money] = mapped_column(MoneyType)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledPayment(Audited, Base):
    """One payment of a schedule."""

    __tablename__ = "budget_scheduled_payments"
    __audit_person__ = None

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("budget_payment_schedules.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    due_on: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Money] = mapped_column(MoneyType)
