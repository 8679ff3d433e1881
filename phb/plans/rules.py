"""Pure rules of the single care and support plan: stages, review dates, the five criteria, and counting.

Nothing here touches the database or pydantic, so every rule can be tested with plain values and a frozen clock.
The words follow DOMAIN.md sections 2, 8, 10 and 11 and seeds 001 (Annex C and D) and 003.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from phb.clock import add_months

# SNOMED CT codes the quarterly count is reported under (003, "Counting Personalised Care and Support Plans").
SNOMED_PLAN_AGREED = "1187911000000105"
SNOMED_PLAN_AGREED_DISPLAY = "Personalised care and support plan agreed (finding)"
SNOMED_PLAN_REVIEWED = "1187921000000104"
SNOMED_PLAN_REVIEWED_DISPLAY = "Review of personalised care and support plan (procedure)"


class Stage(StrEnum):
    """The six stages of personalised care and support planning (001 Annex A)."""

    CONTEXT = "context"
    PREPARATION = "preparation"
    CONVERSATION = "conversation"
    RECORD_AND_AGREE = "record_and_agree"
    MAKE_IT_HAPPEN = "make_it_happen"
    REVIEW = "review"

    @property
    def label(self) -> str:
        """The stage's name as people say it."""
        return STAGE_GUIDE[self][0]

    @property
    def what_next(self) -> str:
        """What happens next, shown on the plan page."""
        return STAGE_GUIDE[self][1]


STAGE_GUIDE: dict[Stage, tuple[str, str]] = {
    Stage.CONTEXT: (
        "Context",
        (
            "Explain personalised care and support planning to the person, what a personal health budget is and "
            "what the budget is for. When they want to go ahead, move on to preparation."
        ),
    ),
    Stage.PREPARATION: (
        "Preparation",
        (
            "Help the person prepare in the format they need: who they want involved, what matters to them, what "
            "they might want to change. Record who is involved and whom they chose, then move on to the "
            "conversation."
        ),
    ),
    Stage.CONVERSATION: (
        "Conversation",
        (
            "Have the conversation about what matters to the person. Write the one-page summary, their outcomes "
            "in their own words and the actions that will achieve them. Then move on to record and agree."
        ),
    ),
    Stage.RECORD_AND_AGREE: (
        "Record and agree",
        (
            "Check the plan holds everything a direct-payment plan needs (care coordinator, who monitors the "
            "health condition, where the budget is held, the first review), then agree it with the person."
        ),
    ),
    Stage.MAKE_IT_HAPPEN: (
        "Make it happen",
        (
            "Put the actions into practice. The next formal review is due by the date shown; the person can ask "
            "for a review at any time."
        ),
    ),
    Stage.REVIEW: (
        "Review",
        (
            "A review is open. Record it with the person: changed needs, progress on each outcome, how the budget"
            " was used, risks, direct-payment obligations and whether the budget still covers the full cost."
        ),
    ),
}

# Stages a case manager moves through by hand; agreeing the plan and reviewing it move the rest.
ADVANCE: dict[Stage, Stage] = {
    Stage.CONTEXT: Stage.PREPARATION,
    Stage.PREPARATION: Stage.CONVERSATION,
    Stage.CONVERSATION: Stage.RECORD_AND_AGREE,
}


class BudgetManagement(StrEnum):
    """Where the budget is held and managed (DOMAIN.md section 2, "Make it happen")."""

    DIRECT_PAYMENT = "direct_payment"
    NOTIONAL = "notional"
    THIRD_PARTY = "third_party"
    MIXED = "mixed"

    @property
    def label(self) -> str:
        """Words for pages and the national return."""
        return {
            BudgetManagement.DIRECT_PAYMENT: "Direct payment",
            BudgetManagement.NOTIONAL: "Notional budget",
            BudgetManagement.THIRD_PARTY: "Third-party budget",
            BudgetManagement.MIXED: "Mixed",
        }[self]


class Cohort(StrEnum):
    """The national return's cohorts of people with a personal health budget."""

    CHC_ADULTS = "chc_adults"
    CHILDRENS_CONTINUING_CARE = "childrens_continuing_care"
    SECTION_117 = "section_117"
    WHEELCHAIR = "wheelchair"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Words for pages and the national return."""
        return {
            Cohort.CHC_ADULTS: "NHS Continuing Healthcare (adults)",
            Cohort.CHILDRENS_CONTINUING_CARE: "Children's continuing care",
            Cohort.SECTION_117: "Section 117 aftercare",
            Cohort.WHEELCHAIR: "Personal wheelchair budgets",
            Cohort.OTHER: "Other",
        }[self]


class LinkedPlanKind(StrEnum):
    """Other plans the single plan links to (001 Annex C 7.2)."""

    EHC_PLAN = "ehc_plan"
    CARE_PROGRAMME_APPROACH = "care_programme_approach"
    SOCIAL_CARE_PLAN = "social_care_plan"
    TREATMENT_PLAN = "treatment_plan"
    OTHER = "other"

    @property
    def label(self) -> str:
        """Words for pages."""
        return {
            LinkedPlanKind.EHC_PLAN: "Education, health and care (EHC) plan",
            LinkedPlanKind.CARE_PROGRAMME_APPROACH: "Care programme approach (CPA) care plan",
            LinkedPlanKind.SOCIAL_CARE_PLAN: "Social care plan",
            LinkedPlanKind.TREATMENT_PLAN: "Condition-specific treatment plan",
            LinkedPlanKind.OTHER: "Other plan",
        }[self]


class Progress(StrEnum):
    """How far an outcome got, recorded at a review."""

    ACHIEVED = "achieved"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    NO_LONGER_WANTED = "no_longer_wanted"

    @property
    def label(self) -> str:
        """Words for pages."""
        return {
            Progress.ACHIEVED: "Achieved",
            Progress.PARTLY: "Partly achieved",
            Progress.NOT_YET: "Not yet achieved",
            Progress.NO_LONGER_WANTED: "No longer wanted",
        }[self]


class Obligation(StrEnum):
    """Whether a direct-payment obligation is met, at a review."""

    MET = "met"
    NOT_MET = "not_met"
    NOT_APPLICABLE = "not_applicable"

    @property
    def label(self) -> str:
        """Words for pages."""
        return {Obligation.MET: "Met", Obligation.NOT_MET: "Not met", Obligation.NOT_APPLICABLE: "Not applicable"}[self]


class RiskBand(StrEnum):
    """The highest residual risk rating from the risk register."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    EXTREME = "extreme"


# ---------------------------------------------------------------------------------------------------------------
# Review dates (DOMAIN.md section 8; 001 Annex D 8.3.5)
# ---------------------------------------------------------------------------------------------------------------

FIRST_REVIEW_MONTHS = 3  # after the first direct payment
MAX_REVIEW_MONTHS = 12  # at least every twelve months
# Higher residual risk, more frequent reviews (local policy an administrator could change): a high residual risk
# halves the interval, an extreme one brings it to a quarter.
RISK_REVIEW_MONTHS: dict[RiskBand, int] = {RiskBand.HIGH: 6, RiskBand.EXTREME: 3}
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class ReviewDeadline:
    """The latest date the next formal review may be, and the rule that set it."""

    latest: dt.date
    reason: str
    interval_months: int


def review_interval(risk_band: RiskBand | None, plan_months: int | None) -> tuple[int, str]:
    """The longest gap between formal reviews, in months, and why."""
    months, why = MAX_REVIEW_MONTHS, "at least every twelve months"
    if risk_band in RISK_REVIEW_MONTHS:
        months = RISK_REVIEW_MONTHS[risk_band]
        why = f"every {months} months because the highest residual risk is {risk_band}"
    if plan_months is not None and plan_months < months:
        months, why = plan_months, f"every {plan_months} months, as the plan says"
    return months, why


def review_deadline(
    *,
    today: dt.date,
    agreed_on: dt.date | None,
    last_review_on: dt.date | None,
    first_direct_payment_on: dt.date | None,
    risk_band: RiskBand | None = None,
    plan_months: int | None = None,
) -> ReviewDeadline:
    """When the next formal review must happen by.

    The interval runs from the last formal review, else from when the plan was agreed (else from today, for a
    draft). Where a direct payment has started and no review has been held since the first payment, the first
    formal review is due within three months of that payment, if that is sooner.
    """
    months, why = review_interval(risk_band, plan_months)
    anchor, anchor_words = today, "today"
    if last_review_on is not None:
        anchor, anchor_words = last_review_on, "the last review"
    elif agreed_on is not None:
        anchor, anchor_words = agreed_on, "the plan was agreed"
    latest, reason = add_months(anchor, months), f"{why}, counted from {anchor_words}"
    if first_direct_payment_on is not None and (last_review_on is None or last_review_on < first_direct_payment_on):
        first = add_months(first_direct_payment_on, FIRST_REVIEW_MONTHS)
        if first <= latest:
            latest, reason = first, "the first formal review is due within three months of the first direct payment"
    return ReviewDeadline(latest=latest, reason=reason, interval_months=months)


def review_date_problem(proposed: dt.date, deadline: ReviewDeadline, today: dt.date) -> str | None:
    """Why a proposed next review date is not acceptable, or None."""
    if proposed < today:
        return "Next review date must be today or later"
    if proposed > deadline.latest:
        return (
            f"Next review date must be on or before {deadline.latest.isoformat()}: {deadline.reason}. "
            "Choose an earlier date"
        )
    return None


class ReviewStatus(StrEnum):
    """Where a person's next review stands, for the caseload dashboard."""

    OVERDUE = "overdue"
    REQUESTED = "requested"
    DUE_SOON = "due_soon"
    SCHEDULED = "scheduled"

    @property
    def label(self) -> str:
        """Words for the dashboard's tags."""
        return {
            ReviewStatus.OVERDUE: "Overdue",
            ReviewStatus.REQUESTED: "Asked for by the person",
            ReviewStatus.DUE_SOON: "Due soon",
            ReviewStatus.SCHEDULED: "Scheduled",
        }[self]


def due_by(planned: dt.date | None, deadline: ReviewDeadline) -> dt.date:
    """The date a review is actually due: the planned date, unless the rules now need it sooner."""
    return deadline.latest if planned is None else min(planned, deadline.latest)


def review_status(due: dt.date, today: dt.date, *, requested: bool) -> ReviewStatus:
    """Overdue past the due date; an open request from the person next; then due within 30 days."""
    if due < today:
        return ReviewStatus.OVERDUE
    if requested:
        return ReviewStatus.REQUESTED
    if due <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return ReviewStatus.DUE_SOON
    return ReviewStatus.SCHEDULED


# ---------------------------------------------------------------------------------------------------------------
# What a plan must hold before it is agreed (001 Annex D 8.3.2; DOMAIN.md section 7)
# ---------------------------------------------------------------------------------------------------------------


def outcome_problems(*, text: str, written_by: str, person_involved: bool) -> dict[str, str]:
    """Field messages for an outcome that cannot be recorded."""
    errors: dict[str, str] = {}
    if not text.strip():
        errors["text"] = "Enter the outcome in the person's own words"
    if not written_by.strip():
        errors["written_by"] = "Enter who wrote the outcome, for example the person, or the person with their nurse"
    if not person_involved:
        errors["person_involved"] = (
            "Confirm the person was involved in writing this outcome. An outcome written without them cannot be "
            "recorded: talk to them first"
        )
    return errors


def action_problems(
    *, description: str, owner: str, due_on: dt.date | None, outcome_ref: int | None, outcome_refs: Iterable[int]
) -> dict[str, str]:
    """Field messages for an action that cannot be recorded."""
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Enter what will be done"
    if not owner.strip():
        errors["owner"] = "Enter who will do it (an action without an owner cannot be recorded)"
    if due_on is None:
        errors["due_on"] = "Enter when it will be done by (an action without a date cannot be recorded)"
    if outcome_ref is None or outcome_ref not in set(outcome_refs):
        errors["outcome_ref"] = "Choose the outcome this action helps to achieve"
    return errors


@dataclass(frozen=True)
class OutcomeFacts:
    """What the rules need to know about one outcome."""

    ref: int
    text: str
    person_involved: bool
    actions: int


@dataclass(frozen=True)
class CriterionEvidence:
    """The recorded evidence for one of the five criteria."""

    met: bool | None = None
    evidence: str = ""


@dataclass(frozen=True)
class PlanFacts:
    """One plan version as the agreement check, the five criteria and the counts see it."""

    plan_id: int
    person_id: int
    label: str  # who the plan is for, as the report lists them
    version: int
    important_to_me: str = ""
    how_to_support_me: str = ""
    contingency: str = ""
    care_coordinator: str = ""
    health_monitor: str = ""
    budget_management: BudgetManagement | None = None
    budget_sheet_included: bool = False
    person_prepared: bool = False
    person_chose_involved: bool = False
    participants: int = 0
    outcomes: tuple[OutcomeFacts, ...] = ()
    next_review_on: dt.date | None = None
    review_method: str = ""
    knows_how_to_request_review: bool = False
    evidence: Mapping[int, CriterionEvidence] = field(default_factory=dict)
    team: str = ""
    local_category: str = ""
    cohort: Cohort | None = None


def agreement_problems(plan: PlanFacts) -> dict[str, str]:
    """What the plan still needs before it can be agreed (the regulations' required contents, and Annex C)."""
    errors: dict[str, str] = {}
    if not plan.important_to_me.strip():
        errors["important_to_me"] = "Record what is important to the person in the one-page summary"
    if not plan.outcomes:
        errors["outcomes"] = "Record at least one outcome in the person's own words"
    elif any(o.actions == 0 for o in plan.outcomes):
        errors["actions"] = "Every outcome needs at least one action saying who will do what, by when"
    if not plan.care_coordinator.strip():
        errors["care_coordinator"] = "Name the care coordinator responsible for the plan"
    if not plan.health_monitor.strip():
        errors["health_monitor"] = "Say who will monitor the person's health condition"
    if plan.budget_management is None:
        errors["budget_management"] = "Record where the budget will be held and managed"
    if plan.cohort is None:
        errors["cohort"] = "Choose which group the personal health budget is for"
    if not plan.review_method.strip():
        errors["review_method"] = "Say how the first review will be carried out"
    return errors


# ---------------------------------------------------------------------------------------------------------------
# The five criteria (003)
# ---------------------------------------------------------------------------------------------------------------

CRITERIA: dict[int, str] = {
    1: "The person was central in developing and agreeing their plan, and decided who was involved",
    2: "The person had a proactive, personalised conversation focused on what matters to them",
    3: "The person agreed their outcomes in partnership with professionals, in their own words",
    4: "The person has a sharable plan recording what matters to them, their outcomes and how they will be achieved",
    5: "The person has the opportunity to review their plan formally and informally",
}


@dataclass(frozen=True)
class CriterionResult:
    """Whether a plan meets one criterion, and if not, why in words."""

    number: int
    title: str
    met: bool
    reasons: tuple[str, ...] = ()
    evidence: str = ""


def _evidence_reasons(evidence: CriterionEvidence | None) -> list[str]:
    if evidence is None or evidence.met is None:
        return ["no evidence has been recorded"]
    reasons = [] if evidence.met else ["the evidence recorded says it was not met"]
    if evidence.met and not evidence.evidence.strip():
        reasons.append("the evidence is blank")
    return reasons


def _central(plan: PlanFacts) -> list[str]:
    reasons = []
    if not plan.person_chose_involved:
        reasons.append("it is not recorded that the person chose who was involved")
    if not plan.person_prepared:
        reasons.append("it is not recorded that the person was prepared, with information in their format")
    if plan.participants == 0:
        reasons.append("nobody involved in the planning is recorded")
    return reasons


def _conversation(plan: PlanFacts) -> list[str]:
    return [] if plan.important_to_me.strip() else ["what is important to the person is not recorded"]


def _outcomes_in_partnership(plan: PlanFacts) -> list[str]:
    if not plan.outcomes:
        return ["the plan has no outcomes"]
    return [] if all(o.person_involved for o in plan.outcomes) else ["an outcome was written without the person"]


def _sharable_plan(plan: PlanFacts) -> list[str]:
    reasons = []
    if not plan.important_to_me.strip() or not plan.outcomes:
        reasons.append("what matters to the person and their outcomes are not both recorded")
    if any(o.actions == 0 for o in plan.outcomes):
        reasons.append("an outcome has no actions")
    if not plan.contingency.strip():
        reasons.append("there is no contingency plan")
    if plan.budget_management is not None and not plan.budget_sheet_included:
        reasons.append("the plan has a personal health budget but no budget sheet")
    return reasons


def _review_opportunity(plan: PlanFacts) -> list[str]:
    reasons = []
    if plan.next_review_on is None:
        reasons.append("no formal review date is set")
    if not plan.knows_how_to_request_review:
        reasons.append("it is not recorded that the person knows how to ask for a review")
    return reasons


# What the plan itself must show for each criterion, beyond the evidence a person records.
_STRUCTURAL = {
    1: _central,
    2: _conversation,
    3: _outcomes_in_partnership,
    4: _sharable_plan,
    5: _review_opportunity,
}


def evaluate_criteria(plan: PlanFacts) -> tuple[CriterionResult, ...]:
    """Each of the five criteria: met only with recorded evidence *and* a plan that shows it."""
    results = []
    for number, title in CRITERIA.items():
        evidence = plan.evidence.get(number)
        reasons = _evidence_reasons(evidence) + _STRUCTURAL[number](plan)
        results.append(
            CriterionResult(
                number=number,
                title=title,
                met=not reasons,
                reasons=tuple(reasons),
                evidence=evidence.evidence if evidence else "",
            )
        )
    return tuple(results)


def failed_criteria(plan: PlanFacts) -> tuple[int, ...]:
    """Numbers of the criteria the plan fails (empty: it counts)."""
    return tuple(r.number for r in evaluate_criteria(plan) if not r.met)


# ---------------------------------------------------------------------------------------------------------------
# Quarters and counting
# ---------------------------------------------------------------------------------------------------------------

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")


@dataclass(frozen=True)
class Quarter:
    """A calendar quarter: ``2026Q3`` is 1 July to 30 September 2026."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026Q3`` (or ``2026-Q3``) to a quarter; ValueError naming the expected form otherwise."""
        match = _QUARTER.match(text or "")
        if not match:
            raise ValueError("Enter the quarter as a year and quarter number, like 2026Q3")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: dt.date) -> Quarter:
        """The quarter a date falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> dt.date:
        """First day."""
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        """Last day."""
        return add_months(self.start, 3) - dt.timedelta(days=1)

    @property
    def previous(self) -> Quarter:
        """The quarter before."""
        return Quarter.containing(self.start - dt.timedelta(days=1))

    @property
    def financial_year_label(self) -> str:
        """The NHS financial-year name of the same months (April to March): 2026Q3 is 2026/27 Q2."""
        fy_start = self.year if self.number > 1 else self.year - 1
        fy_quarter = self.number - 1 if self.number > 1 else 4
        return f"{fy_start}/{str(fy_start + 1)[-2:]} Q{fy_quarter}"

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class CountedPlan:
    """One plan behind a figure, and whether it was counted."""

    plan_id: int
    person_id: int
    label: str
    event_on: dt.date
    team: str
    local_category: str
    failed: tuple[int, ...]

    @property
    def counted(self) -> bool:
        """Meets all five criteria."""
        return not self.failed


@dataclass(frozen=True)
class Measure:
    """One line of the PCSP count: new or reviewed plans, with every plan looked at."""

    name: str
    snomed_code: str
    snomed_display: str
    plans: tuple[CountedPlan, ...]

    @property
    def counted(self) -> tuple[CountedPlan, ...]:
        """Plans meeting all five criteria."""
        return tuple(p for p in self.plans if p.counted)

    @property
    def not_counted(self) -> tuple[CountedPlan, ...]:
        """Plans failing a criterion, each with which."""
        return tuple(p for p in self.plans if not p.counted)

    def by(self, attribute: str) -> dict[str, tuple[CountedPlan, ...]]:
        """Counted plans grouped by ``team`` or ``local_category`` ('Not recorded' for blanks), sorted."""
        groups: dict[str, list[CountedPlan]] = {}
        for plan in self.counted:
            groups.setdefault(getattr(plan, attribute) or "Not recorded", []).append(plan)
        return {key: tuple(groups[key]) for key in sorted(groups)}


@dataclass(frozen=True)
class PcspReport:
    """The quarterly count of personalised care and support plans (003)."""

    quarter: Quarter
    new: Measure
    reviewed: Measure


def pcsp_report(
    quarter: Quarter,
    agreed: Sequence[tuple[PlanFacts, dt.date]],
    reviewed: Sequence[tuple[PlanFacts, dt.date]],
) -> PcspReport:
    """Count new and reviewed plans in ``quarter``.

    ``agreed``: each plan with the date it was *first* agreed (re-agreeing after a review is not a new plan).
    ``reviewed``: each plan with the date of a formal review; a person reviewed twice in the quarter counts once
    (the measure counts patients who received a review), dated by their latest review.
    Each plan is judged on the five criteria by the version given (the services pass the version in force at
    the end of the quarter); a plan failing any criterion is listed but not counted.
    """

    def counted(facts: PlanFacts, on: dt.date) -> CountedPlan:
        return CountedPlan(
            plan_id=facts.plan_id,
            person_id=facts.person_id,
            label=facts.label,
            event_on=on,
            team=facts.team,
            local_category=facts.local_category,
            failed=failed_criteria(facts),
        )

    new = [counted(f, on) for f, on in agreed if on in quarter]
    latest_review: dict[int, tuple[PlanFacts, dt.date]] = {}
    for facts, on in reviewed:
        if on in quarter and (facts.person_id not in latest_review or on > latest_review[facts.person_id][1]):
            latest_review[facts.person_id] = (facts, on)
    reviews = [counted(f, on) for f, on in latest_review.values()]
    order = lambda p: (p.event_on, p.plan_id)  # noqa: E731
    return PcspReport(
        quarter=quarter,
        new=Measure("New plans agreed", SNOMED_PLAN_AGREED, SNOMED_PLAN_AGREED_DISPLAY, tuple(sorted(new, key=order))),
        reviewed=Measure(
            "Plans reviewed", SNOMED_PLAN_REVIEWED, SNOMED_PLAN_REVIEWED_DISPLAY, tuple(sorted(reviews, key=order))
        ),
    )


@dataclass(frozen=True)
class BudgetRecord:
    """A plan as the national return sees it: when its budget started and ended, its type and cohort."""

    plan_id: int
    person_id: int
    label: str
    started_on: dt.date  # the plan was first agreed
    ended_on: dt.date | None
    budget_management: BudgetManagement | None
    cohort: Cohort | None


@dataclass(frozen=True)
class ReturnFigures:
    """Counts of personal health budgets by cohort and type, with the records behind each."""

    cells: Mapping[tuple[Cohort, BudgetManagement], tuple[BudgetRecord, ...]]

    def cell(self, cohort: Cohort, kind: BudgetManagement) -> tuple[BudgetRecord, ...]:
        """The budgets of one cohort and type."""
        return self.cells.get((cohort, kind), ())

    def by_type(self, kind: BudgetManagement) -> tuple[BudgetRecord, ...]:
        """All cohorts of one type."""
        return tuple(r for c in Cohort for r in self.cell(c, kind))

    def by_cohort(self, cohort: Cohort) -> tuple[BudgetRecord, ...]:
        """All types of one cohort."""
        return tuple(r for k in BudgetManagement for r in self.cell(cohort, k))

    @property
    def total(self) -> tuple[BudgetRecord, ...]:
        """Every budget."""
        return tuple(r for c in Cohort for r in self.by_cohort(c))


@dataclass(frozen=True)
class PhbReturn:
    """The national quarterly return of personal health budgets."""

    quarter: Quarter
    during: ReturnFigures  # held at any time in the quarter
    at_end: ReturnFigures  # held on the quarter's last day
    incomplete: tuple[BudgetRecord, ...]  # agreed plans missing a type or cohort, so in no figure


def phb_return(quarter: Quarter, records: Iterable[BudgetRecord]) -> PhbReturn:
    """Count budgets by type and cohort, during the quarter and as at its end.

    A budget is held from the day its plan was first agreed until the day it ended (exclusive). "During the
    quarter" counts a budget held on any day of the quarter; "as at the end" one held on its last day.
    """
    during: dict[tuple[Cohort, BudgetManagement], list[BudgetRecord]] = {}
    at_end: dict[tuple[Cohort, BudgetManagement], list[BudgetRecord]] = {}
    incomplete: list[BudgetRecord] = []
    for record in sorted(records, key=lambda r: (r.started_on, r.plan_id)):
        if record.started_on > quarter.end or (record.ended_on is not None and record.ended_on <= quarter.start):
            continue
        if record.budget_management is None or record.cohort is None:
            incomplete.append(record)
            continue
        key = (record.cohort, record.budget_management)
        during.setdefault(key, []).append(record)
        if record.ended_on is None or record.ended_on > quarter.end:
            at_end.setdefault(key, []).append(record)
    return PhbReturn(
        quarter=quarter,
        during=ReturnFigures({k: tuple(v) for k, v in during.items()}),
        at_end=ReturnFigures({k: tuple(v) for k, v in at_end.items()}),
        incomplete=tuple(incomplete),
    )
