"""The single care and support plan: one per person, every change a new version, and its reviews.

A :class:`CarePlan` is the person's one plan. Its content lives in :class:`PlanVersion` rows: a change never
updates a version, it copies the current one (with its outcomes, actions, links and people involved) into a
new numbered version saying who changed it, when and why. Old versions stay, so the plan as it stood on any
day can be shown, printed and counted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from phb.audit.models import Audited
from phb.db import Base, UTCDateTime, VersionedMixin, utcnow


class CarePlan(VersionedMixin, Audited, Base):
    """A person's single care and support plan (001 Annex C 7.2): the facts that are not plan content."""

    __tablename__ = "care_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    current_version: Mapped[int] = mapped_column(default=1)
    # The first agreement makes it a new plan for the quarterly count; agreeing again after a review does not.
    first_agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    # Until the budgets area's payment schedule is wired in, the first direct payment date is recorded here.
    first_direct_payment_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanVersion(Audited, Base):
    """One version of the plan's content. Never updated: a change is the next version."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    stage: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_name: Mapped[str] = mapped_column(String(200))
    change_summary: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(Text)

    # The one-page summary (001 Annex C 7.2.2).
    appreciate_about_me: Mapped[str] = mapped_column(Text, default="")
    important_to_me: Mapped[str] = mapped_column(Text, default="")
    how_to_support_me: Mapped[str] = mapped_column(Text, default="")
    health_summary: Mapped[str] = mapped_column(Text, default="")
    # The rest of the single plan (Annex C 7.2; Annex D 8.3.2).
    aspirations: Mapped[str] = mapped_column(Text, default="")
    self_management: Mapped[str] = mapped_column(Text, default="")
    risk_management: Mapped[str] = mapped_column(Text, default="")
    contingency: Mapped[str] = mapped_column(Text, default="")
    capacity_and_decisions: Mapped[str] = mapped_column(Text, default="")
    # Arrangements.
    care_coordinator: Mapped[str] = mapped_column(String(200), default="")
    health_monitor: Mapped[str] = mapped_column(String(200), default="")
    budget_management: Mapped[str | None] = mapped_column(String(30))
    budget_arrangements: Mapped[str] = mapped_column(Text, default="")
    # Stand-in until the budgets area's budget sheet can be looked up: "the budget sheet is part of the plan".
    budget_sheet_included: Mapped[bool] = mapped_column(default=False)
    cohort: Mapped[str | None] = mapped_column(String(40))
    team: Mapped[str] = mapped_column(String(100), default="")
    local_category: Mapped[str] = mapped_column(String(100), default="")
    # Involvement (criterion 1).
    person_prepared: Mapped[bool] = mapped_column(default=False)
    person_chose_involved: Mapped[bool] = mapped_column(default=False)
    involvement_notes: Mapped[str] = mapped_column(Text, default="")
    # Review arrangements (criterion 5; Annex D 8.3.2 "date of the first review, and how it will be carried out").
    review_interval_months: Mapped[int | None]
    review_method: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    knows_how_to_request_review: Mapped[bool] = mapped_column(default=False)
    # Agreement.
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    agreed_by: Mapped[str] = mapped_column(String(200), default="")
    # Evidence for the five criteria of 003: met (None: not yet assessed) and what shows it.
    criterion_1_met: Mapped[bool | None]
    criterion_1_evidence: Mapped[str] = mapped_column(Text, default="")
    criterion_2_met: Mapped[bool | None]
    criterion_2_evidence: Mapped[str] = mapped_column(Text, default="")
    criterion_3_met: Mapped[bool | None]
    criterion_3_evidence: Mapped[str] = mapped_column(Text, default="")
    criterion_4_met: Mapped[bool | None]
    criterion_4_evidence: Mapped[str] = mapped_column(Text, default="")
    criterion_5_met: Mapped[bool | None]
    criterion_5_evidence: Mapped[str] = mapped_column(Text, default="")

    outcomes: Mapped[list[PlanOutcome]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PlanOutcome.ref"
    )
    actions: Mapped[list[PlanAction]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PlanAction.ref"
    )
    links: Mapped[list[LinkedPlan]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="LinkedPlan.ref"
    )
    participants: Mapped[list[PlanParticipant]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PlanParticipant.ref"
    )


class PlanOutcome(Audited, Base):
    """An outcome in the person's own words; ``ref`` identifies it across versions."""

    __tablename__ = "plan_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    ref: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(200))
    person_involved: Mapped[bool]
    progress: Mapped[str | None] = mapped_column(String(30))  # from the latest review


class PlanAction(Audited, Base):
    """Who does what, by when, towards which outcome."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    ref: Mapped[int]
    outcome_ref: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)


class LinkedPlan(Audited, Base):
    """Another plan the person has (EHC, CPA, social care...) and who owns it."""

    __tablename__ = "plan_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    ref: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))


class PlanParticipant(Audited, Base):
    """Someone involved in planning, and whether the person chose them."""

    __tablename__ = "plan_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    ref: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    chosen_by_person: Mapped[bool]


class PlanReview(VersionedMixin, Audited, Base):
    """A formal review: asked for (open), then held and recorded (completed)."""

    __tablename__ = "plan_reviews"
    __table_args__ = (Index("ix_plan_reviews_plan_id_status", "plan_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("care_plans.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))  # "requested" | "completed"
    kind: Mapped[str] = mapped_column(String(20))  # "first" | "scheduled" | "requested"
    requested_on: Mapped[dt.date | None] = mapped_column(Date)
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    request_reason: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[dt.date | None] = mapped_column(Date)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_name: Mapped[str] = mapped_column(String(200), default="")
    changed_needs: Mapped[str] = mapped_column(Text, default="")
    budget_use: Mapped[str] = mapped_column(Text, default="")
    risk_changes: Mapped[str] = mapped_column(Text, default="")
    insurance: Mapped[str | None] = mapped_column(String(20))
    training: Mapped[str | None] = mapped_column(String(20))
    employer_duties: Mapped[str | None] = mapped_column(String(20))
    provider_registration: Mapped[str | None] = mapped_column(String(20))
    budget_covers_full_cost: Mapped[bool | None]
    budget_review_needed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(Text, default="")
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    version_before: Mapped[int | None]
    version_after: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    outcomes: Mapped[list[ReviewOutcome]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ReviewOutcome.outcome_ref"
    )


class ReviewOutcome(Audited, Base):
    """Progress on one outcome, recorded at a review."""

    __tablename__ = "plan_review_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("plan_reviews.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    outcome_ref: Mapped[int]
    outcome_text: Mapped[str] = mapped_column(Text)
    progress: Mapped[str] = mapped_column(String(30))
    comment: Mapped[str] = mapped_column(Text, default="")
