"""Issue 20: a sheet line the budget cannot buy is flagged on the sheet (staff and person, with the reason, never a
silent refusal), and the final budget is refused until it is taken off; the person is told what the budget cannot
buy. Every change goes through the form the budget page renders."""

import re

from sqlalchemy import func, select

from phb.budgets.models import FinalBudget
from tests.factories_appeals import portal_user
from tests.factories_budgets import propose_final
from tests.factories_governance import make_team
from tests.web.helpers import login, submit_form


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_a_gambling_line_is_flagged_and_stops_the_final_budget_until_it_is_taken_off(client, db):
    team = make_team(db)
    person = team.person
    first = propose_final(db, team["casey"], person.id, [team["nina"], team["sam"]])
    portal_user(db, team)
    login(client, "casey")
    budget = f"/people/{person.id}/budget"
    line = {
        "description": "Bet365 top-up",
        "category": "other",
        "unit_cost": "20.00",
        "quantity": "12",
        "frequency": "annual",
        "management_option": "direct_payment",
    }
    added = submit_form(client, budget, line, action=f"{budget}/sheet/lines", follow_redirects=False)
    assert added.status_code == 303  # recorded, not silently refused
    staff = _words(client.get(budget).text)
    assert "Cannot be paid for “Bet365 top-up” looks like gambling, which a budget can never pay for" in staff

    refused = submit_form(
        client,
        budget,
        {
            "final_annual_amount": str(first.annual_amount.amount + 240),
            "final_effective_from": "2026-04-01",
            "final_effective_to": "2027-03-31",
            "final_management_options": "direct_payment",
            "final_variance_explanation": "Adds insurance",
            "final_dp_frequency": "monthly",
            "final_dp_first_payment_on": "2026-04-01",
            "final_dp_recipient": "person",
            "final_dp_notice_days": "28",
        },
        action=f"{budget}/final",
    )
    assert refused.status_code == 422
    assert "“Bet365 top-up” looks like gambling, which a budget can never pay for: take it off the sheet" in _words(
        refused.text
    )
    assert db.scalar(select(func.count()).select_from(FinalBudget).where(FinalBudget.person_id == person.id)) == 1
    client.cookies.clear()

    login(client, "leon")
    mine = _words(client.get(f"/my/{person.id}/budget").text)
    assert "Your budget cannot pay for this" in mine
    assert "What your budget can and cannot buy" in mine
    assert "Gambling, alcohol, tobacco, or anything illegal" in mine
