"""Issue 19 through the JSON API: both approvers and their reasons, independence after an appeal, withdrawn
requests. (The same rules through the pages are in test_journey_budget_decision.py and test_decisions_bound.py.)"""

from phb.governance import services
from phb.governance.appeals import services as appeals
from phb.governance.appeals.rules import AppealDecision
from phb.governance.appeals.schemas import AppealCreate, AppealDecisionInput, DatedStep, ReviewerAssign
from tests.factories_appeals import refused_outcome
from tests.factories_budgets import add_and_propose, propose_final
from tests.factories_governance import complete_checklist, make_team
from tests.web.helpers import csrf, login


def _decide(client, request_id, body):
    return client.post(f"/api/v1/decisions/{request_id}/decision", json=body, headers={"X-CSRF-Token": csrf(client)})


def _as(client, username):
    client.cookies.clear()
    login(client, username)


def test_a_two_person_decision_returns_both_approvers_with_their_own_reasons(client, db):
    team = make_team(db)
    complete_checklist(db, team["casey"], team.person.id)
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"]])
    request = services.request_for(db, "final_budget", final.id)
    _as(client, "sam")
    assert (
        _decide(client, request.id, {"action": "approve", "reasons": "Sheet checked line by line"}).status_code == 201
    )
    _as(client, "sally")
    answer = _decide(client, request.id, {"action": "approve", "reasons": "Risks agreed with Leon"})
    assert answer.status_code == 201
    result = answer.json()["result"]
    assert (result["decided_by_name"], result["reasons"]) == ("Sam", "Sheet checked line by line")
    assert (result["second_approver_name"], result["second_approver_reasons"]) == ("Sally", "Risks agreed with Leon")
    assert result["second_approver_role"] == "chc_service_manager"


def test_the_original_decider_cannot_decide_the_request_an_appeal_reopened(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team, decider="sam")
    appeal = appeals.lodge_appeal(db, team["casey"], team.person.id, AppealCreate(outcome_id=outcome.id, grounds="x"))
    appeals.acknowledge(db, team["casey"], appeal.id, DatedStep())
    appeals.assign_reviewer(db, team["casey"], appeal.id, ReviewerAssign(reviewer_id=team.users["priya"].id))
    decided = appeals.decide_appeal(
        db, team["priya"], appeal.id, AppealDecisionInput(decision=AppealDecision.UPHELD, reasons="New evidence")
    )
    _as(client, "sam")
    queue = client.get("/api/v1/decisions").json()
    assert decided.reopened_request_id not in [r["id"] for r in queue["items"]]
    refused = _decide(client, decided.reopened_request_id, {"action": "refuse", "reasons": "No", "alternatives": "-"})
    assert refused.status_code == 403
    assert "You took the decision that was appealed against" in refused.text
    page = client.get(f"/decisions/{decided.reopened_request_id}").text  # the page says so, and offers no form
    assert "You took the decision that was appealed against" in page
    assert "Record the decision" not in page


def test_deciding_a_withdrawn_request_is_a_conflict(client, db):
    team = make_team(db)
    first = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"]])
    request = services.request_for(db, "final_budget", first.id)
    add_and_propose(db, team["casey"], team.person.id, "Payroll service", "payroll_service", "180.00", "Payroll")
    _as(client, "sam")
    answer = _decide(client, request.id, {"action": "approve", "reasons": "OK"})
    assert answer.status_code == 409
    assert "This request was withdrawn" in answer.text
    detail = client.get(f"/api/v1/decisions/{request.id}").json()
    assert detail["status"] == "withdrawn"
    assert detail["steps"][-1]["action"] == "withdrawn"
