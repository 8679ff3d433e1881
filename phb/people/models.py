"""A person (budget holder), who acts for them, and which staff have them on their caseload."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from phb.audit.models import Audited
from phb.db import Base, UTCDateTime, VersionedMixin, utcnow


class Person(VersionedMixin, Audited, Base):
    """Someone who holds (or is being assessed for) a personal health budget."""

    __tablename__ = "people"
    __audit_person__ = "id"
    __table_args__ = (Index("ix_people_family_name_given_name", "family_name", "given_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nhs_number: Mapped[str] = mapped_column(
        String(10), unique=True, info={"already_exists": "A person with this NHS number is already recorded"}
    )
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    preferred_contact: Mapped[str] = mapped_column(String(20), default="letter")
    accessible_format: Mapped[str] = mapped_column(String(20), default="standard")
    format_notes: Mapped[str | None] = mapped_column(Text)
    consent_to_share: Mapped[bool] = mapped_column(default=False)
    consent_recorded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    care_coordinator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    supporters: Mapped[list[Supporter]] = relationship(back_populates="person", lazy="raise")

    @property
    def full_name(self) -> str:
        """Given name then family name."""
        return f"{self.given_name} {self.family_name}"


class Supporter(VersionedMixin, Audited, Base):
    """A representative or nominee for a person, with the legal basis on which they act."""

    __tablename__ = "supporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_person: Mapped[str | None] = mapped_column(String(100))
    legal_basis: Mapped[str] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Their portal account, once invited; a representative reads the records of the people they act for.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="supporters", lazy="raise")


class CaseloadAssignment(Audited, Base):
    """A member of staff responsible for a person, from one date until (optionally) another."""

    __tablename__ = "caseload_assignments"
    __table_args__ = (Index("ix_caseload_assignments_user_id_ended_on", "user_id", "ended_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
