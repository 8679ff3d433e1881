"""Governance pages as people use them: raising a request, a decider clearing their queue, the sign-off checklist,
the framework matrix and loading a new version, a panel meeting."""

import re

from phb.governance import services
from tests.factories_governance import make_team
from tests.web.helpers import csrf, login, post_form


def _location(response) -> str:
    return response.headers["location"]


def test_a_decision_maker_clears_their_queue_through_the_pages(client, db):
    team = make_team(db)
    person = team.person
    login(client, "casey")
    assert f"/people/{person.id}/decisions" in client.get(f"/people/{person.id}").text  # linked from the person page

    raised = post_form(
        client,
        f"/people/{person.id}/decisions",
        {"decision_type": "flexible_budget_spend", "summary": "A riser-recliner chair", "item_amount": "1500.00"},
        follow_redirects=False,
    )
    assert raised.status_code == 303
    page = client.get(_location(raised))
    assert "level 2: flexible spend item £1,500.00 is above level 1&#39;s limit of £500.00" in page.text
    second = post_form(
        client,
        f"/people/{person.id}/decisions",
        {"decision_type": "budget_review", "summary": "Increase for waking nights", "amount": "62400"},
        follow_redirects=False,
    )
    assert second.status_code == 303
    bad = post_form(client, f"/people/{person.id}/decisions", {"decision_type": "budget_review", "amount": "12.345"})
    assert bad.status_code == 422
    assert "There is a problem" in bad.text
    assert "Enter summary" in bad.text
    client.cookies.clear()

    login(client, "sam")
    queue = client.get("/decisions")
    assert "A riser-recliner chair" in queue.text
    assert "Increase for waking nights" in queue.text
    assert "Due" in queue.text
    first_url, second_url = (_location(raised), _location(second))

    refused = post_form(client, first_url, {"action": "refuse"})
    assert refused.status_code == 422
    assert "Give the reasons for refusing: the person will be told them and may appeal" in refused.text
    assert "Say what other ways to meet the person&#39;s needs were offered" in refused.text

    fragment = post_form(
        client, first_url, {"action": "refuse"}, headers={"HX-Request": "true", "HX-Target": "decision-form"}
    )
    assert fragment.status_code == 422
    assert "<html" not in fragment.text  # only the form block comes back for htmx

    approved = post_form(
        client, first_url, {"action": "approve", "reasons": "Meets the mobility outcome"}, follow_redirects=False
    )
    assert approved.status_code == 303
    done = post_form(
        client,
        second_url,
        {"action": "refuse", "reasons": "The current hours meet his needs", "alternatives": "A review in three months"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Your queue is clear" in client.get("/decisions").text

    record = client.get(f"/people/{person.id}/decisions")
    assert "agreed to this request: A riser-recliner chair" in record.text
    assert "did not agree to this request: Increase for waking nights" in record.text
    assert "A review in three months" in record.text
    api = client.get(f"/api/v1/people/{person.id}/decisions").json()
    assert sorted(o["outcome"] for o in api["outcomes"]) == ["approved", "refused"]


def test_someone_else_deciding_is_refused_with_the_reason(client, db):
    team = make_team(db)
    request = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type="care_plan_review", summary="Six-month review"
    )
    login(client, "casey")
    page = client.get(f"/decisions/{request.id}")
    assert "You proposed this request, so someone else must decide it" in page.text
    response = post_form(client, f"/decisions/{request.id}", {"action": "approve"})
    assert response.status_code == 403
    assert "nobody authorises their own proposal" in response.text
    assert "<h1>You cannot do this</h1>" in response.text  # they may see the request, just not decide it
    api = client.post(f"/api/v1/decisions/{request.id}/decision", json={"action": "approve"})
    assert api.status_code == 403


def test_a_sign_off_shows_whats_missing_with_links_and_the_checklist_fixes_it(client, db):
    team = make_team(db)
    request = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type="care_plan_sign_off", summary="Sign off the plan"
    )
    login(client, "nina")
    page = client.get(f"/decisions/{request.id}")
    assert "The sign-off checklist is not complete" in page.text
    assert f'href="/people/{team.person.id}/decisions/checklist#plan_notice_period"' in page.text
    blocked = post_form(client, f"/decisions/{request.id}", {"action": "approve"})
    assert blocked.status_code == 422
    assert "18 items are missing" in blocked.text

    checklist = client.get(f"/people/{team.person.id}/decisions/checklist")
    keys = sorted(set(re.findall(r'name="([a-z_]+)" type="radio"', checklist.text)))
    assert len(keys) == 18
    wrong = post_form(
        client,
        f"/people/{team.person.id}/decisions/checklist",
        {**dict.fromkeys(keys, "met"), "plan_safeguarding": "not_applicable"},
    )
    assert wrong.status_code == 422
    assert "does not apply" in wrong.text
    saved = post_form(
        client,
        f"/people/{team.person.id}/decisions/checklist",
        {
            **dict.fromkeys(keys, "met"),
            "plan_safeguarding": "not_applicable",
            "plan_safeguarding_evidence": "Has capacity",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    approved = post_form(client, f"/decisions/{request.id}", {"action": "approve"}, follow_redirects=False)
    assert approved.status_code == 303


def test_the_framework_matrix_and_an_administrator_loading_a_version(client, db):
    make_team(db)
    login(client, "sam")
    page = client.get("/governance/framework")
    assert "Indicative budget authorisation" in page.text
    assert "annual budget up to £50,000.00" in page.text
    assert client.get("/governance/framework/load").status_code == 403
    client.cookies.clear()

    login(client, "admin")
    form = client.get("/governance/framework/load")
    assert form.status_code == 200
    source = services.DEFAULT_FRAMEWORK_PATH.read_text()
    bad = post_form(
        client, "/governance/framework/load", {"source": source.replace('"peer_reviewer"]', '"peer_review"]', 1)}
    )
    assert bad.status_code == 422
    assert "The framework was not loaded" in bad.text
    assert "decision &#39;care_plan_review&#39;, level 2: unknown role &#39;peer_review&#39;" in bad.text
    good = post_form(
        client,
        "/governance/framework/load",
        {"source": source.replace("Example governance framework", "Leeds framework"), "effective_from": "2026-01-02"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    uploaded = client.post(
        "/governance/framework/load",
        data={"_csrf_token": client.cookies.get("__Host-phb_csrf"), "source": "", "effective_from": "2026-01-03"},
        files={
            "file": (
                "framework.toml",
                source.replace("Example governance framework", "Uploaded").encode(),
                "text/plain",
            )
        },
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    shown = client.get("/governance/framework?date=2026-01-02")
    assert "Leeds framework" in shown.text
    assert "Uploaded" in client.get("/governance/framework?date=2026-02-01").text


def test_a_panel_chair_arranges_a_meeting_whose_agenda_holds_the_referral(client, db, monkeypatch):
    team = make_team(db)
    monkeypatch.setattr(services, "person_risk", lambda _s, _p: 25)
    services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type="assessment_of_need", summary="Swimming alone"
    )
    login(client, "pat")
    assert "Swimming alone" in client.get("/panels").text  # waiting for a meeting
    created = post_form(client, "/panels", {"meets_on": "2026-03-10", "place": "Room 4"}, follow_redirects=False)
    assert created.status_code == 303
    meeting = client.get(_location(created))
    assert "Swimming alone" in meeting.text
    # the chair who arranged it is expected, not counted, until they confirm they attended
    assert "Not quorate: 0 members without a conflict attended" in meeting.text
    assert "Not yet confirmed, so not counted: Pat." in meeting.text
    client.cookies.clear()
    login(client, "casey")
    assert client.get("/panels").status_code == 403


def test_a_first_approver_s_second_approval_is_titled_as_an_action_refused_not_a_page_hidden(client, db):
    """Issue 24, item 9: it answered 403 titled "You do not have permission to see this page", on a page they see."""
    from tests.factories_budgets import propose_final  # noqa: PLC0415
    from tests.factories_governance import complete_checklist  # noqa: PLC0415

    team = make_team(db)
    complete_checklist(db, team["casey"], team.person.id)
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"], team["drew"]])
    request = services.request_for(db, "final_budget", final.id)
    login(client, "sam")
    api = f"/api/v1/decisions/{request.id}/decision"
    headers = {"X-CSRF-Token": csrf(client)}
    assert client.post(api, json={"action": "approve"}, headers=headers).status_code == 201
    second = client.post(api, json={"action": "approve"}, headers=headers)
    assert second.status_code == 403
    assert second.json()["title"] == "You cannot do this"
    assert second.json()["detail"] == "You gave the first approval; a different person must give the second."
    page = f"/decisions/{request.id}"
    assert client.get(page).status_code == 200  # the page stays visible to them
