"""People pages and API: caseload boundaries, field-level errors, HTMX fragments, conflicts."""

import datetime as dt
import re

from sqlalchemy import select

from phb.accounts.models import User
from phb.accounts.rules import Role
from phb.accounts.services import create_api_token
from phb.audit.models import AccessLogEntry, AuditEvent
from phb.people.models import Person
from tests.factories import make_person, make_user
from tests.factories_risk import make_risk
from tests.web.helpers import login, post_form

VALID = {
    "nhs_number": "943 476 5919",
    "given_name": "Leon",
    "family_name": "Baptiste",
    "date_of_birth": "2001-05-23",
    "preferred_contact": "email",
    "accessible_format": "easy_read",
    "email": "leon@example.com",
}


def test_case_manager_cannot_read_a_person_outside_their_caseload_and_api_agrees(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    nina = make_user(db, "nina", Role.NURSE_ASSESSOR)
    mine = make_person(db, "Margaret", "Okafor", case_manager=casey)
    theirs = make_person(db, "Tom", "Price", case_manager=nina)
    login(client, "casey")

    caseload = client.get("/")
    assert "Okafor" in caseload.text
    assert "Price" not in caseload.text
    assert client.get(f"/people/{mine.id}").status_code == 200

    page = client.get(f"/people/{theirs.id}")
    api = client.get(f"/api/v1/people/{theirs.id}")
    missing = client.get("/api/v1/people/999999")
    assert page.status_code == api.status_code == missing.status_code == 404
    assert "Price" not in page.text
    assert "Price" not in api.text
    assert api.json()["detail"] == missing.json()["detail"]  # no hint that the record exists
    api_list = client.get("/api/v1/people").json()
    assert [p["family_name"] for p in api_list["items"]] == ["Okafor"]

    outcomes = db.scalars(select(AccessLogEntry.outcome).where(AccessLogEntry.person_id == theirs.id)).all()
    assert outcomes.count("denied") == 2  # the page and the API refusal, kept despite the rollback


def test_service_manager_reads_everyone_but_a_direct_payments_officer_cannot_edit(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Margaret", "Okafor", case_manager=casey)
    login(client, "dana")
    assert client.get(f"/people/{person.id}").status_code == 200
    edit = post_form(
        client,
        f"/people/{person.id}/edit",
        {"given_name": "X", "family_name": "Y", "date_of_birth": "1950-01-01", "version": 1},
    )
    assert edit.status_code == 403


def test_administrator_cannot_open_health_records(client, db):
    make_user(db, "admin", Role.ADMINISTRATOR)
    person = make_person(db, "Margaret", "Okafor")
    login(client, "admin")
    page = client.get(f"/people/{person.id}")
    api = client.get(f"/api/v1/people/{person.id}")
    assert page.status_code == api.status_code == 404  # administrators manage accounts, not health records
    assert "Okafor" not in page.text + api.text


def test_adding_a_person_with_bad_input_names_each_field_and_saves_nothing(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    response = post_form(
        client,
        "/people",
        {
            **VALID,
            "nhs_number": "943 476 5918",
            "given_name": "",
            "date_of_birth": "2090-01-01",
            "email": "not-an-email",
        },
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    links = set(re.findall(r'href="#(\w+)"', response.text))
    assert {"nhs_number", "given_name", "date_of_birth", "email"} <= links
    assert "check digit" in response.text
    assert "Date of birth must be in the past" in response.text
    assert db.scalar(select(Person).where(Person.family_name == "Baptiste")) is None


def test_adding_a_person_puts_them_on_my_caseload_and_audits_it(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    response = post_form(client, "/people", VALID, follow_redirects=False)
    assert response.status_code == 303
    person = db.scalar(select(Person).where(Person.nhs_number == "9434765919"))
    assert person is not None
    assert response.headers["location"] == f"/people/{person.id}"
    page = client.get(response.headers["location"])
    assert "943 476 5919" in page.text
    assert "Easy read" in page.text
    event = db.scalar(
        select(AuditEvent).where(AuditEvent.action == "people.created", AuditEvent.person_id == person.id)
    )
    assert event is not None
    assert event.actor_label == "casey"
    assert event.request_id


def test_htmx_search_returns_only_the_results_block(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_person(db, "Margaret", "Okafor", case_manager=casey)
    make_person(db, "James", "Whitfield", case_manager=casey)
    login(client, "casey")
    fragment = client.get("/?q=Whit", headers={"HX-Request": "true", "HX-Target": "caseload-results"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "Whitfield" in fragment.text
    assert "Okafor" not in fragment.text
    assert fragment.headers["vary"] == "HX-Request"
    # A target that is not on the route's allow-list gets the whole page, never an arbitrary block.
    whole = client.get("/?q=Whit", headers={"HX-Request": "true", "HX-Target": "header"})
    assert "<html" in whole.text


def test_two_people_editing_at_once_the_second_is_told_and_shown_what_changed(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Margaret", "Okafor", case_manager=casey)
    login(client, "casey")
    form = {
        "given_name": "Margaret",
        "family_name": "Okafor",
        "date_of_birth": "1950-01-01",
        "version": 1,
        "preferred_contact": "letter",
        "accessible_format": "standard",
    }
    first = post_form(client, f"/people/{person.id}/edit", {**form, "phone": "0113 496 0001"}, follow_redirects=False)
    assert first.status_code == 303
    second = post_form(client, f"/people/{person.id}/edit", {**form, "phone": "0113 496 0002"})
    assert second.status_code == 409
    assert "Someone else changed" in second.text
    assert "0113 496 0001" in second.text  # what the other person saved
    db.refresh(person)
    assert person.phone == "0113 496 0001"


def test_api_token_authenticates_without_csrf_and_validation_names_fields(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    token = create_api_token(db, casey, name="test", scope="write")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json()["username"] == "casey"
    bad = client.post("/api/v1/people", headers=headers, json={**VALID, "nhs_number": "123"})
    assert bad.status_code == 400
    assert "nhs_number" in bad.text
    assert "10 digits" in bad.text
    created = client.post("/api/v1/people", headers=headers, json=VALID)
    assert created.status_code == 201
    assert created.json()["nhs_number"] == "9434765919"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer phb_wrong"}).status_code == 401


def test_openapi_document_describes_the_api_and_needs_sign_in(client, db):
    assert client.get("/schema/openapi.json", headers={"Accept": "application/json"}).status_code == 401
    make_user(db, "casey", Role.CASE_MANAGER)
    login(client, "casey")
    schema = client.get("/schema/openapi.json").json()
    assert "/api/v1/people" in schema["paths"]
    assert "bearer" in schema["components"]["securitySchemes"]


def test_history_panel_describes_changes_in_words(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Margaret", "Okafor", case_manager=casey)
    login(client, "casey")
    form = {
        "given_name": "Margaret",
        "family_name": "Okafor",
        "date_of_birth": "1950-01-01",
        "version": 1,
        "preferred_contact": "letter",
        "accessible_format": "standard",
        "phone": "0113 496 0001",
        "reason": "daughter phoned",
    }
    post_form(client, f"/people/{person.id}/edit", form)
    page = client.get(f"/people/{person.id}").text
    assert "Personal details changed: phone" in page
    assert "daughter phoned" in page
    assert "nhs number" not in page  # no raw column lists


def test_service_manager_puts_a_person_on_a_caseload_and_names_the_care_coordinator(client, db):
    make_user(db, "sam", Role.CHC_SERVICE_MANAGER)
    nina = make_user(db, "nina", Role.CARE_COORDINATOR)
    person = make_person(db, "Tom", "Price")
    login(client, "sam")
    post_form(client, f"/people/{person.id}/care-team", {"what": "caseload", "user_id": str(nina.id)})
    post_form(client, f"/people/{person.id}/care-team", {"what": "coordinator", "user_id": str(nina.id)})
    page = client.get(f"/people/{person.id}").text
    assert "On the caseload of: Nina (since" in page
    db.refresh(person)
    assert person.care_coordinator_id == nina.id
    client.post("/logout", data={"_csrf_token": client.cookies.get("__Host-phb_csrf")})
    login(client, "nina")
    assert "Price" in client.get("/").text  # now on Nina's caseload


def test_care_coordinator_must_be_care_team_staff(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    dana = make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Tom", "Price", case_manager=casey)
    login(client, "casey")
    response = post_form(client, f"/people/{person.id}/care-team", {"what": "coordinator", "user_id": str(dana.id)})
    assert response.status_code == 422
    assert "Choose a case manager, nurse assessor or care coordinator" in response.text
    db.refresh(person)
    assert person.care_coordinator_id is None


def test_caseload_shows_each_persons_highest_residual_risk_and_next_review(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = make_person(db, "Leon", "Baptiste", case_manager=casey)
    make_person(db, "Aisha", "Rahman", case_manager=casey)
    make_risk(db, leon.id, residual=(3, 5), review_on=dt.date(2031, 2, 1))
    make_risk(db, leon.id, "travel", residual=(2, 2), review_on=dt.date(2031, 1, 15))
    login(client, "casey")
    rows = client.get("/").text.split("<tr")
    leon_row = next(r for r in rows if "Baptiste" in r)
    aisha_row = next(r for r in rows if "Rahman" in r)
    assert "15" in leon_row
    assert "xtreme" in leon_row  # the band in words, not colour alone
    assert "15 January 2031" in leon_row  # the earliest review
    assert "None recorded" in aisha_row


def test_options_lists_every_method_of_a_route(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    token = create_api_token(db, db.scalar(select(User).where(User.username == "casey")), name="t")
    response = client.options("/api/v1/people", headers={"Authorization": f"Bearer {token}"})
    assert set(response.headers["allow"].split(", ")) == {"GET", "OPTIONS", "POST"}
