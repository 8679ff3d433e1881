"""Changing or removing a budget sheet line through the API needs the sheet version the client read (issue 24,
item 1): without it two late writers both "won" and the line appeared twice. A missing version is a 422 naming
``sheet_version`` and nothing changes."""

from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.budgets.models import BudgetSheetVersion
from tests.factories import make_person, make_user
from tests.web.budgets.test_budget_api import LINE, as_user


def test_changing_or_removing_a_line_without_the_sheet_version_is_refused_and_changes_nothing(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "James", "Whitfield", case_manager=casey)
    api = f"/api/v1/people/{person.id}/budget"
    as_user(client, "casey")
    sheet = client.post(f"{api}/sheet/lines", json={**LINE, "sheet_version": 0}).json()
    line = sheet["lines"][0]
    versions = db.scalar(select(func.count()).select_from(BudgetSheetVersion))

    changed = client.put(f"{api}/sheet/lines/{line['id']}", json={**LINE, "quantity": "20"})
    assert changed.status_code == 422
    assert "sheet_version" in changed.json()["errors"]
    removed = client.delete(f"{api}/sheet/lines/{line['id']}")
    assert removed.status_code == 422
    assert "sheet_version" in removed.json()["errors"]
    assert db.scalar(select(func.count()).select_from(BudgetSheetVersion)) == versions

    ok = client.put(f"{api}/sheet/lines/{line['id']}", json={**LINE, "quantity": "20", "sheet_version": 1})
    assert ok.status_code == 200
    assert len(ok.json()["lines"]) == 1
