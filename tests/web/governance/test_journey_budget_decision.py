"""Journey (issue 19): a case manager proposes a final budget on the budget page, two CHC service managers
authorise it from their queue, each with their own reasons, and the record shows both. Every step submits the
form the page renders; nothing the pages send decides whose budget it is or at which level it is decided."""

from __future__ import annotations

import re

from sqlalchemy import select

from phb.budgets.models import FinalBudget, PaymentSchedule
from phb.governance.rules import CHECKLIST
from tests.factories_budgets import propose_final
from tests.factories_governance import complete_checklist, make_team
from tests.web.helpers import csrf, login, submit_form


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def _sign_in(client, username: str) -> None:
    client.post("/logout", data={"_csrf_token": csrf(client)})
    client.cookies.clear()
    assert login(client, username).status_code in {302, 303}


def test_a_final_budget_goes_from_proposal_to_two_person_authorisation_through_the_pages(client, db):
    team = make_team(db)
    person = team.person
    # The first proposal is made through the services (assessment, indicative budget, sheet); the case manager
    # then changes her mind on the page and proposes again, which withdraws the first request.
    first = propose_final(db, team["casey"], person.id, [team["nina"], team["sam"]])
    complete_checklist(db, team["casey"], person.id)
    _sign_in(client, "casey")
    budget = f"/people/{person.id}/budget"
    assert len(CHECKLIST) == 18
    proposed = submit_form(
        client,
        budget,
        {
            "final_annual_amount": str(first.annual_amount.amount),
            "final_effective_from": "2026-04-01",
            "final_effective_to": "2027-03-31",
            "final_management_options": "direct_payment",
            "final_dp_frequency": "monthly",
            "final_dp_first_payment_on": "2026-04-01",
            "final_dp_recipient": "person",
            "final_dp_notice_days": "28",
            "final_variance_explanation": "Adds employer's liability insurance",
            "final_reason": "Start date confirmed with Leon",
        },
        action=f"{budget}/final",
    )
    assert proposed.status_code == 200, _words(proposed.text)[:500]
    final_id = db.scalar(
        select(FinalBudget.id).where(FinalBudget.person_id == person.id).order_by(FinalBudget.id.desc())
    )
    assert final_id != first.id

    # Sam finds it in his queue (the first proposal's request was withdrawn and is not there) and approves first.
    _sign_in(client, "sam")
    queue = client.get("/decisions").text
    links = re.findall(r'href="(/decisions/\d+)"', queue)
    budget_requests = [url for url in links if "Final budget" in _words(client.get(url).text)[:2000]]
    assert len(budget_requests) == 1
    request_url = budget_requests[0]
    first_approval = submit_form(
        client,
        request_url,
        {"action": "approve", "reasons": "The sheet covers the assessed needs at the agreed rates"},
        action=request_url,
    )
    assert first_approval.status_code in {200, 303}
    page = client.get(request_url).text
    assert "Record the decision" not in page  # he cannot give the second approval too
    assert "You gave the first approval; a different person must give the second." in _words(page)

    # Sally gives the second approval with her own reasons.
    _sign_in(client, "sally")
    second = submit_form(
        client,
        request_url,
        {"action": "approve", "reasons": "Risks and contingency agreed with Leon"},
        action=request_url,
    )
    assert second.status_code in {200, 303}
    words = _words(client.get(request_url).text)
    assert "First approval: Sam (chc service manager) The sheet covers the assessed needs at the agreed rates" in words
    assert "Second approval: Sally (chc service manager) Risks and contingency agreed with Leon" in words
    assert db.scalar(select(PaymentSchedule.id).where(PaymentSchedule.final_budget_id == final_id)) is not None
    person_page = _words(client.get(f"/people/{person.id}/decisions").text)
    assert (
        "Sally (CHC service manager) gave the second approval: Risks and contingency agreed with Leon." in person_page
    )
