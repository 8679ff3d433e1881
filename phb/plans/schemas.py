"""Input and output shapes for the care and support plan, shared by the HTML forms and the JSON API."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from phb.plans.rules import (
    BudgetManagement,
    Cohort,
    CriterionResult,
    LinkedPlanKind,
    Obligation,
    Progress,
    ReviewStatus,
    Stage,
)

ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=10_000)]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


class _Change(BaseModel):
    """Every change says which version the editor saw (to catch a colleague's newer save) and may say why."""

    model_config = ConfigDict(str_strip_whitespace=True)

    base_version: int | None = None
    reason: str | None = Field(default=None, max_length=2000)

    @field_validator("base_version", "reason", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return _blank_to_none(value)


class OnePageSummaryUpdate(_Change):
    """The detachable one-page summary, in the person's words (001 Annex C 7.2.2)."""

    appreciate_about_me: LongText = ""
    important_to_me: LongText = ""
    how_to_support_me: LongText = ""
    health_summary: LongText = ""


class PlanDetailsUpdate(_Change):
    """Aspirations, self-management, risk and contingency, and how decisions are made."""

    aspirations: LongText = ""
    self_management: LongText = ""
    risk_management: LongText = ""
    contingency: LongText = ""
    capacity_and_decisions: LongText = ""


class ArrangementsUpdate(_Change):
    """Who coordinates and monitors, where the budget is held, and the review arrangements."""

    care_coordinator: ShortText = ""
    health_monitor: ShortText = ""
    budget_management: BudgetManagement | None = None
    budget_arrangements: LongText = ""
    budget_sheet_included: bool = False
    cohort: Cohort | None = None
    team: Annotated[str, Field(max_length=100)] = ""
    local_category: Annotated[str, Field(max_length=100)] = ""
    first_direct_payment_on: dt.date | None = None
    review_interval_months: int | None = Field(default=None, ge=1, le=12)
    review_method: LongText = ""
    next_review_on: dt.date | None = None
    knows_how_to_request_review: bool = False

    @field_validator(
        "budget_management",
        "cohort",
        "first_direct_payment_on",
        "review_interval_months",
        "next_review_on",
        mode="before",
    )
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        return _blank_to_none(value)


class InvolvementUpdate(_Change):
    """How the person was prepared and whether they chose who was involved (criterion 1)."""

    person_prepared: bool = False
    person_chose_involved: bool = False
    involvement_notes: LongText = ""


class ParticipantCreate(_Change):
    """Someone involved in planning."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    role: ShortText = ""
    chosen_by_person: bool = False


class OutcomeCreate(_Change):
    """An outcome in the person's own words. Refused unless the person's involvement is recorded."""

    text: LongText = ""
    written_by: ShortText = ""
    person_involved: bool = False


class ActionCreate(_Change):
    """Who does what, by when, for which outcome. Refused without an owner or a date."""

    outcome_ref: int | None = None
    description: LongText = ""
    owner: ShortText = ""
    due_on: dt.date | None = None

    @field_validator("outcome_ref", "due_on", mode="before")
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        return _blank_to_none(value)


class LinkedPlanCreate(_Change):
    """Another plan the person has, and who owns it."""

    kind: LinkedPlanKind
    title: Annotated[str, Field(min_length=1, max_length=200)]
    owner: Annotated[str, Field(min_length=1, max_length=200)]


class RemoveItem(_Change):
    """Take an outcome, action, link or participant out of the plan (it stays in earlier versions)."""

    ref: int


class StageAdvance(_Change):
    """Move the plan on to its next stage."""


class PlanAgreement(_Change):
    """The person (or their representative) agrees the plan."""

    agreed_on: dt.date
    agreed_by: Annotated[str, Field(min_length=1, max_length=200)]
    person_agrees: bool = False
    next_review_on: dt.date | None = None

    @field_validator("next_review_on", mode="before")
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        return _blank_to_none(value)


class QualityEvidenceUpdate(_Change):
    """Evidence for the five criteria of 003."""

    criterion_1_met: bool | None = None
    criterion_1_evidence: LongText = ""
    criterion_2_met: bool | None = None
    criterion_2_evidence: LongText = ""
    criterion_3_met: bool | None = None
    criterion_3_evidence: LongText = ""
    criterion_4_met: bool | None = None
    criterion_4_evidence: LongText = ""
    criterion_5_met: bool | None = None
    criterion_5_evidence: LongText = ""

    @field_validator(
        "criterion_1_met", "criterion_2_met", "criterion_3_met", "criterion_4_met", "criterion_5_met", mode="before"
    )
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        return _blank_to_none(value)


class PlanClosure(_Change):
    """The plan (and the personal health budget with it) ends."""

    closed_on: dt.date
    closed_reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ReviewRequest(BaseModel):
    """The person, their representative or staff on their behalf ask for a formal review."""

    model_config = ConfigDict(str_strip_whitespace=True)

    requested_by: ShortText = ""
    request_reason: LongText = ""


class OutcomeProgressIn(BaseModel):
    """Progress on one outcome at a review."""

    outcome_ref: int
    progress: Progress
    comment: LongText = ""


class ReviewRecord(BaseModel):
    """A formal review held with the person (001 Annex D 8.3.5)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    held_on: dt.date
    changed_needs: LongText = ""
    outcomes: list[OutcomeProgressIn] = []
    budget_use: LongText = ""
    risk_changes: LongText = ""
    insurance: Obligation = Obligation.NOT_APPLICABLE
    training: Obligation = Obligation.NOT_APPLICABLE
    employer_duties: Obligation = Obligation.NOT_APPLICABLE
    provider_registration: Obligation = Obligation.NOT_APPLICABLE
    budget_covers_full_cost: bool | None = None
    budget_review_needed: bool = False
    revise_plan: bool = False
    next_review_on: dt.date | None = None
    notes: LongText = ""

    @field_validator("next_review_on", "budget_covers_full_cost", mode="before")
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        return _blank_to_none(value)


# ---------------------------------------------------------------------------------------------------------------
# Read models
# ---------------------------------------------------------------------------------------------------------------


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class OutcomeRead(_Read):
    """An outcome as shown."""

    ref: int
    text: str
    written_by: str
    person_involved: bool
    progress: Progress | None


class ActionRead(_Read):
    """An action as shown."""

    ref: int
    outcome_ref: int
    description: str
    owner: str
    due_on: dt.date


class LinkedPlanRead(_Read):
    """A linked plan as shown."""

    ref: int
    kind: LinkedPlanKind
    title: str
    owner: str


class ParticipantRead(_Read):
    """Someone involved, as shown."""

    ref: int
    name: str
    role: str
    chosen_by_person: bool


class VersionSummary(_Read):
    """A line of the plan's history."""

    number: int
    stage: Stage
    created_at: dt.datetime
    created_by_name: str
    change_summary: str
    reason: str | None


class ReviewSchedule(BaseModel):
    """When the next formal review is due and why."""

    planned_on: dt.date | None
    latest_allowed: dt.date
    due_by: dt.date
    rule: str
    status: ReviewStatus
    risk_band: str | None


class PlanVersionRead(VersionSummary):
    """One version of the plan's content."""

    appreciate_about_me: str
    important_to_me: str
    how_to_support_me: str
    health_summary: str
    aspirations: str
    self_management: str
    risk_management: str
    contingency: str
    capacity_and_decisions: str
    care_coordinator: str
    health_monitor: str
    budget_management: BudgetManagement | None
    budget_arrangements: str
    budget_sheet_included: bool
    cohort: Cohort | None
    team: str
    local_category: str
    person_prepared: bool
    person_chose_involved: bool
    involvement_notes: str
    review_interval_months: int | None
    review_method: str
    next_review_on: dt.date | None
    knows_how_to_request_review: bool
    agreed_on: dt.date | None
    agreed_by: str
    criterion_1_met: bool | None
    criterion_1_evidence: str
    criterion_2_met: bool | None
    criterion_2_evidence: str
    criterion_3_met: bool | None
    criterion_3_evidence: str
    criterion_4_met: bool | None
    criterion_4_evidence: str
    criterion_5_met: bool | None
    criterion_5_evidence: str
    outcomes: list[OutcomeRead]
    actions: list[ActionRead]
    links: list[LinkedPlanRead]
    participants: list[ParticipantRead]

    def actions_for(self, outcome_ref: int) -> list[ActionRead]:
        """Actions linked to one outcome."""
        return [a for a in self.actions if a.outcome_ref == outcome_ref]

    def outcome_text(self, ref: int) -> str:
        """An outcome's words by its reference."""
        return next((o.text for o in self.outcomes if o.ref == ref), "")


class CriterionRead(BaseModel):
    """One of the five criteria, met or not and why."""

    number: int
    title: str
    met: bool
    reasons: list[str]
    evidence: str

    @classmethod
    def of(cls, result: CriterionResult) -> CriterionRead:
        """From the pure rule's result."""
        return cls(
            number=result.number,
            title=result.title,
            met=result.met,
            reasons=list(result.reasons),
            evidence=result.evidence,
        )


class PlanRead(BaseModel):
    """The plan as the plan page, the print page, the PDF, the FHIR export and the API show it."""

    id: int
    person_id: int
    person_name: str
    nhs_number: str
    version: PlanVersionRead
    display_stage: Stage
    first_agreed_on: dt.date | None
    first_direct_payment_on: dt.date | None
    closed_on: dt.date | None
    closed_reason: str | None
    criteria: list[CriterionRead]
    schedule: ReviewSchedule
    agreement_problems: dict[str, str]
    open_review_id: int | None
    row_version: int

    @property
    def counts(self) -> bool:
        """Meets all five criteria."""
        return all(c.met for c in self.criteria)

    @property
    def is_current_stage_manual(self) -> bool:
        """The stage is one a case manager moves on by hand."""
        return self.version.stage in {Stage.CONTEXT, Stage.PREPARATION, Stage.CONVERSATION}


class ReviewOutcomeRead(_Read):
    """Progress on one outcome at a review."""

    outcome_ref: int
    outcome_text: str
    progress: Progress
    comment: str


class ReviewRead(_Read):
    """A review as shown."""

    id: int
    status: str
    kind: str
    requested_on: dt.date | None
    requested_by: str
    request_reason: str
    held_on: dt.date | None
    reviewer_name: str
    changed_needs: str
    budget_use: str
    risk_changes: str
    insurance: Obligation | None
    training: Obligation | None
    employer_duties: Obligation | None
    provider_registration: Obligation | None
    budget_covers_full_cost: bool | None
    budget_review_needed: bool
    notes: str
    next_review_on: dt.date | None
    version_before: int | None
    version_after: int | None
    outcomes: list[ReviewOutcomeRead]


class DashboardRow(BaseModel):
    """One person on the reviews dashboard."""

    person_id: int
    person_name: str
    nhs_number: str
    due_by: dt.date
    status: ReviewStatus
    rule: str
    requested_on: dt.date | None
