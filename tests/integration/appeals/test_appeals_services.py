"""Notices and appeals on SQLite and PostgreSQL: a notice for every outcome, lodging, deadlines across bank
holidays, reviewer independence, reopening after an upheld appeal, onward referral, dashboard and report."""

import datetime as dt
from dataclasses import replace

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from phb.accounts.rules import Role
from phb.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from phb.governance import services as governance
from phb.governance.appeals import services
from phb.governance.appeals.models import Appeal, DecisionNotice
from phb.governance.appeals.rules import AppealDecision, AppealType, ReferralBody, ReviewerMode, Stage
from phb.governance.appeals.schemas import (
    AppealCreate,
    AppealDecisionInput,
    Channel,
    Communication,
    DatedStep,
    Delivery,
    ReferralCreate,
    ReviewerAssign,
)
from phb.governance.models import DecisionRequest
from phb.governance.rules import DecisionType
from phb.money import gbp
from phb.people.models import Supporter
from tests.factories import actor, make_person, make_user
from tests.factories_appeals import ALTERNATIVES, REASONS, portal_user, refused_outcome
from tests.factories_governance import make_team

D = DecisionType


@pytest.fixture
def team(db):
    return make_team(db)


def _lodge(db, team, outcome, who="casey", **kwargs):
    kwargs.setdefault("grounds", "The gym is how I keep walking; the physio said so")
    return services.lodge_appeal(db, team[who], team.person.id, AppealCreate(outcome_id=outcome.id, **kwargs))


def _to_review(db, team, appeal, reviewer="priya"):
    services.acknowledge(db, team["casey"], appeal.id, DatedStep())
    return services.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users[reviewer].id))


def test_a_refusal_produces_a_plain_english_notice_with_the_statutory_right(db, team):
    with freeze_time("2026-12-21 10:00"):
        outcome = refused_outcome(db, team)
    notice = db.scalars(select(DecisionNotice).where(DecisionNotice.outcome_id == outcome.id)).one()
    assert notice.title == "Agreeing flexible budget spend: not agreed"
    assert notice.appeal_type == AppealType.REG_8
    text = dict(notice.sections)
    assert text["What we decided"] == "On Monday 21 December 2026 we did not agree to this request: A gym membership."
    assert text["Who decided"] == "Sam, a CHC service manager, made this decision."
    assert text["Why"] == REASONS
    assert text["Other ways to meet your needs"] == ALTERNATIVES
    assert "leave a service out of your care plan (regulation 8)" in text["Your right to ask us to reconsider"]
    # 20 working days from Monday 21 December 2026 skip Christmas Day and Boxing Day (observed) and New Year's Day
    assert notice.appeal_by == dt.date(2027, 1, 21)
    assert "Thursday 21 January 2027" in text["How to appeal and by when"]
    assert services.issue_notice(db, outcome.id).id == notice.id  # once per outcome


def test_delivery_restarts_the_clock_and_a_reduction_gets_its_notice_period(db, team):
    with freeze_time("2027-03-24 09:00"):
        request = governance.raise_request(
            db,
            team["casey"],
            person_id=team.person.id,
            decision_type=D.BUDGET_REVIEW,
            summary="Fewer waking nights",
            amount=gbp("40000.00"),
            details={"previous_amount": "45000.00"},
        )
        from phb.governance.rules import Action  # noqa: PLC0415
        from phb.governance.schemas import DecisionInput  # noqa: PLC0415

        governance.decide(db, team["nina"], request.id, DecisionInput(action=Action.APPROVE, reasons="Needs fell"))
        notice = db.scalars(select(DecisionNotice).where(DecisionNotice.person_id == team.person.id)).one()
        assert notice.appeal_type == AppealType.REG_13
        assert notice.reduction_takes_effect_on == dt.date(2027, 4, 21)
    with freeze_time("2027-03-25 12:00"):
        read = services.record_delivery(db, team["casey"], team.person.id, notice.id, Delivery(channel=Channel.LETTER))
    assert (read.delivered_on, read.delivery_channel, read.delivered_by_name) == (
        dt.date(2027, 3, 25),
        "letter",
        "Casey",
    )
    # 20 working days from Thursday 25 March 2027 skip Good Friday and Easter Monday
    assert read.appeal_by == dt.date(2027, 4, 26)
    assert read.reduction_takes_effect_on == dt.date(2027, 4, 22)
    assert (
        "reduce the amount of your direct payment (regulation 13)"
        in dict(read.sections)["Your right to ask us to reconsider"]
    )


def test_lodging_counts_acknowledge_and_decide_in_working_days_over_christmas(db, team):
    with freeze_time("2026-12-21 10:00"):
        outcome = refused_outcome(db, team)
    with freeze_time("2026-12-23 15:00"):
        appeal = _lodge(db, team, outcome, received_via=Channel.PHONE, new_information="A letter from the physio")
    assert appeal.status == Stage.LODGED
    assert appeal.appeal_type == AppealType.REG_8
    assert appeal.in_time is True
    # Wed 23 Dec: 24 (1), 25 Christmas, 26-27 weekend, 28 Boxing Day observed, 29 (2), 30 (3)
    assert appeal.acknowledge_by == dt.date(2026, 12, 30)
    assert appeal.decide_by == dt.date(2027, 1, 25)
    with freeze_time("2026-12-31 09:00"):
        row = services.appeal_detail(db, team["casey"], appeal.id)
        assert (row.next_step, row.timing) == ("Acknowledge the appeal", "overdue")


def test_an_appeal_about_someone_else_s_decision_or_a_second_appeal_is_refused(db, team):
    outcome = refused_outcome(db, team)
    other = make_person(db, "Ada", "Other", case_manager=team.users["casey"])
    with pytest.raises(ValidationFailedError) as caught:
        services.lodge_appeal(db, team["casey"], other.id, AppealCreate(outcome_id=outcome.id, grounds="x"))
    assert caught.value.errors == {
        "outcome_id": f"Decision {outcome.id} is not a decision about Ada Other: choose one of theirs"
    }
    _lodge(db, team, outcome)
    with pytest.raises(ConflictError, match="already recorded"):
        _lodge(db, team, outcome)


def test_the_reviewer_must_not_have_taken_the_decision_and_must_sit_at_its_level_or_above(db, team):
    appeal = _lodge(db, team, refused_outcome(db, team))
    services.acknowledge(db, team["casey"], appeal.id, DatedStep())
    with pytest.raises(ValidationFailedError) as caught:
        services.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["sam"].id))
    assert caught.value.errors == {
        "reviewer_id": "Sam took the original decision, so someone else must review the appeal against it"
    }
    with pytest.raises(ValidationFailedError) as caught:
        services.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["nina"].id))
    assert "Nina decides at level 1; the original decision was taken at level 2" in caught.value.errors["reviewer_id"]
    names = [label.split(" (")[0] for _, label in services.reviewer_choices(db, team["casey"], appeal.id)]
    assert "Sam" not in names
    assert {"Priya", "Sally", "Drew", "Cora"} <= set(names)
    assigned = services.assign_reviewer(
        db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["priya"].id)
    )
    assert (assigned.status, assigned.reviewer_level) == (Stage.UNDER_REVIEW, 2)
    with pytest.raises(ForbiddenError, match="assigned to Priya"):
        services.decide_appeal(
            db, team["drew"], appeal.id, AppealDecisionInput(decision=AppealDecision.UPHELD, reasons="x")
        )
    with pytest.raises(ForbiddenError, match="You took the original decision"):
        services.decide_appeal(
            db, team["sam"], appeal.id, AppealDecisionInput(decision=AppealDecision.UPHELD, reasons="x")
        )


def test_an_upheld_appeal_reopens_the_decision_through_the_router(db, team):
    outcome = refused_outcome(db, team)
    appeal = _to_review(db, team, _lodge(db, team, outcome))
    decided = services.decide_appeal(
        db,
        team["priya"],
        appeal.id,
        AppealDecisionInput(decision=AppealDecision.UPHELD, reasons="The physio's letter links it to walking"),
    )
    assert decided.status == Stage.DECIDED
    reopened = db.get(DecisionRequest, decided.reopened_request_id)
    assert reopened is not None
    assert reopened.status == "open"
    assert reopened.summary == f"Looked at again after appeal {appeal.id}: A gym membership"
    assert reopened.details == {"appeal_id": appeal.id, "reopens_outcome_id": outcome.id}
    assert reopened.current_level == 2  # routed afresh: £900 of flexible spend is a level 2 decision
    assert reopened.item_amount == gbp("900.00")
    assert reopened.proposed_by_id == team.users["casey"].id
    queue = [r.id for r in governance.decision_queue(db, team["sally"]).items]
    assert reopened.id in queue


def test_a_dispute_not_upheld_goes_to_complaints_then_the_ombudsman(db, team):
    appeal = _to_review(db, team, _lodge(db, team, refused_outcome(db, team)))
    services.decide_appeal(
        db, team["priya"], appeal.id, AppealDecisionInput(decision=AppealDecision.NOT_UPHELD, reasons="Same reasons")
    )
    assert db.get(Appeal, appeal.id).reopened_request_id is None
    with pytest.raises(ConflictError):
        services.refer(db, team["casey"], appeal.id, ReferralCreate(body=ReferralBody.NHS_COMPLAINTS))
    services.communicate(db, team["priya"], appeal.id, Communication(channel=Channel.LETTER))
    with pytest.raises(ValidationFailedError) as caught:
        services.refer(db, team["casey"], appeal.id, ReferralCreate(body=ReferralBody.OMBUDSMAN))
    assert caught.value.errors["body"].startswith("Record the referral to the NHS complaints procedure first")
    with pytest.raises(ValidationFailedError, match="not the NHS England Independent Review Panel"):
        services.refer(db, team["casey"], appeal.id, ReferralCreate(body=ReferralBody.INDEPENDENT_REVIEW_PANEL))
    services.refer(db, team["casey"], appeal.id, ReferralCreate(body=ReferralBody.NHS_COMPLAINTS, reference="C-1"))
    services.refer(db, team["casey"], appeal.id, ReferralCreate(body=ReferralBody.OMBUDSMAN))
    read = services.appeal_detail(db, team["casey"], appeal.id)
    assert read.status == Stage.REFERRED
    assert [r.body for r in read.referrals] == [ReferralBody.NHS_COMPLAINTS, ReferralBody.OMBUDSMAN]


def test_chc_eligibility_uses_local_resolution_within_six_months_then_the_independent_review_panel(db, team):
    with freeze_time("2026-08-31 10:00"):
        outcome = refused_outcome(db, team, kind=D.ASSESSMENT_OF_NEED, decider="nina", summary="Eligible for CHC")
    notice = services.issue_notice(db, outcome.id)
    assert notice.appeal_type == AppealType.CHC_ELIGIBILITY
    assert notice.appeal_by == dt.date(2027, 2, 28)
    assert "Independent Review Panel" in dict(notice.sections)["If you are still unhappy"]


def test_the_person_lodges_their_own_appeal_and_sees_only_their_own(db, team):
    outcome = refused_outcome(db, team)
    leon = actor(db, portal_user(db, team))
    appeal = services.lodge_appeal(
        db,
        leon,
        team.person.id,
        AppealCreate(outcome_id=outcome.id, grounds="I need it", lodged_on=dt.date(2020, 1, 1)),
    )
    assert (appeal.on_behalf_of, appeal.received_via, appeal.lodged_by_name) == ("person", "portal", "Leon")
    assert appeal.lodged_on == services._today()  # a person cannot back-date their own appeal
    assert [a.id for a in services.person_appeals(db, leon, team.person.id)] == [appeal.id]
    other = make_person(db, "Ada", "Other")
    with pytest.raises(NotFoundError):
        services.person_notices(db, leon, other.id)
    with pytest.raises(NotFoundError):
        services.appealable_outcome(db, leon, team.person.id, outcome.id + 999)
    with pytest.raises(ForbiddenError):
        services.acknowledge(db, leon, appeal.id, DatedStep())


def test_an_outcome_without_reasons_makes_no_notice(db, team):
    request = governance.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type=D.CARE_PLAN_REVIEW, summary="Review"
    )
    with pytest.raises(ValidationFailedError) as caught:
        governance.record_outcome(
            db,
            request,
            outcome=governance.Outcome.APPROVED,
            decided_by_id=team.users["nina"].id,
            decided_by_name="Nina",
            role="nurse_assessor",
            considered="The plan",
            reasons="  ",
        )
    assert "the notice to the person must say why" in caught.value.errors["reasons"]


def test_the_dashboard_shows_overdue_steps_to_the_level_above_and_the_report_counts_by_quarter(db, team):
    with freeze_time("2026-12-01 10:00"):
        appeal = _to_review(db, team, _lodge(db, team, refused_outcome(db, team)))
    with freeze_time("2027-01-05 10:00"):  # decide_by was 31 December 2026
        rows = {r.id: r for r in services.appeals_page(db, team["cora"]).items}
        assert rows[appeal.id].timing == "overdue"
        assert rows[appeal.id].escalated_to_you is True  # cora (level 4) sits above priya (level 2)
        assert [r.id for r in services.appeals_page(db, team["cora"], escalated=True).items] == [appeal.id]
        keys = {k.id: k for k in services.open_appeals(db, team["cora"])}
        assert (keys[appeal.id].overdue, keys[appeal.id].escalated) == (True, True)  # the keys agree with the read
        assert services.appeals_page(db, team["sally"]).items[0].escalated_to_you is False  # same level
        assert services.appeals_page(db, team["sally"], escalated=True).total == 0
        services.decide_appeal(
            db, team["priya"], appeal.id, AppealDecisionInput(decision=AppealDecision.PARTLY_UPHELD, reasons="Some")
        )
    report = services.appeal_report(db, team["sam"])
    assert [(r.quarter, r.decision_type, r.partly_upheld, r.longest_working_days) for r in report] == [
        ("2026-27 Q4", "flexible_budget_spend", 1, 22)
    ]


def test_in_panel_mode_a_panel_chair_reviews_even_without_the_person_on_a_caseload(db, team, monkeypatch):
    panel = replace(services.load_config(), reviewer_mode=ReviewerMode.PANEL)
    monkeypatch.setattr(services, "load_config", lambda: panel)
    appeal = _lodge(db, team, refused_outcome(db, team))
    services.acknowledge(db, team["casey"], appeal.id, DatedStep())
    with pytest.raises(ValidationFailedError) as caught:
        services.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["priya"].id))
    assert caught.value.errors["reviewer_id"] == (
        "Appeals are reviewed by a risk enablement panel: choose a panel chair, not Priya"
    )
    assigned = services.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["pat"].id))
    assert assigned.reviewer_is_panel is True
    assert services.appeal_detail(db, team["pat"], appeal.id).reviewer_name == "Pat"
    decided = services.decide_appeal(
        db, team["pat"], appeal.id, AppealDecisionInput(decision=AppealDecision.NOT_UPHELD, reasons="The panel agreed")
    )
    assert decided.status == Stage.DECIDED
    with pytest.raises(NotFoundError):
        services.person_appeals(db, team["pat"], team.person.id)  # the rest of the record stays out of reach


def test_a_representative_appeals_for_the_person_they_act_for(db, team):
    outcome = refused_outcome(db, team)
    grace = make_user(db, "grace", Role.REPRESENTATIVE)
    db.add(
        Supporter(
            person_id=team.person.id,
            kind="representative",
            name="Grace Baptiste",
            relationship_to_person="Sister",
            legal_basis="lpa_health_and_welfare",
            user_id=grace.id,
            started_on=dt.date(2020, 1, 1),
        )
    )
    db.flush()
    appeal = services.lodge_appeal(
        db, actor(db, grace), team.person.id, AppealCreate(outcome_id=outcome.id, grounds="Leon needs the gym")
    )
    assert (appeal.on_behalf_of, appeal.received_via, appeal.lodged_by_name) == ("representative", "portal", "Grace")
    assert services.person_appeals(db, actor(db, grace), team.person.id)[0].status == Stage.LODGED
