"""The budget API: the worked example end to end, bad input naming the field, permissions, the OpenAPI document."""

from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.budgets.models import BudgetSheetLine, BudgetSheetVersion, RateCard
from phb.governance.rules import CHECKLIST_KEYS
from tests.factories import make_person, make_user
from tests.factories_budgets import (
    DIRECT_PAYMENT_LINES,
    INDICATIVE_TOTAL,
    INSURANCE_LINE,
    MONTHLY_PAYMENT,
    NEEDS,
    RATE_CARD_FORM,
    SHEET_TOTAL,
    make_rate_card,
)
from tests.web.helpers import csrf, login

LINE = {
    "description": "Personal assistant, weekday",
    "outcomes": "Get up and out by 10am",
    "category": "personal_assistant_wages",
    "unit_cost": "13.50",
    "quantity": "14",
    "frequency": "weekly",
    "management_option": "direct_payment",
}


def as_user(client, username):
    client.headers.pop("X-CSRF-Token", None)
    client.post("/logout", data={"_csrf_token": csrf(client)})
    client.cookies.clear()
    assert login(client, username).status_code == 303
    client.headers["X-CSRF-Token"] = csrf(client)


def test_worked_example_through_the_api(client, db):  # noqa: PLR0915 - one journey, told in order
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "sam", Role.CHC_SERVICE_MANAGER)
    make_user(db, "lee", Role.CHC_SERVICE_MANAGER)
    make_user(db, "admin", Role.ADMINISTRATOR)
    person = make_person(db, "James", "Whitfield", case_manager=casey)
    api = f"/api/v1/people/{person.id}/budget"

    as_user(client, "admin")
    card = client.post("/api/v1/rate-cards", json=RATE_CARD_FORM)
    assert card.status_code == 201
    assert card.json()["pa_weekday_hour"] == "13.50"

    as_user(client, "casey")
    assert client.get("/api/v1/rate-cards/current").json()["version"] == 1
    assessment = client.post(f"{api}/assessments", json={"assessed_on": "2026-11-02", "items": NEEDS})
    assert assessment.status_code == 201
    indicative = client.post(
        f"{api}/indicative", json={"assessment_id": assessment.json()["id"], "priced_on": "2026-11-02"}
    ).json()
    assert indicative["annual_amount"] == INDICATIVE_TOTAL
    assert indicative["rate_card_version"] == 1
    assert indicative["breakdown"][0]["text"] == (
        "14 h/week personal assistant at £13.50 = £189.00 a week, £9,855.00 a year"
    )
    assert indicative["status"] == "awaiting authorisation"
    assert indicative["request"]["level"] == 2  # £39,896.34 is within level 2's limit; level 1 does not take it

    as_user(client, "sam")
    decided = client.post(
        f"{api}/indicative/{indicative['id']}/decision", json={"outcome": "authorised", "reasons": "Agreed"}
    ).json()
    assert decided["status"] == "authorised"
    assert (decided["decision"]["decided_by_role"], decided["decision"]["outcome"]) == (
        "chc_service_manager",
        "authorised",
    )

    as_user(client, "casey")
    sheet = client.post(f"{api}/sheet/from-indicative?management_option=direct_payment&sheet_version=0").json()
    nights = next(line for line in sheet["lines"] if line["description"] == "Agency waking night")
    sheet = client.put(
        f"{api}/sheet/lines/{nights['id']}",
        json={**nights, "outcomes": "Sleep safely", "management_option": "third_party", "sheet_version": 1},
    ).json()
    sheet = client.post(f"{api}/sheet/lines", json={**INSURANCE_LINE, "sheet_version": 2}).json()
    assert sheet["annual_total"] == SHEET_TOTAL
    by_option = {t["key"]: t["amount"] for t in sheet["by_management_option"]}
    assert by_option == {"third_party": "21900.00", "direct_payment": DIRECT_PAYMENT_LINES}
    assert sheet["variance"] == "150.00"
    client.put(f"{api}/sheet/variance-explanation", json={"explanation": "Insurance is not on the rate card"})
    final = client.post(
        f"{api}/final",
        json={
            "annual_amount": SHEET_TOTAL,
            "effective_from": "2026-04-01",
            "effective_to": "2027-03-31",
            "management_options": ["direct_payment", "third_party"],
            "dp_frequency": "monthly",
            "dp_first_payment_on": "2026-04-01",
            "dp_recipient": "nominee",
            "dp_notice_days": 28,
        },
    )
    assert final.status_code == 201
    assert final.json()["dp_annual"] == "18146.34"  # the direct-payment lines, exactly
    assert final.json()["dp_amount_per_period"] == MONTHLY_PAYMENT  # the first payment, worked out

    as_user(client, "sam")
    blocked = client.post(f"{api}/final/{final.json()['id']}/decision", json={"outcome": "authorised", "reasons": "OK"})
    assert blocked.status_code == 422
    assert "sign-off checklist is complete. 18 items are missing" in blocked.json()["errors"]["checklist"]
    as_user(client, "casey")
    items = {key: {"status": "met", "evidence": "Care plan section 2"} for key in CHECKLIST_KEYS}
    recorded = client.put(f"/api/v1/people/{person.id}/decisions/checklist", json={"items": items})
    assert recorded.status_code == 200
    assert {entry["status"] for entry in recorded.json()} == {"met"}
    as_user(client, "sam")
    first = client.post(f"{api}/final/{final.json()['id']}/decision", json={"outcome": "authorised", "reasons": "OK"})
    assert (first.status_code, first.json()["status"]) == (201, "awaiting second approval")
    assert client.get(f"{api}/schedule").json() == []
    as_user(client, "lee")
    decided = client.post(f"{api}/final/{final.json()['id']}/decision", json={"outcome": "authorised", "reasons": "OK"})
    assert (decided.status_code, decided.json()["status"]) == (201, "authorised")
    schedule = client.get(f"{api}/schedule").json()[0]
    assert schedule["total"] == "18146.34"
    assert [p["amount"] for p in schedule["payments"]] == [MONTHLY_PAYMENT] * 6 + ["1512.19"] * 6
    assert client.get(f"{api}/sheet").json()["final_budget_annual"] == SHEET_TOTAL
    assert client.get(f"{api}").json()["stage"] == "Final budget authorised"
    comparison = client.get(f"{api}/sheet/compare?before=1&after=4").json()
    assert {d["status"] for d in comparison["lines"]} == {"unchanged", "changed", "added"}
    assert len(client.get(f"{api}/sheet/versions").json()) == 4


def test_bad_input_names_the_field_and_saves_nothing(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, case_manager=casey)
    api = f"/api/v1/people/{person.id}/budget"
    as_user(client, "casey")
    cases = [
        ({"quantity": "0"}, "quantity", "more than 0"),
        ({"quantity": "-3"}, "quantity", "more than 0"),
        ({"quantity": "1.125"}, "quantity", "two decimal places"),
        ({"unit_cost": "13.505"}, "unit_cost", "two decimal places"),
        ({"unit_cost": "-1"}, "unit_cost", "more than £0"),
        ({"frequency": "fortnightly"}, "frequency", ""),
    ]
    for change, field, message in cases:
        response = client.post(f"{api}/sheet/lines", json={**LINE, **change})
        assert response.status_code == 400, change
        assert response.headers["content-type"].startswith("application/problem+json")
        errors = response.json()["errors"]
        assert any(field in key for key in errors), (change, errors)
        assert message in " ".join(errors.values())
    # no rate card in force on the pricing date
    assessment = client.post(f"{api}/assessments", json={"assessed_on": "2026-01-05", "items": NEEDS[:1]}).json()
    response = client.post(f"{api}/indicative", json={"assessment_id": assessment["id"], "priced_on": "2026-01-05"})
    assert response.status_code == 422
    assert "No rate card is in force on 05/01/2026" in response.json()["errors"]["priced_on"]
    # an end date before the start date
    response = client.post(
        f"{api}/final",
        json={
            "annual_amount": "100.00",
            "effective_from": "2026-04-01",
            "effective_to": "2026-03-01",
            "management_options": ["notional"],
        },
    )
    assert response.status_code == 400
    assert "on or after the start date" in str(response.json()["errors"])
    assert db.scalar(select(func.count()).select_from(BudgetSheetLine)) == 0
    assert db.scalar(select(func.count()).select_from(BudgetSheetVersion)) == 0


def test_bad_input_on_the_page_shows_the_error_summary_and_keeps_the_input(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, case_manager=casey)
    as_user(client, "casey")
    response = client.post(
        f"/people/{person.id}/budget/sheet/lines",
        data={**LINE, "quantity": "0", "unit_cost": "12.345", "_csrf_token": csrf(client)},
        headers={"HX-Request": "true", "HX-Target": "budget-sheet"},
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert 'href="#quantity"' in response.text
    assert "Quantity must be more than 0" in response.text
    assert "at most two decimal places" in response.text
    assert 'value="12.345"' in response.text
    assert db.scalar(select(func.count()).select_from(BudgetSheetLine)) == 0


def test_rate_card_is_administrators_only_and_dates_are_unique(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "admin", Role.ADMINISTRATOR)
    make_rate_card(db)
    as_user(client, "casey")
    assert client.post("/api/v1/rate-cards", json=RATE_CARD_FORM).status_code == 403
    assert client.post("/rate-cards", data={**RATE_CARD_FORM, "_csrf_token": csrf(client)}).status_code == 403
    assert client.get("/api/v1/rate-cards").status_code == 200
    as_user(client, "admin")
    again = client.post("/api/v1/rate-cards", json=RATE_CARD_FORM)
    assert again.status_code == 422
    assert "already starts on this date" in again.json()["errors"]["effective_from"]
    assert db.scalar(select(func.count()).select_from(RateCard)) == 1


def test_case_manager_outside_the_caseload_gets_404_and_direct_payments_officer_403(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "nina", Role.NURSE_ASSESSOR)
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Tom", "Price", case_manager=casey)
    api = f"/api/v1/people/{person.id}/budget"
    as_user(client, "nina")
    for url in (api, f"{api}/sheet", f"/people/{person.id}/budget", f"/people/{person.id}/budget/sheet"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Price" not in response.text
    assert client.post(f"{api}/sheet/lines", json=LINE).status_code == 404
    as_user(client, "dana")
    assert client.get(f"{api}/sheet").status_code == 200
    assert client.get(f"/people/{person.id}/budget").status_code == 200
    assert "Add a line" not in client.get(f"/people/{person.id}/budget").text
    assert client.post(f"{api}/sheet/lines", json=LINE).status_code == 403
    page = client.post(f"/people/{person.id}/budget/sheet/lines", data={**LINE, "_csrf_token": csrf(client)})
    assert page.status_code == 403
    assert db.scalar(select(func.count()).select_from(BudgetSheetLine)) == 0


def test_authoriser_must_hold_the_role_and_not_be_the_proposer(client, db):
    make_user(db, "sam", Role.CHC_SERVICE_MANAGER)
    make_user(db, "sally", Role.CHC_SERVICE_MANAGER)
    make_user(db, "cora", Role.CHC_COMMISSIONER)
    person = make_person(db)
    make_rate_card(db)
    api = f"/api/v1/people/{person.id}/budget"
    as_user(client, "sam")  # a service manager may also prepare budgets for anyone
    assessment = client.post(f"{api}/assessments", json={"assessed_on": "2026-11-02", "items": NEEDS}).json()
    indicative = client.post(f"{api}/indicative", json={"assessment_id": assessment["id"]}).json()
    own = client.post(f"{api}/indicative/{indicative['id']}/decision", json={"outcome": "authorised", "reasons": "x"})
    assert own.status_code == 403
    assert "nobody authorises their own proposal" in own.json()["detail"]
    as_user(client, "cora")  # a commissioner decides at level 4; this budget is a level-2 decision
    wrong_level = client.post(
        f"{api}/indicative/{indicative['id']}/decision", json={"outcome": "authorised", "reasons": "x"}
    )
    assert wrong_level.status_code == 403
    assert "at level 2 is decided by a CHC service manager" in wrong_level.json()["detail"]
    as_user(client, "sally")
    missing_reasons = client.post(f"{api}/indicative/{indicative['id']}/decision", json={"outcome": "authorised"})
    assert missing_reasons.status_code == 400
    no_alternatives = client.post(
        f"{api}/indicative/{indicative['id']}/decision", json={"outcome": "refused", "reasons": "Recheck"}
    )
    assert no_alternatives.status_code == 422
    assert "other ways to meet" in no_alternatives.json()["errors"]["alternatives"]
    ok = client.post(
        f"{api}/indicative/{indicative['id']}/decision",
        json={"outcome": "refused", "reasons": "Recheck", "alternatives": "A fresh assessment with the OT"},
    )
    assert ok.status_code == 201
    assert client.get(f"{api}/indicative").json()[0]["status"] == "refused"


def test_budget_api_is_in_the_openapi_document(client, db):
    make_user(db, "casey", Role.CASE_MANAGER)
    as_user(client, "casey")
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in (
        "/api/v1/rate-cards",
        "/api/v1/people/{person_id}/budget",
        "/api/v1/people/{person_id}/budget/sheet/lines",
        "/api/v1/people/{person_id}/budget/final/{final_id}/decision",
        "/api/v1/people/{person_id}/budget/schedule",
    ):
        assert path in paths, path
