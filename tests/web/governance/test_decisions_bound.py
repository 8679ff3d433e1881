"""Issue 19: a decision request is bound to the record it decides; nothing a caller sends can point it elsewhere.

The attack as reproduced on the demo: a case manager raised a level-1 "flexible spend, £1.00" request naming
another person's final budget as its subject, a nurse assessor approved it, and that budget became authorised.
Each decision type is tried through the API and through the HTML form (the page's own fields, plus the forged
ones an attacker adds), with a foreign, a mismatched and a mis-priced subject.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.budgets.models import BudgetDecision, PaymentSchedule
from phb.governance import services
from phb.governance.models import DecisionRequest
from phb.governance.rules import RAISED_BY_OWNER, DecisionType
from phb.money import gbp
from tests.factories import actor, make_person, make_user
from tests.factories_budgets import propose_final
from tests.factories_governance import make_team
from tests.factories_spending import make_account, make_finding
from tests.web.helpers import csrf, login, page_forms

BY_HAND = [d for d in DecisionType if d not in RAISED_BY_OWNER]


@pytest.fixture
def victim(db):
    """Leon (casey's caseload) and Rosa, someone else's client, with a £30,000-odd final budget proposed."""
    team = make_team(db)
    carl = make_user(db, "carl", Role.CASE_MANAGER)
    rosa = make_person(db, "Rosa", "Mendes", case_manager=carl)
    final = propose_final(db, actor(db, carl), rosa.id, [team["nina"], team["sam"], team["drew"]])
    return team, rosa, final, actor(db, carl)


def _forged_fields(final_id: int) -> dict[str, str]:
    return {"subject_type": "final_budget", "subject_id": str(final_id)}


def _nothing_authorised(db, final_id: int) -> None:
    decisions = select(func.count()).select_from(BudgetDecision)
    assert db.scalar(decisions.where(BudgetDecision.subject_type == "final_budget")) == 0
    assert db.scalar(select(func.count()).select_from(PaymentSchedule)) == 0
    bound = db.scalars(
        select(DecisionRequest).where(
            DecisionRequest.subject_type == "final_budget", DecisionRequest.subject_id == final_id
        )
    ).all()
    assert [r.decision_type for r in bound] == ["final_budget_authorisation"]  # only the one budgets raised


@pytest.mark.parametrize("kind", list(DecisionType))
def test_the_api_refuses_a_request_naming_another_persons_budget(client, db, victim, kind):
    team, _rosa, final, _carl = victim
    login(client, "casey")
    body = {"decision_type": kind.value, "summary": "Flexible spend", "item_amount": "1.00", "amount": "1.00"}
    answer = client.post(
        f"/api/v1/people/{team.person.id}/decisions",
        json={**body, **_forged_fields(final.id)},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert answer.status_code == 400  # the API's answer to a field it does not take, naming it
    assert "subject_type" in answer.text
    _nothing_authorised(db, final.id)


@pytest.mark.parametrize("kind", BY_HAND)
def test_the_html_form_with_forged_hidden_fields_changes_nothing(client, db, victim, kind):
    team, _rosa, final, _carl = victim
    login(client, "casey")
    url = f"/people/{team.person.id}/decisions"
    page = client.get(f"{url}/new")
    (form,) = [f for f in page_forms(page.text) if f["method"] == "post" and f["action"] == url]
    assert "subject_type" not in form["names"]  # the page never offers a subject
    data = {**form["fields"], "decision_type": kind.value, "summary": "Flexible spend", "item_amount": "1.00"}
    answer = client.post(form["action"], data={**data, **_forged_fields(final.id)}, follow_redirects=False)
    assert answer.status_code == 422
    assert "There is a problem" in answer.text
    assert "it is set from the record on the server" in answer.text
    _nothing_authorised(db, final.id)


@pytest.mark.parametrize("kind", sorted(RAISED_BY_OWNER))
def test_budget_authorisations_cannot_be_raised_by_hand(client, db, victim, kind):
    team, _rosa, _final, _carl = victim
    login(client, "casey")
    page = client.get(f"/people/{team.person.id}/decisions/new")
    assert f'value="{kind.value}"' not in page.text  # not offered
    answer = client.post(
        f"/api/v1/people/{team.person.id}/decisions",
        json={"decision_type": kind.value, "summary": "Authorise", "amount": "1.00"},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert answer.status_code == 422
    assert "proposing the budget" in answer.text


def test_the_service_refuses_a_foreign_or_mismatched_subject_and_prices_from_the_record(db, victim):
    team, rosa, final, carl = victim
    from phb.errors import ValidationFailedError  # noqa: PLC0415

    with pytest.raises(ValidationFailedError) as foreign:
        services.raise_request(
            db,
            team["casey"],
            person_id=team.person.id,
            decision_type=DecisionType.FINAL_BUDGET_AUTHORISATION,
            summary="x",
            subject_type="final_budget",
            subject_id=final.id,
        )
    assert foreign.value.errors == {"subject_id": f"This person has no final budget {final.id}"}
    with pytest.raises(ValidationFailedError) as mismatched:
        services.raise_request(
            db,
            carl,
            person_id=rosa.id,
            decision_type=DecisionType.FLEXIBLE_BUDGET_SPEND,
            summary="x",
            item_amount=gbp("1.00"),
            subject_type="final_budget",
            subject_id=final.id,
        )
    assert "cannot decide a final budget" in mismatched.value.errors["decision_type"]

    account = make_account(db, team.person.id)
    finding = make_finding(db, account, amount=gbp("75000.00"))
    priced = services.raise_request(
        db,
        team["casey"],
        person_id=team.person.id,
        decision_type=DecisionType.FINANCIAL_AUDIT,
        summary="Audit",
        amount=gbp("1.00"),
        subject_type="finding",
        subject_id=finding.id,
    )
    assert priced.amount == gbp("75000.00")  # read from the finding, not the caller's £1.00
    assert priced.current_level == 2  # above level 1's £50,000.00: the record's sum routes it
    assert "£75,000.00" in priced.routing_reason
