"""Input and output shapes for notices and appeals, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from phb.governance.appeals.rules import AppealDecision, AppealType, ReferralBody, Stage, owed_formats

Text = Annotated[str, Field(max_length=10_000)]
RecordId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # an integer primary key; larger values cannot exist


class Channel(StrEnum):
    """How a notice or an appeal's outcome reached the person, or how an appeal reached us."""

    LETTER = "letter"
    EMAIL = "email"
    PORTAL = "portal"
    PHONE = "phone"


class OnBehalfOf(StrEnum):
    """Who is appealing."""

    PERSON = "person"
    REPRESENTATIVE = "representative"


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)


class AppealCreate(_Form):
    """An appeal: the decision, the grounds and anything new. Staff also say how it arrived and when."""

    outcome_id: RecordId
    grounds: Annotated[str, Field(min_length=1, max_length=10_000)]
    new_information: Text | None = None
    on_behalf_of: OnBehalfOf = OnBehalfOf.PERSON
    received_via: Channel = Channel.PORTAL
    lodged_on: dt.date | None = None  # staff recording a letter or call: the day it arrived

    @field_validator("new_information", "lodged_on", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class PortalAppealCreate(_Form):
    """The person's (or their representative's) appeal from the portal."""

    grounds: Annotated[str, Field(min_length=1, max_length=10_000)]
    new_information: Text | None = None

    @field_validator("new_information", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class DatedStep(_Form):
    """A step done on a day (today when left out)."""

    on: dt.date | None = None

    @field_validator("on", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class ReviewerAssign(_Form):
    """Who reviews the appeal."""

    reviewer_id: RecordId


class AppealDecisionInput(_Form):
    """The reviewer's decision on an appeal."""

    decision: AppealDecision
    reasons: Annotated[str, Field(min_length=1, max_length=10_000)]
    version: int | None = None


class Communication(DatedStep):
    """How and when the person was told the appeal's outcome."""

    channel: Channel


class Delivery(DatedStep):
    """How and when a notice reached the person."""

    channel: Channel
    note: Text | None = None

    @field_validator("note", mode="before")
    @classmethod
    def _blank_note(cls, value: object) -> object:
        return _blank_to_none(value)


class ReferralCreate(DatedStep):
    """A dispute referred onwards."""

    body: ReferralBody
    reference: str | None = Field(default=None, max_length=100)
    note: Text | None = None

    @field_validator("reference", "note", mode="before")
    @classmethod
    def _blank_fields(cls, value: object) -> object:
        return _blank_to_none(value)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class NoticeRead(_Read):
    """A decision notice as stored."""

    id: int
    outcome_id: int
    person_id: int
    decision_type: str
    outcome: str
    appeal_type: AppealType
    title: str
    sections: list[list[str]]
    issued_at: dt.datetime
    appeal_by: dt.date
    reduction_takes_effect_on: dt.date | None
    delivered_on: dt.date | None
    delivery_channel: str | None
    delivered_by_name: str | None
    version: int

    @property
    def regulation(self) -> str:
        """The route and its source, in words."""
        return self.appeal_type.label

    @property
    def formats_owed(self) -> list[str]:
        """Accessible formats (easy read, braille...) the notice says a version of it will be sent in."""
        return owed_formats(self.sections)


class ReferralRead(_Read):
    """An onward referral."""

    id: int
    body: ReferralBody
    referred_on: dt.date
    reference: str | None
    note: str | None
    recorded_by_name: str


class AppealRead(_Read):
    """An appeal, with the timing of each step."""

    id: int
    person_id: int
    person_name: str = ""
    outcome_id: int
    notice_id: int | None
    decision_type: str
    appeal_type: AppealType
    lodged_by_name: str
    on_behalf_of: str
    received_via: str
    lodged_on: dt.date
    in_time: bool
    grounds: str
    new_information: str | None
    status: Stage
    acknowledge_by: dt.date
    decide_by: dt.date
    acknowledged_on: dt.date | None
    acknowledged_by_name: str | None
    reviewer_id: int | None
    reviewer_name: str | None
    reviewer_level: int | None
    reviewer_is_panel: bool
    assigned_on: dt.date | None
    decision: AppealDecision | None
    decision_reasons: str | None
    decided_on: dt.date | None
    communicate_by: dt.date | None
    communicated_on: dt.date | None
    communicated_via: str | None
    reopened_request_id: int | None
    version: int
    referrals: list[ReferralRead] = []
    next_step: str = ""
    next_due: dt.date | None = None
    timing: str = ""  # due | overdue for the next step
    escalated_to_you: bool = False  # overdue, and the viewer sits above the step's owner


class ReportRowRead(BaseModel):
    """One line of the appeals report."""

    quarter: str
    decision_type: str
    upheld: int
    partly_upheld: int
    not_upheld: int
    total: int
    overturn_rate: float
    mean_working_days: float
    longest_working_days: int


class PersonAppeals(BaseModel):
    """A person's notices and appeals."""

    notices: list[NoticeRead]
    appeals: list[AppealRead]
