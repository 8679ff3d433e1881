"""Issue 20: after authorisation the person's page shows the authorised sheet, with a later change beside it as
a draft waiting for a budget review; the staff page says the sheet is a draft. The change is made through the
form the budget page renders."""

import re

from sqlalchemy import select

from phb.budgets.models import BudgetSheetVersion
from tests.factories_appeals import portal_user
from tests.factories_budgets import authorise_final, propose_final
from tests.factories_governance import make_team
from tests.web.helpers import login, submit_form


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def test_a_line_added_after_authorisation_waits_for_a_budget_review_and_the_person_sees_the_agreed_sheet(client, db):
    team = make_team(db)
    person = team.person
    final = propose_final(db, team["casey"], person.id, [team["nina"], team["sam"]])
    authorise_final(db, team["casey"], [team["sam"], team["sally"]], person.id, final.id)
    portal_user(db, team)

    login(client, "casey")
    budget = f"/people/{person.id}/budget"
    added = submit_form(
        client,
        budget,
        {
            "description": "Day trip to the coast",
            "category": "other",
            "unit_cost": "300.00",
            "quantity": "1",
            "frequency": "annual",
            "management_option": "direct_payment",
        },
        action=f"{budget}/sheet/lines",
        follow_redirects=False,
    )
    assert added.status_code == 303, _words(added.text)[:400]
    latest = db.scalar(
        select(BudgetSheetVersion.number)
        .where(BudgetSheetVersion.person_id == person.id)
        .order_by(BudgetSheetVersion.number.desc())
    )
    staff = _words(client.get(budget).text)
    assert "Draft: changed after it was authorised" in staff
    assert f"Version {final.sheet_version} is the authorised sheet and is what is paid" in staff
    decisions = _words(client.get(f"/people/{person.id}/decisions").text)
    assert "Review the budget: the budget sheet was changed after it was authorised" in decisions
    client.cookies.clear()

    login(client, "leon")
    mine = _words(client.get(f"/my/{person.id}/budget").text)
    assert "Changes waiting for a decision" in mine
    assert "Added: Day trip to the coast, £300.00 a year" in mine
    assert latest == final.sheet_version + 1
