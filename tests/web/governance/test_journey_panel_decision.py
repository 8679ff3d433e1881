"""Journey (issue 19): an unusual request goes from the case manager's form, through a decider who refers it to a
risk enablement panel, to a panel that meets, confirms its own attendance and decides, to the decision notice the
person reads in the portal. Every step submits the form the page renders; the server decides who may take part."""

from __future__ import annotations

import re

from phb import clock
from phb.governance.models import DecisionRequest
from tests.factories_appeals import portal_user
from tests.factories_governance import make_team
from tests.web.helpers import csrf, login, page_forms, submit_form


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").replace("&amp;", "&")


def _sign_in(client, username: str) -> None:
    client.post("/logout", data={"_csrf_token": csrf(client)})
    client.cookies.clear()
    assert login(client, username).status_code in {302, 303}


def test_an_unusual_request_goes_through_a_panel_to_a_notice_the_person_can_read(client, db):
    team = make_team(db)
    person = team.person
    portal_user(db, team)

    # The case manager asks for an unusual flexible spend.
    _sign_in(client, "casey")
    raised = submit_form(
        client,
        f"/people/{person.id}/decisions/new",
        {
            "decision_type": "flexible_budget_spend",
            "summary": "Swimming at the local pool without a personal assistant",
            "category": "leisure",
            "item_amount": "180.00",
            "unusual": "yes",
        },
        action=f"/people/{person.id}/decisions",
        follow_redirects=False,
    )
    assert raised.status_code == 303
    request_url = raised.headers["location"]
    request_id = int(request_url.rsplit("/", 1)[1])
    assert db.get(DecisionRequest, request_id).current_level == 2  # unusual: decided at level 2 or above

    # A CHC service manager cannot settle the disagreement about the risk, and refers it to a panel.
    _sign_in(client, "sam")
    referred = submit_form(
        client,
        request_url,
        {
            "action": "refer_to_panel",
            "reasons": "Leon and the team disagree about the drowning risk",
            "question": "May the budget pay for Leon to swim without a personal assistant?",
        },
        action=request_url,
    )
    assert referred.status_code in {200, 303}
    assert db.get(DecisionRequest, request_id).at_panel

    # The chair arranges a meeting for today, puts the case on the agenda; members confirm their own attendance.
    _sign_in(client, "pat")
    created = submit_form(
        client,
        "/panels",
        {"meets_on": clock.today().isoformat(), "place": "Room 4"},
        action="/panels",
        follow_redirects=False,
    )
    assert created.status_code == 303
    meeting = created.headers["location"]
    page = client.get(meeting).text  # the waiting referral is on the new meeting's agenda
    assert "May the budget pay for Leon to swim without a personal assistant?" in _words(page)
    assert "Sam takes no part: Referred this case to the panel" in _words(page)
    for member in ("pat", "pete", "paula"):
        _sign_in(client, member)
        confirmed = submit_form(client, meeting, action=f"{meeting}/attendance/confirm", follow_redirects=False)
        assert confirmed.status_code == 303

    # The chair records the decision; only staff who may see Leon's record can be asked to tell him.
    _sign_in(client, "pat")
    page = client.get(meeting).text
    decision = next(f for f in page_forms(page) if f["action"].endswith("/decision"))
    decided = submit_form(
        client,
        meeting,
        {
            "outcome": "approved_with_conditions",
            "information_considered": "The risk discussion and the pool's lifeguard rota",
            "reasons": "Swimming keeps Leon mobile and the pool has lifeguards at all times",
            "conditions": "Swim only when a lifeguard is on duty",
            "review_date": "2027-03-01",
            "tell_person_by_id": str(team.users["casey"].id),
        },
        action=decision["action"],
        follow_redirects=False,
    )
    assert decided.status_code == 303, _words(decided.text)[:600]
    assert db.get(DecisionRequest, request_id).status == "decided"

    # Leon reads the decision notice in the portal: who decided, why, the condition, and how to appeal.
    _sign_in(client, "leon")
    decisions = client.get(f"/my/{person.id}/decisions").text
    assert "Appeal against this decision" in decisions
    (notice_url,) = re.findall(rf'href="(/my/{person.id}/notices/\d+)"', decisions)
    notice = _words(client.get(notice_url).text)
    assert "This decision was made by a risk enablement panel" in notice
    assert "Swimming keeps Leon mobile and the pool has lifeguards at all times" in notice
    assert "Swim only when a lifeguard is on duty" in notice
    assert "level 2" not in notice.lower()  # no routing jargon or internal numbers
    assert f"request {request_id}" not in notice.lower()
