"""Input and output shapes for people, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from phb import clock
from phb.people.rules import (
    AccessibleFormat,
    ContactMethod,
    LegalBasis,
    NhsNumberError,
    SupporterKind,
    normalise_nhs_number,
)

Name = Annotated[str, Field(min_length=1, max_length=100)]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class _Contact(BaseModel):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=40)

    @field_validator("email", "phone", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("Enter an email address in the correct format, like name@example.com")
        return value


class PersonDetails(_Contact):
    """The fields a case manager can change about a person."""

    model_config = ConfigDict(str_strip_whitespace=True)

    given_name: Name
    family_name: Name
    date_of_birth: dt.date
    address: str | None = Field(default=None, max_length=1000)
    preferred_contact: ContactMethod = ContactMethod.LETTER
    accessible_format: AccessibleFormat = AccessibleFormat.STANDARD
    format_notes: str | None = Field(default=None, max_length=1000)
    consent_to_share: bool = False

    @field_validator("address", "format_notes", mode="before")
    @classmethod
    def _blank_text(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: dt.date) -> dt.date:
        if value > clock.today():
            raise ValueError("Date of birth must be in the past")
        if value.year < 1900:  # noqa: PLR2004
            raise ValueError("Date of birth must be after 1900")
        return value


class PersonCreate(PersonDetails):
    """A new person: their details plus the NHS number that identifies them."""

    nhs_number: str

    @field_validator("nhs_number", mode="before")
    @classmethod
    def _nhs_number(cls, value: object) -> str:
        try:
            return normalise_nhs_number(str(value or ""))
        except NhsNumberError as exc:
            raise ValueError(str(exc)) from exc


class PersonUpdate(PersonDetails):
    """A change to a person's details; ``version`` is the one the editor saw (someone else may have saved since)."""

    version: int


class CareCoordinatorAssign(BaseModel):
    """Who coordinates the person's care (a case manager, nurse assessor or care coordinator)."""

    care_coordinator_id: Annotated[int, Field(ge=1, le=2**31 - 1)]


class SupporterCreate(_Contact):
    """A representative or nominee."""

    model_config = ConfigDict(str_strip_whitespace=True)

    kind: SupporterKind
    name: Annotated[str, Field(min_length=1, max_length=200)]
    relationship_to_person: str | None = Field(default=None, max_length=100)
    legal_basis: LegalBasis
    started_on: dt.date


class SupporterRead(BaseModel):
    """A representative or nominee as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: SupporterKind
    name: str
    relationship_to_person: str | None
    legal_basis: LegalBasis
    email: str | None
    phone: str | None
    started_on: dt.date
    ended_on: dt.date | None


class PersonRead(BaseModel):
    """A person as shown to someone allowed to see them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    email: str | None
    phone: str | None
    address: str | None
    preferred_contact: ContactMethod
    accessible_format: AccessibleFormat
    format_notes: str | None
    consent_to_share: bool
    consent_recorded_at: dt.datetime | None
    care_coordinator_id: int | None
    care_coordinator_name: str | None = None
    version: int
    supporters: list[SupporterRead] = []

    @property
    def full_name(self) -> str:
        """Given name then family name."""
        return f"{self.given_name} {self.family_name}"


class PersonSummary(BaseModel):
    """A row of a caseload list."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with enough to draw pagination."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are in all."""
        return max(1, -(-self.total // self.per_page))

    @classmethod
    def slice_of(cls, rows: Sequence[T], page: int, per_page: int) -> Page[T]:
        """Page ``page`` (from 1) of rows already in memory; a page past the end is empty."""
        page = max(1, page)
        start = (page - 1) * per_page
        return cls(items=list(rows[start : start + per_page]), page=page, per_page=per_page, total=len(rows))
