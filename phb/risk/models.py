"""Risk records about a person: discussions, the register, contingency plans, capacity and safeguarding.

Also the register's agreed actions, best-interests decisions, restraint procedures and personal assistants'
delegated health tasks.

Every table is audited (the trail keeps each change with who made it and why); the register's history page is
read from that trail. Likelihood and impact are checked in the database as well as in the forms.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from phb.audit.models import Audited
from phb.db import Base, UTCDateTime, VersionedMixin, utcnow


def _score_checks(*columns: str) -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{c} BETWEEN 1 AND 5", name=f"{c}_1_to_5") for c in columns)


class RiskDiscussion(VersionedMixin, Audited, Base):
    """A dated conversation about something the person wants to do, its benefits and its risks.

    ``wants_to_do`` and ``risk_they_accept`` are the person's own words, kept as said and shown in quotes,
    attributed to ``words_of`` (the person, or whoever spoke for them).
    """

    __tablename__ = "risk_discussions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    participants: Mapped[list[str]] = mapped_column(JSON)
    wants_to_do: Mapped[str] = mapped_column(Text)
    words_of: Mapped[str] = mapped_column(String(200))
    benefits: Mapped[str] = mapped_column(Text)
    risk_they_accept: Mapped[str | None] = mapped_column(Text)
    organisation_can_support: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Risk(VersionedMixin, Audited, Base):
    """One risk in a person's register, rated before and after mitigation on the NHS 5 x 5 matrix."""

    __tablename__ = "risks"
    __table_args__ = (
        *_score_checks("likelihood", "impact", "residual_likelihood", "residual_impact"),
        Index("ix_risks_person_id_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    discussion_id: Mapped[int | None] = mapped_column(
        ForeignKey("risk_discussions.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str | None] = mapped_column(Text)
    person_view: Mapped[str | None] = mapped_column(Text)  # the person's own words about this risk
    likelihood: Mapped[int]
    impact: Mapped[int]
    approach: Mapped[str] = mapped_column(String(20))
    mitigations: Mapped[str] = mapped_column(Text)
    residual_likelihood: Mapped[int]
    residual_impact: Mapped[int]
    owner: Mapped[str] = mapped_column(String(200))
    review_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actions: Mapped[list[RiskAction]] = relationship(
        back_populates="risk", lazy="raise", order_by="RiskAction.due_on, RiskAction.id"
    )


class RiskAction(VersionedMixin, Audited, Base):
    """Something someone agreed to do about a risk, by a date."""

    __tablename__ = "risk_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("risks.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)

    risk: Mapped[Risk] = relationship(back_populates="actions", lazy="raise")


class ContingencyPlan(VersionedMixin, Audited, Base):
    """What happens if something goes wrong: signs to watch for, who to call, what the budget may pay for."""

    __tablename__ = "contingency_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    scenario: Mapped[str] = mapped_column(String(200))
    warning_signs: Mapped[str] = mapped_column(Text)
    what_to_do: Mapped[str] = mapped_column(Text)
    contacts: Mapped[list[str]] = mapped_column(JSON)  # "who and how", one per entry
    budget_may_pay_for: Mapped[str] = mapped_column(Text)
    # The contingency line of the person's budget sheet that funds it (revision 0003_risk_budget_line).
    budget_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("budget_sheet_lines.id", ondelete="SET NULL"), index=True
    )
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CapacityAssessment(VersionedMixin, Audited, Base):
    """A decision-specific assessment of mental capacity."""

    __tablename__ = "capacity_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    decision: Mapped[str] = mapped_column(Text)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessor: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(String(20))  # None until the assessment is concluded
    how_supported: Mapped[str] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class BestInterestsDecision(VersionedMixin, Audited, Base):
    """A decision taken in the person's best interests, who was consulted, and who acted for them."""

    __tablename__ = "best_interests_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    capacity_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("capacity_assessments.id", ondelete="SET NULL"), index=True
    )
    decision: Mapped[str] = mapped_column(Text)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    decision_maker: Mapped[str] = mapped_column(String(200))
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("supporters.id", ondelete="SET NULL"))
    consulted: Mapped[list[str]] = mapped_column(JSON)
    person_wishes: Mapped[str | None] = mapped_column(Text)  # the person's own words, wishes and feelings
    reasons: Mapped[str] = mapped_column(Text)
    review_on: Mapped[dt.date | None] = mapped_column(Date)


class SafeguardingConcern(VersionedMixin, Audited, Base):
    """A safeguarding concern raised about the person, what was done, and when it is next looked at."""

    __tablename__ = "safeguarding_concerns"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    raised_on: Mapped[dt.date] = mapped_column(Date)
    raised_by: Mapped[str] = mapped_column(String(200))
    concern: Mapped[str] = mapped_column(Text)
    action_taken: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    review_on: Mapped[dt.date] = mapped_column(Date)


class RestraintProcedure(VersionedMixin, Audited, Base):
    """A restrictive practice or restraint in the plan, its legal authority and its review date."""

    __tablename__ = "restraint_procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    procedure: Mapped[str] = mapped_column(Text)
    circumstances: Mapped[str] = mapped_column(Text)
    less_restrictive_options: Mapped[str] = mapped_column(Text)
    legal_authority: Mapped[str] = mapped_column(String(300))
    authorised_by: Mapped[str] = mapped_column(String(200))
    review_on: Mapped[dt.date] = mapped_column(Date)


class DelegatedHealthTask(VersionedMixin, Audited, Base):
    """A health task delegated to a personal assistant (001 Annex D 8.3.4)."""

    __tablename__ = "delegated_health_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    task: Mapped[str] = mapped_column(String(300))
    personal_assistant: Mapped[str] = mapped_column(String(200))
    accountable_delegator: Mapped[str] = mapped_column(String(200))
    training: Mapped[str] = mapped_column(Text)
    signed_off_by: Mapped[str | None] = mapped_column(String(200))
    signed_off_on: Mapped[dt.date | None] = mapped_column(Date)
    competency_review_on: Mapped[dt.date] = mapped_column(Date)
    ongoing_support: Mapped[str] = mapped_column(Text)
