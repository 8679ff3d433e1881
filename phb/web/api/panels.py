"""JSON API for risk enablement panels: everything a panel does on its pages, through the same services.

Arranging a meeting, putting a referral on its agenda, attendance (a member confirms their own; the chair records
someone with a reason), non-staff attendees, the panel's decision, telling the person, the agenda and minutes; and
keeping a panel or level-4 decision as a local principle.
"""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from pydantic import BaseModel
from sqlalchemy.orm import Session

from phb.access.rules import Actor
from phb.errors import ValidationFailedError
from phb.governance import panels, services
from phb.governance.schemas import (
    AgendaAdd,
    AttendanceCreate,
    MeetingDetail,
    MeetingSummary,
    NonStaffAttendeeCreate,
    PanelDecisionCreate,
    PanelMeetingCreate,
    PanelPaper,
    PersonTold,
    PrincipleCreate,
    ReferralRead,
    RequestDetail,
)
from phb.web.security import require_staff


class PanelsRead(BaseModel):
    """Panel meetings, latest first, and the referrals waiting for one."""

    meetings: list[MeetingSummary]
    waiting: list[ReferralRead]


class PanelsApiController(Controller):
    """Risk enablement panels (panel members; a chair arranges meetings, records attendance and decisions)."""

    path = "/api/v1"
    tags = ["panels"]  # noqa: RUF012
    guards = [require_staff]  # noqa: RUF012

    @get("/panels", sync_to_thread=True)
    def index(self, actor: Actor, db_session: Session) -> PanelsRead:
        """Meetings and the referrals waiting for a meeting."""
        return PanelsRead(
            meetings=panels.meetings(db_session, actor), waiting=panels.waiting_referrals(db_session, actor)
        )

    @post("/panels", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def create(self, actor: Actor, db_session: Session, data: PanelMeetingCreate) -> MeetingDetail:
        """Arrange a meeting chaired by the caller; its agenda starts with every waiting referral."""
        meeting = panels.create_meeting(db_session, actor, data)
        return panels.meeting_detail(db_session, actor, meeting.id)

    @get("/panels/{meeting_id:int}", sync_to_thread=True)
    def show(self, actor: Actor, db_session: Session, meeting_id: int) -> MeetingDetail:
        """A meeting: attendance, each case with its conflicts, non-staff attendees, quorum and who may tell them."""
        return panels.meeting_detail(db_session, actor, meeting_id)

    @post("/panels/{meeting_id:int}/agenda", status_code=HTTP_200_OK, sync_to_thread=True)
    def add_to_agenda(self, actor: Actor, db_session: Session, meeting_id: int, data: AgendaAdd) -> MeetingDetail:
        """Put a waiting referral on the agenda (chairs)."""
        panels.add_to_agenda(db_session, actor, meeting_id, data.referral_id)
        return panels.meeting_detail(db_session, actor, meeting_id)

    @post("/panels/{meeting_id:int}/attendance", status_code=HTTP_200_OK, sync_to_thread=True)
    def attendance(self, actor: Actor, db_session: Session, meeting_id: int, data: AttendanceCreate) -> MeetingDetail:
        """The chair records a member, and any conflict of interest they declared.

        ``attendance`` is ``expected``, ``attended`` (for someone else only with a ``reason``) or ``apologies``.
        """
        panels.record_attendance(db_session, actor, meeting_id, data)
        return panels.meeting_detail(db_session, actor, meeting_id)

    @post("/panels/{meeting_id:int}/attendance/confirm", status_code=HTTP_200_OK, sync_to_thread=True)
    def confirm(self, actor: Actor, db_session: Session, meeting_id: int) -> MeetingDetail:
        """The caller confirms that they attended (from the day of the meeting, in England)."""
        panels.confirm_attendance(db_session, actor, meeting_id)
        return panels.meeting_detail(db_session, actor, meeting_id)

    @post("/panels/{meeting_id:int}/non-staff-attendees", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def non_staff(
        self, actor: Actor, db_session: Session, meeting_id: int, data: NonStaffAttendeeCreate
    ) -> MeetingDetail:
        """Record the person, a family member, an advocate or someone else at the meeting for one case (chairs)."""
        panels.add_non_staff_attendee(db_session, actor, meeting_id, data)
        return panels.meeting_detail(db_session, actor, meeting_id)

    @post("/panels/{meeting_id:int}/referrals/{referral_id:int}/decision", status_code=HTTP_200_OK, sync_to_thread=True)
    def decide(
        self, actor: Actor, db_session: Session, meeting_id: int, referral_id: int, data: PanelDecisionCreate
    ) -> MeetingDetail:
        """The panel's decision on a case; 403/409/422 say exactly why not (date, quorum, conflict, who tells)."""
        panels.panel_decide(db_session, actor, meeting_id, referral_id, data)
        return panels.meeting_detail(db_session, actor, meeting_id)

    @post("/panels/{meeting_id:int}/referrals/{referral_id:int}/told", status_code=HTTP_200_OK, sync_to_thread=True)
    def told(
        self, actor: Actor, db_session: Session, meeting_id: int, referral_id: int, data: PersonTold
    ) -> ReferralRead:
        """Record when the person was told the panel's decision (whoever was asked to tell them, or a chair)."""
        referral = panels.record_person_told(db_session, actor, referral_id, data.told_on, meeting_id=meeting_id)
        return panels.referral_read(db_session, referral)

    @get("/panels/{meeting_id:int}/agenda", sync_to_thread=True)
    def agenda(self, actor: Actor, db_session: Session, meeting_id: int) -> PanelPaper:
        """The meeting's agenda."""
        return panels.paper(db_session, actor, meeting_id, "agenda")

    @get("/panels/{meeting_id:int}/minutes", sync_to_thread=True)
    def minutes(self, actor: Actor, db_session: Session, meeting_id: int) -> PanelPaper:
        """The meeting's minutes."""
        return panels.paper(db_session, actor, meeting_id, "minutes")

    @post("/decisions/{request_id:int}/principle", status_code=HTTP_201_CREATED, sync_to_thread=True)
    def principle(self, actor: Actor, db_session: Session, request_id: int, data: PrincipleCreate) -> RequestDetail:
        """Keep a panel or level-4 decision as a local principle (the decider, a panel chair or a commissioner)."""
        detail = services.request_detail(db_session, actor, request_id)
        if detail.result is None:
            raise ValidationFailedError({"principle": "This request has not been decided yet"})
        services.record_principle(db_session, actor, detail.result.id, data.principle, data.category)
        return services.request_detail(db_session, actor, request_id)


ROUTES = [PanelsApiController]
