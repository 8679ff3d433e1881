"""Input and output shapes for governance, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from moneyed import Money
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer, field_validator

from phb.governance.rules import Action, ChecklistItem, DecisionType, ItemStatus, Outcome
from phb.governance.subjects import SubjectView
from phb.money import MoneyError, gbp

Text = Annotated[str, Field(max_length=10_000)]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _money(value: object) -> Money | None:
    if value is None or isinstance(value, Money):
        return value
    try:
        return gbp(str(value))
    except MoneyError as exc:
        raise ValueError(f"Enter an amount in pounds and pence, like 1250.00 ({exc})") from exc


class _Form(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, arbitrary_types_allowed=True)


class DecisionRequestCreate(_Form):
    """A decision asked for by hand about a person, with the proposal's amounts.

    It names no record: requests about a budget or a finding are raised by the service that owns the record,
    bound to it (``docs/governance.md``). Fields it does not declare are refused, so a forged subject is a 422.
    """

    model_config = ConfigDict(str_strip_whitespace=True, arbitrary_types_allowed=True, extra="forbid")

    decision_type: DecisionType
    summary: Annotated[str, Field(min_length=1, max_length=2000)]
    category: str | None = Field(default=None, max_length=100)
    amount: Money | None = None
    increase: Money | None = None
    item_amount: Money | None = None
    unusual: bool = False

    @field_validator("category", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("amount", "increase", "item_amount", mode="before")
    @classmethod
    def _amounts(cls, value: object) -> Money | None:
        value = _blank_to_none(value)
        amount = _money(value)
        if amount is not None and amount.amount < 0:
            raise ValueError("Enter an amount of £0.00 or more")
        return amount

    @field_validator("unusual", mode="before")
    @classmethod
    def _checkbox(cls, value: object) -> object:
        return value in {True, "yes", "true", "on", "1"}


class DecisionInput(_Form):
    """A decision-maker's answer to a request."""

    action: Action
    reasons: str | None = Field(default=None, max_length=10_000)
    considered: str | None = Field(default=None, max_length=10_000)
    conditions: str | None = Field(default=None, max_length=10_000)
    alternatives: str | None = Field(default=None, max_length=10_000)
    question: str | None = Field(default=None, max_length=10_000)  # what a panel is asked to decide
    papers: str | None = Field(default=None, max_length=10_000)
    version: int | None = None

    @field_validator("reasons", "considered", "conditions", "alternatives", "question", "papers", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class FrameworkLoad(_Form):
    """A new framework version pasted or uploaded by an administrator."""

    source: Annotated[str, Field(min_length=1, max_length=200_000)]
    effective_from: dt.date | None = None

    @field_validator("effective_from", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class PanelMeetingCreate(_Form):
    """A risk enablement panel meeting to arrange."""

    meets_on: dt.date
    place: Annotated[str, Field(min_length=1, max_length=200)]


class AttendanceChoice(StrEnum):
    """How a chair records a member: expected (they confirm it themselves), attended (with a reason), apologies."""

    EXPECTED = "expected"
    ATTENDED = "attended"
    APOLOGIES = "apologies"


class AttendanceCreate(_Form):
    """A member of a panel meeting as the chair records them.

    Recording someone else as attended needs a reason (kept on the record); otherwise they confirm it themselves.
    """

    user_id: int
    attendance: AttendanceChoice = AttendanceChoice.EXPECTED
    reason: str | None = Field(default=None, max_length=2000)
    conflict_referral_id: int | None = None
    conflict_of_interest: str | None = Field(default=None, max_length=2000)

    @field_validator("reason", "conflict_referral_id", "conflict_of_interest", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class NonStaffKind(StrEnum):
    """Who someone at a panel meeting is, when they are not staff."""

    PERSON = "person"
    FAMILY = "family"
    ADVOCATE = "advocate"
    OTHER = "other"

    @property
    def label(self) -> str:
        """In words."""
        return NON_STAFF_LABELS[self]


NON_STAFF_LABELS = {
    NonStaffKind.PERSON: "The person",
    NonStaffKind.FAMILY: "Family member",
    NonStaffKind.ADVOCATE: "Advocate",
    NonStaffKind.OTHER: "Other",
}


class NonStaffAttendeeCreate(_Form):
    """The person, a family member, an advocate or someone else at the meeting for one case."""

    referral_id: int
    kind: NonStaffKind
    name: Annotated[str, Field(min_length=1, max_length=200)]
    relationship_to_person: str | None = Field(default=None, max_length=200)

    @field_validator("relationship_to_person", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class AgendaAdd(_Form):
    """A waiting referral to put on a meeting's agenda."""

    referral_id: int


class PersonTold(_Form):
    """When the person was told the panel's decision."""

    told_on: dt.date


class PanelDecisionCreate(_Form):
    """The panel's decision on one referral."""

    outcome: Outcome
    information_considered: Annotated[str, Field(min_length=1, max_length=10_000)]
    reasons: Annotated[str, Field(min_length=1, max_length=10_000)]
    conditions: str | None = Field(default=None, max_length=10_000)
    alternatives: str | None = Field(default=None, max_length=10_000)
    review_date: dt.date
    tell_person_by_id: int
    principle: str | None = Field(default=None, max_length=2000)

    @field_validator("conditions", "alternatives", "principle", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class PrincipleCreate(_Form):
    """A decision kept as a precedent."""

    principle: Annotated[str, Field(min_length=1, max_length=2000)]
    category: str | None = Field(default=None, max_length=100)

    @field_validator("category", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


# --- read models ----------------------------------------------------------------------------------------------


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True, arbitrary_types_allowed=True)


class StepRead(_Read):
    """One step of a request's journey."""

    action: str
    level: int | None
    at_panel: bool
    actor_label: str
    role: str | None
    occurred_at: dt.datetime
    step_due_at: dt.datetime | None
    note: str | None
    timeliness: str | None = None


class OutcomeRead(_Read):
    """A decision as recorded."""

    id: int
    request_id: int
    person_id: int
    decision_type: DecisionType
    subject_type: str | None
    subject_id: int | None
    outcome: Outcome
    decided_by_name: str
    role: str
    level: int | None
    by_panel: bool
    second_approver_name: str | None
    second_approver_role: str | None = None
    second_approver_reasons: str | None = None  # ``reasons`` are the first (or only) decider's own
    decided_at: dt.datetime
    considered: str
    reasons: str
    conditions: str | None
    alternatives: str | None
    review_date: dt.date | None
    for_person: str
    principle: str | None = None

    @property
    def where(self) -> str:
        """'level 2' or 'a risk enablement panel'."""
        return "a risk enablement panel" if self.by_panel else f"level {self.level}"


class RequestSummary(_Read):
    """A request as a row of a list (the queue, a person's decisions)."""

    id: int
    person_id: int
    person_name: str = ""
    decision_type: DecisionType
    summary: str
    category: str | None
    amount: Money | None
    increase: Money | None
    item_amount: Money | None
    status: str
    current_level: int | None
    at_panel: bool
    raised_at: dt.datetime
    step_due_at: dt.datetime
    proposed_by_name: str = ""
    timeliness: str = ""
    awaiting_second: bool = False
    outcome: Outcome | None = None

    @field_serializer("amount", "increase", "item_amount")
    def _money_out(self, value: Money | None) -> str | None:
        return None if value is None else f"{value.amount:.2f}"

    @property
    def where(self) -> str:
        """Where it sits now, in words."""
        if self.at_panel:
            return "Risk enablement panel"
        return f"Level {self.current_level}"


class Precedent(BaseModel):
    """An earlier decision that looks like this one."""

    outcome_id: int
    request_id: int
    principle: str
    outcome: Outcome
    where: str
    decided_at: dt.datetime
    shared: list[str]


class EarlierDecision(BaseModel):
    """An earlier decided request of the same kind that is no local principle (:mod:`phb.governance.precedents`).

    Only requests about people the reader may see are listed, and only by their summary: no names.
    """

    outcome_id: int
    request_id: int
    summary: str
    outcome: Outcome
    where: str
    decided_at: dt.datetime
    shared: list[str]  # words it shares with this request (summary and category)
    same_person: bool  # an earlier decision about the same person


class ReferralRead(_Read):
    """A case referred to a risk enablement panel."""

    id: int
    request_id: int
    person_id: int
    person_name: str = ""
    decision_type: DecisionType | None = None
    summary: str = ""
    why_normal_routes_failed: str
    question: str
    papers: str | None
    referred_by_name: str
    referred_at: dt.datetime
    meeting_id: int | None
    status: str
    information_considered: str | None
    decision: str | None
    reasons: str | None
    conditions: str | None
    review_date: dt.date | None
    tell_person_by_name: str | None
    person_told_on: dt.date | None


class ChecklistEntry(BaseModel):
    """One item of a person's sign-off checklist as it stands."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    item: ChecklistItem
    status: ItemStatus
    evidence: str | None = None
    recorded_by_name: str | None = None
    recorded_at: dt.datetime | None = None


class RequestDetail(RequestSummary):
    """Everything the request page shows."""

    routing_reason: str
    unusual: bool
    residual_risk: int | None
    subject_type: str | None
    subject_id: int | None
    details: dict[str, Any] | None
    version: int
    steps: list[StepRead] = []
    result: OutcomeRead | None = None
    referral: ReferralRead | None = None
    missing: list[ChecklistItem] = []
    precedents: list[Precedent] = []  # local principles first
    earlier: list[EarlierDecision] = []  # then other earlier decisions of the same type
    subject: SubjectView | None = None  # the record the request is about, in full (docs/governance.md)
    deciders: list[str] = []  # role labels that may decide at the current level
    may_decide: bool = False
    why_not: str | None = None
    can_escalate: bool = False
    two_people: bool = False
    first_approver_name: str | None = None


class AttendanceRead(_Read):
    """A member at a panel meeting, and whether their attendance counts.

    It counts once confirmed by the member, or recorded by the chair with a reason.
    """

    id: int
    user_id: int
    name: str
    role: str
    attended: bool
    confirmed_at: dt.datetime | None
    confirmed_by_id: int | None
    confirmed_by_name: str | None
    confirmation_reason: str | None
    conflict_referral_id: int | None
    conflict_of_interest: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def confirmed(self) -> bool:
        """Attended, and confirmed by themselves or recorded by the chair with a reason: counts to quorum."""
        return self.attended and self.confirmed_at is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def state(self) -> str:
        """How their attendance stands, in words."""
        if not self.attended:
            return "Sent apologies"
        if self.confirmed_at is None:
            return "Expected; not confirmed"
        if self.confirmed_by_id == self.user_id:
            return "Attended (confirmed by themselves)"
        return f"Attended (recorded by {self.confirmed_by_name}: {self.confirmation_reason})"


class NonStaffAttendeeRead(_Read):
    """Someone who is not staff at the meeting for one case; never counted to quorum."""

    id: int
    referral_id: int
    kind: NonStaffKind
    name: str
    relationship_to_person: str
    recorded_by_name: str
    recorded_at: dt.datetime


class ConflictRead(BaseModel):
    """A member who takes no part in one case, and why.

    Declared by them, or found by phb: the referrer, the proposer, the original deciders of a decision an appeal
    reopened.
    """

    user_id: int
    name: str
    referral_id: int
    reason: str
    automatic: bool


class AgendaItem(BaseModel):
    """A referral on a meeting's agenda, and whether the panel may decide it (quorum without conflicted members)."""

    referral: ReferralRead
    quorate: bool
    quorum_message: str
    conflicts: list[ConflictRead] = []
    non_staff: list[NonStaffAttendeeRead] = []
    tellers: list[tuple[int, str]] = []  # staff who may see the person's record: who may tell them the decision


class MeetingSummary(_Read):
    """A panel meeting as a row of a list."""

    id: int
    meets_on: dt.date
    place: str
    status: str
    items: int = 0


class MeetingDetail(MeetingSummary):
    """Everything the meeting page shows."""

    version: int
    chair_name: str | None = None
    attendance: list[AttendanceRead] = []
    agenda: list[AgendaItem] = []
    waiting: list[ReferralRead] = []
    candidates: list[tuple[int, str]] = []  # (user id, "name, role") who may attend
    is_chair: bool = False
    is_member: bool = False
    can_confirm: bool = False  # the viewer may confirm their own attendance now
    has_met: bool = False  # the meeting date (in England) has come: attendance and decisions may be recorded
    quorum: int = 0


class PanelPaper(BaseModel):
    """A meeting's agenda or minutes, as printed and as the API returns them."""

    kind: str  # agenda | minutes
    id: int
    meets_on: dt.date
    place: str
    status: str
    chair_name: str | None
    quorum: int
    attendance: list[AttendanceRead]
    items: list[AgendaItem]
