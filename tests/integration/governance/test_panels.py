"""Risk enablement panels as Annex F describes them, on SQLite and PostgreSQL: attendance each member confirms (or
the chair records with a reason), quorum of confirmed members without a conflict, decisions only from the meeting
date in England, conflicts found automatically, non-staff attendees, and who may tell the person."""

import datetime as dt

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from phb.accounts.rules import Role
from phb.errors import ForbiddenError, ValidationFailedError
from phb.governance import panels, services
from phb.governance.models import DecisionOutcome, PanelReferral
from phb.governance.rules import Action, DecisionType, Outcome
from phb.governance.schemas import (
    AttendanceChoice,
    AttendanceCreate,
    DecisionInput,
    NonStaffAttendeeCreate,
    NonStaffKind,
    PanelDecisionCreate,
    PanelMeetingCreate,
)
from phb.money import gbp
from tests.factories import actor, make_user
from tests.factories_governance import make_team

PAST = dt.date(2026, 3, 10)


@pytest.fixture
def team(db):
    return make_team(db)


def _to_panel(db, team, monkeypatch, **kwargs):
    """A care plan review whose risk is above every level's tolerance, so the router sends it to a panel."""
    monkeypatch.setattr(services, "person_risk", lambda _session, _person_id: 25)
    request = services.raise_request(
        db,
        team["casey"],
        person_id=team.person.id,
        decision_type=DecisionType.CARE_PLAN_REVIEW,
        summary="Swimming alone at the local pool",
        **kwargs,
    )
    monkeypatch.setattr(services, "person_risk", lambda _session, _person_id: None)
    return db.scalar(select(PanelReferral).where(PanelReferral.request_id == request.id))


def _meeting(db, team, on=PAST):
    return panels.create_meeting(db, team["pat"], PanelMeetingCreate(meets_on=on, place="Room 4"))


def _decision(team, **changes):
    fields = {
        "outcome": Outcome.REFUSED,
        "information_considered": "Risk discussion of 2 March",
        "reasons": "No lifeguard on duty in the evenings",
        "alternatives": "Swimming with a PA",
        "review_date": dt.date(2026, 9, 1),
        "tell_person_by_id": team.users["casey"].id,
    }
    return PanelDecisionCreate(**(fields | changes))


def _item(db, team, meeting, referral):
    detail = panels.meeting_detail(db, team["pat"], meeting.id)
    return next(i for i in detail.agenda if i.referral.id == referral.id)


def test_the_chair_alone_cannot_make_a_panel_quorate_by_listing_others(db, team, monkeypatch):
    referral = _to_panel(db, team, monkeypatch)
    meeting = _meeting(db, team)
    panels.confirm_attendance(db, team["pat"], meeting.id)
    for member in ("pete", "paula"):
        with pytest.raises(ValidationFailedError) as caught:
            panels.record_attendance(
                db,
                team["pat"],
                meeting.id,
                AttendanceCreate(user_id=team.users[member].id, attendance=AttendanceChoice.ATTENDED),
            )
        assert "Say why you are recording" in caught.value.errors["reason"]
        panels.record_attendance(db, team["pat"], meeting.id, AttendanceCreate(user_id=team.users[member].id))

    with pytest.raises(ValidationFailedError) as caught:
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))
    assert caught.value.errors == {
        "quorum": "Not quorate: 1 member without a conflict attended; the framework needs 3, including a chair. "
        "Not yet confirmed, so not counted: Pete, Paula."
    }

    panels.confirm_attendance(db, team["pete"], meeting.id)
    panels.record_attendance(
        db,
        team["pat"],
        meeting.id,
        AttendanceCreate(
            user_id=team.users["paula"].id, attendance=AttendanceChoice.ATTENDED, reason="Joined by phone"
        ),
    )
    states = {a.name: a.state for a in panels.meeting_detail(db, team["pete"], meeting.id).attendance}
    assert states == {
        "Pat": "Attended (confirmed by themselves)",
        "Pete": "Attended (confirmed by themselves)",
        "Paula": "Attended (recorded by Pat: Joined by phone)",
    }
    panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))
    assert db.get(PanelReferral, referral.id).status == "decided"


def test_a_chair_who_did_not_confirm_their_own_attendance_cannot_record_a_decision(db, team, monkeypatch):
    referral = _to_panel(db, team, monkeypatch)
    meeting = _meeting(db, team)  # pat arranged it, so is listed, but has not confirmed attending
    for member in ("pete", "paula", "cora"):
        panels.confirm_attendance(db, team[member], meeting.id)
    with pytest.raises(ForbiddenError, match="attendance at this meeting is confirmed"):
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))


def test_a_decision_is_recorded_only_from_the_meeting_date_in_england(db, team, monkeypatch):
    referral = _to_panel(db, team, monkeypatch)
    meeting = _meeting(db, team, on=dt.date(2026, 6, 10))
    with freeze_time("2026-06-09T22:30:00Z"):  # 23:30 on 9 June in England (BST)
        with pytest.raises(ValidationFailedError) as caught:
            panels.confirm_attendance(db, team["pat"], meeting.id)
        assert caught.value.errors == {
            "attendance": "The panel meets on 10 June 2026: attendance can be recorded from that day"
        }
        with pytest.raises(ValidationFailedError) as caught:
            panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))
        assert caught.value.errors == {
            "meets_on": "The panel meets on 10 June 2026: its decisions can be recorded from that day"
        }
        assert not panels.meeting_detail(db, team["pat"], meeting.id).has_met
    with freeze_time("2026-06-09T23:30:00Z"):  # 00:30 on 10 June in England, still 9 June in UTC
        for member in ("pat", "pete", "cora"):
            panels.confirm_attendance(db, team[member], meeting.id)
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))
    assert db.get(PanelReferral, referral.id).decision == "refused"


def test_non_staff_attendees_are_recorded_by_name_and_relationship_and_never_count(db, team, monkeypatch):
    referral = _to_panel(db, team, monkeypatch)
    meeting = _meeting(db, team)
    for member in ("pat", "pete"):
        panels.confirm_attendance(db, team[member], meeting.id)
    with pytest.raises(ValidationFailedError) as caught:
        panels.add_non_staff_attendee(
            db, team["pat"], meeting.id, NonStaffAttendeeCreate(referral_id=referral.id, kind="family", name="Ruth")
        )
    assert caught.value.errors == {
        "relationship_to_person": "Say how they are related to the person (for example: daughter)"
    }
    for kind, name, relationship in (
        (NonStaffKind.PERSON, "Leon Baptiste", None),
        (NonStaffKind.FAMILY, "Ruth Baptiste", "Sister"),
        (NonStaffKind.ADVOCATE, "Ada Kwame", "Independent advocate"),
    ):
        panels.add_non_staff_attendee(
            db,
            team["pat"],
            meeting.id,
            NonStaffAttendeeCreate(referral_id=referral.id, kind=kind, name=name, relationship_to_person=relationship),
        )
    with pytest.raises(ForbiddenError):  # only a chair records them
        panels.add_non_staff_attendee(
            db,
            team["pete"],
            meeting.id,
            NonStaffAttendeeCreate(referral_id=referral.id, kind="other", name="X", relationship_to_person="Friend"),
        )

    item = _item(db, team, meeting, referral)
    assert [(g.name, g.relationship_to_person, g.recorded_by_name) for g in item.non_staff] == [
        ("Leon Baptiste", "The person", "Pat"),
        ("Ruth Baptiste", "Sister", "Pat"),
        ("Ada Kwame", "Independent advocate", "Pat"),
    ]
    assert not item.quorate  # two members and three people who are not staff: still not quorate
    assert item.quorum_message.startswith("Not quorate: 2 members without a conflict attended")
    minutes = panels.paper(db, team["pete"], meeting.id, "minutes")
    assert [g.name for g in minutes.items[0].non_staff] == ["Leon Baptiste", "Ruth Baptiste", "Ada Kwame"]


def test_the_referrer_takes_no_part_and_does_not_count_to_quorum(db, team):
    request = services.raise_request(
        db,
        team["casey"],
        person_id=team.person.id,
        decision_type=DecisionType.FLEXIBLE_BUDGET_SPEND,
        summary="A hot tub for pain relief",
        item_amount=gbp("200"),
        unusual=True,
    )
    services.decide(
        db,
        team["sam"],
        request.id,
        DecisionInput(action=Action.REFER_TO_PANEL, reasons="No precedent", question="May a hot tub be funded?"),
    )
    referral = db.scalar(select(PanelReferral).where(PanelReferral.request_id == request.id))
    meeting = _meeting(db, team)
    for member in ("pat", "pete", "sam"):  # sam, a service manager, sits on the panel too
        panels.confirm_attendance(db, team[member], meeting.id)

    item = _item(db, team, meeting, referral)
    assert [(c.name, c.reason, c.automatic) for c in item.conflicts] == [
        ("Sam", "Referred this case to the panel", True),
        ("Casey", "Proposed this request", True),
    ]
    assert item.quorum_message == (
        "Not quorate: 2 members without a conflict attended; the framework needs 3, including a chair."
    )
    with pytest.raises(ValidationFailedError, match="Not quorate: 2 members"):
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))


def test_the_original_decider_of_a_decision_reopened_by_an_appeal_takes_no_part(db, team, monkeypatch):
    original = services.raise_request(
        db,
        team["casey"],
        person_id=team.person.id,
        decision_type=DecisionType.FLEXIBLE_BUDGET_SPEND,
        summary="A riser-recliner chair",
        item_amount=gbp("1500.00"),
    )
    services.decide(
        db, team["sam"], original.id, DecisionInput(action=Action.REFUSE, reasons="Too dear", alternatives="A loan")
    )
    outcome = db.scalar(select(DecisionOutcome).where(DecisionOutcome.request_id == original.id))
    # An upheld appeal raises the request again with the overturned outcome in its details (appeals/_reopen).
    referral = _to_panel(db, team, monkeypatch, details={"appeal_id": 1, "reopens_outcome_id": outcome.id})
    meeting = _meeting(db, team)
    for member in ("pat", "pete", "sam"):
        panels.confirm_attendance(db, team[member], meeting.id)

    conflicts = {c.name: c.reason for c in _item(db, team, meeting, referral).conflicts}
    assert conflicts["Sam"] == f"Made the decision this appeal reopens (decision {outcome.id})"
    with pytest.raises(ValidationFailedError, match="Not quorate: 2 members"):
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))
    panels.confirm_attendance(db, team["cora"], meeting.id)
    panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))


def test_only_staff_who_may_see_the_persons_record_can_be_asked_to_tell_them(db, team, monkeypatch):
    stranger = make_user(db, "carl", Role.CASE_MANAGER)  # a case manager, but not on Leon's caseload
    referral = _to_panel(db, team, monkeypatch)
    meeting = _meeting(db, team)
    for member in ("pat", "pete", "cora"):
        panels.confirm_attendance(db, team[member], meeting.id)

    names = [name for _id, name in _item(db, team, meeting, referral).tellers]
    assert "Admin" not in names
    assert "Carl" not in names
    assert {"Casey", "Nina", "Sam"} <= set(names)
    for who in (team.users["admin"], stranger):
        with pytest.raises(ValidationFailedError) as caught:
            panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team, tell_person_by_id=who.id))
        assert caught.value.errors == {
            "tell_person_by_id": "Choose a member of staff who may see the person's record to tell them"
        }
    assert actor(db, stranger).is_staff
    panels.panel_decide(db, team["pat"], meeting.id, referral.id, _decision(team))
    assert db.get(PanelReferral, referral.id).tell_person_by_name == "Casey"
