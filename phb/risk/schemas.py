"""Input and output shapes for risk records, shared by the HTML forms and the JSON API.

Messages name the field and say what to do, because the forms show them next to it. Dates that must not be in
the past are checked against Python's clock (so tests can freeze it), never the database's.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from phb.clock import today as _today
from phb.risk.rules import (
    IMPACT_LABELS,
    LIKELIHOOD_LABELS,
    Approach,
    Band,
    CapacityOutcome,
    Category,
    ConcernStatus,
    RiskStatus,
    band_for,
    rating,
    score_problem,
)

ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]
OptionalText = Annotated[str | None, Field(max_length=5000)]
OptionalName = Annotated[str | None, Field(max_length=200)]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _lines(value: object, what: str) -> object:
    """A textarea with one entry per line (or a JSON list) to a list of non-blank entries; at least one."""
    if value is None or isinstance(value, str):
        value = [line.strip() for line in (value or "").splitlines() if line.strip()]
    if isinstance(value, list) and not value:
        raise ValueError(f"Enter {what}, one on each line")
    return value


def _score(value: object, what: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    problem = score_problem(value, what)
    if problem:
        raise ValueError(problem)
    return value  # type: ignore[return-value]


def _not_past(value: dt.date | None, what: str) -> dt.date | None:
    if value is not None and value < _today():
        raise ValueError(f"{what.capitalize()} must be today or in the future")
    return value


def _not_future(value: dt.date | None, what: str) -> dt.date | None:
    if value is not None and value > _today():
        raise ValueError(f"{what.capitalize()} must be today or in the past")
    return value


class _Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank(cls, value: object, info: ValidationInfo) -> object:
        # An empty optional form field means "not given"; a required one stays empty so it says "Enter ...".
        field = cls.model_fields.get(str(info.field_name))
        return value if field is None or field.is_required() else _blank_to_none(value)


# Risk discussions -------------------------------------------------------------------------------------------


class DiscussionCreate(_Input):
    """A risk discussion as recorded after the conversation."""

    held_on: dt.date
    participants: Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1)]
    wants_to_do: LongText
    words_of: ShortText
    benefits: LongText
    risk_they_accept: OptionalText = None
    organisation_can_support: OptionalText = None

    @field_validator("participants", mode="before")
    @classmethod
    def _participants(cls, value: object) -> object:
        return _lines(value, "who took part")

    @field_validator("held_on")
    @classmethod
    def _held(cls, value: dt.date) -> dt.date:
        _not_future(value, "the date of the discussion")
        return value


class DiscussionRead(BaseModel):
    """A risk discussion as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    held_on: dt.date
    participants: list[str]
    wants_to_do: str
    words_of: str
    benefits: str
    risk_they_accept: str | None
    organisation_can_support: str | None
    version: int


# The risk register --------------------------------------------------------------------------------------------


class _Scores(_Input):
    likelihood: int
    impact: int
    residual_likelihood: int
    residual_impact: int

    @field_validator("likelihood", "impact", "residual_likelihood", "residual_impact", mode="before")
    @classmethod
    def _scores(cls, value: object, info: ValidationInfo) -> int:
        return _score(value, str(info.field_name).replace("_", " "))


class ActionCreate(_Input):
    """An action agreed about a risk."""

    description: LongText
    owner: ShortText
    due_on: dt.date


class RiskCreate(_Scores):
    """A new risk in the register; ``action_*`` optionally records its first agreed action in the same form."""

    title: ShortText
    category: Category
    description: OptionalText = None
    person_view: OptionalText = None
    approach: Approach
    mitigations: LongText
    owner: ShortText
    review_on: dt.date
    discussion_id: int | None = None
    action_description: OptionalText = None
    action_owner: str | None = Field(default=None, max_length=200, validate_default=True)
    action_due_on: dt.date | None = Field(default=None, validate_default=True)

    @field_validator("review_on")
    @classmethod
    def _review(cls, value: dt.date) -> dt.date:
        _not_past(value, "the review date")
        return value

    @field_validator("action_owner", "action_due_on", mode="after")
    @classmethod
    def _action_complete(cls, value: object, info: ValidationInfo) -> object:
        if info.data.get("action_description") and value is None:
            what = "who will do the action" if info.field_name == "action_owner" else "when the action is due"
            raise ValueError(f"Enter {what}, or leave the action blank")
        return value

    def first_action(self) -> ActionCreate | None:
        """The action typed into the risk form, if any."""
        if not self.action_description or not self.action_owner or not self.action_due_on:
            return None
        return ActionCreate(description=self.action_description, owner=self.action_owner, due_on=self.action_due_on)


class RiskReview(_Scores):
    """A review of a risk: re-rated, mitigations and status brought up to date, next review set.

    ``version`` is the one the reviewer saw; ``reason`` goes into the history.
    """

    approach: Approach
    mitigations: LongText
    owner: ShortText
    review_on: dt.date
    status: RiskStatus = RiskStatus.OPEN
    person_view: OptionalText = None
    reason: LongText
    version: int


class ActionRead(BaseModel):
    """An agreed action as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    description: str
    owner: str
    due_on: dt.date
    done_on: dt.date | None


class RiskRead(BaseModel):
    """A risk in the register as shown, with its ratings and bands worked out."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    discussion_id: int | None
    title: str
    category: Category
    description: str | None
    person_view: str | None
    likelihood: int
    impact: int
    approach: Approach
    mitigations: str
    residual_likelihood: int
    residual_impact: int
    owner: str
    review_on: dt.date
    status: RiskStatus
    version: int
    actions: list[ActionRead] = []
    review_overdue: bool = False

    @property
    def rating(self) -> int:
        """Likelihood x impact before mitigation."""
        return rating(self.likelihood, self.impact)

    @property
    def band(self) -> Band:
        """The band before mitigation."""
        return band_for(self.rating)

    @property
    def residual_rating(self) -> int:
        """Likelihood x impact after mitigation."""
        return rating(self.residual_likelihood, self.residual_impact)

    @property
    def residual_band(self) -> Band:
        """The band after mitigation."""
        return band_for(self.residual_rating)


class HistoryEntry(BaseModel):
    """One change to a risk (or one of its actions), read from the audit trail."""

    occurred_at: dt.datetime
    actor: str
    what: str
    changes: list[str]
    reason: str | None


# Contingency plans -------------------------------------------------------------------------------------------


class ContingencyPlanCreate(_Input):
    """A "what if" scenario and what happens then."""

    scenario: ShortText
    warning_signs: LongText
    what_to_do: LongText
    contacts: Annotated[list[Annotated[str, Field(max_length=300)]], Field(min_length=1)]
    budget_may_pay_for: LongText
    budget_line_id: int | None = None
    review_on: dt.date | None = None

    @field_validator("contacts", mode="before")
    @classmethod
    def _contacts(cls, value: object) -> object:
        return _lines(value, "who to contact and how")

    @field_validator("review_on")
    @classmethod
    def _review(cls, value: dt.date | None) -> dt.date | None:
        return _not_past(value, "the review date")


class ContingencyPlanRead(BaseModel):
    """A contingency plan as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    scenario: str
    warning_signs: str
    what_to_do: str
    contacts: list[str]
    budget_may_pay_for: str
    budget_line_id: int | None
    budget_line_description: str | None = None
    review_on: dt.date | None
    version: int


# Capacity, best interests, safeguarding, restraint --------------------------------------------------------


class CapacityAssessmentCreate(_Input):
    """A decision-specific capacity assessment. An outcome needs an assessor; an assessment in progress has none."""

    decision: LongText
    assessed_on: dt.date
    outcome: CapacityOutcome | None = None
    assessor: str | None = Field(default=None, max_length=200, validate_default=True)
    how_supported: LongText
    notes: OptionalText = None

    @field_validator("assessed_on")
    @classmethod
    def _assessed(cls, value: dt.date) -> dt.date:
        _not_future(value, "the date of the assessment")
        return value

    @field_validator("assessor", mode="after")
    @classmethod
    def _assessor_for_outcome(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("outcome") is not None and not value:
            raise ValueError("Enter who assessed capacity: an outcome cannot be recorded without an assessor")
        return value


class CapacityAssessmentRead(BaseModel):
    """A capacity assessment as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    decision: str
    assessed_on: dt.date
    assessor: str | None
    outcome: CapacityOutcome | None
    how_supported: str
    notes: str | None
    version: int


class BestInterestsDecisionCreate(_Input):
    """A best-interests decision."""

    decision: LongText
    decided_on: dt.date
    decision_maker: ShortText
    capacity_assessment_id: int | None = None
    representative_id: int | None = None
    consulted: Annotated[list[Annotated[str, Field(max_length=300)]], Field(min_length=1)]
    person_wishes: OptionalText = None
    reasons: LongText
    review_on: dt.date | None = None

    @field_validator("consulted", mode="before")
    @classmethod
    def _consulted(cls, value: object) -> object:
        return _lines(value, "who was consulted")

    @field_validator("decided_on")
    @classmethod
    def _decided(cls, value: dt.date) -> dt.date:
        _not_future(value, "the date of the decision")
        return value


class BestInterestsDecisionRead(BaseModel):
    """A best-interests decision as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    decision: str
    decided_on: dt.date
    decision_maker: str
    capacity_assessment_id: int | None
    representative_id: int | None
    representative_name: str | None = None
    consulted: list[str]
    person_wishes: str | None
    reasons: str
    review_on: dt.date | None
    version: int


class SafeguardingConcernCreate(_Input):
    """A safeguarding concern."""

    raised_on: dt.date
    raised_by: ShortText
    concern: LongText
    action_taken: OptionalText = None
    status: ConcernStatus = ConcernStatus.OPEN
    review_on: dt.date

    @field_validator("raised_on")
    @classmethod
    def _raised(cls, value: dt.date) -> dt.date:
        _not_future(value, "the date the concern was raised")
        return value

    @field_validator("review_on")
    @classmethod
    def _review(cls, value: dt.date) -> dt.date:
        _not_past(value, "the review date")
        return value


class SafeguardingConcernRead(BaseModel):
    """A safeguarding concern as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    raised_on: dt.date
    raised_by: str
    concern: str
    action_taken: str | None
    status: ConcernStatus
    review_on: dt.date
    version: int
    review_overdue: bool = False


class RestraintProcedureCreate(_Input):
    """A restraint procedure or restrictive practice."""

    procedure: LongText
    circumstances: LongText
    less_restrictive_options: LongText
    legal_authority: Annotated[str, Field(min_length=1, max_length=300)]
    authorised_by: ShortText
    review_on: dt.date

    @field_validator("review_on")
    @classmethod
    def _review(cls, value: dt.date) -> dt.date:
        _not_past(value, "the review date")
        return value


class RestraintProcedureRead(BaseModel):
    """A restraint procedure as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    procedure: str
    circumstances: str
    less_restrictive_options: str
    legal_authority: str
    authorised_by: str
    review_on: dt.date
    version: int
    review_overdue: bool = False


# Personal assistants' delegated health tasks ------------------------------------------------------------------


class DelegatedTaskCreate(_Input):
    """A health task delegated to a personal assistant (Annex D 8.3.4)."""

    task: Annotated[str, Field(min_length=1, max_length=300)]
    personal_assistant: ShortText
    accountable_delegator: ShortText
    training: LongText
    signed_off_on: dt.date | None = None
    signed_off_by: str | None = Field(default=None, max_length=200, validate_default=True)
    competency_review_on: dt.date
    ongoing_support: LongText

    @field_validator("signed_off_on")
    @classmethod
    def _signed(cls, value: dt.date | None) -> dt.date | None:
        return _not_future(value, "the date of competency sign-off")

    @field_validator("signed_off_by", mode="after")
    @classmethod
    def _signer(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("signed_off_on") is not None and not value:
            raise ValueError("Enter who signed off the personal assistant's competency")
        return value

    @field_validator("competency_review_on")
    @classmethod
    def _review(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        signed = info.data.get("signed_off_on")
        if signed is not None and value <= signed:
            raise ValueError("The competency review date must be after the sign-off date")
        return value


class DelegatedTaskRead(BaseModel):
    """A delegated health task as shown."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    task: str
    personal_assistant: str
    accountable_delegator: str
    training: str
    signed_off_by: str | None
    signed_off_on: dt.date | None
    competency_review_on: dt.date
    ongoing_support: str
    version: int
    review_overdue: bool = False


# A person's whole risk picture ------------------------------------------------------------------------------


class RiskSummaryRead(BaseModel):
    """:class:`phb.risk.rules.RiskSummary` as JSON."""

    model_config = ConfigDict(from_attributes=True)

    highest_residual_rating: int | None
    highest_residual_band: str | None
    overdue_reviews: int
    next_review: dt.date | None
    reasons: list[str]


class RiskRegisterRead(BaseModel):
    """A person's register with its summary."""

    person_id: int
    summary: RiskSummaryRead
    risks: list[RiskRead]


SCORE_CHOICES: dict[str, list[tuple[str, str]]] = {
    "likelihood": [(str(k), f"{k} – {v}") for k, v in LIKELIHOOD_LABELS.items()],
    "impact": [(str(k), f"{k} – {v}") for k, v in IMPACT_LABELS.items()],
}


def dump_form(model: BaseModel) -> dict[str, Any]:
    """A read model as form values (lists become one entry per line)."""
    values = model.model_dump(mode="json")
    return {
        k: "\n".join(v) if isinstance(v, list) and all(isinstance(i, str) for i in v) else v for k, v in values.items()
    }
