"""Notices and appeals through the pages and the API: the person reads their notice and appeals in the portal and
sees its status (and nobody else's), staff take the appeal through its steps, bad input is refused."""

import re

from phb.governance.appeals.models import DecisionNotice
from tests.factories import make_person
from tests.factories_appeals import portal_user, refused_outcome
from tests.factories_governance import make_team
from tests.web.helpers import login, post_form


def test_the_person_reads_their_notice_appeals_and_follows_its_status(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)
    portal_user(db, team)
    pid = team.person.id
    login(client, "leon")
    assert f"/my/{pid}/decisions" in client.get(f"/my/{pid}").text  # linked from the portal home

    page = client.get(f"/my/{pid}/decisions")
    assert page.status_code == 200
    assert "Agreeing flexible budget spend: not agreed" in page.text
    assert "we did not agree to this request: A gym membership" in page.text
    notice_id = db.query(DecisionNotice.id).filter_by(outcome_id=outcome.id).scalar()
    printable = client.get(f"/my/{pid}/notices/{notice_id}")
    assert "Your right to ask us to reconsider" in printable.text
    assert "regulation 8" in printable.text
    pdf = client.get(f"/my/{pid}/notices/{notice_id}/notice.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    form = client.get(f"/my/{pid}/decisions/{outcome.id}/appeal")
    assert "Why do you disagree with the decision?" in form.text
    empty = post_form(client, f"/my/{pid}/decisions/{outcome.id}/appeal", {"grounds": "  "})
    assert empty.status_code == 422
    assert "Tell us why you disagree with the decision" in empty.text
    sent = post_form(
        client,
        f"/my/{pid}/decisions/{outcome.id}/appeal",
        {"grounds": "The gym keeps me walking", "new_information": "A letter from my physio"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    status = client.get(f"/my/{pid}/decisions")
    assert "Received, not yet acknowledged" in status.text
    assert "You have appealed against this decision" in status.text


def test_the_person_sees_no_one_else_s_decisions(client, db):
    team = make_team(db)
    portal_user(db, team)
    other = make_person(db, "Ada", "Other", case_manager=team.users["casey"])
    theirs = refused_outcome(db, team)  # Leon's; now make one for Ada
    from phb.governance import services  # noqa: PLC0415
    from phb.governance.rules import Action  # noqa: PLC0415
    from phb.governance.schemas import DecisionInput  # noqa: PLC0415
    from phb.money import gbp  # noqa: PLC0415

    request = services.raise_request(
        db,
        team["casey"],
        person_id=other.id,
        decision_type="flexible_budget_spend",
        summary="Ada's secret chair",
        item_amount=gbp("900.00"),
    )
    services.decide(db, team["sam"], request.id, DecisionInput(action=Action.REFUSE, reasons="No", alternatives="Y"))
    ada_outcome = db.query(DecisionNotice).filter_by(person_id=other.id).one()
    login(client, "leon")
    assert client.get(f"/my/{other.id}/decisions").status_code == 404
    assert client.get(f"/my/{team.person.id}/decisions/{ada_outcome.outcome_id}/appeal").status_code == 404
    posted = post_form(client, f"/my/{team.person.id}/decisions/{ada_outcome.outcome_id}/appeal", {"grounds": "x"})
    assert posted.status_code == 404
    assert client.get(f"/my/{team.person.id}/notices/{ada_outcome.id}").status_code == 404
    mine = client.get(f"/my/{team.person.id}/decisions")
    assert "Ada" not in mine.text
    assert "secret chair" not in mine.text
    assert theirs.id


def test_staff_record_a_phone_appeal_and_take_it_to_a_decision_that_reopens_the_request(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)
    pid = team.person.id
    login(client, "casey")
    bad = post_form(client, f"/people/{pid}/appeals", {"outcome_id": str(outcome.id + 999), "grounds": "x"})
    assert bad.status_code == 422
    assert f"Decision {outcome.id + 999} is not a decision about Leon Baptiste" in bad.text
    made = post_form(
        client,
        f"/people/{pid}/appeals",
        {
            "outcome_id": str(outcome.id),
            "on_behalf_of": "person",
            "received_via": "phone",
            "grounds": "Leon rang: the gym keeps him walking",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = made.headers["location"]
    appeal_id = int(url.rsplit("/", 1)[1])
    assert "Acknowledge the appeal" in client.get(url).text
    assert f"Appeal {appeal_id}" in client.get("/appeals").text
    assert post_form(client, f"{url}/acknowledge", {}, follow_redirects=False).status_code == 303
    refused = post_form(client, f"{url}/reviewer", {"reviewer_id": str(team.users["sam"].id)})
    assert refused.status_code == 422
    assert "Sam took the original decision, so someone else must review the appeal against it" in refused.text
    page = client.get(url)
    priya, sam = team.users["priya"].id, team.users["sam"].id
    assert re.search(f'<option value="{priya}"', page.text)
    assert not re.search(f'<option value="{sam}"', page.text)
    assert post_form(client, f"{url}/reviewer", {"reviewer_id": str(team.users["priya"].id)}).status_code == 200
    client.cookies.clear()

    login(client, "priya")
    no_reasons = post_form(client, f"{url}/decision", {"decision": "upheld", "reasons": ""})
    assert no_reasons.status_code == 422
    assert "Give the reasons for the decision on the appeal" in no_reasons.text
    done = post_form(client, f"{url}/decision", {"decision": "upheld", "reasons": "The physio's letter"})
    assert done.status_code == 200  # followed to the appeal page
    assert "The decision, reopened" in done.text
    api = client.get(f"/api/v1/appeals/{appeal_id}").json()
    assert api["status"] == "decided"
    assert api["decision"] == "upheld"
    assert api["reopened_request_id"]
    reopened = client.get(f"/api/v1/decisions/{api['reopened_request_id']}").json()
    assert reopened["summary"] == f"Looked at again after appeal {appeal_id}: A gym membership"
    assert reopened["status"] == "open"
    report = client.get("/appeals/report.csv")
    assert report.headers["content-type"].startswith("text/csv")
    assert ",flexible_budget_spend,1,0,0,1,1.00," in report.text
    page = client.get("/appeals/report")
    assert "Agreeing flexible budget spend" in page.text
    assert "100%" in page.text
    assert "Decided: to tell the person (1)" in client.get("/appeals").text


def test_the_api_refuses_an_appeal_about_someone_else_with_problem_json(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)
    other = make_person(db, "Ada", "Other", case_manager=team.users["casey"])
    login(client, "casey")
    from tests.web.helpers import csrf  # noqa: PLC0415

    response = client.post(
        f"/api/v1/people/{other.id}/appeals",
        json={"outcome_id": outcome.id, "grounds": "x"},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"] == {
        "outcome_id": f"Decision {outcome.id} is not a decision about Ada Other: choose one of theirs"
    }
    ok = client.post(
        f"/api/v1/people/{team.person.id}/appeals",
        json={"outcome_id": outcome.id, "grounds": "Leon wrote in", "received_via": "letter"},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert ok.status_code == 201
    assert ok.json()["appeal_type"] == "reconsideration_reg_8"
    listed = client.get(f"/api/v1/people/{team.person.id}/appeals").json()
    assert [a["id"] for a in listed["appeals"]] == [ok.json()["id"]]
    assert listed["notices"][0]["appeal_type"] == "reconsideration_reg_8"
    appeal_id = ok.json()["id"]
    headers = {"X-CSRF-Token": csrf(client)}
    acknowledged = client.post(f"/api/v1/appeals/{appeal_id}/acknowledgement", json={}, headers=headers)
    assert acknowledged.json()["status"] == "acknowledged"
    refused = client.post(
        f"/api/v1/appeals/{appeal_id}/reviewer", json={"reviewer_id": team.users["sam"].id}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"] == {
        "reviewer_id": "Sam took the original decision, so someone else must review the appeal against it"
    }
    assigned = client.post(
        f"/api/v1/appeals/{appeal_id}/reviewer", json={"reviewer_id": team.users["priya"].id}, headers=headers
    )
    assert (assigned.json()["status"], assigned.json()["reviewer_name"]) == ("under_review", "Priya")
    assert [a["next_step"] for a in client.get("/api/v1/appeals").json()["items"]] == ["Decide the appeal"]


def test_staff_record_how_a_notice_was_delivered_and_print_it(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)
    notice = db.query(DecisionNotice).filter_by(outcome_id=outcome.id).one()
    url = f"/people/{team.person.id}/notices/{notice.id}"
    login(client, "casey")
    page = client.get(url)
    assert "Not recorded as sent yet" in page.text
    assert "Who decided" in page.text
    future = post_form(client, f"{url}/delivery", {"channel": "letter", "on": "2999-01-01"})
    assert future.status_code == 422
    assert "The day the notice was sent cannot be in the future" in future.text
    fragment = post_form(
        client,
        f"{url}/delivery",
        {"on": ""},
        headers={"HX-Request": "true", "HX-Target": "delivery-form"},
    )
    assert fragment.status_code == 422
    assert "<html" not in fragment.text
    assert "Choose how it was sent" in fragment.text
    sent = post_form(client, f"{url}/delivery", {"channel": "email"}, follow_redirects=False)
    assert sent.status_code == 303
    assert "Sent by email on" in client.get(url).text
    assert client.get(f"{url}/notice.pdf").content.startswith(b"%PDF")
    listing = client.get(f"/people/{team.person.id}/appeals")
    assert "Reconsideration under regulation 8" in listing.text
