"""Decision notices and appeals: use cases.

:func:`issue_notice` writes the notice of a decision outcome (governance calls it when it records an outcome).
The person or their representative, or staff for a letter or call, lodge an appeal with :func:`lodge_appeal`; the
team acknowledges it, assigns an independent reviewer, the reviewer decides it, the person is told, and an
unresolved dispute is referred onwards. An upheld appeal sends the decision back through the governance router.
Every function flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from phb import clock
from phb.access.rules import Actor, Permission
from phb.access.rules import decide as access_decide
from phb.access.services import relationship, require_person, visible_filter
from phb.accounts.models import User
from phb.accounts.rules import ROLE_LABELS, Role
from phb.accounts.services import actor_for
from phb.audit.services import because
from phb.clock import today as _today
from phb.db import utcnow
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.governance.appeals.models import Appeal, AppealReferral, DecisionNotice
from phb.governance.appeals.rules import (
    AppealDecision,
    AppealsConfig,
    AppealType,
    DecidedAppeal,
    NoticeFacts,
    ReferralBody,
    ReportRow,
    ReviewerMode,
    Stage,
    appeal_type_for,
    considered_for_person,
    lodge_by,
    next_step,
    notice_sections,
    notice_title,
    owed_formats,
    parse_config,
    referral_problem,
    report,
    reviewer_problem,
    step_timing,
)
from phb.governance.appeals.schemas import (
    AppealCreate,
    AppealDecisionInput,
    AppealRead,
    Communication,
    DatedStep,
    Delivery,
    NoticeRead,
    ReferralCreate,
    ReferralRead,
    ReviewerAssign,
)
from phb.governance.models import DecisionOutcome, DecisionRequest
from phb.governance.rules import DECISION_LABELS, DecisionType, Framework, summary_for_person
from phb.governance.services import framework_in_force, raise_request
from phb.governance.subjects import subject
from phb.money import gbp
from phb.people.models import Person
from phb.people.rules import AccessibleFormat
from phb.people.schemas import Page

CONFIG_PATH = Path(__file__).with_name("appeals.toml")
APPEALS_PAGE = 50  # open appeals a page lists


@functools.cache
def load_config(path: Path = CONFIG_PATH) -> AppealsConfig:
    """The appeals configuration (time limits, calendar, reviewer mode), read once."""
    return parse_config(path.read_text(encoding="utf-8"))


uk_date = clock.england_date  # the day a moment fell on in England (00:30 BST is that day, not the day before)


# --- notices --------------------------------------------------------------------------------------------------


def _route(request: DecisionRequest, outcome: DecisionOutcome) -> AppealType:
    details = request.details or {}
    reduces = details.get("reduces_amount") is True
    previous = details.get("previous_amount")
    if previous is not None and request.amount is not None:
        reduces = reduces or request.amount < gbp(str(previous))
    return appeal_type_for(
        outcome.decision_type,
        outcome.outcome,
        reduces_amount=reduces,
        stops_payments=details.get("stops_payments") is True,
        direct_payment=details.get("direct_payment") is not False,
    )


class NoticeContent(NamedTuple):
    """A notice's dates and words."""

    appeal_by: dt.date
    reduction_takes_effect_on: dt.date | None
    title: str
    sections: list[list[str]]


def notice_content(
    outcome: DecisionOutcome,
    summary: str,
    kind: AppealType,
    start: dt.date,
    *,
    notice_days: int | None = None,
    terms: Sequence[str] = (),
    format_owed: str | None = None,
    routing_reason: str = "",
) -> NoticeContent:
    """A notice's time limits, counted from ``start`` (delivery or issue), and its text, in plain English.

    ``notice_days``: the notice period for a reduction that the plan states (the direct payment in force);
    without one, the configured period. ``terms``: what the decision means for its record, from the record's
    package (a final budget's payments). ``format_owed``: the accessible format (easy read, braille...) a version
    of the letter is owed in. ``routing_reason`` is kept out of the letter: the framework's levels and the router's
    reasons are for the team. ``outcome`` need not be saved: the benchmark generator passes unsaved outcomes.
    """
    config = load_config()
    appeal_by = lodge_by(config, kind, start)
    days = config.limits.reduction_notice_days if notice_days is None else notice_days
    reduction_on = start + dt.timedelta(days=days) if kind is AppealType.REG_13 else None
    facts = NoticeFacts(
        decision_label=DECISION_LABELS[DecisionType(outcome.decision_type)],
        summary=summary_for_person(summary),
        outcome=outcome.outcome,
        decided_by=outcome.decided_by_name,
        second_approver=outcome.second_approver_name,
        second_reasons=outcome.second_approver_reasons,
        role_label=ROLE_LABELS[Role(outcome.role)],
        where="a risk enablement panel" if outcome.by_panel else f"level {outcome.level}",
        decided_on=uk_date(outcome.decided_at),
        reasons=outcome.reasons,
        considered=considered_for_person(outcome.considered, routing_reason),
        alternatives=outcome.alternatives,
        conditions=outcome.conditions,
        appeal_type=kind,
        appeal_by=appeal_by,
        reduction_takes_effect_on=reduction_on,
        notice_days=days,
        terms=tuple(terms),
        format_owed=format_owed,
    )
    sections = [[heading, text] for heading, text in notice_sections(facts, config.limits)]
    return NoticeContent(appeal_by, reduction_on, notice_title(facts), sections)


# Formats the notice page and PDF cannot make themselves: a version is sent, and the notice records it is owed.
# (Large print is made here: the page and the PDF print at 18pt for a person who needs it.)
FORMATS_SENT_SEPARATELY: Final = {
    AccessibleFormat.EASY_READ.value: "easy read",
    AccessibleFormat.BRAILLE.value: "braille",
    AccessibleFormat.AUDIO.value: "audio",
    AccessibleFormat.BSL.value: "British Sign Language",
}


def format_owed(person: Person | None) -> str | None:
    """The format a separate version of the person's letters is owed in (None: the notice itself will do)."""
    return None if person is None else FORMATS_SENT_SEPARATELY.get(person.accessible_format)


def _terms(session: Session, outcome: DecisionOutcome) -> list[str]:
    """What the decision means for its record, in the record's own package's words (none for most decisions)."""
    handler = subject(outcome.subject_type)
    if handler is None or handler.notice_terms is None or outcome.subject_id is None:
        return []
    return handler.notice_terms(session, outcome)


def _write(
    session: Session, notice: DecisionNotice, outcome: DecisionOutcome, request: DecisionRequest, start: dt.date
) -> None:
    """(Re)write the notice's dates and text, counting its time limits from ``start`` (delivery or issue)."""
    planned = (request.details or {}).get("notice_days")
    days = planned if isinstance(planned, int) and not isinstance(planned, bool) else None
    content = notice_content(
        outcome,
        request.summary,
        AppealType(notice.appeal_type),
        start,
        notice_days=days,
        terms=_terms(session, outcome),
        format_owed=format_owed(session.get(Person, outcome.person_id)),
        routing_reason=request.routing_reason,
    )
    notice.appeal_by, notice.reduction_takes_effect_on = content.appeal_by, content.reduction_takes_effect_on
    notice.title, notice.sections = content.title, content.sections


def issue_notice(session: Session, outcome_id: int) -> DecisionNotice:
    """Write and keep the notice of a decision outcome (once: a second call returns the first notice).

    Governance calls this when it records an outcome, so it takes no actor: the outcome's own record says who
    decided. An outcome without reasons cannot make a notice and is refused.
    """
    existing = session.scalar(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome_id))
    if existing is not None:
        return existing
    outcome = session.get(DecisionOutcome, outcome_id)
    if outcome is None:
        raise NotFoundError("decision", outcome_id)
    if not outcome.reasons.strip():
        raise ValidationFailedError(
            {"reasons": "Give the reasons for the decision: the notice to the person must say why it was made"}
        )
    request = session.get(DecisionRequest, outcome.request_id)
    if request is None:
        raise NotFoundError("decision request", outcome.request_id)
    notice = DecisionNotice(
        outcome_id=outcome.id,
        person_id=outcome.person_id,
        decision_type=outcome.decision_type,
        outcome=outcome.outcome,
        appeal_type=_route(request, outcome).value,
        issued_at=utcnow(),
    )
    _write(session, notice, outcome, request, uk_date(outcome.decided_at))
    owed = owed_formats(notice.sections)
    session.add(notice)
    if owed:  # the audit trail records that a version in the person's format is owed, as the notice says
        with because(session, f"{', '.join(owed)} version of this notice owed to the person"):
            session.flush()
    session.flush()
    return notice


def person_notices(session: Session, actor: Actor, person_id: int) -> list[NoticeRead]:
    """A person's decision notices, newest first."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    rows = session.scalars(
        select(DecisionNotice)
        .where(DecisionNotice.person_id == person_id)
        .order_by(DecisionNotice.issued_at.desc(), DecisionNotice.id.desc())
    )
    return [NoticeRead.model_validate(n) for n in rows]


def _notice(session: Session, person_id: int, notice_id: int) -> DecisionNotice:
    notice = session.get(DecisionNotice, notice_id)
    if notice is None or notice.person_id != person_id:
        raise NotFoundError("notice", notice_id)
    return notice


def notice_detail(session: Session, actor: Actor, person_id: int, notice_id: int) -> tuple[Person, NoticeRead]:
    """One of a person's notices (404 for another person's notice, as if it did not exist)."""
    person = require_person(session, actor, Permission.PERSON_READ, person_id)
    return person, NoticeRead.model_validate(_notice(session, person_id, notice_id))


def _require_staff(session: Session, actor: Actor, person_id: int) -> Person:
    person = require_person(session, actor, Permission.APPEAL_LODGE, person_id)
    if not actor.is_staff:
        raise ForbiddenError("Only the care team records this.")
    return person


def record_delivery(session: Session, actor: Actor, person_id: int, notice_id: int, data: Delivery) -> NoticeRead:
    """Record how and when the notice reached the person; its time limits then count from that day."""
    _require_staff(session, actor, person_id)
    notice = _notice(session, person_id, notice_id)
    day = data.on or _today()
    outcome = session.get(DecisionOutcome, notice.outcome_id)
    if outcome is None:  # pragma: no cover - cascades delete the notice with its outcome
        raise NotFoundError("decision", notice.outcome_id)
    if day > _today():
        raise ValidationFailedError({"on": "The day the notice was sent cannot be in the future"})
    if day < uk_date(outcome.decided_at):
        raise ValidationFailedError({"on": "The notice cannot have been sent before the decision was made"})
    request = session.get(DecisionRequest, outcome.request_id)
    assert request is not None  # noqa: S101 - an outcome always has its request
    with because(session, data.note or f"notice sent by {data.channel.value}"):
        notice.delivered_on = day
        notice.delivery_channel = data.channel.value
        notice.delivered_by_name = actor.display_name
        notice.delivery_note = data.note
        _write(session, notice, outcome, request, day)
    return NoticeRead.model_validate(notice)


# --- lodging --------------------------------------------------------------------------------------------------


def _outcome_of(session: Session, person: Person, outcome_id: int) -> DecisionOutcome:
    outcome = session.get(DecisionOutcome, outcome_id)
    if outcome is None or outcome.person_id != person.id:
        raise ValidationFailedError(
            {"outcome_id": f"Decision {outcome_id} is not a decision about {person.full_name}: choose one of theirs"}
        )
    return outcome


def appealable_outcome(session: Session, actor: Actor, person_id: int, outcome_id: int) -> NoticeRead:
    """The notice of a decision the person may appeal (404 when the decision is not theirs)."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    notice = session.scalar(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome_id))
    if notice is None or notice.person_id != person_id:
        raise NotFoundError("decision", outcome_id)
    return NoticeRead.model_validate(notice)


def lodge_appeal(session: Session, actor: Actor, person_id: int, data: AppealCreate) -> Appeal:
    """Lodge an appeal against a decision about the person (their own, a representative's, or staff's record).

    Refused: a decision about someone else (naming the field), a decision already appealed (409), a date in the
    future or before the decision. A late appeal is kept and marked late.
    """
    person = require_person(session, actor, Permission.APPEAL_LODGE, person_id)
    outcome = _outcome_of(session, person, data.outcome_id)
    notice = issue_notice(session, outcome.id)
    earlier = session.scalar(select(Appeal).where(Appeal.outcome_id == outcome.id))
    if earlier is not None:
        raise ConflictError(
            f"An appeal against this decision is already recorded (appeal {earlier.id}, lodged on "
            f"{earlier.lodged_on:%d/%m/%Y}). If the person is still unhappy, refer it onwards from that appeal.",
            current={"appeal_id": earlier.id, "status": earlier.status},
        )
    today = _today()
    lodged_on = data.lodged_on if actor.is_staff and data.lodged_on else today
    errors: dict[str, str] = {}
    if lodged_on > today:
        errors["lodged_on"] = "The day the appeal arrived cannot be in the future"
    elif lodged_on < uk_date(outcome.decided_at):
        errors["lodged_on"] = "The appeal cannot have arrived before the decision was made"
    if errors:
        raise ValidationFailedError(errors)
    if actor.is_staff:
        on_behalf, via = data.on_behalf_of.value, data.received_via.value
    else:
        on_behalf = "person" if actor.person_id == person_id else "representative"
        via = "portal"
    config = load_config()
    appeal = Appeal(
        person_id=person_id,
        outcome_id=outcome.id,
        notice_id=notice.id,
        decision_type=outcome.decision_type,
        appeal_type=notice.appeal_type,
        lodged_by_id=actor.user_id,
        lodged_by_name=actor.display_name,
        on_behalf_of=on_behalf,
        received_via=via,
        lodged_on=lodged_on,
        lodged_at=utcnow(),
        in_time=lodged_on <= notice.appeal_by,
        grounds=data.grounds,
        new_information=data.new_information,
        status=Stage.LODGED.value,
        acknowledge_by=config.calendar.add_working_days(lodged_on, config.limits.acknowledge_working_days),
        decide_by=config.calendar.add_working_days(lodged_on, config.limits.decide_working_days),
    )
    with because(session, data.grounds):
        session.add(appeal)
    return appeal


# --- the steps ------------------------------------------------------------------------------------------------


def _appeal(session: Session, appeal_id: int, *, lock: bool = False) -> Appeal:
    query = select(Appeal).where(Appeal.id == appeal_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    appeal = session.scalar(query)
    if appeal is None:
        raise NotFoundError("appeal", appeal_id)
    return appeal


def _require_reader(session: Session, actor: Actor, appeal: Appeal) -> None:
    """Read access to an appeal: anyone who may see the person, and the panel chair assigned to review it.

    A panel reviews cases outside its members' caseloads (that is what a panel is for, as in governance); the
    chair's reads of this one appeal follow from the assignment, and what they change is audited.
    """
    if appeal.reviewer_is_panel and appeal.reviewer_id == actor.user_id:
        return
    require_person(session, actor, Permission.PERSON_READ, appeal.person_id)


def _at(appeal: Appeal, *stages: Stage) -> None:
    if Stage(appeal.status) not in stages:
        raise ConflictError(
            f"This appeal is at the stage “{Stage(appeal.status).label.lower()}”, so this step does not apply now. "
            "Reload the appeal to see what changed.",
            current={"status": appeal.status},
        )


def _step_day(data: DatedStep, not_before: dt.date, field: str = "on") -> dt.date:
    day = data.on or _today()
    if day > _today():
        raise ValidationFailedError({field: "The date cannot be in the future"})
    if day < not_before:
        raise ValidationFailedError({field: f"The date cannot be before {not_before:%d/%m/%Y}"})
    return day


def acknowledge(session: Session, actor: Actor, appeal_id: int, data: DatedStep) -> Appeal:
    """Acknowledge the appeal to the person."""
    appeal = _appeal(session, appeal_id, lock=True)
    _require_staff(session, actor, appeal.person_id)
    _at(appeal, Stage.LODGED)
    appeal.acknowledged_on = _step_day(data, appeal.lodged_on)
    appeal.acknowledged_by_name = actor.display_name
    appeal.status = Stage.ACKNOWLEDGED.value
    session.flush()
    return appeal


def _level_for(framework: Framework, decision_type: str, roles: Iterable[Role]) -> int | None:
    mine = frozenset(roles)
    levels = [n for n, allowed in framework.rule(decision_type).roles.items() if mine & allowed]
    return max(levels) if levels else None


def _reviewer_check(
    session: Session, appeal: Appeal, outcome: DecisionOutcome, user: User
) -> tuple[str | None, int | None, bool]:
    """Why ``user`` may not review ``appeal`` (None if they may), their level, and whether they chair a panel."""
    framework, _ = framework_in_force(session)
    reviewer = actor_for(session, user)
    level = _level_for(framework, appeal.decision_type, reviewer.roles)
    chair = reviewer.has_any(*framework.panel.chair_roles)
    problem = reviewer_problem(
        mode=load_config().reviewer_mode,
        reviewer_id=user.id,
        reviewer_name=user.display_name,
        original_decider_ids=(outcome.decided_by_id, outcome.second_approver_id),
        original_level=None if outcome.by_panel else outcome.level,
        reviewer_level=level,
        top_level=max(framework.rule(appeal.decision_type).levels),
        reviewer_is_panel_chair=chair,
        decision_label=DECISION_LABELS[DecisionType(appeal.decision_type)],
    )
    person = session.get(Person, appeal.person_id)
    if problem is None and person is not None and load_config().reviewer_mode is not ReviewerMode.PANEL:
        seen = access_decide(reviewer, Permission.PERSON_READ, relationship(session, reviewer, person))
        if not seen.allowed:
            problem = f"{user.display_name} cannot see {person.full_name}'s record, so cannot review the appeal"
    return problem, level, chair


ORIGINAL_DECIDER_ASSIGNS: Final = (
    "You took the original decision, so someone else must choose who reviews the appeal against it."
)


def _assigner_problem(actor: Actor, outcome: DecisionOutcome) -> str | None:
    """Why the actor may not choose (or change) the reviewer: they took, or second-approved, the decision."""
    if actor.user_id in {outcome.decided_by_id, outcome.second_approver_id}:
        return ORIGINAL_DECIDER_ASSIGNS
    return None


def reviewer_assigner_problem(session: Session, actor: Actor, appeal_id: int) -> str | None:
    """Why the actor may not choose who reviews the appeal, in words (None if they may), for the appeal page."""
    appeal = _appeal(session, appeal_id)
    require_person(session, actor, Permission.PERSON_READ, appeal.person_id)
    outcome = session.get(DecisionOutcome, appeal.outcome_id)
    assert outcome is not None  # noqa: S101 - an appeal's outcome is kept with it
    return _assigner_problem(actor, outcome)


def reviewer_choices(session: Session, actor: Actor, appeal_id: int) -> list[tuple[int, str]]:
    """Staff who may review the appeal: (user id, name and role), for the assignment form.

    Nobody is offered to whoever took the original decision: they may not choose their own reviewer.
    """
    appeal = _appeal(session, appeal_id)
    require_person(session, actor, Permission.PERSON_READ, appeal.person_id)
    outcome = session.get(DecisionOutcome, appeal.outcome_id)
    assert outcome is not None  # noqa: S101 - an appeal's outcome is kept with it
    if _assigner_problem(actor, outcome) is not None:
        return []
    choices = []
    for user in session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.display_name)):
        if not any(r not in {Role.PERSON, Role.REPRESENTATIVE, Role.ADMINISTRATOR} for r in user.role_set):
            continue
        problem, level, _ = _reviewer_check(session, appeal, outcome, user)
        if problem is None:
            roles = ", ".join(ROLE_LABELS[r].lower() for r in sorted(user.role_set))
            where = "panel chair" if load_config().reviewer_mode is ReviewerMode.PANEL else f"level {level}"
            choices.append((user.id, f"{user.display_name} ({roles}, {where})"))
    return choices


def assign_reviewer(session: Session, actor: Actor, appeal_id: int, data: ReviewerAssign) -> Appeal:
    """Give the appeal to a reviewer who did not take the original decision, at the configured level or a panel.

    Whoever took (or second-approved) the original decision may neither choose nor change the reviewer.
    """
    appeal = _appeal(session, appeal_id, lock=True)
    _require_staff(session, actor, appeal.person_id)
    outcome = session.get(DecisionOutcome, appeal.outcome_id)
    assert outcome is not None  # noqa: S101
    refused = _assigner_problem(actor, outcome)
    if refused is not None:
        raise ForbiddenError(refused)
    _at(appeal, Stage.ACKNOWLEDGED, Stage.UNDER_REVIEW)
    user = session.get(User, data.reviewer_id)
    if user is None or not user.is_active:
        raise ValidationFailedError({"reviewer_id": "Choose a reviewer from the list"})
    problem, level, chair = _reviewer_check(session, appeal, outcome, user)
    if problem is not None:
        raise ValidationFailedError({"reviewer_id": problem})
    appeal.reviewer_id = user.id
    appeal.reviewer_name = user.display_name
    appeal.reviewer_level = level
    appeal.reviewer_is_panel = chair and load_config().reviewer_mode is ReviewerMode.PANEL
    appeal.assigned_on = _today()
    appeal.status = Stage.UNDER_REVIEW.value
    session.flush()
    return appeal


def _reopen(session: Session, actor: Actor, appeal: Appeal, outcome: DecisionOutcome) -> DecisionRequest:
    """Send the decision back through the governance router as a new request linked to the appeal.

    The new request is proposed by whoever proposed the original (it is their proposal being looked at again),
    or by the reviewer when that person can no longer raise requests about the person.
    """
    original = session.get(DecisionRequest, outcome.request_id)
    assert original is not None  # noqa: S101
    proposer = session.get(User, original.proposed_by_id)
    candidates = [actor_for(session, proposer)] if proposer is not None and proposer.is_active else []
    candidates.append(actor)
    details = {**(original.details or {}), "appeal_id": appeal.id, "reopens_outcome_id": outcome.id}
    problem: Exception | None = None
    for who in candidates:
        try:
            return raise_request(
                session,
                who,
                person_id=appeal.person_id,
                decision_type=original.decision_type,
                summary=f"Looked at again after appeal {appeal.id}: {original.summary}",
                amount=original.amount,
                increase=original.increase,
                item_amount=original.item_amount,
                subject_type=original.subject_type,
                subject_id=original.subject_id,
                unusual=original.unusual,
                details=details,
                category=original.category,
            )
        except (ForbiddenError, NotFoundError) as exc:
            problem = exc
    assert problem is not None  # noqa: S101
    raise problem


def decide_appeal(session: Session, actor: Actor, appeal_id: int, data: AppealDecisionInput) -> Appeal:
    """The reviewer decides: upheld, partly upheld (both reopen the decision) or not upheld, with reasons."""
    appeal = _appeal(session, appeal_id, lock=True)
    _require_reader(session, actor, appeal)
    _at(appeal, Stage.UNDER_REVIEW)
    if data.version is not None and data.version != appeal.version:
        raise ConflictError("Someone else changed this appeal after you opened it. Reload it to see what changed.")
    outcome = session.get(DecisionOutcome, appeal.outcome_id)
    assert outcome is not None  # noqa: S101
    if actor.user_id in {outcome.decided_by_id, outcome.second_approver_id}:
        raise ForbiddenError("You took the original decision, so you cannot decide the appeal against it.")
    if actor.user_id != appeal.reviewer_id:
        raise ForbiddenError(f"This appeal is assigned to {appeal.reviewer_name}: only they can decide it.")
    if not data.reasons.strip():
        raise ValidationFailedError({"reasons": "Give the reasons for the decision on the appeal"})
    today = _today()
    config = load_config()
    with because(session, data.reasons):
        appeal.decision = data.decision.value
        appeal.decision_reasons = data.reasons
        appeal.decided_on = today
        appeal.communicate_by = config.calendar.add_working_days(today, config.limits.communicate_working_days)
        appeal.status = Stage.DECIDED.value
        if data.decision.reopens:
            appeal.reopened_request_id = _reopen(session, actor, appeal, outcome).id
    return appeal


def communicate(session: Session, actor: Actor, appeal_id: int, data: Communication) -> Appeal:
    """Record how and when the person was told the outcome of their appeal."""
    appeal = _appeal(session, appeal_id, lock=True)
    if actor.user_id != appeal.reviewer_id:
        _require_staff(session, actor, appeal.person_id)
    _at(appeal, Stage.DECIDED)
    assert appeal.decided_on is not None  # noqa: S101 - decided appeals have a date
    appeal.communicated_on = _step_day(data, appeal.decided_on)
    appeal.communicated_via = data.channel.value
    appeal.status = Stage.COMMUNICATED.value
    session.flush()
    return appeal


def refer(session: Session, actor: Actor, appeal_id: int, data: ReferralCreate) -> AppealReferral:
    """Record an unresolved dispute referred onwards, in the order its route requires."""
    appeal = _appeal(session, appeal_id, lock=True)
    _require_staff(session, actor, appeal.person_id)
    _at(appeal, Stage.COMMUNICATED, Stage.REFERRED)
    if appeal.decision == AppealDecision.UPHELD.value:
        raise ValidationFailedError({"body": "The appeal was upheld: there is no dispute left to refer"})
    done = [
        ReferralBody(b)
        for b in session.scalars(select(AppealReferral.body).where(AppealReferral.appeal_id == appeal.id))
    ]
    problem = referral_problem(AppealType(appeal.appeal_type), data.body, done)
    if problem is not None:
        raise ValidationFailedError({"body": problem})
    assert appeal.communicated_on is not None  # noqa: S101
    referral = AppealReferral(
        appeal_id=appeal.id,
        person_id=appeal.person_id,
        body=data.body.value,
        referred_on=_step_day(data, appeal.communicated_on),
        reference=data.reference,
        note=data.note,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name,
    )
    session.add(referral)
    appeal.status = Stage.REFERRED.value
    session.flush()
    return referral


# --- reading --------------------------------------------------------------------------------------------------


def _actor_level(framework: Framework, actor: Actor) -> int:
    """The highest level at which the actor takes any decision (0: none)."""
    levels = [n for rule in framework.decisions.values() for n, roles in rule.roles.items() if actor.has_any(*roles)]
    return max(levels, default=0)


def _owner_level(stage: Stage, reviewer_is_panel: bool, reviewer_level: int | None, top: int) -> int:
    """The level of whoever owns the appeal's next step: the reviewer's while under review, else the care team's."""
    if stage is Stage.UNDER_REVIEW:
        return top if reviewer_is_panel or reviewer_level is None else reviewer_level
    return 1


def _next_due(
    stage: Stage, acknowledge_by: dt.date, decide_by: dt.date, communicate_by: dt.date | None
) -> dt.date | None:
    """When the appeal's next step is due (None when nothing is left for the team)."""
    return {
        Stage.LODGED: acknowledge_by,
        Stage.ACKNOWLEDGED: decide_by,
        Stage.UNDER_REVIEW: decide_by,
        Stage.DECIDED: communicate_by,
    }.get(stage)


def _reads(session: Session, actor: Actor, appeals: list[Appeal]) -> list[AppealRead]:
    names = {
        p.id: p.full_name for p in session.scalars(select(Person).where(Person.id.in_({a.person_id for a in appeals})))
    }
    referrals: dict[int, list[ReferralRead]] = {}
    for r in session.scalars(
        select(AppealReferral)
        .where(AppealReferral.appeal_id.in_([a.id for a in appeals]))
        .order_by(AppealReferral.referred_on, AppealReferral.id)
    ):
        referrals.setdefault(r.appeal_id, []).append(ReferralRead.model_validate(r))
    framework, _ = framework_in_force(session)
    mine = _actor_level(framework, actor) if actor.is_staff else 0
    top = max(framework.levels)
    today = _today()
    rows = []
    for appeal in appeals:
        read = AppealRead.model_validate(appeal)
        read.person_name = names.get(appeal.person_id, "")
        read.referrals = referrals.get(appeal.id, [])
        stage = Stage(appeal.status)
        read.next_step = next_step(stage)
        read.next_due = _next_due(stage, appeal.acknowledge_by, appeal.decide_by, appeal.communicate_by)
        read.timing = step_timing(read.next_due, today)
        owner = _owner_level(stage, appeal.reviewer_is_panel, appeal.reviewer_level, top)
        read.escalated_to_you = read.timing == "overdue" and mine > owner
        rows.append(read)
    return rows


def appeal_detail(session: Session, actor: Actor, appeal_id: int) -> AppealRead:
    """One appeal with its steps' timing and referrals (404 for someone the actor may not see)."""
    appeal = _appeal(session, appeal_id)
    _require_reader(session, actor, appeal)
    return _reads(session, actor, [appeal])[0]


def appeal_notice(session: Session, actor: Actor, appeal_id: int) -> NoticeRead | None:
    """The notice of the decision an appeal is against, for whoever may read the appeal."""
    appeal = _appeal(session, appeal_id)
    _require_reader(session, actor, appeal)
    notice = session.get(DecisionNotice, appeal.notice_id) if appeal.notice_id else None
    return NoticeRead.model_validate(notice) if notice else None


def person_appeals(session: Session, actor: Actor, person_id: int) -> list[AppealRead]:
    """A person's appeals, newest first."""
    require_person(session, actor, Permission.PERSON_READ, person_id)
    appeals = list(
        session.scalars(select(Appeal).where(Appeal.person_id == person_id).order_by(Appeal.lodged_at.desc()))
    )
    return _reads(session, actor, appeals)


OPEN_STAGES: Final = (Stage.LODGED, Stage.ACKNOWLEDGED, Stage.UNDER_REVIEW, Stage.DECIDED)


class OpenAppeal(NamedTuple):
    """What sorting and counting the open appeals needs, worked out from columns (no appeal is loaded)."""

    id: int
    stage: Stage
    next_due: dt.date | None
    overdue: bool
    escalated: bool  # overdue, and the actor is at a level above the step's owner


def open_appeals(session: Session, actor: Actor) -> list[OpenAppeal]:
    """Appeals of people the actor may see that still need a step, the most urgent first (overdue, then by due).

    One statement of a few columns, however many appeals are open; pages then read only the appeals they show.
    """
    framework, _ = framework_in_force(session)
    mine, top = (_actor_level(framework, actor) if actor.is_staff else 0), max(framework.levels)
    rows = session.execute(
        select(
            Appeal.id,
            Appeal.status,
            Appeal.acknowledge_by,
            Appeal.decide_by,
            Appeal.communicate_by,
            Appeal.reviewer_is_panel,
            Appeal.reviewer_level,
        ).where(visible_filter(actor, Appeal.person_id), Appeal.status.in_(OPEN_STAGES))
    )
    today = _today()
    found = []
    for appeal_id, status, acknowledge_by, decide_by, communicate_by, panel, level in rows:
        stage = Stage(status)
        due = _next_due(stage, acknowledge_by, decide_by, communicate_by)
        overdue = step_timing(due, today) == "overdue"
        escalated = overdue and mine > _owner_level(stage, panel, level, top)
        found.append(OpenAppeal(appeal_id, stage, due, overdue, escalated))
    found.sort(key=lambda k: (not k.overdue, k.next_due or dt.date.max, k.id))
    return found


def appeal_reads(session: Session, actor: Actor, ids: Sequence[int]) -> list[AppealRead]:
    """The appeals ``ids`` (the caller chose them from :func:`open_appeals`), read in that order."""
    loaded = {a.id: a for a in session.scalars(select(Appeal).where(Appeal.id.in_(ids)))} if ids else {}
    return _reads(session, actor, [loaded[i] for i in ids if i in loaded])


@dataclass(frozen=True)
class AppealsDashboard:
    """The dashboard: each open stage's most urgent appeals and its count, the same for steps escalated to the viewer.

    ``overdue`` counts every overdue step the viewer can see.
    """

    stages: list[tuple[Stage, list[AppealRead], int]]
    escalated: list[AppealRead]
    escalated_total: int
    overdue: int


def dashboard(session: Session, actor: Actor, *, per_stage: int) -> AppealsDashboard:
    """The ``per_stage`` most urgent appeals of each open stage (and of those escalated to the actor), read at once."""
    keys = open_appeals(session, actor)
    by_stage = {s: [k.id for k in keys if k.stage is s] for s in OPEN_STAGES}
    escalated = [k.id for k in keys if k.escalated]
    shown = [*escalated[:per_stage], *(i for ids in by_stage.values() for i in ids[:per_stage])]
    reads = {r.id: r for r in appeal_reads(session, actor, list(dict.fromkeys(shown)))}
    return AppealsDashboard(
        stages=[(s, [reads[i] for i in ids[:per_stage]], len(ids)) for s, ids in by_stage.items()],
        escalated=[reads[i] for i in escalated[:per_stage]],
        escalated_total=len(escalated),
        overdue=sum(1 for k in keys if k.overdue),
    )


def appeals_page(
    session: Session,
    actor: Actor,
    *,
    stage: Stage | None = None,
    escalated: bool = False,
    page: int = 1,
    per_page: int = APPEALS_PAGE,
) -> Page[AppealRead]:
    """One page of the open appeals (of one stage, or those escalated to the actor), the most urgent first."""
    keys = [k for k in open_appeals(session, actor) if stage in (None, k.stage) and (k.escalated or not escalated)]
    page = max(1, page)  # the keys are not a pydantic model (Page.slice_of), so they are sliced here
    shown = [k.id for k in keys[(page - 1) * per_page : page * per_page]]
    return Page[AppealRead](items=appeal_reads(session, actor, shown), page=page, per_page=per_page, total=len(keys))


def appeal_report(session: Session, actor: Actor) -> list[ReportRow]:
    """Decided appeals of people the actor may see, by quarter, decision type and outcome, with time to decide."""
    if not actor.is_staff:
        raise ForbiddenError("The appeals report is for staff.")
    calendar = load_config().calendar
    rows = session.execute(
        select(Appeal.lodged_on, Appeal.decided_on, Appeal.decision_type, Appeal.decision).where(
            visible_filter(actor, Appeal.person_id), Appeal.decided_on.is_not(None), Appeal.decision.is_not(None)
        )
    )
    return report(
        DecidedAppeal(
            decided_on=decided,
            decision_type=kind,
            decision=AppealDecision(decision),
            working_days_to_decide=calendar.working_days_between(lodged, decided),
        )
        for lodged, decided, kind, decision in rows
        if decided is not None and decision is not None
    )
