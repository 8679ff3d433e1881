"""Governance use cases.

The framework in force, raising and routing decision requests, deciding them, the sign-off checklist and the
decision record.

Other packages call :func:`raise_request` to ask for a decision and :func:`outcome_for` to read how it ended
(see ``docs/governance.md``). Every function takes the acting user first and flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from moneyed import Money
from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, tuple_
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor, Permission
from phb.access.services import require, require_person, visible_filter
from phb.accounts.models import User
from phb.accounts.rules import ROLE_LABELS, Role
from phb.audit.services import because
from phb.db import utcnow
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.governance.models import (
    DecisionExclusion,
    DecisionOutcome,
    DecisionRequest,
    DecisionStep,
    FrameworkVersion,
    LocalPrinciple,
    PanelReferral,
    SignOffCheck,
)
from phb.governance.precedents import earlier_decisions
from phb.governance.rules import (
    CHECKLIST,
    CHECKLIST_KEYS,
    NEEDS_CHECKLIST,
    RAISED_BY_OWNER,
    Action,
    ChecklistItem,
    DecisionType,
    Framework,
    FrameworkError,
    ItemStatus,
    Outcome,
    Proposal,
    Target,
    due_at,
    keywords,
    missing_items,
    parse_framework,
    plain_english,
    route,
    routing_field,
    shared_keywords,
    timeliness,
)
from phb.governance.schemas import (
    ChecklistEntry,
    DecisionInput,
    OutcomeRead,
    Precedent,
    ReferralRead,
    RequestDetail,
    RequestSummary,
    StepRead,
)
from phb.governance.subjects import SubjectFacts, describe_subject, subject
from phb.people.models import Person
from phb.people.schemas import Page
from phb.risk.services import risk_summary

DEFAULT_FRAMEWORK_PATH = Path(__file__).with_name("framework.toml")
QUEUE_PAGE = 50  # requests a page of the decision queue shows

# --- the framework in force ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _parsed(source: str) -> Framework:
    return parse_framework(source)


def default_framework() -> Framework:
    """The framework shipped with phb (``framework.toml``), in force until an administrator loads another."""
    return _parsed(DEFAULT_FRAMEWORK_PATH.read_text(encoding="utf-8"))


def framework_in_force(session: Session, on: dt.date | None = None) -> tuple[Framework, FrameworkVersion | None]:
    """The framework in force on ``on`` (today by default) and its stored version (None: the shipped default).

    The latest stored version effective on or before the date wins; a later load with the same date replaces an
    earlier one. Before any version takes effect, the shipped default applies.
    """
    day = on or clock.today()
    version = session.scalars(
        select(FrameworkVersion)
        .where(FrameworkVersion.effective_from <= day)
        .order_by(FrameworkVersion.effective_from.desc(), FrameworkVersion.id.desc())
        .limit(1)
    ).first()
    if version is None:
        return default_framework(), None
    return _parsed(version.source), version


def store_framework(
    session: Session,
    source: str,
    *,
    loaded_by_label: str,
    loaded_by_id: int | None = None,
    effective_from: dt.date | None = None,
) -> FrameworkVersion:
    """Check and keep a framework version; raise :class:`FrameworkError` and keep nothing if it is not valid.

    This is the operator's path (``phb governance load``); people use :func:`load_framework`.
    """
    framework = parse_framework(source)
    version = FrameworkVersion(
        name=framework.name,
        effective_from=effective_from or framework.effective_from,
        source=source,
        sha256=hashlib.sha256(source.encode()).hexdigest(),
        loaded_by_id=loaded_by_id,
        loaded_by_label=loaded_by_label,
    )
    session.add(version)
    session.flush()
    return version


def load_framework(
    session: Session, actor: Actor, source: str, *, effective_from: dt.date | None = None
) -> FrameworkVersion:
    """An administrator loads a new framework version; every problem in it is reported under ``source``."""
    require(session, actor, Permission.CONFIG_ADMIN)
    try:
        return store_framework(
            session,
            source,
            loaded_by_label=actor.display_name,
            loaded_by_id=actor.user_id,
            effective_from=effective_from,
        )
    except FrameworkError as exc:
        raise ValidationFailedError({"source": "The framework was not loaded: " + "; ".join(exc.problems)}) from exc


def framework_versions(session: Session) -> list[FrameworkVersion]:
    """Every stored version, newest effective date first."""
    return list(
        session.scalars(
            select(FrameworkVersion).order_by(FrameworkVersion.effective_from.desc(), FrameworkVersion.id.desc())
        )
    )


# --- risk, from the risk package when it is installed ----------------------------------------------------------


def person_risk(session: Session, person_id: int) -> int | None:
    """The person's highest residual risk rating (``phb.risk.services.risk_summary``); None if none recorded."""
    return risk_summary(session, person_id).highest_residual_rating


# --- raising and routing -------------------------------------------------------------------------------------


def _user_name(session: Session, user_id: int | None) -> str:
    if user_id is None:
        return ""
    return session.scalar(select(User.display_name).where(User.id == user_id)) or ""


def _target_for(framework: Framework, decision_type: str, *, at_panel: bool) -> Target:
    return framework.panel.target if at_panel else framework.rule(decision_type).target


def _start_step(request: DecisionRequest, framework: Framework, now: dt.datetime) -> None:
    request.step_started_at = now
    target = _target_for(framework, request.decision_type, at_panel=request.at_panel)
    request.step_due_at = due_at(now, target, framework.non_working_days)


def add_step(
    session: Session,
    request: DecisionRequest,
    action: str,
    *,
    actor_id: int | None,
    actor_label: str,
    role: str | None = None,
    note: str | None = None,
    level: int | None = None,
    at_panel: bool | None = None,
) -> None:
    """Write one step of the request's journey, timed against the step that was running."""
    session.add(
        DecisionStep(
            request_id=request.id,
            person_id=request.person_id,
            action=action,
            level=request.current_level if level is None else level,
            at_panel=request.at_panel if at_panel is None else at_panel,
            actor_id=actor_id,
            actor_label=actor_label,
            role=role,
            occurred_at=utcnow(),
            step_started_at=request.step_started_at,
            step_due_at=request.step_due_at,
            note=note,
        )
    )


def refer_to_panel(
    session: Session,
    request: DecisionRequest,
    framework: Framework,
    *,
    referred_by_id: int | None,
    referred_by_name: str,
    why: str,
    question: str,
    papers: str | None = None,
) -> PanelReferral:
    """Send a request to the next risk enablement panel (the request waits there; its clock is the panel's)."""
    request.at_panel = True
    request.current_level = None
    _start_step(request, framework, utcnow())
    referral = PanelReferral(
        request_id=request.id,
        person_id=request.person_id,
        why_normal_routes_failed=why,
        question=question,
        papers=papers,
        referred_by_id=referred_by_id,
        referred_by_name=referred_by_name,
        referred_at=utcnow(),
    )
    session.add(referral)
    session.flush()
    return referral


def _bind_subject(
    session: Session, kind: DecisionType, person_id: int, subject_type: str | None, subject_id: int | None
) -> SubjectFacts | None:
    """Check a request's subject fits its decision type and belongs to the person; its facts, read from the record.

    Nothing a caller sends decides what a request is about: the record says whose it is and what it costs.
    """
    if subject_type is None and subject_id is None:
        if kind in RAISED_BY_OWNER:
            raise ValidationFailedError(
                {
                    "decision_type": f"{kind.label} is asked for by proposing the budget on the person's budget page, "
                    "which raises the request about that budget; it cannot be raised by hand"
                }
            )
        return None
    handler = subject(subject_type)
    if handler is None or subject_id is None:
        raise ValidationFailedError({"subject_type": f"'{subject_type}' is not a record a decision can be about"})
    if kind.value not in handler.decision_types:
        raise ValidationFailedError(
            {"decision_type": f"{kind.label} cannot decide a {handler.label}; it is not that kind of decision"}
        )
    facts = handler.facts(session, subject_id)
    if facts is None or facts.person_id != person_id:
        raise ValidationFailedError({"subject_id": f"This person has no {handler.label} {subject_id}"})
    already = session.scalar(
        select(DecisionRequest.id).where(
            DecisionRequest.subject_type == subject_type,
            DecisionRequest.subject_id == subject_id,
            DecisionRequest.decision_type == kind.value,
            DecisionRequest.status == "open",
        )
    )
    if already is not None:
        raise ConflictError(f"Decision request {already} about this {handler.label} is still open: decide it first.")
    return facts


def raise_request(
    session: Session,
    actor: Actor,
    *,
    person_id: int,
    decision_type: DecisionType | str,
    summary: str,
    amount: Money | None = None,
    increase: Money | None = None,
    item_amount: Money | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    unusual: bool = False,
    details: dict[str, Any] | None = None,
    category: str | None = None,
) -> DecisionRequest:
    """Ask for a decision about a person; the framework in force routes it to the lowest level that may take it.

    ``amount`` is the annual budget (for a financial audit, the sum at issue), ``increase`` an increase to an
    agreed budget, ``item_amount`` one item of flexible budget spend. ``subject_type``/``subject_id`` name the
    record the decision is about (e.g. ``"final_budget"``, 42): only the package that owns the record passes them
    (see :mod:`phb.governance.subjects`). The record must fit the decision type and belong to the person, and the
    sum that routes the request is read from it: a caller's amount for a bound request is ignored. Indicative and
    final budget authorisations exist only about a budget. If no level may take the request (risk above every
    tolerance), it goes straight to a risk enablement panel.
    """
    require_person(session, actor, Permission.DECISION_REQUEST, person_id)
    try:
        kind = DecisionType(decision_type)
    except ValueError as exc:
        raise ValidationFailedError({"decision_type": f"'{decision_type}' is not a kind of decision"}) from exc
    if not summary.strip():
        raise ValidationFailedError({"summary": "Say what is being asked for"})
    facts = _bind_subject(session, kind, person_id, subject_type, subject_id)
    if facts is not None:
        sums: dict[str, Money | None] = {"amount": None, "increase": None, "item_amount": None}
        sums[routing_field(kind)] = facts.amount
        if facts.increase is not None:
            sums["increase"] = facts.increase
        amount, increase, item_amount = sums["amount"], sums["increase"], sums["item_amount"]
        category = category or facts.category
    framework, version = framework_in_force(session)
    risk = person_risk(session, person_id)
    proposal = Proposal(kind, amount, increase, item_amount, residual_risk=risk, unusual=unusual)
    routed = route(framework, proposal)
    now = utcnow()
    request = DecisionRequest(
        person_id=person_id,
        decision_type=kind.value,
        summary=summary.strip(),
        category=category,
        amount=amount,
        increase=increase,
        item_amount=item_amount,
        subject_type=subject_type,
        subject_id=subject_id,
        unusual=unusual,
        details=details,
        residual_risk=risk,
        framework_id=version.id if version else None,
        proposed_by_id=actor.user_id,
        raised_at=now,
        routing_reason=routed.explanation,
        status="open",
        current_level=routed.level,
        at_panel=False,
    )
    _start_step(request, framework, now)
    session.add(request)
    session.flush()
    add_step(
        session, request, "raised", actor_id=actor.user_id, actor_label=actor.display_name, note=routed.explanation
    )
    reopens = (details or {}).get("reopens_outcome_id")
    if isinstance(reopens, int):
        _exclude_original_deciders(session, request, reopens)
    if routed.to_panel:
        refer_to_panel(
            session,
            request,
            framework,
            referred_by_id=actor.user_id,
            referred_by_name=actor.display_name,
            why=routed.explanation,
            question=summary.strip(),
        )
        add_step(
            session, request, "referred_to_panel", actor_id=None, actor_label="phb router", note=routed.explanation
        )
    session.flush()
    return request


# --- who may decide ------------------------------------------------------------------------------------------


def _role_words(roles: frozenset[Role]) -> str:
    labels = sorted(ROLE_LABELS[r].lower().replace("chc", "CHC") for r in roles)
    return " or ".join(labels) if len(labels) < 3 else ", ".join(labels[:-1]) + " or " + labels[-1]  # noqa: PLR2004


def why_not_decider(
    framework: Framework, request: DecisionRequest, actor: Actor, excluded: Mapping[int, str] | None = None
) -> str | None:
    """Why ``actor`` may not decide ``request`` now, in words; None if they may.

    ``excluded`` holds the people barred from this request and why (:func:`exclusions`): whoever took a decision
    an appeal overturned does not decide it again.
    """
    kind = DecisionType(request.decision_type)
    if request.status == "withdrawn":
        return "This request was withdrawn: nothing is left to decide."
    if request.status != "open":
        return "This request has already been decided."
    if request.at_panel:
        return "This request is with a risk enablement panel: the panel decides it."
    level = request.current_level or 0
    allowed = framework.roles_at(kind, level)
    if not actor.has_any(*allowed):
        mine = _role_words(actor.roles) or "no role"
        return (
            f"{kind.label} at level {level} is decided by a {_role_words(allowed)}; you are a {mine}, so you cannot "
            "decide it."
        )
    if request.proposed_by_id == actor.user_id:
        return "You proposed this request, so someone else must decide it (nobody authorises their own proposal)."
    if request.first_approver_id == actor.user_id:
        return "You gave the first approval; a different person must give the second."
    if excluded and actor.user_id in excluded:
        return excluded[actor.user_id]
    return None


def exclusions(session: Session, request_id: int) -> dict[int, str]:
    """Who may not decide this request, and why, in words (empty for most requests)."""
    rows = session.execute(
        select(DecisionExclusion.user_id, DecisionExclusion.reason).where(DecisionExclusion.request_id == request_id)
    )
    return {int(user_id): str(reason) for user_id, reason in rows}


def _exclude_original_deciders(session: Session, request: DecisionRequest, outcome_id: int) -> None:
    """A decision looked at again after an appeal is never decided by those who took the decision appealed."""
    outcome = session.get(DecisionOutcome, outcome_id)
    if outcome is None:
        return
    reason = (
        "You took the decision that was appealed against, so someone independent of it must decide it again "
        "(nobody reviews their own decision)."
    )
    for user_id in {outcome.decided_by_id, outcome.second_approver_id} - {None}:
        assert user_id is not None  # noqa: S101 - for the type checker
        session.add(
            DecisionExclusion(request_id=request.id, person_id=request.person_id, user_id=user_id, reason=reason)
        )
    session.flush()


def _deciding_role(framework: Framework, request: DecisionRequest, actor: Actor) -> Role:
    allowed = framework.roles_at(request.decision_type, request.current_level or 0)
    return min(actor.roles & allowed)


def _open_requests_for(actor: Actor) -> Select[DecisionRequest]:
    return (
        select(DecisionRequest)
        .where(
            DecisionRequest.status == "open",
            DecisionRequest.at_panel.is_(False),
            DecisionRequest.proposed_by_id != actor.user_id,
            visible_filter(actor, DecisionRequest.person_id),
        )
        .order_by(DecisionRequest.step_due_at, DecisionRequest.id)
    )


def _summaries(session: Session, requests: list[DecisionRequest]) -> list[RequestSummary]:
    person_ids = {r.person_id for r in requests}
    user_ids = {r.proposed_by_id for r in requests}
    names = {p.id: p.full_name for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
    users = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
    outcomes = dict(
        session.execute(
            select(DecisionOutcome.request_id, DecisionOutcome.outcome).where(
                DecisionOutcome.request_id.in_([r.id for r in requests])
            )
        ).all()
    )
    now = utcnow()
    rows = []
    for request in requests:
        row = RequestSummary.model_validate(request)
        row.person_name = names.get(request.person_id, "")
        row.proposed_by_name = users.get(request.proposed_by_id, "")
        row.awaiting_second = request.first_approver_id is not None and request.status == "open"
        row.outcome = Outcome(outcomes[request.id]) if request.id in outcomes else None
        if request.status == "open":
            row.timeliness = timeliness(request.step_due_at, now)
        rows.append(row)
    return rows


def _decidable_by(framework: Framework, actor: Actor) -> ColumnElement[bool]:
    """:func:`why_not_decider` as SQL (for open requests not at a panel, which the queue's query selects).

    A level where one of the actor's roles decides the request's type, and not their own first approval (their
    own proposals the queue's query leaves out already).
    """
    pairs = [
        (kind.value, level)
        for kind, rule in framework.decisions.items()
        for level, roles in rule.roles.items()
        if actor.has_any(*roles)
    ]
    if not pairs:
        return false()
    barred = select(DecisionExclusion.id).where(
        DecisionExclusion.request_id == DecisionRequest.id, DecisionExclusion.user_id == actor.user_id
    )
    return and_(
        tuple_(DecisionRequest.decision_type, DecisionRequest.current_level).in_(pairs),
        or_(DecisionRequest.first_approver_id.is_(None), DecisionRequest.first_approver_id != actor.user_id),
        ~barred.exists(),
    )


def decision_queue(
    session: Session, actor: Actor, *, page: int = 1, per_page: int = QUEUE_PAGE
) -> Page[RequestSummary]:
    """Open requests the actor may decide now (their role is listed at the request's current level), due first.

    One page at a time, chosen and counted in SQL: a service manager who may decide thousands of requests reads
    and summarises 50 of them.
    """
    framework, _ = framework_in_force(session)
    query = _open_requests_for(actor).where(_decidable_by(framework, actor))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = max(1, page)
    requests = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page[RequestSummary](items=_summaries(session, requests), page=page, per_page=per_page, total=total)


# --- reading a request ---------------------------------------------------------------------------------------


def _load_request(session: Session, actor: Actor, request_id: int) -> DecisionRequest:
    request = session.get(DecisionRequest, request_id)
    if request is None:
        raise NotFoundError("decision request", request_id)
    require_person(session, actor, Permission.PERSON_READ, request.person_id)
    return request


def checklist_status(session: Session, person_id: int) -> dict[str, ItemStatus]:
    """How each recorded checklist item stands for a person."""
    rows = session.scalars(select(SignOffCheck).where(SignOffCheck.person_id == person_id))
    return {row.item: ItemStatus(row.status) for row in rows}


def _outcome_read(session: Session, outcome: DecisionOutcome) -> OutcomeRead:
    read = OutcomeRead.model_validate(outcome)
    read.principle = session.scalar(select(LocalPrinciple.principle).where(LocalPrinciple.outcome_id == outcome.id))
    return read


def similar_decisions(session: Session, request: DecisionRequest, *, limit: int = 5) -> list[Precedent]:
    """Local principles from earlier decisions of the same type that share words with this request."""
    mine = keywords(request.summary, request.category)
    rows = session.execute(
        select(LocalPrinciple, DecisionOutcome)
        .join(DecisionOutcome, DecisionOutcome.id == LocalPrinciple.outcome_id)
        .where(LocalPrinciple.decision_type == request.decision_type, DecisionOutcome.request_id != request.id)
    )
    found = []
    for principle, outcome in rows:
        theirs = frozenset(principle.keywords.split())
        if principle.category and request.category and principle.category.lower() == request.category.lower():
            theirs |= {f"category:{principle.category.lower()}"}
            mine |= {f"category:{request.category.lower()}"}
        shared = shared_keywords(mine, theirs)
        if shared:
            found.append(
                Precedent(
                    outcome_id=outcome.id,
                    request_id=outcome.request_id,
                    principle=principle.principle,
                    outcome=Outcome(outcome.outcome),
                    where="a risk enablement panel" if outcome.by_panel else f"level {outcome.level}",
                    decided_at=outcome.decided_at,
                    shared=[w.removeprefix("category:") for w in shared],
                )
            )
    found.sort(key=lambda p: (-len(p.shared), -p.decided_at.timestamp()))
    return found[:limit]


def request_detail(session: Session, actor: Actor, request_id: int) -> RequestDetail:
    """Everything about one request: routing, steps and their timing, outcome, what a sign-off lacks, precedents."""
    request = _load_request(session, actor, request_id)
    framework, _ = framework_in_force(session)
    summary = _summaries(session, [request])[0]
    steps = session.scalars(select(DecisionStep).where(DecisionStep.request_id == request.id).order_by(DecisionStep.id))
    outcome = session.scalar(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id))
    referral = session.scalar(
        select(PanelReferral).where(PanelReferral.request_id == request.id).order_by(PanelReferral.id.desc())
    )
    kind = DecisionType(request.decision_type)
    missing: list[ChecklistItem] = []
    if kind in NEEDS_CHECKLIST and request.status == "open":
        missing = missing_items(checklist_status(session, request.person_id))
    level = request.current_level
    why_not = why_not_decider(framework, request, actor, exclusions(session, request.id))
    detail = RequestDetail(
        **summary.model_dump(exclude={"amount", "increase", "item_amount"}),
        amount=request.amount,
        increase=request.increase,
        item_amount=request.item_amount,
        routing_reason=request.routing_reason,
        unusual=request.unusual,
        residual_risk=request.residual_risk,
        subject_type=request.subject_type,
        subject_id=request.subject_id,
        details=request.details,
        version=request.version,
        steps=[StepRead.model_validate(s) for s in steps],
        result=_outcome_read(session, outcome) if outcome else None,
        referral=ReferralRead.model_validate(referral) if referral else None,
        missing=missing,
        precedents=similar_decisions(session, request),
        earlier=earlier_decisions(session, actor, request),
        subject=describe_subject(session, request.subject_type, request.subject_id),
        deciders=[ROLE_LABELS[r] for r in sorted(framework.roles_at(kind, level))] if level else [],
        may_decide=why_not is None,
        why_not=why_not,
        can_escalate=level is not None and framework.next_level(kind, level) is not None,
        two_people=framework.rule(kind).two_people,
        first_approver_name=_user_name(session, request.first_approver_id) or None,
    )
    now = utcnow()
    for step in detail.steps:
        if step.step_due_at is not None and step.action != "raised":
            step.timeliness = timeliness(step.step_due_at, now, step.occurred_at)
    return detail


# --- deciding ------------------------------------------------------------------------------------------------


def lock_request(session: Session, request_id: int) -> DecisionRequest:
    """The request, locked against other deciders until this transaction ends, and re-read.

    ``FOR UPDATE`` on PostgreSQL makes a second decider wait for the first to commit, then see its decision;
    SQLite ignores it, but its ``BEGIN IMMEDIATE`` transactions already serialise writers.
    """
    request = session.scalar(
        select(DecisionRequest)
        .where(DecisionRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if request is None:
        raise NotFoundError("decision request", request_id)
    return request


def _already_decided(session: Session, request: DecisionRequest) -> ConflictError:
    outcome = session.scalar(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id))
    if request.status == "withdrawn":
        return ConflictError("This request was withdrawn: a newer proposal replaced it. Nothing you entered was saved.")
    if outcome is None:
        return ConflictError("This request has already been closed.")
    when = outcome.decided_at
    return ConflictError(
        f"Someone else decided this request first: {outcome.decided_by_name} "
        f"({Outcome(outcome.outcome).label.lower()}) on {when.day} {when:%B %Y} at {when:%H:%M}. "
        "Nothing you entered was saved.",
        current={"outcome": outcome.outcome, "decided_by": outcome.decided_by_name},
    )


def _validate_decision(data: DecisionInput) -> None:
    errors: dict[str, str] = {}
    if data.action is Action.APPROVE_WITH_CONDITIONS and not data.conditions:
        errors["conditions"] = "Say what the conditions of the approval are"
    if data.action is Action.REFUSE:
        if not data.reasons:
            errors["reasons"] = "Give the reasons for refusing: the person will be told them and may appeal"
        if not data.alternatives:
            errors["alternatives"] = "Say what other ways to meet the person's needs were offered"
    if data.action in {Action.ESCALATE, Action.REFER_TO_PANEL} and not data.reasons:
        what = "escalating" if data.action is Action.ESCALATE else "referring to a risk enablement panel"
        errors["reasons"] = f"Give the reason for {what}"
    if data.action is Action.REFER_TO_PANEL and not data.question:
        errors["question"] = "Say what the panel is asked to decide"
    if errors:
        raise ValidationFailedError(errors)


def require_approvable(session: Session, request: DecisionRequest) -> None:
    """Refuse to approve while the sign-off checklist has gaps or the record decided about says it cannot be.

    The record's own objections (e.g. a final budget whose sheet costs more than the budget) come from its
    package, through :mod:`phb.governance.subjects`; nothing is saved and each reason names its field.
    """
    problems = _checklist_problems(session, request)
    handler = subject(request.subject_type)
    if handler is not None and request.subject_id is not None:
        problems |= handler.blockers(session, request.subject_id)
    if problems:
        raise ValidationFailedError(problems)  # every reason at once, so one visit can fix them all


def _checklist_problems(session: Session, request: DecisionRequest) -> dict[str, str]:
    """A sign-off's missing checklist items, in words under ``checklist`` (empty: complete, or not a sign-off)."""
    kind = DecisionType(request.decision_type)
    if kind not in NEEDS_CHECKLIST:
        return {}
    missing = missing_items(checklist_status(session, request.person_id))
    if not missing:
        return {}
    listed = "; ".join(item.text for item in missing)
    return {
        "checklist": f"{kind.label} cannot be approved until the sign-off checklist is complete. "
        f"{len(missing)} item{'s are' if len(missing) != 1 else ' is'} missing: {listed}"
    }


def record_outcome(
    session: Session,
    request: DecisionRequest,
    *,
    outcome: Outcome,
    decided_by_id: int | None,
    decided_by_name: str,
    role: str,
    considered: str,
    reasons: str,
    conditions: str | None = None,
    alternatives: str | None = None,
    review_date: dt.date | None = None,
    second_approver_id: int | None = None,
    second_approver_name: str | None = None,
    second_approver_role: str | None = None,
    second_approver_reasons: str | None = None,
) -> DecisionOutcome:
    """Close a request with its outcome and the plain-English record for the person.

    A two-person decision keeps both approvers, each with their own role and reasons.
    """
    now = utcnow()
    by_panel = request.at_panel
    where = "a risk enablement panel" if by_panel else f"level {request.current_level}"
    text = plain_english(
        decision_label=DecisionType(request.decision_type).label,
        summary=request.summary.rstrip("."),
        outcome=outcome,
        decided_by=decided_by_name,
        role_label=ROLE_LABELS[Role(role)],
        where=where,
        on=clock.england_date(now),
        reasons=reasons,
        conditions=conditions,
        alternatives=alternatives,
    )
    if second_approver_name:
        second_role = ROLE_LABELS[Role(second_approver_role)] if second_approver_role else ""
        text += f" {second_approver_name} ({second_role}) gave the second approval"
        text += f": {second_approver_reasons.rstrip('.')}." if second_approver_reasons else "."
    record = DecisionOutcome(
        request_id=request.id,
        person_id=request.person_id,
        decision_type=request.decision_type,
        subject_type=request.subject_type,
        subject_id=request.subject_id,
        outcome=outcome.value,
        decided_by_id=decided_by_id,
        decided_by_name=decided_by_name,
        role=role,
        level=request.current_level,
        by_panel=by_panel,
        second_approver_id=second_approver_id,
        second_approver_name=second_approver_name,
        second_approver_role=second_approver_role,
        second_approver_reasons=second_approver_reasons,
        decided_at=now,
        considered=considered,
        reasons=reasons,
        conditions=conditions,
        alternatives=alternatives,
        review_date=review_date,
        for_person=text,
    )
    session.add(record)
    request.status = "decided"
    request.decided_at = now
    session.flush()
    handler = subject(request.subject_type)
    if handler is not None:
        handler.decided(session, record)  # e.g. an authorised final budget gets its payment schedule
    from phb.governance.appeals.services import issue_notice  # noqa: PLC0415 - appeals imports governance

    issue_notice(session, record.id)  # the person's decision notice (docs/appeals.md)
    return record


def _first_approval_role(session: Session, request: DecisionRequest) -> str | None:
    """The role the first of two approvers gave their approval in (from the journey's first-approval step)."""
    return session.scalar(
        select(DecisionStep.role)
        .where(DecisionStep.request_id == request.id, DecisionStep.action == "first_approval")
        .order_by(DecisionStep.id.desc())
        .limit(1)
    )


def withdraw_open_requests(
    session: Session, actor: Actor, *, subject_type: str, subject_ids: list[int], reason: str
) -> list[DecisionRequest]:
    """Withdraw the open requests about these records (a newer proposal replaced them), each with the reason.

    Called by the package that owns the records; a withdrawn request leaves every queue and cannot be decided.
    """
    if not subject_ids:
        return []
    requests = list(
        session.scalars(
            select(DecisionRequest)
            .where(
                DecisionRequest.subject_type == subject_type,
                DecisionRequest.subject_id.in_(subject_ids),
                DecisionRequest.status == "open",
            )
            .with_for_update()
        )
    )
    for request in requests:
        add_step(session, request, "withdrawn", actor_id=actor.user_id, actor_label=actor.display_name, note=reason)
        request.status = "withdrawn"
        request.first_approver_id = None
        request.decided_at = utcnow()
    session.flush()
    return requests


def _considered(request: DecisionRequest, data: DecisionInput) -> str:
    return data.considered or f"The request as raised, and how it was routed: {request.routing_reason}."


def decide(session: Session, actor: Actor, request_id: int, data: DecisionInput) -> DecisionRequest:
    """Approve, approve with conditions, refuse, escalate to the next level, or refer to a risk enablement panel.

    Refused with an exact message: someone without the role at the request's level, the proposer, the first
    approver of a two-person decision giving the second approval, a refusal without reasons or alternatives, an
    approval of a sign-off while its checklist has gaps, and a request someone else has just decided (409).
    """
    request = lock_request(session, request_id)
    require_person(session, actor, Permission.PERSON_READ, request.person_id)
    if request.status != "open":
        raise _already_decided(session, request)
    if data.version is not None and data.version != request.version:
        raise ConflictError("Someone else acted on this request after you opened it. Reload it to see what changed.")
    framework, _ = framework_in_force(session)
    problem = why_not_decider(framework, request, actor, exclusions(session, request.id))
    if problem is not None:
        raise ForbiddenError(problem)
    _validate_decision(data)
    role = _deciding_role(framework, request, actor).value
    kind = DecisionType(request.decision_type)
    with because(session, data.reasons):
        if data.action in {Action.APPROVE, Action.APPROVE_WITH_CONDITIONS}:
            require_approvable(session, request)
            outcome = Outcome.APPROVED if data.action is Action.APPROVE else Outcome.APPROVED_WITH_CONDITIONS
            reasons = (
                data.reasons
                or f"It is within the delegated limits and risk tolerance of level {request.current_level}."
            )
            if framework.rule(kind).two_people and request.first_approver_id is None:
                request.first_approver_id = actor.user_id
                request.first_approver_reasons = reasons
                add_step(
                    session,
                    request,
                    "first_approval",
                    actor_id=actor.user_id,
                    actor_label=actor.display_name,
                    role=role,
                    note=data.reasons,
                )
                return request
            first = request.first_approver_id
            first_role = _first_approval_role(session, request) if first is not None else None
            record_outcome(
                session,
                request,
                outcome=outcome,
                decided_by_id=first if first is not None else actor.user_id,
                decided_by_name=_user_name(session, first) if first is not None else actor.display_name,
                role=first_role or role,
                considered=_considered(request, data),
                reasons=(request.first_approver_reasons or reasons) if first is not None else reasons,
                conditions=data.conditions,
                second_approver_id=actor.user_id if first is not None else None,
                second_approver_name=actor.display_name if first is not None else None,
                second_approver_role=role if first is not None else None,
                second_approver_reasons=reasons if first is not None else None,
            )
            add_step(
                session,
                request,
                outcome.value,
                actor_id=actor.user_id,
                actor_label=actor.display_name,
                role=role,
                note=data.conditions or data.reasons,
            )
        elif data.action is Action.REFUSE:
            record_outcome(
                session,
                request,
                outcome=Outcome.REFUSED,
                decided_by_id=actor.user_id,
                decided_by_name=actor.display_name,
                role=role,
                considered=_considered(request, data),
                reasons=data.reasons or "",
                alternatives=data.alternatives,
            )
            add_step(
                session,
                request,
                "refused",
                actor_id=actor.user_id,
                actor_label=actor.display_name,
                role=role,
                note=data.reasons,
            )
        elif data.action is Action.ESCALATE:
            _escalate(session, request, framework, actor, role, data.reasons or "")
        else:
            add_step(
                session,
                request,
                "referred_to_panel",
                actor_id=actor.user_id,
                actor_label=actor.display_name,
                role=role,
                note=data.reasons,
            )
            refer_to_panel(
                session,
                request,
                framework,
                referred_by_id=actor.user_id,
                referred_by_name=actor.display_name,
                why=data.reasons or "",
                question=data.question or request.summary,
                papers=data.papers,
            )
        session.flush()
    return request


def _escalate(
    session: Session, request: DecisionRequest, framework: Framework, actor: Actor, role: str, reason: str
) -> None:
    kind = DecisionType(request.decision_type)
    current = request.current_level or 0
    target = framework.next_level(kind, current)
    if target is None:
        raise ValidationFailedError(
            {
                "action": f"Level {current} is the highest level for {kind.label.lower()}: refer it to a risk "
                "enablement panel instead"
            }
        )
    add_step(
        session,
        request,
        "escalated",
        actor_id=actor.user_id,
        actor_label=actor.display_name,
        role=role,
        note=f"to level {target}: {reason}",
    )
    request.current_level = target
    request.first_approver_id = None
    _start_step(request, framework, utcnow())


# --- the decision record -------------------------------------------------------------------------------------


def person_decisions(
    session: Session, actor: Actor, person_id: int
) -> tuple[Person, list[RequestSummary], list[OutcomeRead]]:
    """A person's requests (newest first) and the decisions made on them."""
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    requests = list(
        session.scalars(
            select(DecisionRequest)
            .where(DecisionRequest.person_id == person_id)
            .order_by(DecisionRequest.raised_at.desc(), DecisionRequest.id.desc())
        )
    )
    outcomes = session.scalars(
        select(DecisionOutcome)
        .where(DecisionOutcome.person_id == person_id)
        .order_by(DecisionOutcome.decided_at.desc(), DecisionOutcome.id.desc())
    )
    return person, _summaries(session, requests), [_outcome_read(session, o) for o in outcomes]


def request_for(session: Session, subject_type: str, subject_id: int) -> DecisionRequest | None:
    """The newest request about a record another package raised (None: none raised).

    Callers check permissions themselves, as for :func:`outcome_for`.
    """
    return session.scalars(
        select(DecisionRequest)
        .where(DecisionRequest.subject_type == subject_type, DecisionRequest.subject_id == subject_id)
        .order_by(DecisionRequest.raised_at.desc(), DecisionRequest.id.desc())
        .limit(1)
    ).first()


def requests_for_person(session: Session, person_id: int, subject_types: tuple[str, ...]) -> list[DecisionRequest]:
    """Every request about the person's records of these types, oldest first.

    The last one per subject is the newest, in :func:`request_for`'s order. Callers check permissions themselves.
    """
    return list(
        session.scalars(
            select(DecisionRequest)
            .where(DecisionRequest.person_id == person_id, DecisionRequest.subject_type.in_(subject_types))
            .order_by(DecisionRequest.raised_at, DecisionRequest.id)
        )
    )


def outcome_for(session: Session, subject_type: str, subject_id: int) -> DecisionOutcome | None:
    """The latest decision about a record another package raised a request for (None: not decided yet).

    Callers check permissions themselves: this reads no person's record, it answers "was this authorised?".
    """
    return session.scalars(
        select(DecisionOutcome)
        .where(DecisionOutcome.subject_type == subject_type, DecisionOutcome.subject_id == subject_id)
        .order_by(DecisionOutcome.decided_at.desc(), DecisionOutcome.id.desc())
        .limit(1)
    ).first()


def record_principle(
    session: Session, actor: Actor, outcome_id: int, principle: str, category: str | None = None
) -> LocalPrinciple:
    """Keep a panel or level-4 decision as a precedent with the principle it sets."""
    outcome = session.get(DecisionOutcome, outcome_id)
    if outcome is None:
        raise NotFoundError("decision", outcome_id)
    require_person(session, actor, Permission.PERSON_READ, outcome.person_id)
    framework, _ = framework_in_force(session)
    top = max(framework.levels)
    if not outcome.by_panel and outcome.level != top:
        raise ValidationFailedError(
            {"principle": f"Only a risk enablement panel or level {top} decision can become a local principle"}
        )
    if not (
        outcome.decided_by_id == actor.user_id or actor.has_any(*framework.panel.chair_roles, Role.CHC_COMMISSIONER)
    ):
        raise ForbiddenError(
            "Only the person who decided, a panel chair or a CHC commissioner records a local principle."
        )
    if not principle.strip():
        raise ValidationFailedError({"principle": "Write the principle in a sentence"})
    if session.scalar(select(LocalPrinciple.id).where(LocalPrinciple.outcome_id == outcome_id)) is not None:
        raise ConflictError("This decision is already a local principle.")
    request = session.get(DecisionRequest, outcome.request_id)
    words = keywords(principle, category, request.summary if request else None, request.category if request else None)
    record = LocalPrinciple(
        outcome_id=outcome_id,
        decision_type=outcome.decision_type,
        principle=principle.strip(),
        category=category,
        keywords=" ".join(sorted(words)),
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name,
    )
    session.add(record)
    session.flush()
    return record


# --- the sign-off checklist ------------------------------------------------------------------------------------


def checklist(session: Session, actor: Actor, person_id: int) -> list[ChecklistEntry]:
    """The person's sign-off checklist, item by item, with who recorded each and when."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    rows = {r.item: r for r in session.scalars(select(SignOffCheck).where(SignOffCheck.person_id == person_id))}
    entries = []
    for item in CHECKLIST:
        row = rows.get(item.key)
        entries.append(
            ChecklistEntry(
                item=item,
                status=ItemStatus(row.status) if row else ItemStatus.MISSING,
                evidence=row.evidence if row else None,
                recorded_by_name=row.recorded_by_name if row else None,
                recorded_at=row.recorded_at if row else None,
            )
        )
    return entries


def record_checklist(
    session: Session, actor: Actor, person_id: int, entries: Mapping[str, tuple[ItemStatus, str | None]]
) -> None:
    """Record checklist items (status and evidence); only changed items get a new who/when."""
    require_person(session, actor, Permission.DECISION_REQUEST, person_id)
    by_key = {item.key: item for item in CHECKLIST}
    errors: dict[str, str] = {}
    for key, (status, evidence) in entries.items():
        if key not in CHECKLIST_KEYS:
            errors[key] = f"'{key}' is not an item of the sign-off checklist"
        elif status is ItemStatus.NOT_APPLICABLE and not by_key[key].conditional:
            errors[key] = f"“{by_key[key].text}” is always needed: it cannot be not applicable"
        elif status is ItemStatus.NOT_APPLICABLE and not evidence:
            errors[f"{key}_evidence"] = f"Say why “{by_key[key].text}” does not apply"
    if errors:
        raise ValidationFailedError(errors)
    rows = {r.item: r for r in session.scalars(select(SignOffCheck).where(SignOffCheck.person_id == person_id))}
    now = utcnow()
    for key, (status, evidence) in entries.items():
        row = rows.get(key)
        if row is None:
            if status is ItemStatus.MISSING and not evidence:
                continue
            row = SignOffCheck(person_id=person_id, item=key, recorded_by_name=actor.display_name)
            session.add(row)
        elif row.status == status.value and row.evidence == evidence:
            continue
        row.status = status.value
        row.evidence = evidence
        row.recorded_by_id = actor.user_id
        row.recorded_by_name = actor.display_name
        row.recorded_at = now
    session.flush()
