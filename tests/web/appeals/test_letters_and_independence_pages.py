"""Letters and independence through the pages and the API: a notice in large print for someone who needs it,
the original decider not offered (and refused) the choice of reviewer, and the person lodging an appeal through
``/api/v1`` as the portal does."""

import re
import zlib
from collections import Counter

from phb.governance.appeals.models import Appeal, DecisionNotice
from phb.people.models import Person
from tests.factories import make_person
from tests.factories_appeals import portal_user, refused_outcome
from tests.factories_governance import make_team
from tests.web.helpers import csrf, login, page_forms, submit_form


def _body_text_points(pdf: bytes) -> float:
    """The size most of a PDF's text is set in, in points (WeasyPrint draws in CSS pixels, scaled by 0.75)."""
    sizes: Counter[float] = Counter()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        sizes.update(float(size) * 0.75 for size in re.findall(rb"/\w+ ([\d.]+) Tf", content))
    return sizes.most_common(1)[0][0]


def _large_print(db, team):
    person = db.get(Person, team.person.id)
    person.accessible_format = "large_print"
    db.flush()


def test_a_notice_for_someone_who_needs_large_print_is_in_large_print_on_screen_and_on_paper(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)
    portal_user(db, team)
    notice_id = db.query(DecisionNotice.id).filter_by(outcome_id=outcome.id).scalar()
    pid = team.person.id
    login(client, "leon")
    standard = client.get(f"/my/{pid}/notices/{notice_id}")
    assert "phb-notice--large" not in standard.text
    standard_pdf = client.get(f"/my/{pid}/notices/{notice_id}/notice.pdf").content

    _large_print(db, team)
    page = client.get(f"/my/{pid}/notices/{notice_id}")
    assert page.status_code == 200
    assert 'class="phb-notice phb-notice--large"' in page.text
    pdf = client.get(f"/my/{pid}/notices/{notice_id}/notice.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert _body_text_points(standard_pdf) == 12
    assert _body_text_points(pdf.content) == 18  # RNIB clear print: 18pt body text
    css = client.get("/static/phb/appeals.css").text
    assert ".phb-document--large { font-size: 18pt; line-height: 1.6; text-align: left; }" in css
    client.cookies.clear()
    login(client, "casey")  # the team prints and posts the same large print letter
    assert 'class="phb-notice phb-notice--large"' in client.get(f"/people/{pid}/notices/{notice_id}").text


def test_the_original_decider_is_not_offered_the_choice_of_reviewer_and_is_refused_it(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)  # Sam refused it
    login(client, "casey")
    made = submit_form(
        client,
        f"/people/{team.person.id}/appeals",
        {"outcome_id": str(outcome.id), "grounds": "Leon rang: the gym keeps him walking", "received_via": "phone"},
        action=f"/people/{team.person.id}/appeals",
        follow_redirects=False,
    )
    assert made.status_code == 303
    url = made.headers["location"]
    assert submit_form(client, url, {}, action=f"{url}/acknowledge", follow_redirects=False).status_code == 303
    client.cookies.clear()

    login(client, "sam")
    page = client.get(url)
    assert page.status_code == 200
    assert not [f for f in page_forms(page.text) if f["action"] == f"{url}/reviewer"]
    assert "You took the original decision, so someone else must choose who reviews the appeal against it." in (
        page.text
    )
    refused = client.post(
        f"/api/v1{url}/reviewer",
        json={"reviewer_id": team.users["priya"].id},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == (
        "You took the original decision, so someone else must choose who reviews the appeal against it."
    )
    client.cookies.clear()

    login(client, "casey")  # someone independent assigns, through the form the page shows
    priya = str(team.users["priya"].id)
    assigned = submit_form(client, url, {"reviewer_id": priya}, action=f"{url}/reviewer", follow_redirects=False)
    assert assigned.status_code == 303
    assert db.get(Appeal, int(url.rsplit("/", 1)[1])).reviewer_name == "Priya"


def test_the_person_lodges_an_appeal_through_the_api_as_the_portal_does(client, db):
    team = make_team(db)
    outcome = refused_outcome(db, team)
    portal_user(db, team)
    other = make_person(db, "Ada", "Other", case_manager=team.users["casey"])
    pid = team.person.id
    login(client, "leon")
    headers = {"X-CSRF-Token": csrf(client)}
    listed = client.get(f"/api/v1/people/{pid}/appeals")
    assert listed.status_code == 200
    assert [n["outcome_id"] for n in listed.json()["notices"]] == [outcome.id]
    assert client.get(f"/api/v1/people/{other.id}/appeals").status_code == 404
    staff_only = client.post(
        f"/api/v1/people/{pid}/appeals",
        json={"outcome_id": outcome.id, "grounds": "The gym keeps me walking", "received_via": "letter"},
        headers=headers,
    )
    assert staff_only.status_code == 422
    assert staff_only.json()["errors"] == {"received_via": "Only the care team records how an appeal arrived"}
    lodged = client.post(
        f"/api/v1/people/{pid}/appeals",
        json={"outcome_id": outcome.id, "grounds": "The gym keeps me walking", "new_information": "Physio letter"},
        headers=headers,
    )
    assert lodged.status_code == 201, lodged.text
    body = lodged.json()
    assert (body["on_behalf_of"], body["received_via"], body["status"]) == ("person", "portal", "lodged")
    assert body["lodged_by_name"] == "Leon"
    assert client.get(f"/api/v1/people/{pid}/appeals").json()["appeals"][0]["id"] == body["id"]
    again = client.post(
        f"/api/v1/people/{pid}/appeals", json={"outcome_id": outcome.id, "grounds": "Again"}, headers=headers
    )
    assert again.status_code == 409
    assert client.post(f"/api/v1/appeals/{body['id']}/acknowledgement", json={}, headers=headers).status_code == 403
    assert "You have appealed against this decision" in client.get(f"/my/{pid}/decisions").text
