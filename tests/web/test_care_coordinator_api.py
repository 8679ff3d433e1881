"""Naming the care coordinator through ``/api/v1``, with the same service and checks as the person page."""

from phb.accounts.rules import Role
from tests.factories import make_person, make_user
from tests.web.helpers import csrf, login


def test_the_care_coordinator_is_named_through_the_api(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    dana = make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Tom", "Price", case_manager=casey)
    stranger = make_person(db, "Ada", "Other")
    login(client, "casey")
    headers = {"X-CSRF-Token": csrf(client)}
    url = f"/api/v1/people/{person.id}/care-coordinator"
    wrong = client.put(url, json={"care_coordinator_id": dana.id}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {
        "care_coordinator_id": "Choose a case manager, nurse assessor or care coordinator"
    }
    named = client.put(url, json={"care_coordinator_id": nina.id}, headers=headers)
    assert named.status_code == 200, named.text
    assert (named.json()["care_coordinator_id"], named.json()["care_coordinator_name"]) == (nina.id, "Nina")
    db.refresh(person)
    assert person.care_coordinator_id == nina.id
    assert client.get(f"/api/v1/people/{person.id}").json()["care_coordinator_name"] == "Nina"
    hidden = client.put(
        f"/api/v1/people/{stranger.id}/care-coordinator", json={"care_coordinator_id": nina.id}, headers=headers
    )
    assert hidden.status_code == 404
