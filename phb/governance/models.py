"""Governance records.

Framework versions, decision requests and their steps, outcomes, the sign-off checklist, risk enablement panels
and local principles.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moneyed import Money
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from phb.audit.models import Audited
from phb.db import Base, MoneyType, UTCDateTime, VersionedMixin, utcnow


class FrameworkVersion(Audited, Base):
    """One loaded governance framework; the one in force on a date is the latest effective on or before it."""

    __tablename__ = "governance_frameworks"
    __audit_person__ = None
    __table_args__ = (Index("ix_governance_frameworks_effective_from", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)  # the TOML exactly as loaded
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    loaded_by_label: Mapped[str] = mapped_column(String(200))
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionRequest(VersionedMixin, Audited, Base):
    """A decision asked for about a person, where it sits in the framework, and how it ended."""

    __tablename__ = "decision_requests"
    __table_args__ = (
        Index("ix_decision_requests_status_current_level", "status", "current_level"),
        Index("ix_decision_requests_subject_type_subject_id", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    decision_type: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Money | None] = mapped_column(MoneyType)
    increase: Mapped[Money | None] = mapped_column(MoneyType)
    item_amount: Mapped[Money | None] = mapped_column(MoneyType)
    subject_type: Mapped[str | None] = mapped_column(String(60))
    subject_id: Mapped[int | None]
    unusual: Mapped[bool] = mapped_column(default=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    residual_risk: Mapped[int | None]  # the person's highest residual rating when routed
    framework_id: Mapped[int | None] = mapped_column(ForeignKey("governance_frameworks.id", ondelete="RESTRICT"))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    routing_reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default="open")  # open | decided | withdrawn
    current_level: Mapped[int | None]  # None while at a risk enablement panel
    at_panel: Mapped[bool] = mapped_column(default=False)
    step_started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    step_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    first_approver_reasons: Mapped[str | None] = mapped_column(Text)  # the first of two approvers' own reasons
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    steps: Mapped[list[DecisionStep]] = relationship(
        back_populates="request", lazy="raise", order_by="DecisionStep.id", cascade="all, delete-orphan"
    )


class DecisionStep(Audited, Base):
    """One step of a request's journey: routed, escalated, approved... with who, when, and whether on time."""

    __tablename__ = "decision_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("decision_requests.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    level: Mapped[int | None]
    at_panel: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    actor_label: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(40))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    step_started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    step_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)

    request: Mapped[DecisionRequest] = relationship(back_populates="steps", lazy="raise")


class DecisionOutcome(Audited, Base):
    """How a request ended: who decided, in which role and at which level, when, what was considered and why."""

    __tablename__ = "decision_outcomes"
    __table_args__ = (Index("ix_decision_outcomes_subject_type_subject_id", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("decision_requests.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    decision_type: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(60))
    subject_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(30))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    decided_by_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    level: Mapped[int | None]  # None: a risk enablement panel decided
    by_panel: Mapped[bool] = mapped_column(default=False)
    second_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    second_approver_name: Mapped[str | None] = mapped_column(String(200))
    second_approver_role: Mapped[str | None] = mapped_column(String(40))
    second_approver_reasons: Mapped[str | None] = mapped_column(Text)  # ``reasons`` are the first approver's
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    considered: Mapped[str] = mapped_column(Text)
    reasons: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    alternatives: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    for_person: Mapped[str] = mapped_column(Text)  # the decision in plain English


class DecisionExclusion(Audited, Base):
    """Someone who may not decide a request, and why (they took the decision an appeal overturned)."""

    __tablename__ = "decision_exclusions"
    __table_args__ = (UniqueConstraint("request_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("decision_requests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    reason: Mapped[str] = mapped_column(Text)


class SignOffCheck(VersionedMixin, Audited, Base):
    """One item of a person's sign-off checklist, and who recorded it when."""

    __tablename__ = "sign_off_checks"
    __table_args__ = (UniqueConstraint("person_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # met | not_applicable | missing
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelMeeting(VersionedMixin, Audited, Base):
    """A risk enablement panel meeting."""

    __tablename__ = "panel_meetings"
    __audit_person__ = None

    id: Mapped[int] = mapped_column(primary_key=True)
    meets_on: Mapped[dt.date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="planned")  # planned | held
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendance: Mapped[list[PanelAttendance]] = relationship(
        back_populates="meeting", lazy="raise", order_by="PanelAttendance.id", cascade="all, delete-orphan"
    )


class PanelAttendance(Audited, Base):
    """Someone at a panel meeting, their role there, and any conflict of interest they declared."""

    __tablename__ = "panel_attendance"
    __audit_person__ = None
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    attended: Mapped[bool] = mapped_column(default=True)  # False: sent apologies
    # Attendance counts to quorum only once confirmed: by the member themselves, or by the chair with a reason that
    # stays on the record (so one person cannot make a panel quorate by listing others as present).
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_by_name: Mapped[str | None] = mapped_column(String(200))
    confirmation_reason: Mapped[str | None] = mapped_column(Text)
    # A declared conflict of interest on one referral: they take no part in it and do not count to its quorum.
    conflict_referral_id: Mapped[int | None] = mapped_column(ForeignKey("panel_referrals.id", ondelete="SET NULL"))
    conflict_of_interest: Mapped[str | None] = mapped_column(Text)

    meeting: Mapped[PanelMeeting] = relationship(back_populates="attendance", lazy="raise")


class PanelNonStaffAttendee(Audited, Base):
    """Someone who is not staff at a panel meeting for one case: the person, a family member, an advocate, other.

    They take part in the discussion of that case (Annex F: openness with people and families) but are never
    panel members, so they never count to its quorum.
    """

    __tablename__ = "panel_non_staff_attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("panel_meetings.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("panel_referrals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # person | family | advocate | other
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_person: Mapped[str] = mapped_column(String(200))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelReferral(VersionedMixin, Audited, Base):
    """A case referred to a risk enablement panel, and (once heard) the panel's decision on it."""

    __tablename__ = "panel_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("decision_requests.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    why_normal_routes_failed: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    papers: Mapped[str | None] = mapped_column(Text)  # text and links
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    referred_by_name: Mapped[str] = mapped_column(String(200))
    referred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("panel_meetings.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="waiting")  # waiting | on_agenda | decided
    information_considered: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(30))
    reasons: Mapped[str | None] = mapped_column(Text)
    conditions: Mapped[str | None] = mapped_column(Text)
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    tell_person_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    tell_person_by_name: Mapped[str | None] = mapped_column(String(200))
    person_told_on: Mapped[dt.date | None] = mapped_column(Date)


class LocalPrinciple(Audited, Base):
    """A panel or level-4 decision kept as a precedent, with the principle it sets."""

    __tablename__ = "local_principles"
    __audit_person__ = None  # a principle is about how the area decides, not about one person

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("decision_outcomes.id", ondelete="CASCADE"), unique=True)
    decision_type: Mapped[str] = mapped_column(String(40), index=True)
    principle: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    keywords: Mapped[str] = mapped_column(Text)  # space-separated, from the request and the principle
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
