"""Risk API: the same rules as the pages, answered as JSON naming each field."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.risk.models import CapacityAssessment, Risk
from tests.factories import make_person, make_user
from tests.factories_risk import make_risk
from tests.web.helpers import csrf, login

TODAY = dt.datetime.now(dt.UTC).date()
RISK = {
    "title": "swimming alone",
    "category": "clinical",
    "likelihood": 3,
    "impact": 5,
    "approach": "reduce",
    "mitigations": "Lifeguarded sessions; seizure alarm",
    "residual_likelihood": 2,
    "residual_impact": 5,
    "owner": "Leon Baptiste",
    "review_on": (TODAY + dt.timedelta(days=90)).isoformat(),
}


def _post(client, url, body):
    return client.post(url, json=body, headers={"X-CSRF-Token": csrf(client)})


def _put(client, url, body):
    return client.put(url, json=body, headers={"X-CSRF-Token": csrf(client)})


def test_register_a_risk_read_it_back_with_its_bands_and_summary(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    login(client, "casey")
    created = _post(client, f"/api/v1/people/{leon.id}/risks", RISK)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["likelihood"], body["residual_likelihood"], body["status"]) == (3, 2, "open")

    register = client.get(f"/api/v1/people/{leon.id}/risks").json()
    assert [r["title"] for r in register["risks"]] == ["swimming alone"]
    assert register["summary"]["highest_residual_rating"] == 10
    assert register["summary"]["highest_residual_band"] == "high"
    assert register["summary"]["reasons"] == ["residual rating 10 (high) for 'swimming alone'"]
    summary = client.get(f"/api/v1/people/{leon.id}/risks/summary").json()
    assert summary["next_review"] == RISK["review_on"]
    assert summary["overdue_reviews"] == 0


def test_api_bad_input_names_the_field_and_saves_nothing(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    login(client, "casey")
    for field, value in (("likelihood", 6), ("impact", 0), ("review_on", (TODAY - dt.timedelta(days=1)).isoformat())):
        response = _post(client, f"/api/v1/people/{leon.id}/risks", {**RISK, field: value})
        assert response.status_code == 400, field
        problem = response.json()
        assert any(field in key for key in problem["errors"]), problem
    capacity = _post(
        client,
        f"/api/v1/people/{leon.id}/risks/capacity-assessments",
        {
            "decision": "Whether to swim alone",
            "assessed_on": TODAY.isoformat(),
            "outcome": "lacks_capacity",
            "how_supported": "Easy read information",
        },
    )
    assert capacity.status_code == 400
    assert any("assessor" in key for key in capacity.json()["errors"])
    assert db.scalar(select(func.count()).select_from(Risk)) == 0
    assert db.scalar(select(func.count()).select_from(CapacityAssessment)) == 0


def test_api_review_conflict_and_history(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    risk = make_risk(db, leon.id, residual=(3, 5))
    login(client, "casey")
    review = {
        **{k: v for k, v in RISK.items() if k not in {"title", "category"}},
        "residual_likelihood": 1,
        "reason": "No seizures in three months",
        "version": 1,
    }
    ok = _put(client, f"/api/v1/people/{leon.id}/risks/{risk.id}", review)
    assert ok.status_code == 200, ok.text
    assert ok.json()["version"] == 2
    stale = _put(client, f"/api/v1/people/{leon.id}/risks/{risk.id}", review)
    assert stale.status_code == 409
    assert stale.json()["current"]["residual_likelihood"] == 1
    history = client.get(f"/api/v1/people/{leon.id}/risks/{risk.id}/history").json()
    assert history[0]["what"] == "Risk reviewed"
    assert "residual likelihood: 3 → 1" in history[0]["changes"]
    assert history[0]["reason"] == "No seizures in three months"
    assert history[-1]["what"] == "Risk registered"


def test_api_permissions(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "nina", Role.NURSE_ASSESSOR)
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    make_user(db, "drew", Role.SPECIALIST_HCP)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    risk = make_risk(db, leon.id)
    login(client, "nina")
    assert client.get(f"/api/v1/people/{leon.id}/risks").status_code == 404
    assert client.get(f"/api/v1/people/{leon.id}/risks/{risk.id}").status_code == 404
    assert _post(client, f"/api/v1/people/{leon.id}/risks", RISK).status_code == 404
    client.cookies.clear()
    login(client, "dana")
    assert client.get(f"/api/v1/people/{leon.id}/risks").status_code == 200
    assert _post(client, f"/api/v1/people/{leon.id}/risks", RISK).status_code == 403
    client.cookies.clear()
    login(client, "drew")  # clinical leads may change risk records for anyone they can see
    assert _post(client, f"/api/v1/people/{leon.id}/risks", RISK).status_code == 201


def test_a_risk_of_another_person_is_not_found_under_this_person(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    margaret = make_person(db, "Margaret", "Okafor", case_manager=casey)
    theirs = make_risk(db, margaret.id, "falls")
    login(client, "casey")
    assert client.get(f"/api/v1/people/{leon.id}/risks/{theirs.id}").status_code == 404
    assert client.get(f"/people/{leon.id}/risks/{theirs.id}").status_code == 404


def test_every_record_kind_round_trips_through_the_api(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    login(client, "casey")
    base = f"/api/v1/people/{leon.id}/risks"
    later = (TODAY + dt.timedelta(days=180)).isoformat()
    records = {
        "discussions": {
            "held_on": TODAY.isoformat(),
            "participants": ["Leon Baptiste (the person)", "Casey Morgan"],
            "wants_to_do": "Swim on my own",
            "words_of": "Leon Baptiste",
            "benefits": "Fitness",
        },
        "contingency-plans": {
            "scenario": "my personal assistant does not arrive",
            "warning_signs": "Not here by 9am",
            "what_to_do": "Ring the agency",
            "contacts": ["Agency 0113 496 0000"],
            "budget_may_pay_for": "An agency worker",
        },
        "capacity-assessments": {
            "decision": "Managing the direct payment",
            "assessed_on": TODAY.isoformat(),
            "assessor": "Nina Patel, nurse assessor",
            "outcome": "has_capacity",
            "how_supported": "Easy read statement examples",
        },
        "best-interests-decisions": {
            "decision": "Respite placement",
            "decided_on": TODAY.isoformat(),
            "decision_maker": "Nina Patel",
            "consulted": ["Marie Baptiste (mum)"],
            "reasons": "Least restrictive option",
        },
        "safeguarding-concerns": {
            "raised_on": TODAY.isoformat(),
            "raised_by": "Casey Morgan",
            "concern": "Unexplained withdrawals",
            "review_on": later,
        },
        "restraint-procedures": {
            "procedure": "Lap belt in the wheelchair",
            "circumstances": "When travelling",
            "less_restrictive_options": "Verbal prompts",
            "legal_authority": "Best-interests decision",
            "authorised_by": "Dr Drew Hughes",
            "review_on": later,
        },
        "delegated-tasks": {
            "task": "Buccal midazolam",
            "personal_assistant": "Sam Jones",
            "accountable_delegator": "Nina Patel, epilepsy nurse",
            "training": "Face to face",
            "signed_off_on": TODAY.isoformat(),
            "signed_off_by": "Nina Patel",
            "competency_review_on": later,
            "ongoing_support": "Phone line",
        },
    }
    for kind, body in records.items():
        created = _post(client, f"{base}/{kind}", body)
        assert created.status_code == 201, (kind, created.text)
        listed = client.get(f"{base}/{kind}").json()
        assert [item["id"] for item in listed] == [created.json()["id"]], kind
