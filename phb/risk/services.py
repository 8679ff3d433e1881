"""Use cases about risk: discussions, the register, contingency plans, capacity, safeguarding, delegated tasks.

Every function taking an ``actor`` asks :mod:`phb.access.services` first: reads need ``PERSON_READ``, changes
``RISK_EDIT``. None commits. :func:`risk_summary` and :func:`risk_summaries` take no actor: they are for callers
(the caseload, the governance rules) that have already decided the user may see the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Integer, Select, String, column, func, or_, select, table
from sqlalchemy.orm import Session, selectinload

# Every area's tables in the metadata: a contingency plan's foreign key names the budgets area's sheet lines, and
# SQLAlchemy resolves it at flush time even where nothing else has loaded the budgets models (the demo loader).
import phb.models  # noqa: F401
from phb.access.rules import Actor, Permission, decide
from phb.access.services import relationship, require_person
from phb.audit.chain import jsonable
from phb.audit.models import AuditEvent
from phb.audit.services import because
from phb.clock import today as _today
from phb.db import Base
from phb.errors import ConflictError, NotFoundError, ValidationFailedError
from phb.people.models import Person, Supporter
from phb.risk.models import (
    BestInterestsDecision,
    CapacityAssessment,
    ContingencyPlan,
    DelegatedHealthTask,
    RestraintProcedure,
    Risk,
    RiskAction,
    RiskDiscussion,
    SafeguardingConcern,
)
from phb.risk.rules import (
    EMPTY_SUMMARY,
    RiskFacts,
    RiskStatus,
    RiskSummary,
    band_for,
    date_words,
    heat_map,
    is_overdue,
    summarise,
)
from phb.risk.schemas import (
    ActionCreate,
    BestInterestsDecisionCreate,
    BestInterestsDecisionRead,
    CapacityAssessmentCreate,
    CapacityAssessmentRead,
    ContingencyPlanCreate,
    ContingencyPlanRead,
    DelegatedTaskCreate,
    DelegatedTaskRead,
    DiscussionCreate,
    DiscussionRead,
    HistoryEntry,
    RestraintProcedureCreate,
    RestraintProcedureRead,
    RiskCreate,
    RiskRead,
    RiskRegisterRead,
    RiskReview,
    RiskSummaryRead,
    SafeguardingConcernCreate,
    SafeguardingConcernRead,
)

M = TypeVar("M", bound=Base)
R = TypeVar("R", bound=BaseModel)


def _owned(session: Session, model: type[M], record_id: int, person_id: int, name: str) -> M:
    """A record about ``person_id``; one about somebody else is "not found", never a hint it exists."""
    record = session.get(model, record_id)
    if record is None or getattr(record, "person_id", None) != person_id:
        raise NotFoundError(name, record_id)
    return record


def _add(session: Session, record: M) -> M:
    session.add(record)
    session.flush()
    return record


# The summary other areas depend on -----------------------------------------------------------------------------


def risk_summaries(session: Session, person_ids: Iterable[int]) -> dict[int, RiskSummary]:
    """Each person's :class:`RiskSummary` (an empty one for people with no open risks), in one query.

    For lists such as the caseload; callers have already limited ``person_ids`` to people the user may see.
    """
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Risk.person_id, Risk.title, Risk.residual_likelihood, Risk.residual_impact, Risk.review_on).where(
            Risk.person_id.in_(ids), Risk.status == RiskStatus.OPEN.value
        )
    ).all()
    facts: dict[int, list[RiskFacts]] = {person_id: [] for person_id in ids}
    for person_id, title, likelihood, impact, review_on in rows:
        facts[person_id].append(RiskFacts(title, likelihood, impact, review_on))
    today = _today()
    return {person_id: summarise(found, today) if found else EMPTY_SUMMARY for person_id, found in facts.items()}


def highest_residual_bands(session: Session, people: Select[Any]) -> dict[int, str]:
    """The highest residual band of each person ``people`` selects who has an open risk, in one query.

    For lists too long to name their ids (every plan a service manager sees): ``people`` is a query of person ids
    the caller has already limited to people the user may see. The band is the summary's: of the highest rating.
    """
    rows = session.execute(
        select(Risk.person_id, func.max(Risk.residual_likelihood * Risk.residual_impact))
        .where(Risk.person_id.in_(people), Risk.status == RiskStatus.OPEN.value)
        .group_by(Risk.person_id)
    )
    return {person_id: band_for(highest).value for person_id, highest in rows}


def risk_summary(session: Session, person_id: int) -> RiskSummary:
    """A person's highest residual rating, overdue reviews, next review and the reasons, for governance rules."""
    return risk_summaries(session, [person_id])[person_id]


def open_risks_above(session: Session, person_id: int, tolerance: int) -> list[RiskFacts]:
    """A person's open risks whose residual rating is above ``tolerance``, highest first, for a decider to read.

    Like :func:`risk_summary` it takes no actor: the caller (a governance request page) has checked access.
    """
    rows = session.execute(
        select(Risk.title, Risk.residual_likelihood, Risk.residual_impact, Risk.review_on).where(
            Risk.person_id == person_id,
            Risk.status == RiskStatus.OPEN.value,
            Risk.residual_likelihood * Risk.residual_impact > tolerance,
        )
    )
    found = [RiskFacts(title, likelihood, impact, review_on) for title, likelihood, impact, review_on in rows]
    return sorted(found, key=lambda r: (-r.residual_rating, r.review_on, r.title))


# Risk discussions -------------------------------------------------------------------------------------------------


def add_discussion(session: Session, actor: Actor, person_id: int, data: DiscussionCreate) -> RiskDiscussion:
    """Record a risk discussion; the person's words are stored as given, attributed to ``words_of``."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    return _add(session, RiskDiscussion(person_id=person_id, recorded_by_id=actor.user_id, **data.model_dump()))


def discussion_detail(
    session: Session, actor: Actor, person_id: int, discussion_id: int
) -> tuple[DiscussionRead, list[RiskRead]]:
    """One discussion and the risks registered from it."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    discussion = _owned(session, RiskDiscussion, discussion_id, person_id, "risk discussion")
    risks = session.scalars(
        select(Risk).where(Risk.discussion_id == discussion_id).options(selectinload(Risk.actions)).order_by(Risk.id)
    )
    return DiscussionRead.model_validate(discussion), [_risk_read(r) for r in risks]


def discussions(session: Session, actor: Actor, person_id: int) -> list[DiscussionRead]:
    """A person's risk discussions, newest first."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _discussions(session, person_id)


def _discussions(session: Session, person_id: int) -> list[DiscussionRead]:
    rows = session.scalars(
        select(RiskDiscussion)
        .where(RiskDiscussion.person_id == person_id)
        .order_by(RiskDiscussion.held_on.desc(), RiskDiscussion.id.desc())
    )
    return [DiscussionRead.model_validate(d) for d in rows]


# The register ----------------------------------------------------------------------------------------------------


def _risk_read(risk: Risk) -> RiskRead:
    read = RiskRead.model_validate(risk)
    read.review_overdue = read.status is RiskStatus.OPEN and is_overdue(read.review_on, _today())
    return read


def add_risk(session: Session, actor: Actor, person_id: int, data: RiskCreate) -> Risk:
    """Register a risk (and, if given, its first agreed action)."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    if data.discussion_id is not None:
        discussion = session.get(RiskDiscussion, data.discussion_id)
        if discussion is None or discussion.person_id != person_id:
            raise ValidationFailedError({"discussion_id": "Choose one of this person's risk discussions"})
    fields = data.model_dump(exclude={"action_description", "action_owner", "action_due_on"})
    risk = _add(session, Risk(person_id=person_id, status=RiskStatus.OPEN.value, **fields))
    action = data.first_action()
    if action is not None:
        _add(session, RiskAction(person_id=person_id, risk_id=risk.id, **action.model_dump()))
    return risk


REVIEW_FIELDS = (
    "likelihood",
    "impact",
    "approach",
    "mitigations",
    "residual_likelihood",
    "residual_impact",
    "owner",
    "review_on",
    "status",
    "person_view",
)


def review_risk(session: Session, actor: Actor, person_id: int, risk_id: int, data: RiskReview) -> Risk:
    """Re-rate a risk and bring it up to date; the reason and every change go into its history.

    A new review date cannot be in the past; an unchanged one may be (the reviewer is saving something else).
    """
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    risk = _owned(session, Risk, risk_id, person_id, "risk")
    if risk.version != data.version:
        raise ConflictError(
            "Someone else reviewed this risk after you opened the form. Check their changes, then make yours again.",
            current={name: jsonable(getattr(risk, name)) for name in REVIEW_FIELDS},
        )
    if data.review_on != risk.review_on and data.review_on < _today():
        raise ValidationFailedError({"review_on": "The next review date must be today or in the future"})
    for name, value in data.model_dump(include=set(REVIEW_FIELDS)).items():
        setattr(risk, name, value)
    with because(session, data.reason):
        session.flush()
    return risk


def add_action(session: Session, actor: Actor, person_id: int, risk_id: int, data: ActionCreate) -> RiskAction:
    """Agree another action about a risk."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    _owned(session, Risk, risk_id, person_id, "risk")
    return _add(session, RiskAction(person_id=person_id, risk_id=risk_id, **data.model_dump()))


def complete_action(session: Session, actor: Actor, person_id: int, action_id: int) -> RiskAction:
    """Mark an agreed action done today."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    action = _owned(session, RiskAction, action_id, person_id, "action")
    if action.done_on is None:
        action.done_on = _today()
        session.flush()
    return action


def risk_detail(session: Session, actor: Actor, person_id: int, risk_id: int) -> RiskRead:
    """One risk with its actions."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    _owned(session, Risk, risk_id, person_id, "risk")
    risk = session.scalars(select(Risk).where(Risk.id == risk_id).options(selectinload(Risk.actions))).one()
    return _risk_read(risk)


def _risks(session: Session, person_id: int) -> list[RiskRead]:
    rows = session.scalars(
        select(Risk).where(Risk.person_id == person_id).options(selectinload(Risk.actions)).order_by(Risk.id)
    )
    return sorted(
        (_risk_read(r) for r in rows),
        key=lambda r: (r.status is not RiskStatus.OPEN, -r.residual_rating, r.review_on, r.id),
    )


def risk_register(session: Session, actor: Actor, person_id: int) -> RiskRegisterRead:
    """A person's register, highest residual rating first, with the summary."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return RiskRegisterRead(
        person_id=person_id,
        summary=RiskSummaryRead.model_validate(risk_summary(session, person_id)),
        risks=_risks(session, person_id),
    )


FIELD_WORDS = {
    "title": "title",
    "category": "category",
    "description": "description",
    "person_view": "the person's view",
    "likelihood": "likelihood",
    "impact": "impact",
    "approach": "approach",
    "mitigations": "mitigations",
    "residual_likelihood": "residual likelihood",
    "residual_impact": "residual impact",
    "owner": "owner",
    "review_on": "review date",
    "status": "status",
    "discussion_id": "discussion",
    "done_on": "done on",
    "due_on": "due",
}
_HIDDEN = {"id", "person_id", "risk_id", "version", "created_at"}
_SHORT = 60


def _shown(value: object) -> str:
    if value is None or value == "":
        return "(blank)"
    text = str(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 1] + "…"


def _history_entry(event: AuditEvent) -> HistoryEntry:
    kind = event.action.rsplit(".", 1)[-1]
    before, after = event.before or {}, event.after or {}
    is_action = event.entity_type == RiskAction.__tablename__
    if is_action:
        what = {"created": "Action agreed", "updated": "Action updated", "deleted": "Action removed"}.get(kind, kind)
        subject = after.get("description") or before.get("description")
        changes = [f"“{_shown(subject)}”"] if kind == "created" else []
    else:
        what = {"created": "Risk registered", "updated": "Risk reviewed", "deleted": "Risk removed"}.get(kind, kind)
        changes = []
    if kind == "created" and not is_action:
        likelihood, impact = after.get("likelihood"), after.get("impact")
        res_l, res_i = after.get("residual_likelihood"), after.get("residual_impact")
        changes.append(f"rating {likelihood} × {impact}, residual {res_l} × {res_i}")
        changes.append(f"review date {after.get('review_on')}")
    elif kind == "updated":
        changes += [
            f"{FIELD_WORDS.get(key, key.replace('_', ' '))}: {_shown(before.get(key))} → {_shown(value)}"
            for key, value in after.items()
            if key not in _HIDDEN
        ]
    return HistoryEntry(
        occurred_at=event.occurred_at, actor=event.actor_label, what=what, changes=changes, reason=event.reason
    )


def risk_history(session: Session, actor: Actor, person_id: int, risk_id: int) -> list[HistoryEntry]:
    """Every change to a risk and its actions, newest first, from the audit trail (which nobody can rewrite)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    _owned(session, Risk, risk_id, person_id, "risk")
    action_ids = [str(i) for i in session.scalars(select(RiskAction.id).where(RiskAction.risk_id == risk_id))]
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.person_id == person_id,
            or_(
                (AuditEvent.entity_type == Risk.__tablename__) & (AuditEvent.entity_id == str(risk_id)),
                (AuditEvent.entity_type == RiskAction.__tablename__) & AuditEvent.entity_id.in_(action_ids),
            ),
        )
        .order_by(AuditEvent.id.desc())
    )
    return [_history_entry(e) for e in events]


# Contingency plans, capacity, best interests, safeguarding, restraint, delegated tasks ----------------------------


# Only what the budgets area promises about its sheet lines (id, person, category, description): risk depends on
# that contract, not on the budgets package's classes.
_SHEET_LINES = table(
    "budget_sheet_lines",
    column("id", Integer),
    column("person_id", Integer),
    column("category", String),
    column("description", String),
)
CONTINGENCY_CATEGORY = "contingency"


def _contingency_lines(session: Session, person_id: int) -> dict[int, str]:
    """The person's budget sheet lines in the contingency category, by id."""
    rows = session.execute(
        select(_SHEET_LINES.c.id, _SHEET_LINES.c.description)
        .where(_SHEET_LINES.c.person_id == person_id, _SHEET_LINES.c.category == CONTINGENCY_CATEGORY)
        .order_by(_SHEET_LINES.c.id)
    ).all()
    return {line_id: description for line_id, description in rows}  # noqa: C416 - rows are Row objects


def _line_descriptions(session: Session, line_ids: set[int]) -> dict[int, str]:
    if not line_ids:
        return {}
    rows = session.execute(
        select(_SHEET_LINES.c.id, _SHEET_LINES.c.description).where(_SHEET_LINES.c.id.in_(line_ids))
    ).all()
    return {line_id: description for line_id, description in rows}  # noqa: C416 - rows are Row objects


def add_contingency_plan(
    session: Session, actor: Actor, person_id: int, data: ContingencyPlanCreate
) -> ContingencyPlan:
    """Record a "what if" scenario and what happens then, funded from the budget sheet's contingency line."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    if data.budget_line_id is not None and data.budget_line_id not in _contingency_lines(session, person_id):
        raise ValidationFailedError(
            {"budget_line_id": "Choose the contingency line of this person's budget sheet, or leave it blank"}
        )
    return _add(session, ContingencyPlan(person_id=person_id, **data.model_dump()))


def _contingency_plans(session: Session, person_id: int) -> list[ContingencyPlanRead]:
    plans = _list(session, ContingencyPlan, ContingencyPlanRead, person_id, ContingencyPlan.id)
    names = _line_descriptions(session, {p.budget_line_id for p in plans if p.budget_line_id is not None})
    for plan in plans:
        plan.budget_line_description = names.get(plan.budget_line_id) if plan.budget_line_id else None
    return plans


def add_capacity_assessment(
    session: Session, actor: Actor, person_id: int, data: CapacityAssessmentCreate
) -> CapacityAssessment:
    """Record a decision-specific capacity assessment (an outcome always has an assessor: see the schema)."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    if data.outcome is not None and not data.assessor:  # the schema says so too; the rule must hold for every caller
        raise ValidationFailedError({"assessor": "Enter who assessed capacity"})
    return _add(session, CapacityAssessment(person_id=person_id, **data.model_dump()))


def add_best_interests_decision(
    session: Session, actor: Actor, person_id: int, data: BestInterestsDecisionCreate
) -> BestInterestsDecision:
    """Record a best-interests decision, who was consulted and the representative acting."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    errors = {}
    if data.capacity_assessment_id is not None:
        assessment = session.get(CapacityAssessment, data.capacity_assessment_id)
        if assessment is None or assessment.person_id != person_id:
            errors["capacity_assessment_id"] = "Choose one of this person's capacity assessments"
    if data.representative_id is not None:
        supporter = session.get(Supporter, data.representative_id)
        if supporter is None or supporter.person_id != person_id:
            errors["representative_id"] = "Choose one of this person's representatives"
    if errors:
        raise ValidationFailedError(errors)
    return _add(session, BestInterestsDecision(person_id=person_id, **data.model_dump()))


def add_safeguarding_concern(
    session: Session, actor: Actor, person_id: int, data: SafeguardingConcernCreate
) -> SafeguardingConcern:
    """Record a safeguarding concern."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    return _add(session, SafeguardingConcern(person_id=person_id, **data.model_dump()))


def add_restraint_procedure(
    session: Session, actor: Actor, person_id: int, data: RestraintProcedureCreate
) -> RestraintProcedure:
    """Record a restraint procedure or restrictive practice and its review date."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    return _add(session, RestraintProcedure(person_id=person_id, **data.model_dump()))


def add_delegated_task(
    session: Session, actor: Actor, person_id: int, data: DelegatedTaskCreate
) -> DelegatedHealthTask:
    """Record a health task delegated to a personal assistant."""
    require_person(session, actor, Permission.RISK_EDIT, person_id)
    return _add(session, DelegatedHealthTask(person_id=person_id, **data.model_dump()))


def _list(session: Session, model: type[M], read: type[R], person_id: int, *order: Any) -> list[R]:  # noqa: ANN401
    rows = session.scalars(select(model).where(model.person_id == person_id).order_by(*order))  # type: ignore[attr-defined]
    return [read.model_validate(row) for row in rows]


def _flag_overdue(items: Sequence[R], attribute: str, today: dt.date) -> list[R]:
    for item in items:
        item.review_overdue = is_overdue(getattr(item, attribute), today)  # type: ignore[attr-defined]
    return list(items)


def contingency_plans(session: Session, actor: Actor, person_id: int) -> list[ContingencyPlanRead]:
    """A person's contingency plans in the order they were written."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _contingency_plans(session, person_id)


def capacity_assessments(session: Session, actor: Actor, person_id: int) -> list[CapacityAssessmentRead]:
    """A person's capacity assessments, newest first."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _list(
        session,
        CapacityAssessment,
        CapacityAssessmentRead,
        person_id,
        CapacityAssessment.assessed_on.desc(),
        CapacityAssessment.id.desc(),
    )


def best_interests_decisions(session: Session, actor: Actor, person_id: int) -> list[BestInterestsDecisionRead]:
    """A person's best-interests decisions, newest first, with the representative's name."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _best_interests(session, person_id)


def _best_interests(session: Session, person_id: int) -> list[BestInterestsDecisionRead]:
    items = _list(
        session,
        BestInterestsDecision,
        BestInterestsDecisionRead,
        person_id,
        BestInterestsDecision.decided_on.desc(),
        BestInterestsDecision.id.desc(),
    )
    rows = session.execute(select(Supporter.id, Supporter.name).where(Supporter.person_id == person_id)).all()
    names = dict(rows)
    for item in items:
        item.representative_name = names.get(item.representative_id) if item.representative_id else None
    return items


def safeguarding_concerns(session: Session, actor: Actor, person_id: int) -> list[SafeguardingConcernRead]:
    """A person's safeguarding concerns, newest first; overdue reviews of open concerns flagged."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _concerns(session, person_id, _today())


def _concerns(session: Session, person_id: int, today: dt.date) -> list[SafeguardingConcernRead]:
    items = _list(
        session,
        SafeguardingConcern,
        SafeguardingConcernRead,
        person_id,
        SafeguardingConcern.raised_on.desc(),
        SafeguardingConcern.id.desc(),
    )
    for item in items:
        item.review_overdue = item.status.value == "open" and is_overdue(item.review_on, today)
    return items


def restraint_procedures(session: Session, actor: Actor, person_id: int) -> list[RestraintProcedureRead]:
    """A person's restraint procedures, soonest review first; overdue reviews flagged."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    items = _list(session, RestraintProcedure, RestraintProcedureRead, person_id, RestraintProcedure.review_on)
    return _flag_overdue(items, "review_on", _today())


def delegated_tasks(session: Session, actor: Actor, person_id: int) -> list[DelegatedTaskRead]:
    """A person's delegated health tasks, soonest competency review first; overdue reviews flagged."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    items = _list(session, DelegatedHealthTask, DelegatedTaskRead, person_id, DelegatedHealthTask.competency_review_on)
    return _flag_overdue(items, "competency_review_on", _today())


@dataclass(frozen=True)
class Representative:
    """Someone acting for the person, from their record."""

    id: int
    name: str
    relationship: str | None
    legal_basis: str


def representatives(session: Session, actor: Actor, person_id: int) -> list[Representative]:
    """The person's current representatives (who may act for them in decisions they lack capacity for)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    return _representatives(session, person_id, _today())


def _representatives(session: Session, person_id: int, today: dt.date) -> list[Representative]:
    rows = session.scalars(
        select(Supporter)
        .where(
            Supporter.person_id == person_id,
            Supporter.kind == "representative",
            or_(Supporter.ended_on.is_(None), Supporter.ended_on > today),
        )
        .order_by(Supporter.started_on)
    )
    return [Representative(s.id, s.name, s.relationship_to_person, s.legal_basis) for s in rows]


# The person's whole risk picture, for the risks page ------------------------------------------------------------


@dataclass(frozen=True)
class RiskOverview:
    """Everything the risks page shows about a person."""

    person_id: int
    person_name: str
    nhs_number: str
    summary: RiskSummary
    risks: list[RiskRead]
    discussions: list[DiscussionRead]
    contingency_plans: list[ContingencyPlanRead]
    capacity_assessments: list[CapacityAssessmentRead]
    best_interests: list[BestInterestsDecisionRead]
    representatives: list[Representative]
    safeguarding: list[SafeguardingConcernRead]
    restraint: list[RestraintProcedureRead]
    delegated_tasks: list[DelegatedTaskRead]
    heat_map: list[list[Any]] = field(default_factory=list)
    residual_heat_map: list[list[Any]] = field(default_factory=list)

    @property
    def overdue_competency_reviews(self) -> int:
        """Delegated tasks whose competency review date has passed."""
        return sum(1 for t in self.delegated_tasks if t.review_overdue)

    @property
    def next_review_words(self) -> str | None:
        """The next review date in words."""
        return date_words(self.summary.next_review) if self.summary.next_review else None


def risk_overview(session: Session, actor: Actor, person_id: int) -> RiskOverview:
    """A person's risks, discussions, contingency plans, capacity and safeguarding records, and the heat-maps."""
    person: Person = require_person(session, actor, Permission.PERSON_READ, person_id)
    today = _today()
    risks = _risks(session, person_id)
    open_risks = [r for r in risks if r.status is RiskStatus.OPEN]
    return RiskOverview(
        person_id=person_id,
        person_name=person.full_name,
        nhs_number=person.nhs_number,
        summary=risk_summary(session, person_id),
        risks=risks,
        discussions=_discussions(session, person_id),
        contingency_plans=_contingency_plans(session, person_id),
        capacity_assessments=_list(
            session,
            CapacityAssessment,
            CapacityAssessmentRead,
            person_id,
            CapacityAssessment.assessed_on.desc(),
            CapacityAssessment.id.desc(),
        ),
        best_interests=_best_interests(session, person_id),
        representatives=_representatives(session, person_id, today),
        safeguarding=_concerns(session, person_id, today),
        restraint=_flag_overdue(
            _list(session, RestraintProcedure, RestraintProcedureRead, person_id, RestraintProcedure.review_on),
            "review_on",
            today,
        ),
        delegated_tasks=_flag_overdue(
            _list(session, DelegatedHealthTask, DelegatedTaskRead, person_id, DelegatedHealthTask.competency_review_on),
            "competency_review_on",
            today,
        ),
        heat_map=heat_map((r.title, r.likelihood, r.impact) for r in open_risks),
        residual_heat_map=heat_map((r.title, r.residual_likelihood, r.residual_impact) for r in open_risks),
    )


@dataclass(frozen=True)
class ContingencyCard:
    """The one-page card for the home: the person, their contingency plans, and today's date."""

    person_name: str
    nhs_number: str
    plans: list[ContingencyPlanRead]
    printed_on: dt.date


def contingency_card(session: Session, actor: Actor, person_id: int) -> ContingencyCard:
    """What the printable contingency card shows."""
    person: Person = require_person(session, actor, Permission.PERSON_READ, person_id)
    plans = _contingency_plans(session, person_id)
    return ContingencyCard(person.full_name, person.nhs_number, plans, _today())


# What the forms need -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FormContext:
    """The person a form is about and the choices that are theirs (discussions, assessments, representatives)."""

    person_id: int
    person_name: str
    discussions: list[tuple[str, str]]
    capacity_assessments: list[tuple[str, str]]
    representatives: list[tuple[str, str]]
    contingency_lines: list[tuple[str, str]]


def form_context(session: Session, actor: Actor, person_id: int) -> FormContext:
    """For a form that will change the person's risk records: checks ``RISK_EDIT`` before showing it."""
    person: Person = require_person(session, actor, Permission.RISK_EDIT, person_id)
    discussions = [
        (str(d.id), f"{date_words(d.held_on)}: {d.wants_to_do[:60]}") for d in _discussions(session, person_id)
    ]
    assessments = session.execute(
        select(CapacityAssessment.id, CapacityAssessment.assessed_on, CapacityAssessment.decision)
        .where(CapacityAssessment.person_id == person_id)
        .order_by(CapacityAssessment.assessed_on.desc())
    ).all()
    return FormContext(
        person_id=person_id,
        person_name=person.full_name,
        discussions=discussions,
        capacity_assessments=[(str(i), f"{date_words(on)}: {decision[:60]}") for i, on, decision in assessments],
        representatives=[
            (str(r.id), f"{r.name} ({r.relationship or 'representative'})")
            for r in _representatives(session, person_id, _today())
        ],
        contingency_lines=[(str(i), text) for i, text in _contingency_lines(session, person_id).items()],
    )


def can_edit(session: Session, actor: Actor, person_id: int) -> bool:
    """Whether to offer the actor the forms that change this person's risk records (the services still check)."""
    person = session.get(Person, person_id)
    return person is not None and decide(actor, Permission.RISK_EDIT, relationship(session, actor, person)).allowed


@dataclass(frozen=True)
class PersonHeader:
    """Who a page is about."""

    person_id: int
    person_name: str
    nhs_number: str


def person_header(session: Session, actor: Actor, person_id: int) -> PersonHeader:
    """The name and NHS number for a page's heading."""
    person: Person = require_person(session, actor, Permission.PERSON_READ, person_id)
    return PersonHeader(person_id, person.full_name, person.nhs_number)
