"""Risk enablement panels (Annex F 10.4.4).

Referrals, meetings with an agenda built from referrals, attendance (each member confirms their own, or the chair
records it with a reason), quorum, conflicts of interest (declared, and found: the referrer, the proposer, the
original deciders of a decision an appeal reopened), non-staff attendees (the person, family, advocates), the
panel's decision (only once the meeting date has come), telling the person, the agenda and minutes.

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
from phb.access.rules import Actor, Permission, decide
from phb.access.services import relationship
from phb.accounts.models import User, UserRole
from phb.accounts.rules import ROLE_LABELS, Role
from phb.accounts.services import actor_for
from phb.audit.services import because
from phb.db import utcnow
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.governance.models import (
    DecisionOutcome,
    DecisionRequest,
    LocalPrinciple,
    PanelAttendance,
    PanelMeeting,
    PanelNonStaffAttendee,
    PanelReferral,
)
from phb.governance.rules import DecisionType, Framework, Outcome, keywords
from phb.governance.schemas import (
    AgendaItem,
    AttendanceChoice,
    AttendanceCreate,
    AttendanceRead,
    ConflictRead,
    MeetingDetail,
    MeetingSummary,
    NonStaffAttendeeCreate,
    NonStaffAttendeeRead,
    NonStaffKind,
    PanelDecisionCreate,
    PanelMeetingCreate,
    PanelPaper,
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


def referral_read(session: Session, referral: PanelReferral) -> ReferralRead:
    """One referral as the pages and the API show it."""
    return _referral_reads(session, [referral])[0]


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


def add_to_agenda(session: Session, actor: Actor, meeting_id: int, referral_id: int) -> PanelReferral:
    """Put a waiting referral on a meeting's agenda."""
    _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    referral = _referral(session, referral_id)
    if referral.status == "decided":
        raise ConflictError("The panel has already decided this referral.")
    referral.meeting_id = meeting.id
    referral.status = "on_agenda"
    session.flush()
    return referral


def _require_met(meeting: PanelMeeting, field: str, what: str) -> None:
    if meeting.meets_on > clock.today():
        raise ValidationFailedError(
            {field: f"The panel meets on {_day(meeting.meets_on)}: {what} can be recorded from that day"}
        )


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _panel_member(session: Session, framework: Framework, user_id: int) -> User | None:
    user = session.get(User, user_id)
    if user is None or not user.is_active or not user.role_set & framework.panel.member_roles:
        return None
    return user


def _attendance_row(meeting: PanelMeeting, framework: Framework, user: User) -> PanelAttendance:
    row = next((a for a in meeting.attendance if a.user_id == user.id), None)
    if row is None:
        role = min(user.role_set & framework.panel.member_roles)
        row = PanelAttendance(meeting_id=meeting.id, user_id=user.id, name=user.display_name, role=role)
        meeting.attendance.append(row)
    return row


def _confirm(row: PanelAttendance, actor: Actor, reason: str | None) -> None:
    row.attended = True
    row.confirmed_at = utcnow()
    row.confirmed_by_id = actor.user_id
    row.confirmed_by_name = actor.display_name
    row.confirmation_reason = reason


def _unconfirm(row: PanelAttendance) -> None:
    row.confirmed_at = None
    row.confirmed_by_id = None
    row.confirmed_by_name = None
    row.confirmation_reason = None


def confirm_attendance(session: Session, actor: Actor, meeting_id: int) -> PanelAttendance:
    """A member confirms that they attended, from the day of the meeting; only then do they count to quorum."""
    framework = _require_member(session, actor)
    meeting = _meeting(session, meeting_id)
    _require_met(meeting, "attendance", "attendance")
    user = _panel_member(session, framework, actor.user_id)
    if user is None:
        raise ForbiddenError("Only members of a risk enablement panel confirm attendance at its meetings.")
    row = _attendance_row(meeting, framework, user)
    with because(session, "confirmed their own attendance"):
        _confirm(row, actor, None)
        session.flush()
    return row


def record_attendance(  # noqa: C901 - one branch per way a chair records someone
    session: Session, actor: Actor, meeting_id: int, data: AttendanceCreate
) -> PanelAttendance:
    """The chair records a member: expected, attended (for someone else, only with a reason) or apologies.

    Attendance counts to quorum only when the member confirmed it or the chair recorded it with a reason; the
    reason and who recorded it stay on the record. A member's own confirmation is never overwritten by "expected".
    """
    framework = _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    user = _panel_member(session, framework, data.user_id)
    if user is None:
        raise ValidationFailedError({"user_id": "Choose a member of the risk enablement panel"})
    if data.conflict_referral_id is not None:
        referral = _referral(session, data.conflict_referral_id)
        if referral.meeting_id != meeting.id:
            raise ValidationFailedError({"conflict_referral_id": "Choose a case on this meeting's agenda"})
        if not data.conflict_of_interest:
            raise ValidationFailedError({"conflict_of_interest": "Describe the conflict of interest"})
    row = _attendance_row(meeting, framework, user)
    self_confirmed = row.attended and row.confirmed_at is not None and row.confirmed_by_id == row.user_id
    if data.attendance is AttendanceChoice.ATTENDED and not self_confirmed:
        _require_met(meeting, "attendance", "attendance")
        if user.id != actor.user_id and not data.reason:
            raise ValidationFailedError(
                {
                    "reason": f"Say why you are recording {user.display_name}'s attendance for them "
                    "(or ask them to confirm it themselves)"
                }
            )
    with because(session, data.reason or f"attendance recorded as {data.attendance.value}"):
        if data.attendance is AttendanceChoice.APOLOGIES:
            row.attended = False
            _unconfirm(row)
        elif data.attendance is AttendanceChoice.EXPECTED:
            row.attended = True
            if not self_confirmed:
                _unconfirm(row)
        elif not self_confirmed:
            _confirm(row, actor, None if user.id == actor.user_id else data.reason)
        row.conflict_referral_id = data.conflict_referral_id
        row.conflict_of_interest = data.conflict_of_interest
        session.flush()
    return row


def add_non_staff_attendee(
    session: Session, actor: Actor, meeting_id: int, data: NonStaffAttendeeCreate
) -> PanelNonStaffAttendee:
    """Record the person, a family member, an advocate or someone else at the meeting for one case.

    They take part in that case's discussion, never count to quorum, and are not panel members.
    """
    _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    referral = session.get(PanelReferral, data.referral_id)
    if referral is None or referral.meeting_id != meeting.id:
        raise ValidationFailedError({"referral_id": "Choose a case on this meeting's agenda"})
    relationship = data.relationship_to_person
    if relationship is None:
        if data.kind is not NonStaffKind.PERSON:
            raise ValidationFailedError(
                {"relationship_to_person": "Say how they are related to the person (for example: daughter)"}
            )
        relationship = NonStaffKind.PERSON.label
    row = PanelNonStaffAttendee(
        meeting_id=meeting.id,
        referral_id=referral.id,
        person_id=referral.person_id,
        kind=data.kind.value,
        name=data.name,
        relationship_to_person=relationship,
        recorded_by_id=actor.user_id,
        recorded_by_name=actor.display_name,
    )
    with because(session, f"{data.kind.label} at the panel for case {referral.id}"):
        session.add(row)
        session.flush()
    return row


def conflicts(session: Session, referral: PanelReferral, attendance: list[PanelAttendance]) -> list[ConflictRead]:
    """Who takes no part in this case, and why.

    Declared conflicts, and those phb finds itself: whoever referred the case or proposed the request, and, when an
    appeal reopened a decision, whoever made it (and its second approver) — nobody reviews their own decision.
    """
    names = {a.user_id: a.name for a in attendance}
    found: dict[int, list[str]] = {}
    request = session.get(DecisionRequest, referral.request_id)
    if referral.referred_by_id is not None:
        found.setdefault(referral.referred_by_id, []).append("referred this case to the panel")
    if request is not None and request.proposed_by_id != referral.referred_by_id:
        found.setdefault(request.proposed_by_id, []).append("proposed this request")
    reopens = (request.details or {}).get("reopens_outcome_id") if request is not None else None
    if isinstance(reopens, int):
        original = session.get(DecisionOutcome, reopens)
        if original is not None:
            if original.decided_by_id is not None:
                found.setdefault(original.decided_by_id, []).append(
                    f"made the decision this appeal reopens (decision {original.id})"
                )
            if original.second_approver_id is not None:
                found.setdefault(original.second_approver_id, []).append(
                    f"gave the second approval of the decision this appeal reopens (decision {original.id})"
                )
    result = [
        ConflictRead(
            user_id=user_id,
            name=names.get(user_id) or _user_name(session, user_id),
            referral_id=referral.id,
            reason="; ".join(reasons).capitalize(),
            automatic=True,
        )
        for user_id, reasons in found.items()
    ]
    result += [
        ConflictRead(
            user_id=a.user_id,
            name=a.name,
            referral_id=referral.id,
            reason=f"Declared: {a.conflict_of_interest}",
            automatic=False,
        )
        for a in attendance
        if a.conflict_referral_id == referral.id
    ]
    return result


def _user_name(session: Session, user_id: int) -> str:
    user = session.get(User, user_id)
    return user.display_name if user is not None else f"user {user_id}"


def quorum(framework: Framework, attendance: list[PanelAttendance], conflicted: set[int]) -> tuple[bool, str]:
    """Whether enough members without a conflict on this case confirmed their attendance, a chair among them.

    Only confirmed attendance counts (the member's own confirmation, or the chair's record with a reason).
    """
    present = [a for a in attendance if a.attended and a.confirmed_at is not None and a.user_id not in conflicted]
    unconfirmed = [a.name for a in attendance if a.attended and a.confirmed_at is None and a.user_id not in conflicted]
    chairs = [a for a in present if Role(a.role) in framework.panel.chair_roles]
    needed = framework.panel.quorum
    if len(present) >= needed and chairs:
        return True, f"Quorate: {len(present)} members without a conflict attended (the framework needs {needed})."
    missing = []
    if len(present) < needed:
        missing.append(f"{len(present)} member{'s' if len(present) != 1 else ''} without a conflict attended")
    if not chairs:
        missing.append("no chair without a conflict attended")
    message = f"Not quorate: {' and '.join(missing)}; the framework needs {needed}, including a chair."
    if unconfirmed:
        message += f" Not yet confirmed, so not counted: {', '.join(unconfirmed)}."
    return False, message


def tellers(session: Session, person_id: int) -> list[tuple[int, str]]:
    """Staff who may see the person's record (the access policy decides), so may tell them the panel's decision."""
    person = session.get(Person, person_id)
    if person is None:
        return []
    result = []
    for user in session.scalars(select(User).where(User.is_active.is_(True)).order_by(User.display_name, User.id)):
        who = actor_for(session, user)
        if who.is_staff and decide(who, Permission.PERSON_READ, relationship(session, who, person)).allowed:
            result.append((user.id, user.display_name))
    return result


def _agenda(session: Session, framework: Framework, meeting: PanelMeeting) -> list[AgendaItem]:
    referrals = list(
        session.scalars(select(PanelReferral).where(PanelReferral.meeting_id == meeting.id).order_by(PanelReferral.id))
    )
    guests = session.scalars(
        select(PanelNonStaffAttendee)
        .where(PanelNonStaffAttendee.meeting_id == meeting.id)
        .order_by(PanelNonStaffAttendee.id)
    ).all()
    attendance = list(meeting.attendance)
    items = []
    for referral, read in zip(referrals, _referral_reads(session, referrals), strict=True):
        found = conflicts(session, referral, attendance)
        ok, message = quorum(framework, attendance, {c.user_id for c in found})
        items.append(
            AgendaItem(
                referral=read,
                quorate=ok,
                quorum_message=message,
                conflicts=found,
                non_staff=[NonStaffAttendeeRead.model_validate(g) for g in guests if g.referral_id == referral.id],
                tellers=tellers(session, referral.person_id),
            )
        )
    return items


def meeting_detail(session: Session, actor: Actor, meeting_id: int) -> MeetingDetail:
    """A meeting: attendance, the agenda with conflicts and quorum for each case, waiting referrals, who can attend."""
    framework = _require_member(session, actor)
    meeting = _meeting(session, meeting_id)
    detail = MeetingDetail.model_validate(meeting)
    detail.attendance = [AttendanceRead.model_validate(a) for a in meeting.attendance]
    detail.agenda = _agenda(session, framework, meeting)
    detail.items = len(detail.agenda)
    detail.waiting = waiting_referrals(session, actor)
    staff = session.execute(
        select(User.id, User.display_name, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.is_active.is_(True))
        .order_by(User.display_name)
    )
    candidates: dict[int, str] = {}
    for user_id, name, role in staff:
        if Role(role) in framework.panel.member_roles and user_id not in candidates:
            candidates[user_id] = f"{name}, {ROLE_LABELS[Role(role)].lower()}"
    detail.candidates = list(candidates.items())
    detail.chair_name = next((a.name for a in meeting.attendance if a.user_id == meeting.chair_id), None)
    detail.is_chair = actor.has_any(*framework.panel.chair_roles)
    detail.is_member = True
    detail.has_met = meeting.meets_on <= clock.today()
    mine = next((a for a in detail.attendance if a.user_id == actor.user_id), None)
    detail.can_confirm = detail.has_met and not (
        mine is not None and mine.confirmed and mine.confirmed_by_id == actor.user_id
    )
    detail.quorum = framework.panel.quorum
    return detail


def paper(session: Session, actor: Actor, meeting_id: int, kind: str) -> PanelPaper:
    """The meeting's agenda or its minutes, one read model for the print pages and the API.

    The agenda shows the cases, questions, papers, members expected and conflicts; the minutes add who attended and
    how that was confirmed, non-staff attendees, each decision and who tells the person.
    """
    detail = meeting_detail(session, actor, meeting_id)
    return PanelPaper(
        kind=kind,
        id=detail.id,
        meets_on=detail.meets_on,
        place=detail.place,
        status=detail.status,
        chair_name=detail.chair_name,
        quorum=detail.quorum,
        attendance=detail.attendance,
        items=detail.agenda,
    )


def panel_decide(  # noqa: C901 - each refusal is one plain check, in the order a chair meets them
    session: Session, actor: Actor, meeting_id: int, referral_id: int, data: PanelDecisionCreate
) -> PanelReferral:
    """The panel's decision on one case, recorded by the chair: the request is closed with the panel's outcome.

    Only on or after the meeting date (in England), by a chair whose attendance is confirmed and who has no conflict
    on the case, when the members without a conflict who confirmed their attendance make quorum; the person is told
    by a member of staff who may see their record.
    """
    framework = _require_chair(session, actor)
    meeting = _meeting(session, meeting_id)
    referral = _referral(session, referral_id)
    if referral.meeting_id != meeting.id:
        raise ValidationFailedError({"referral": "This case is not on this meeting's agenda"})
    if referral.status == "decided":
        raise ConflictError("The panel has already decided this case.")
    _require_met(meeting, "meets_on", "its decisions")
    found = conflicts(session, referral, list(meeting.attendance))
    conflicted = {c.user_id for c in found}
    chair = next(
        (a for a in meeting.attendance if a.user_id == actor.user_id and a.attended and a.confirmed_at is not None),
        None,
    )
    if chair is None or actor.user_id in conflicted:
        raise ForbiddenError(
            "Only a chair whose attendance at this meeting is confirmed, without a conflict on this case, "
            "records its decision."
        )
    ok, message = quorum(framework, list(meeting.attendance), conflicted)
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
    allowed_tellers = dict(tellers(session, referral.person_id))
    teller_name = allowed_tellers.get(data.tell_person_by_id)
    if teller_name is None:
        errors["tell_person_by_id"] = "Choose a member of staff who may see the person's record to tell them"
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
        referral.tell_person_by_id = data.tell_person_by_id
        referral.tell_person_by_name = teller_name
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


def record_person_told(
    session: Session, actor: Actor, referral_id: int, told_on: dt.date, *, meeting_id: int | None = None
) -> PanelReferral:
    """Record when the person was told the panel's decision (by whoever was asked to tell them, or a chair)."""
    framework, _ = framework_in_force(session)
    referral = _referral(session, referral_id)
    if meeting_id is not None and referral.meeting_id != meeting_id:
        raise NotFoundError("panel referral", referral_id)
    if referral.status != "decided":
        raise ValidationFailedError({"told_on": "The panel has not decided this case yet"})
    if actor.user_id != referral.tell_person_by_id and not actor.has_any(*framework.panel.chair_roles):
        raise ForbiddenError("Only the person asked to tell them, or a panel chair, records this.")
    if told_on > clock.today():
        raise ValidationFailedError({"told_on": "The date they were told must be today or in the past"})
    referral.person_told_on = told_on
    session.flush()
    return referral
