"""Risk enablement panel pages and API as people use them: the forms the meeting page renders, the printable agenda
and minutes, and the same steps through /api/v1."""

import re

from phb.accounts.services import create_api_token
from phb.governance import services
from phb.governance.rules import DecisionType
from tests.factories_governance import make_team
from tests.web.helpers import login, page_forms, submit_form

PAST = "2026-03-10"


def _referral_to_panel(db, team, monkeypatch, summary="Swimming alone at the local pool"):
    monkeypatch.setattr(services, "person_risk", lambda _s, _p: 25)
    request = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type=DecisionType.CARE_PLAN_REVIEW, summary=summary
    )
    monkeypatch.setattr(services, "person_risk", lambda _s, _p: None)
    return request


def _arrange(client, meets_on=PAST) -> str:
    created = submit_form(
        client, "/panels", {"meets_on": meets_on, "place": "Room 4"}, action="/panels", follow_redirects=False
    )
    assert created.status_code == 303
    return created.headers["location"]


def _confirm(client, username, url):
    client.cookies.clear()
    login(client, username)
    confirmed = submit_form(client, url, action=f"{url}/attendance/confirm", follow_redirects=False)
    assert confirmed.status_code == 303


def test_members_confirm_their_own_attendance_and_the_chair_records_others_only_with_a_reason(client, db, monkeypatch):
    team = make_team(db)
    _referral_to_panel(db, team, monkeypatch)
    login(client, "pat")
    url = _arrange(client)
    pete = team.users["pete"].id

    listed = submit_form(
        client, url, {"user_id": pete, "attendance": "attended"}, action=f"{url}/attendance", follow_redirects=False
    )
    assert listed.status_code == 422
    assert "Say why you are recording Pete&#39;s attendance for them" in listed.text
    page = client.get(url).text
    assert "Not quorate: 0 members without a conflict attended" in page  # the chair's listing counted nobody

    recorded = submit_form(
        client,
        url,
        {"user_id": pete, "attendance": "attended", "reason": "Joined by phone"},
        action=f"{url}/attendance",
        follow_redirects=False,
    )
    assert recorded.status_code == 303
    assert "Attended (recorded by Pat: Joined by phone)" in client.get(url).text
    _confirm(client, "pat", url)
    _confirm(client, "paula", url)
    page = client.get(url).text
    assert "Quorate: 3 members without a conflict attended" in page
    assert page.count("Attended (confirmed by themselves)") == 2


def test_a_decision_for_a_meeting_not_yet_held_is_refused(client, db, monkeypatch):
    team = make_team(db)
    _referral_to_panel(db, team, monkeypatch)
    login(client, "pat")
    url = _arrange(client, meets_on="2099-01-05")
    page = client.get(url).text
    assert "Members confirm their own attendance from the day of the meeting." in page
    assert "its decision can be recorded from that day" in page
    action = next(f["action"] for f in page_forms(page) if f["action"].endswith("/decision"))
    refused = submit_form(
        client,
        url,
        {
            "outcome": "approved",
            "information_considered": "Risk discussion",
            "reasons": "Meets his outcome",
            "review_date": "2099-06-01",
            "tell_person_by_id": team.users["casey"].id,
        },
        action=action,
    )
    assert refused.status_code == 422
    assert "The panel meets on 5 January 2099: its decisions can be recorded from that day" in refused.text


def test_conflicts_non_staff_attendees_and_who_tells_the_person_on_the_page(client, db, monkeypatch):
    team = make_team(db)
    _referral_to_panel(db, team, monkeypatch)
    login(client, "pat")
    url = _arrange(client)
    page = client.get(url).text
    assert "Casey takes no part: Referred this case to the panel" in page
    decision_form = next(f for f in page_forms(page) if f["action"].endswith("/decision"))
    options = re.search(r'<select[^>]*name="tell_person_by_id".*?</select>', page, re.DOTALL).group(0)
    assert "Casey" in options
    assert "Admin" not in options  # the administrator may not see Leon's record
    assert decision_form["fields"]["tell_person_by_id"] != str(team.users["admin"].id)

    family = submit_form(
        client, url, {"kind": "family", "name": "Ruth Baptiste"}, action=f"{url}/non-staff", follow_redirects=False
    )
    assert family.status_code == 422
    assert "Say how they are related to the person" in family.text
    for fill in (
        {"kind": "person", "name": "Leon Baptiste"},
        {"kind": "family", "name": "Ruth Baptiste", "relationship_to_person": "Sister"},
    ):
        added = submit_form(client, url, fill, action=f"{url}/non-staff", follow_redirects=False)
        assert added.status_code == 303
    page = client.get(url).text
    assert "Leon Baptiste (The person), recorded by Pat" in page
    assert "Ruth Baptiste (Sister), recorded by Pat" in page
    assert "Not quorate: 0 members without a conflict attended" in page  # non-staff never count

    _confirm(client, "pat", url)
    _confirm(client, "pete", url)
    _confirm(client, "cora", url)
    client.cookies.clear()
    login(client, "pat")
    forged = submit_form(
        client,
        url,
        {
            "outcome": "refused",
            "information_considered": "Risk discussion",
            "reasons": "No lifeguard in the evenings",
            "alternatives": "Swimming with a PA",
            "review_date": "2026-09-01",
            "tell_person_by_id": team.users["admin"].id,  # not an option the page offers
        },
        action=decision_form["action"],
    )
    assert forged.status_code == 422
    assert "Choose a member of staff who may see the person&#39;s record to tell them" in forged.text
    decided = submit_form(
        client,
        url,
        {
            "outcome": "refused",
            "information_considered": "Risk discussion",
            "reasons": "No lifeguard in the evenings",
            "alternatives": "Swimming with a PA",
            "review_date": "2026-09-01",
            "tell_person_by_id": team.users["casey"].id,
        },
        action=decision_form["action"],
        follow_redirects=False,
    )
    assert decided.status_code == 303

    agenda = client.get(f"{url}/print/agenda")
    assert agenda.status_code == 200
    assert "Agenda: 10 March 2026, Room 4" in agenda.text
    assert "Swimming alone at the local pool" in agenda.text
    minutes = client.get(f"{url}/print/minutes").text
    assert "Minutes: 10 March 2026, Room 4" in minutes
    assert "Ruth Baptiste (Sister)" in minutes
    assert "No lifeguard in the evenings" in minutes
    assert "Casey: Referred this case to the panel" in minutes
    pdf = client.get(f"{url}/pdf/minutes")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"{url}/print/notes").status_code == 404


def test_a_panel_works_through_the_api(client, db, monkeypatch):
    team = make_team(db)
    request = _referral_to_panel(db, team, monkeypatch)
    later = _referral_to_panel(db, team, monkeypatch, summary="A hot tub for pain relief")
    auth = {
        name: {"Authorization": f"Bearer {create_api_token(db, team.users[name], name='t', scope='write')}"}
        for name in team.users
    }
    db.commit()

    created = client.post("/api/v1/panels", headers=auth["pat"], json={"meets_on": PAST, "place": "Room 4"})
    assert created.status_code == 201, created.text
    meeting = created.json()
    base = f"/api/v1/panels/{meeting['id']}"
    assert [i["referral"]["request_id"] for i in meeting["agenda"]] == [request.id, later.id]
    waiting = client.get("/api/v1/panels", headers=auth["pete"]).json()
    assert waiting["waiting"] == []
    assert client.get("/api/v1/panels", headers=auth["casey"]).status_code == 403
    referral_id = meeting["agenda"][0]["referral"]["id"]

    no_reason = client.post(
        f"{base}/attendance",
        headers=auth["pat"],
        json={"user_id": team.users["pete"].id, "attendance": "attended"},
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.text
    recorded = client.post(
        f"{base}/attendance",
        headers=auth["pat"],
        json={"user_id": team.users["pete"].id, "attendance": "attended", "reason": "Joined by phone"},
    )
    assert recorded.status_code == 200
    pete = next(a for a in recorded.json()["attendance"] if a["name"] == "Pete")
    assert (pete["confirmed"], pete["confirmed_by_name"], pete["confirmation_reason"]) == (
        True,
        "Pat",
        "Joined by phone",
    )
    for member in ("pat", "cora"):
        assert client.post(f"{base}/attendance/confirm", headers=auth[member]).status_code == 200
    guest = client.post(
        f"{base}/non-staff-attendees",
        headers=auth["pat"],
        json={
            "referral_id": referral_id,
            "kind": "advocate",
            "name": "Ada Kwame",
            "relationship_to_person": "Advocate",
        },
    )
    assert guest.status_code == 201
    assert guest.json()["agenda"][0]["non_staff"][0]["name"] == "Ada Kwame"

    decision = {
        "outcome": "refused",
        "information_considered": "Risk discussion",
        "reasons": "No lifeguard in the evenings",
        "alternatives": "Swimming with a PA",
        "review_date": "2026-09-01",
        "tell_person_by_id": team.users["admin"].id,
    }
    bad = client.post(f"{base}/referrals/{referral_id}/decision", headers=auth["pat"], json=decision)
    assert bad.status_code == 422
    assert "tell_person_by_id" in bad.text
    decision["tell_person_by_id"] = team.users["casey"].id
    done = client.post(f"{base}/referrals/{referral_id}/decision", headers=auth["pat"], json=decision)
    assert done.status_code == 200, done.text
    told = client.post(f"{base}/referrals/{referral_id}/told", headers=auth["pete"], json={"told_on": "2026-03-11"})
    assert told.status_code == 403  # only the one asked to tell the person, or a chair
    told = client.post(f"{base}/referrals/{referral_id}/told", headers=auth["casey"], json={"told_on": "2026-03-11"})
    assert told.status_code == 200
    assert told.json()["person_told_on"] == "2026-03-11"

    agenda = client.get(f"{base}/agenda", headers=auth["pete"]).json()
    assert agenda["kind"] == "agenda"
    assert [i["referral"]["summary"] for i in agenda["items"]] == [
        "Swimming alone at the local pool",
        "A hot tub for pain relief",
    ]
    minutes = client.get(f"{base}/minutes", headers=auth["pete"]).json()
    first = minutes["items"][0]
    assert first["referral"]["decision"] == "refused"
    assert first["referral"]["tell_person_by_name"] == "Casey"
    assert first["conflicts"][0]["reason"] == "Referred this case to the panel"

    principle = client.post(  # a commissioner keeps it (a chair may too, where they may see the person's record)
        f"/api/v1/decisions/{request.id}/principle",
        headers=auth["cora"],
        json={"principle": "Swimming alone is supported only where a lifeguard is on duty"},
    )
    assert principle.status_code == 201, principle.text
    assert principle.json()["result"]["principle"] == "Swimming alone is supported only where a lifeguard is on duty"
    undecided = client.post(
        f"/api/v1/decisions/{later.id}/principle", headers=auth["cora"], json={"principle": "Anything"}
    )
    assert undecided.status_code == 422
