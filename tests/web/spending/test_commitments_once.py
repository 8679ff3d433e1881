"""Issue 24 item 3: a double click on "add commitment" records it once; the second says what already exists.

Before, the same form submitted twice made two commitments and halved the available balance's truth."""

from sqlalchemy import func, select

from phb.spending.models import Commitment
from tests.factories_governance import make_team
from tests.factories_spending import make_account
from tests.web.helpers import login, submit_form


def test_the_same_commitment_submitted_twice_is_recorded_once(client, db):
    team = make_team(db)
    account = make_account(db, team.person.id)
    login(client, "dana")
    page = f"/people/{team.person.id}/spending/accounts/{account.id}"
    fill = {
        "kind": "invoice_unpaid",
        "description": "Respite week invoice",
        "amount": "1250.00",
        "due_on": "2026-12-20",
    }
    first = submit_form(client, page, fill, action=f"{page}/commitments", follow_redirects=False)
    assert first.status_code == 303
    second = submit_form(client, page, fill, action=f"{page}/commitments")
    assert second.status_code == 409
    assert "This commitment is already recorded and not yet paid (Respite week invoice, £1,250.00 due 20 December" in (
        second.text
    )
    count = db.scalar(select(func.count()).select_from(Commitment).where(Commitment.account_id == account.id))
    assert count == 1
    # A different invoice is recorded, as before.
    other = {**fill, "description": "Equipment invoice"}
    assert submit_form(client, page, other, action=f"{page}/commitments", follow_redirects=False).status_code == 303
