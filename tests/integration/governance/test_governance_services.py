"""Governance services on SQLite and PostgreSQL: routing, deciding, separation of duties, sign-off checks,
escalation to level 4 and to a panel, local principles, framework versions."""

import datetime as dt

import pytest
from sqlalchemy import select

from phb.errors import ConflictError, ForbiddenError, ValidationFailedError
from phb.governance import panels, services
from phb.governance.models import DecisionOutcome, DecisionRequest, DecisionStep, PanelReferral
from phb.governance.rules import Action, DecisionType, Outcome
from phb.governance.schemas import AttendanceCreate, DecisionInput, PanelDecisionCreate, PanelMeetingCreate
from phb.money import gbp
from tests.factories_budgets import propose_final
from tests.factories_governance import complete_checklist, make_team

D = DecisionType


@pytest.fixture
def team(db):
    return make_team(db)


def _raise(db, team, who="casey", kind=D.FLEXIBLE_BUDGET_SPEND, **kwargs):
    kwargs.setdefault("summary", "A gym membership to meet the mobility outcome")
    return services.raise_request(db, team[who], person_id=team.person.id, decision_type=kind, **kwargs)


def _final_request(db, team):
    """A final budget's authorisation request, raised by the budgets service when the budget is proposed."""
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"], team["drew"]])
    return services.request_for(db, "final_budget", final.id)


def test_a_level_one_request_is_decided_by_a_colleague_and_recorded_for_the_person(db, team):
    request = _raise(db, team, item_amount=gbp("320.00"))
    assert request.current_level == 1
    assert request.routing_reason == "level 1: within level 1's limits and risk tolerance"
    assert db.scalar(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id)) is None
    assert [r.id for r in services.decision_queue(db, team["nina"]).items] == [request.id]
    assert services.decision_queue(db, team["casey"]).items == []  # her own proposal

    services.decide(db, team["nina"], request.id, DecisionInput(action=Action.APPROVE))

    outcome = db.scalar(select(DecisionOutcome).where(DecisionOutcome.request_id == request.id))
    assert outcome is not None
    assert (outcome.outcome, outcome.decided_by_name, outcome.role, outcome.level) == (
        "approved",
        "Nina",
        "nurse_assessor",
        1,
    )
    assert "Nina, a nurse assessor, agreed to this request: A gym membership" in outcome.for_person
    assert "appeal" in outcome.for_person
    assert services.decision_queue(db, team["nina"]).items == []
    actions = db.scalars(select(DecisionStep.action).where(DecisionStep.request_id == request.id)).all()
    assert actions == ["raised", "approved"]


def test_nobody_authorises_their_own_proposal(db, team):
    request = _raise(db, team, who="sam", kind=D.BUDGET_REVIEW, amount=gbp("62400"))
    assert request.current_level == 2
    with pytest.raises(ForbiddenError) as caught:
        services.decide(db, team["sam"], request.id, DecisionInput(action=Action.APPROVE))
    assert str(caught.value) == (
        "You proposed this request, so someone else must decide it (nobody authorises their own proposal)."
    )


def test_someone_without_the_role_at_the_level_cannot_decide(db, team):
    request = _raise(db, team, kind=D.CARE_PLAN_REVIEW, summary="Six-month review")
    with pytest.raises(ForbiddenError) as caught:
        services.decide(db, team["dana"], request.id, DecisionInput(action=Action.APPROVE))
    assert str(caught.value) == (
        "Care plan review at level 1 is decided by a case manager or nurse assessor; you are a direct payments "
        "officer, so you cannot decide it."
    )


def test_refusing_needs_reasons_and_alternatives_and_saves_nothing_without_them(db, team):
    request = _raise(db, team, item_amount=gbp("900"))
    with pytest.raises(ValidationFailedError) as caught:
        services.decide(db, team["sam"], request.id, DecisionInput(action=Action.REFUSE))
    assert caught.value.errors == {
        "reasons": "Give the reasons for refusing: the person will be told them and may appeal",
        "alternatives": "Say what other ways to meet the person's needs were offered",
    }
    assert db.get(DecisionRequest, request.id).status == "open"
    services.decide(
        db,
        team["sam"],
        request.id,
        DecisionInput(action=Action.REFUSE, reasons="Physiotherapy already meets it", alternatives="Hydrotherapy"),
    )
    outcome = services.outcome_for(db, "x", 0) or services.person_decisions(db, team["sam"], team.person.id)[2][0]
    assert outcome.outcome == Outcome.REFUSED
    assert "Other ways to meet your needs that we can look at with you: Hydrotherapy" in outcome.for_person


def test_escalation_climbs_to_level_four_then_only_a_panel_is_left(db, team):
    request = _raise(db, team, item_amount=gbp("1500"))
    assert request.current_level == 2
    with pytest.raises(ValidationFailedError) as caught:
        services.decide(db, team["priya"], request.id, DecisionInput(action=Action.ESCALATE))
    assert caught.value.errors == {"reasons": "Give the reason for escalating"}
    services.decide(db, team["priya"], request.id, DecisionInput(action=Action.ESCALATE, reasons="Not confident"))
    assert db.get(DecisionRequest, request.id).current_level == 3
    services.decide(db, team["drew"], request.id, DecisionInput(action=Action.ESCALATE, reasons="Precedent needed"))
    assert db.get(DecisionRequest, request.id).current_level == 4
    assert [r.id for r in services.decision_queue(db, team["cora"]).items] == [request.id]
    with pytest.raises(ValidationFailedError) as caught:
        services.decide(db, team["cora"], request.id, DecisionInput(action=Action.ESCALATE, reasons="x"))
    assert caught.value.errors == {
        "action": "Level 4 is the highest level for agreeing flexible budget spend: refer it to a risk enablement "
        "panel instead"
    }
    services.decide(
        db,
        team["cora"],
        request.id,
        DecisionInput(action=Action.APPROVE_WITH_CONDITIONS, conditions="Review after three months", reasons="Outcome"),
    )
    detail = services.request_detail(db, team["cora"], request.id)
    assert detail.result.level == 4
    assert detail.result.conditions == "Review after three months"
    assert [s.action for s in detail.steps] == ["raised", "escalated", "escalated", "approved_with_conditions"]


def test_two_people_approve_a_final_budget_and_the_first_cannot_be_the_second(db, team):
    complete_checklist(db, team["casey"], team.person.id)
    request = _final_request(db, team)
    services.decide(db, team["sam"], request.id, DecisionInput(action=Action.APPROVE))
    assert db.get(DecisionRequest, request.id).status == "open"
    with pytest.raises(ForbiddenError, match=r"You gave the first approval; a different person must give the second\."):
        services.decide(db, team["sam"], request.id, DecisionInput(action=Action.APPROVE))
    services.decide(db, team["sally"], request.id, DecisionInput(action=Action.APPROVE))
    outcome = services.person_decisions(db, team["sam"], team.person.id)[2][0]
    assert (outcome.decided_by_name, outcome.second_approver_name) == ("Sam", "Sally")


def test_sign_off_is_blocked_until_the_checklist_is_complete(db, team):
    request = _raise(db, team, kind=D.CARE_PLAN_SIGN_OFF, summary="Sign off the plan")
    detail = services.request_detail(db, team["nina"], request.id)
    assert len(detail.missing) == 18
    with pytest.raises(ValidationFailedError) as caught:
        services.decide(db, team["nina"], request.id, DecisionInput(action=Action.APPROVE))
    message = caught.value.errors["checklist"]
    assert message.startswith(
        "Care plan sign-off cannot be approved until the sign-off checklist is complete. 18 items are missing: "
        "The health needs and the outcomes to be achieved;"
    )
    complete_checklist(db, team["casey"], team.person.id)
    services.decide(db, team["nina"], request.id, DecisionInput(action=Action.APPROVE))
    assert db.get(DecisionRequest, request.id).status == "decided"


def test_a_checklist_item_that_always_applies_cannot_be_marked_not_applicable(db, team):
    from phb.governance.rules import ItemStatus  # noqa: PLC0415

    with pytest.raises(ValidationFailedError) as caught:
        services.record_checklist(
            db, team["casey"], team.person.id, {"plan_what_it_buys": (ItemStatus.NOT_APPLICABLE, "n/a")}
        )
    assert caught.value.errors == {
        "plan_what_it_buys": (
            "“What the direct payment will be used to buy” is always needed: it cannot be not applicable"
        )
    }


def test_a_request_decided_twice_answers_with_who_got_there_first(db, team):
    request = _raise(db, team, item_amount=gbp("100"))
    services.decide(db, team["nina"], request.id, DecisionInput(action=Action.APPROVE))
    with pytest.raises(ConflictError, match="Someone else decided this request first: Nina"):
        services.decide(
            db, team["nina"], request.id, DecisionInput(action=Action.REFUSE, reasons="x", alternatives="y")
        )


def test_extreme_risk_goes_to_a_panel_which_decides_and_sets_a_local_principle(db, team, monkeypatch):
    monkeypatch.setattr(services, "person_risk", lambda _session, _person_id: 25)
    request = _raise(
        db, team, kind=D.CARE_PLAN_SIGN_OFF, summary="Swimming alone at the local pool", category="leisure"
    )
    assert request.at_panel
    assert request.routing_reason == (
        "risk enablement panel: residual risk rating 25 (extreme) is above level 3's tolerance of 16"
    )
    assert [r.request_id for r in panels.waiting_referrals(db, team["pete"])] == [request.id]
    with pytest.raises(ForbiddenError):
        panels.waiting_referrals(db, team["casey"])

    meeting = panels.create_meeting(db, team["pat"], PanelMeetingCreate(meets_on=dt.date(2026, 3, 10), place="Room 4"))
    referral = db.scalar(select(PanelReferral).where(PanelReferral.request_id == request.id))
    assert referral.meeting_id == meeting.id
    for member in ("pat", "pete", "paula"):  # each member confirms their own attendance
        panels.confirm_attendance(db, team[member], meeting.id)
    panels.record_attendance(
        db,
        team["pat"],
        meeting.id,
        AttendanceCreate(
            user_id=team.users["paula"].id, conflict_referral_id=referral.id, conflict_of_interest="Neighbour"
        ),
    )
    decision = PanelDecisionCreate(
        outcome=Outcome.APPROVED_WITH_CONDITIONS,
        information_considered="Risk discussion of 2 March; lifeguard rota",
        reasons="Swimming meets his wellbeing outcome; the lifeguard reduces the risk",
        conditions="Swims only when a lifeguard is on duty",
        review_date=dt.date(2026, 6, 10),
        tell_person_by_id=team.users["casey"].id,
        principle="Swimming alone may be supported where a lifeguard is on duty",
    )
    with pytest.raises(ValidationFailedError) as caught:
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, decision)
    assert caught.value.errors == {
        "quorum": "Not quorate: 2 members without a conflict attended; the framework needs 3, including a chair."
    }
    panels.confirm_attendance(db, team["cora"], meeting.id)
    with pytest.raises(ValidationFailedError, match="sign-off checklist"):
        panels.panel_decide(db, team["pat"], meeting.id, referral.id, decision)
    complete_checklist(db, team["casey"], team.person.id)
    panels.panel_decide(db, team["pat"], meeting.id, referral.id, decision)

    detail = services.request_detail(db, team["casey"], request.id)
    assert detail.result.by_panel
    assert detail.result.where == "a risk enablement panel"
    assert detail.result.review_date == dt.date(2026, 6, 10)
    assert detail.result.principle == "Swimming alone may be supported where a lifeguard is on duty"
    assert "a risk enablement panel chaired by Pat agreed, with conditions," in detail.result.for_person

    panels.record_person_told(db, team["casey"], referral.id, dt.date(2026, 3, 11))
    assert db.get(PanelReferral, referral.id).person_told_on == dt.date(2026, 3, 11)

    monkeypatch.setattr(services, "person_risk", lambda _session, _person_id: None)
    later = _raise(db, team, kind=D.CARE_PLAN_SIGN_OFF, summary="Swimming lessons with a friend", category="leisure")
    precedents = services.request_detail(db, team["nina"], later.id).precedents
    assert [p.principle for p in precedents] == ["Swimming alone may be supported where a lifeguard is on duty"]
    assert "swimming" in precedents[0].shared


def test_a_decider_can_refer_to_a_panel_with_the_question(db, team):
    request = _raise(db, team, item_amount=gbp("200"), unusual=True, summary="A hot tub for pain relief")
    assert request.current_level == 2
    with pytest.raises(ValidationFailedError) as caught:
        services.decide(db, team["sam"], request.id, DecisionInput(action=Action.REFER_TO_PANEL, reasons="Unusual"))
    assert caught.value.errors == {"question": "Say what the panel is asked to decide"}
    services.decide(
        db,
        team["sam"],
        request.id,
        DecisionInput(action=Action.REFER_TO_PANEL, reasons="No precedent", question="May a hot tub be funded?"),
    )
    refreshed = db.get(DecisionRequest, request.id)
    assert refreshed.at_panel
    assert refreshed.current_level is None
    assert services.decision_queue(db, team["sam"]).items == []


def test_framework_versions_take_effect_on_their_date(db, team):
    source = services.DEFAULT_FRAMEWORK_PATH.read_text().replace(
        'annual_budget_limit = "50000.00"', 'annual_budget_limit = "75000.00"'
    )
    with pytest.raises(ForbiddenError):
        services.load_framework(db, team["sam"], source)
    services.load_framework(db, team["admin"], source, effective_from=dt.date(2026, 4, 1))
    assert services.framework_in_force(db, dt.date(2026, 3, 31))[1] is None
    framework, version = services.framework_in_force(db, dt.date(2026, 4, 1))
    assert version is not None
    assert framework.levels[1].limits
    with pytest.raises(ValidationFailedError) as caught:
        services.load_framework(db, team["admin"], source.replace('"case_manager"]', '"ceo"]'))
    assert caught.value.errors["source"].startswith(
        "The framework was not loaded: decision 'assessment_of_need', level 1: unknown role 'ceo'"
    )


def test_a_new_framework_routes_new_requests_without_code_changes(db, team):
    assert _raise(db, team, kind=D.BUDGET_REVIEW, amount=gbp("62400")).current_level == 2
    source = services.DEFAULT_FRAMEWORK_PATH.read_text().replace(
        'annual_budget_limit = "50000.00"', 'annual_budget_limit = "75000.00"'
    )
    services.load_framework(db, team["admin"], source, effective_from=dt.date(2020, 1, 1))
    assert _raise(db, team, kind=D.BUDGET_REVIEW, amount=gbp("62400")).current_level == 1


def test_without_risks_recorded_the_risk_package_reports_none(db, team):
    assert services.person_risk(db, team.person.id) is None


def test_the_queue_in_sql_holds_exactly_the_requests_the_rule_lets_each_person_decide(db, team):
    """The queue is chosen in SQL; for every member of the team it is what ``why_not_decider`` allows, in order."""
    complete_checklist(db, team["casey"], team.person.id)
    _raise(db, team, item_amount=gbp("320.00"))  # level 1
    _raise(db, team, who="nina", item_amount=gbp("1500.00"))  # level 2, proposed by nina
    _raise(db, team, who="sam", kind=D.BUDGET_REVIEW, amount=gbp("62400"))  # level 2, proposed by sam
    _raise(db, team, kind=D.CARE_PLAN_SIGN_OFF, summary="Sign off the plan")
    first = _final_request(db, team)
    services.decide(db, team["sam"], first.id, DecisionInput(action=Action.APPROVE))  # sam's first approval
    framework, _ = services.framework_in_force(db)
    everything = db.scalars(
        select(DecisionRequest)
        .where(DecisionRequest.status == "open")
        .order_by(DecisionRequest.step_due_at, DecisionRequest.id)
    ).all()
    for name in ("casey", "nina", "sam", "sally", "priya", "drew", "dana", "cora"):
        who = team[name]
        allowed = [r.id for r in everything if services.why_not_decider(framework, r, who) is None]
        queue = services.decision_queue(db, who)
        assert [r.id for r in queue.items] == allowed, name
        assert queue.total == len(allowed), name
    sally = services.decision_queue(db, team["sally"], per_page=1)
    assert sally.total >= 2  # the second approval and the budget review, at least
    pages = [services.decision_queue(db, team["sally"], page=n, per_page=1).items for n in range(1, sally.total + 1)]
    assert [p[0].id for p in pages] == [r.id for r in services.decision_queue(db, team["sally"]).items]
    assert first.id in [p[0].id for p in pages]
    assert first.id not in [r.id for r in services.decision_queue(db, team["sam"]).items]
