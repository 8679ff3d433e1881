"""A decision conflict on the budget page is not called a sheet conflict (issue 24, item 9)."""

from phb.budgets import decisions
from phb.budgets.schemas import DecisionCreate
from tests.factories_budgets import propose_final
from tests.factories_governance import complete_checklist, make_team
from tests.web.helpers import login, page_forms


def test_deciding_a_final_budget_someone_else_decided_is_titled_as_such_not_as_a_sheet_change(client, db):
    team = make_team(db)
    complete_checklist(db, team["casey"], team.person.id)
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"], team["drew"]])
    final_id = final.id
    page = f"/people/{team.person.id}/budget"
    action = f"{page}/final/{final_id}/decision"
    login(client, "sally")
    form = next(f for f in page_forms(client.get(page).text) if f["action"] == action)  # the page as sally opened it
    decisions.authorise_final_budget(  # meanwhile sam refuses it, which decides the request
        db,
        team["sam"],
        team.person.id,
        final_id,
        DecisionCreate(outcome="refused", reasons="Over the assessed need", alternatives="Fewer weekday hours"),
    )

    outcome = next(name for name in form["names"] if name.endswith("outcome"))
    reasons = next(name for name in form["names"] if name.endswith("reasons"))
    response = client.post(action, data={**form["fields"], outcome: "authorised", reasons: "Agreed too"})

    assert response.status_code == 409
    assert "Someone else got there first" in response.text
    assert "Someone else changed the sheet first" not in response.text
