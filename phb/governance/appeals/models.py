"""Decision notices, appeals and onward referrals. Every row is audited; appeals are versioned."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phb.audit.models import Audited
from phb.db import Base, UTCDateTime, VersionedMixin, utcnow


class DecisionNotice(VersionedMixin, Audited, Base):
    """The written notice of one decision outcome, in plain English, and how it reached the person."""

    __tablename__ = "decision_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("decision_outcomes.id", ondelete="CASCADE"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    decision_type: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(30))
    appeal_type: Mapped[str] = mapped_column(String(40))  # AppealType: which regulation or route applies
    title: Mapped[str] = mapped_column(String(300))
    sections: Mapped[list[list[str]]] = mapped_column(JSON)  # [[heading, text], ...] as the person reads them
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    appeal_by: Mapped[dt.date] = mapped_column(Date)
    reduction_takes_effect_on: Mapped[dt.date | None] = mapped_column(Date)
    delivered_on: Mapped[dt.date | None] = mapped_column(Date)
    delivery_channel: Mapped[str | None] = mapped_column(String(20))  # letter | email | portal | phone
    delivered_by_name: Mapped[str | None] = mapped_column(String(200))
    delivery_note: Mapped[str | None] = mapped_column(Text)


class Appeal(VersionedMixin, Audited, Base):
    """An appeal against a decision outcome, from lodging to the outcome and how the person was told."""

    __tablename__ = "appeals"
    __table_args__ = (
        Index("ix_appeals_status", "status"),
        # One appeal per decision outcome (lodge_appeal refuses a second; this holds when two arrive at once).
        # A unique index rather than a constraint: SQLite adds it without rebuilding the table.
        Index(
            "uq_appeals_outcome_id",
            "outcome_id",
            unique=True,
            info={"already_exists": "An appeal against this decision is already recorded"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("decision_outcomes.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("decision_notices.id", ondelete="SET NULL"))
    decision_type: Mapped[str] = mapped_column(String(40))
    appeal_type: Mapped[str] = mapped_column(String(40))  # AppealType: the regulation it is under
    lodged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lodged_by_name: Mapped[str] = mapped_column(String(200))
    on_behalf_of: Mapped[str] = mapped_column(String(20))  # person | representative | staff
    received_via: Mapped[str] = mapped_column(String(20))  # portal | letter | email | phone
    lodged_on: Mapped[dt.date] = mapped_column(Date)
    lodged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    in_time: Mapped[bool] = mapped_column(default=True)
    grounds: Mapped[str] = mapped_column(Text)
    new_information: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="lodged")  # Stage
    acknowledge_by: Mapped[dt.date] = mapped_column(Date)
    decide_by: Mapped[dt.date] = mapped_column(Date)
    acknowledged_on: Mapped[dt.date | None] = mapped_column(Date)
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(200))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reviewer_name: Mapped[str | None] = mapped_column(String(200))
    reviewer_level: Mapped[int | None]
    reviewer_is_panel: Mapped[bool] = mapped_column(default=False)
    assigned_on: Mapped[dt.date | None] = mapped_column(Date)
    decision: Mapped[str | None] = mapped_column(String(20))  # AppealDecision
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    communicate_by: Mapped[dt.date | None] = mapped_column(Date)
    communicated_on: Mapped[dt.date | None] = mapped_column(Date)
    communicated_via: Mapped[str | None] = mapped_column(String(20))
    reopened_request_id: Mapped[int | None] = mapped_column(ForeignKey("decision_requests.id", ondelete="SET NULL"))


class AppealReferral(Audited, Base):
    """An unresolved dispute referred onwards: NHS complaints, Independent Review Panel, Ombudsman."""

    __tablename__ = "appeal_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(String(40))  # ReferralBody
    referred_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
