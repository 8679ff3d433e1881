"""Risk enablement panels (Annex F 10.4.4).

Referrals, meetings with an agenda built from referrals, attendance, quorum and conflicts of interest, the
panel's decision, and telling the person.

Panels are for difficult or unusual requests that normal routes could not resolve, not the default route: a
request reaches a panel only when a decision-maker refers it, or when its risk is above every level's tolerance.
Panel members see the cases referred to them (that is what the panel is for) even when the person is not on
their caseload; everything they do is audited.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from phb import clock
from phb.access.rules import Actor
from phb.accounts.models import User, UserRole
from phb.accounts.rules import ROLE_LABELS, Role
from phb.audit.services import because
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.governance.models import (
    DecisionRequest,
    LocalPrinciple,
    PanelAttendance,
    PanelMeeting,
    PanelReferral,
)
from phb.governance.rules import DecisionType, Framework, Outcome, keywords
from phb.governance.schemas import (
    AgendaItem,
    AttendanceCreate,
    AttendanceRead,
    MeetingDetail,
    MeetingSummary,
    PanelDecisionCreate,
    PanelMeetingCreate,
    ReferralRead,
)
from phb.governance.services import add_step, framework_in_force, lock_request, record_outcome, require_approvable
from phb.people.models import Person


def _require_member(session: Session, actor: Actor) -> Framework:
    framework, _ = framework_in_force(session)
    if not actor.has_any(*framework.panel.member_roles):
        raise ForbiddenError("Only members of a risk enablement panel can see its referrals and meetings.")
    return framework


def _require_chair(session: Session, actor: Actor) -> Framework:
    framework = _require_member(session, actor)
    if not actor.has_any(*framework.panel.chair_roles):
        raise ForbiddenError("Only a risk enablement panel chair can do this.")
    return framework


def _referral_reads(session: Session, referrals: list[PanelReferral]) -> list[ReferralRead]:
    people = {
        p.id: p.full_name
        for p in session.scalars(select(Person).where(Person.id.in_({r.person_id for r in referrals})))
    }
    requests = {
        r.id: r
        for r in session.scalars(
            select(DecisionRequest).where(DecisionRequest.id.in_({r.request_id for r in referrals}))
        )
    }
    reads = []
    for referral in referrals:
        read = ReferralRead.model_validate(referral)
        read.person_name = people.get(referral.person_id, "")
        request = requests.get(referral.request_id)
        if request is not None:
            read.decision_type = DecisionType(request.decision_type)
            read.summary = request.summary
        reads.append(read)
    return reads


def waiting_referrals(session: Session, actor: Actor) -> list[ReferralRead]:
    """Referrals not yet on a meeting's agenda, oldest first."""
    _require_member(session, actor)
    rows = session.scalars(
        select(PanelReferral).where(PanelReferral.status == "waiting").order_by(PanelReferral.referred_at)
    )
    return _referral_reads(session, list(rows))


def meetings(session: Session, actor: Actor) -> list[MeetingSummary]:
    """Panel meetings, latest first, with how many cases each has."""
    _require_member(session, actor)
    rows = session.scalars(select(PanelMeeting).order_by(PanelMeeting.meets_on.desc(), PanelMeeting.id.desc()))
    result = []
    for meeting in rows:
        summary = MeetingSummary.model_validate(meeting)
        summary.items = len(
            session.scalars(select(PanelReferral.id).where(PanelReferral.meeting_id == meeting.id)).all()
        )
        result.append(summary)
    return result


def create_meeting(session: Session, actor: Actor, data: PanelMeetingCreate) -> PanelMeeting:
    """Arrange a meeting chaired by the actor; its agenda starts with every referral waiting for a panel."""
    framework = _require_chair(session, actor)
    meeting = PanelMeeting(meets_on=data.meets_on, place=data.place, chair_id=actor.user_id, status="planned")
    session.add(meeting)
    session.flush()
    chair_role = min(actor.roles & framework.panel.chair_roles)
    session.add(PanelAttendance(meeting_id=meeting.id, user_id=actor.user_id, name=actor.display_name, role=chair_role))
    for referral in session.scalars(select(PanelReferral).where(PanelReferral.status == "waiting")):
        referral.meeting_id = meeting.id
        referral.status = "on_agenda"
    session.flush()
    return meeting


def _meeting(session: Session, meeting_id: int) -> PanelMeeting:
    meeting = session.scalars(
        select(PanelMeeting)
        .where(PanelMeeting.id == meeting_id)
        .options(selectinload(PanelMeeting.attendance))
        .execution_options(populate_existing=True)
    ).first()
    if meeting is None:
        raise NotFoundError("panel meeting", meeting_id)
    return meeting


def _referral(session: Session, referral_id: int) -> PanelReferral:
    referral = session.get(PanelReferral, referral_id)
    if referral is None:
        raise NotFoundError("panel referral", referral_id)
    return referral


def add_to_agenda(session: Session, actor: Actor, meeting_id: int, referral_id: int) -> None:
    """Put a waiting referral on a meeting's agenda."""
    _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    referral = _referral(session, referral_id)
    if referral.status == "decided":
        raise ConflictError("The panel has already decided this referral.")
    referral.meeting_id = meeting.id
    referral.status = "on_agenda"
    session.flush()


def record_attendance(session: Session, actor: Actor, meeting_id: int, data: AttendanceCreate) -> PanelAttendance:
    """Record who attended (or sent apologies) and any conflict of interest they declared."""
    framework = _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    user = session.get(User, data.user_id)
    if user is None or not user.role_set & framework.panel.member_roles:
        raise ValidationFailedError({"user_id": "Choose a member of the risk enablement panel"})
    if data.conflict_referral_id is not None:
        referral = _referral(session, data.conflict_referral_id)
        if referral.meeting_id != meeting.id:
            raise ValidationFailedError({"conflict_referral_id": "Choose a case on this meeting's agenda"})
        if not data.conflict_of_interest:
            raise ValidationFailedError({"conflict_of_interest": "Describe the conflict of interest"})
    row = next((a for a in meeting.attendance if a.user_id == user.id), None)
    if row is None:
        role = min(user.role_set & framework.panel.member_roles)
        row = PanelAttendance(meeting_id=meeting.id, user_id=user.id, name=user.display_name, role=role)
        meeting.attendance.append(row)
    row.attended = data.attended
    row.conflict_referral_id = data.conflict_referral_id
    row.conflict_of_interest = data.conflict_of_interest
    session.flush()
    return row


def quorum(framework: Framework, attendance: list[PanelAttendance], referral_id: int) -> tuple[bool, str]:
    """Whether enough members without a conflict on this case attended, a chair among them, and why in words."""
    present = [a for a in attendance if a.attended and a.conflict_referral_id != referral_id]
    chairs = [a for a in present if Role(a.role) in framework.panel.chair_roles]
    needed = framework.panel.quorum
    if len(present) >= needed and chairs:
        return True, f"Quorate: {len(present)} members without a conflict attended (the framework needs {needed})."
    missing = []
    if len(present) < needed:
        missing.append(f"{len(present)} member{'s' if len(present) != 1 else ''} without a conflict attended")
    if not chairs:
        missing.append("no chair without a conflict attended")
    return False, f"Not quorate: {' and '.join(missing)}; the framework needs {needed}, including a chair."


def meeting_detail(session: Session, actor: Actor, meeting_id: int) -> MeetingDetail:
    """A meeting: attendance, the agenda with quorum for each case, waiting referrals, who can attend."""
    framework = _require_member(session, actor)
    meeting = _meeting(session, meeting_id)
    detail = MeetingDetail.model_validate(meeting)
    detail.attendance = [AttendanceRead.model_validate(a) for a in meeting.attendance]
    agenda = list(
        session.scalars(select(PanelReferral).where(PanelReferral.meeting_id == meeting.id).order_by(PanelReferral.id))
    )
    for read in _referral_reads(session, agenda):
        ok, message = quorum(framework, list(meeting.attendance), read.id)
        detail.agenda.append(AgendaItem(referral=read, quorate=ok, quorum_message=message))
    detail.items = len(agenda)
    detail.waiting = waiting_referrals(session, actor)
    staff = session.execute(
        select(User.id, User.display_name, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .order_by(User.display_name)
    )
    candidates: dict[int, str] = {}
    tellers: dict[int, str] = {}
    for user_id, name, role in staff:
        if Role(role) in framework.panel.member_roles and user_id not in candidates:
            candidates[user_id] = f"{name}, {ROLE_LABELS[Role(role)].lower()}"
        if Role(role) not in {Role.PERSON, Role.REPRESENTATIVE, Role.ADMINISTRATOR}:
            tellers.setdefault(user_id, name)
    detail.candidates = list(candidates.items())
    detail.staff = list(tellers.items())
    detail.chair_name = next((a.name for a in meeting.attendance if a.user_id == meeting.chair_id), None)
    detail.is_chair = actor.has_any(*framework.panel.chair_roles)
    detail.quorum = framework.panel.quorum
    return detail


def panel_decide(  # noqa: C901 - each refusal is one plain check, in the order a chair meets them
    session: Session, actor: Actor, meeting_id: int, referral_id: int, data: PanelDecisionCreate
) -> PanelReferral:
    """The panel's decision on one case, recorded by the chair: the request is closed with the panel's outcome."""
    framework = _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    referral = _referral(session, referral_id)
    if referral.meeting_id != meeting.id:
        raise ValidationFailedError({"referral": "This case is not on this meeting's agenda"})
    if referral.status == "decided":
        raise ConflictError("The panel has already decided this case.")
    chair = next((a for a in meeting.attendance if a.user_id == actor.user_id and a.attended), None)
    if chair is None or chair.conflict_referral_id == referral.id:
        raise ForbiddenError(
            "Only a chair who attended this meeting, without a conflict on this case, records its decision."
        )
    ok, message = quorum(framework, list(meeting.attendance), referral.id)
    if not ok:
        raise ValidationFailedError({"quorum": message})
    request = lock_request(session, referral.request_id)
    if request.status != "open" or not request.at_panel:
        raise ConflictError("This request is no longer waiting for the panel.")
    if request.proposed_by_id == actor.user_id:
        raise ForbiddenError("You proposed this request, so someone else must chair its decision.")
    errors = {}
    if data.outcome is Outcome.APPROVED_WITH_CONDITIONS and not data.conditions:
        errors["conditions"] = "Say what the conditions of the approval are"
    if data.outcome is Outcome.REFUSED and not data.alternatives:
        errors["alternatives"] = "Say what other ways to meet the person's needs were offered"
    teller = session.get(User, data.tell_person_by_id)
    if teller is None:
        errors["tell_person_by_id"] = "Choose who will tell the person"
    if errors:
        raise ValidationFailedError(errors)
    if data.outcome is not Outcome.REFUSED:
        require_approvable(session, request)
    with because(session, data.reasons):
        outcome = record_outcome(
            session,
            request,
            outcome=data.outcome,
            decided_by_id=actor.user_id,
            decided_by_name=actor.display_name,
            role=chair.role,
            considered=data.information_considered,
            reasons=data.reasons,
            conditions=data.conditions,
            alternatives=data.alternatives,
            review_date=data.review_date,
        )
        referral.status = "decided"
        referral.information_considered = data.information_considered
        referral.decision = data.outcome.value
        referral.reasons = data.reasons
        referral.conditions = data.conditions
        referral.review_date = data.review_date
        referral.tell_person_by_id = teller.id if teller else None
        referral.tell_person_by_name = teller.display_name if teller else None
        meeting.status = "held"
        add_step(
            session,
            request,
            "panel_decided",
            actor_id=actor.user_id,
            actor_label=actor.display_name,
            role=chair.role,
            note=f"{data.outcome.label}: {data.reasons}",
        )
        if data.principle:
            session.add(
                LocalPrinciple(
                    outcome_id=outcome.id,
                    decision_type=request.decision_type,
                    principle=data.principle,
                    category=request.category,
                    keywords=" ".join(sorted(keywords(data.principle, request.summary, request.category))),
                    recorded_by_id=actor.user_id,
                    recorded_by_name=actor.display_name,
                )
            )
        session.flush()
    return referral


def record_person_told(session: Session, actor: Actor, referral_id: int, told_on: dt.date) -> PanelReferral:
    """Record when the person was told the panel's decision (by whoever was asked to tell them, or a chair)."""
    framework, _ = framework_in_force(session)
    referral = _referral(session, referral_id)
    if referral.status != "decided":
        raise ValidationFailedError({"told_on": "The panel has not decided this case yet"})
    if actor.user_id != referral.tell_person_by_id and not actor.has_any(*framework.panel.chair_roles):
        raise ForbiddenError("Only the person asked to tell them, or a panel chair, records this.")
    if told_on > clock.today():
        raise ValidationFailedError({"told_on": "The date they were told must be today or in the past"})
    referral.person_told_on = told_on
    session.flush()
    return referral
