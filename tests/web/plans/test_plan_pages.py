"""Plan pages and API: a case manager writes a plan with a demo person and prints it; refusals; reports; FHIR."""

import datetime as dt
import re

from freezegun import freeze_time
from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.accounts.services import create_api_token
from phb.demo import PEOPLE
from phb.people.models import Person
from phb.plans.models import PlanVersion
from tests.factories import actor, make_person, make_user
from tests.factories_plans import agreed_plan
from tests.web.helpers import login, post_form

MARGARET = next(p for p in PEOPLE if p.family_name == "Okafor")


def _margaret(db, casey):
    person = make_person(db, MARGARET.given_name, MARGARET.family_name, case_manager=casey)
    person.nhs_number = MARGARET.nhs_number
    db.flush()
    return person


def _post(client, url, data):
    return post_form(client, url, data, follow_redirects=False)


def test_a_case_manager_writes_a_plan_with_margaret_and_prints_the_one_page_summary(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    margaret = _margaret(db, casey)
    base = f"/people/{margaret.id}/plan"
    login(client, "casey")

    person_page = client.get(f"/people/{margaret.id}")
    assert f'href="{base}"' in person_page.text  # linked from the person page automatically
    assert f'href="/people/{margaret.id}/reviews"' in person_page.text

    assert "Start a care and support plan" in client.get(base).text
    assert _post(client, base, {}).status_code == 303
    page = client.get(base)
    assert "Current stage" in page.text
    assert "What comes next" in page.text
    assert "Move on to preparation" in page.text

    assert _post(client, f"{base}/stage", {"base_version": 1}).status_code == 303
    steps = [
        ("involvement", {"person_prepared": "yes", "person_chose_involved": "yes"}),
        ("participant", {"name": "Grace Okafor", "role": "Daughter", "chosen_by_person": "yes"}),
        (
            "summary",
            {
                "appreciate_about_me": "My stories and my laugh",
                "important_to_me": "Sunday lunch with Grace; my church choir",
                "how_to_support_me": "Large print, and give me time to answer",
                "health_summary": "Heart failure and arthritis",
                "reason": "Written with Margaret at home",
            },
        ),
        ("details", {"contingency": "Grace steps in if a PA is off sick"}),
        ("outcome", {"text": "I want to sing with my choir again", "written_by": "Margaret", "person_involved": "yes"}),
        (
            "action",
            {"outcome_ref": "1", "description": "Lift to choir on Thursdays", "owner": "PA", "due_on": "2026-09-01"},
        ),
        (
            "arrangements",
            {
                "care_coordinator": "Nina Patel",
                "health_monitor": "Community heart failure nurse",
                "budget_management": "direct_payment",
                "budget_sheet_included": "yes",
                "cohort": "chc_adults",
                "team": "North",
                "review_method": "Home visit with Grace",
                "knows_how_to_request_review": "yes",
            },
        ),
    ]
    with freeze_time("2026-07-01"):
        for section, data in steps:
            current = client.get(base)
            number = re.search(r"Version (\d+), saved", current.text).group(1)
            response = _post(client, f"{base}/edit/{section}", {**data, "base_version": number})
            assert response.status_code == 303, (section, response.text[:2000])
        _post(client, f"{base}/stage", {})
        _post(client, f"{base}/stage", {})
        agree_form = client.get(f"{base}/edit/agree")
        assert "2027-07-01" in agree_form.text  # the first review defaults to the latest the rules allow
        agreed = _post(
            client,
            f"{base}/edit/agree",
            {"agreed_on": "2026-07-01", "agreed_by": "Margaret Okafor", "person_agrees": "yes"},
        )
        assert agreed.status_code == 303, agreed.text[:3000]
        page = client.get(base)
    assert "Make it happen" in page.text
    assert "I want to sing with my choir again" in page.text
    assert "Not counted" in page.text
    assert "criterion 1" in page.text

    summary = client.get(f"{base}/print?part=summary")
    assert summary.status_code == 200
    assert "One-page summary: Margaret Okafor" in summary.text
    assert "Sunday lunch with Grace" in summary.text
    assert "I want to sing with my choir again" not in summary.text  # the one page only
    assert '<link rel="stylesheet" href="/static/phb/plans-print.css">' in summary.text
    assert client.get("/static/phb/plans-print.css").headers["content-type"].startswith("text/css")
    easy = client.get(f"{base}/print?part=summary&style=easy-read")
    assert "What matters to me" in easy.text
    assert 'class="easy-read"' in easy.text
    pdf = client.get(f"{base}/pdf?part=summary")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    versions = client.get(f"{base}/versions")
    assert "Written with Margaret at home" in versions.text
    assert "Agreed with Margaret Okafor" in versions.text


def test_bad_input_on_a_page_names_the_field_and_saves_nothing(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Leon", "Baptiste", case_manager=casey)
    login(client, "casey")
    _post(client, f"/people/{person.id}/plan", {})
    response = _post(
        client,
        f"/people/{person.id}/plan/edit/outcome",
        {"text": "Swim alone", "written_by": "Nurse", "base_version": 1},
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert 'href="#person_involved"' in response.text
    htmx = post_form(
        client,
        f"/people/{person.id}/plan/edit/outcome",
        {"text": "", "written_by": "", "base_version": 1},
        headers={"HX-Request": "true", "HX-Target": "plan-main"},
    )
    assert htmx.status_code == 422
    assert "<html" not in htmx.text  # only the form block
    assert db.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_outside_the_caseload_is_not_found_and_a_dp_officer_may_not_edit(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "nina", Role.NURSE_ASSESSOR)
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    person = make_person(db, "Margaret", "Okafor", case_manager=casey)
    login(client, "casey")
    _post(client, f"/people/{person.id}/plan", {})
    client.cookies.clear()
    login(client, "nina")
    assert client.get(f"/people/{person.id}/plan").status_code == 404
    assert client.get(f"/api/v1/people/{person.id}/plan").status_code == 404
    client.cookies.clear()
    login(client, "dana")
    assert client.get(f"/people/{person.id}/plan").status_code == 200
    response = _post(client, f"/people/{person.id}/plan/edit/summary", {"important_to_me": "x", "base_version": 1})
    assert response.status_code == 403


def test_api_refuses_an_action_without_owner_and_serves_fhir_to_the_person(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "Aisha", "Rahman", case_manager=casey)
    with freeze_time("2026-07-01"):
        agreed_plan(db, actor(db, casey), person.id, agreed_on=dt.date(2026, 7, 1))
    staff_token = create_api_token(db, casey, name="t", scope="write")
    bad = client.post(
        f"/api/v1/people/{person.id}/plan/actions",
        json={"outcome_ref": 1, "description": "Book physio", "owner": "", "due_on": None},
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"owner", "due_on"}
    account = make_user(db, "aisha", Role.PERSON, person_id=person.id)
    token = create_api_token(db, account, name="mine", scope="write")
    auth = {"Authorization": f"Bearer {token}"}
    mine = client.get(f"/api/v1/people/{person.id}/plan", headers=auth)
    assert mine.status_code == 200
    assert mine.json()["version"]["important_to_me"] == "My garden and my grandchildren"
    care_plan = client.get(f"/api/v1/people/{person.id}/plan/fhir", headers=auth)
    assert care_plan.headers["content-type"].startswith("application/fhir+json")
    assert care_plan.json()["resourceType"] == "CarePlan"
    assert client.post(f"/api/v1/people/{person.id}/plan/reviews/requests", json={}, headers=auth).status_code == 201
    edit = client.put(f"/api/v1/people/{person.id}/plan/summary", json={"important_to_me": "x"}, headers=auth)
    assert edit.status_code == 403


def test_reviews_dashboard_reports_and_csv(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    overdue = make_person(db, "Tom", "Price", case_manager=casey)
    later = make_person(db, "Elsie", "Grant", case_manager=casey)
    with freeze_time("2026-07-01"):
        agreed_plan(
            db, actor(db, casey), overdue.id, agreed_on=dt.date(2026, 7, 1), first_direct_payment_on=dt.date(2026, 7, 1)
        )
        agreed_plan(db, actor(db, casey), later.id, agreed_on=dt.date(2026, 7, 1), team="South")
    login(client, "casey")
    with freeze_time("2026-10-05"):
        dashboard = client.get("/reviews")
        assert "Tom Price" in dashboard.text
        assert "Overdue" in dashboard.text
        assert "Elsie Grant" not in dashboard.text
        everyone = client.get("/reviews?show=all", headers={"HX-Request": "true", "HX-Target": "reviews-results"})
        assert "Elsie Grant" in everyone.text
        assert "<html" not in everyone.text
        report = client.get("/reports/pcsp?quarter=2026Q3")
        assert "1187911000000105" in report.text
        assert "New plans agreed: 2" in report.text
        figures = client.get("/reports/pcsp.csv?quarter=2026Q3")
        assert figures.headers["content-type"].startswith("text/csv")
        assert "new,1187911000000105,team,South,1" in figures.text
        bad = client.get("/reports/pcsp?quarter=Q3")
        assert bad.status_code == 422
        assert "like 2026Q3" in bad.text
        ret = client.get("/reports/phb-return.csv?quarter=2026Q3&records=true")
        assert ret.text.count("Tom Price") == 2  # during the quarter and at its end
        assert "Held at the end of the quarter: 2" in client.get("/reports/phb-return?quarter=2026Q3").text


def test_demo_people_exist_in_the_demo_set():
    assert {p.nhs_number for p in PEOPLE} >= {
        "9990000018",
        "9990000026",
        "9990000034",
        "9990000042",
        "9990000050",
        "9990000069",
    }
    assert Person.__tablename__ == "people"


def test_recording_a_review_on_the_page_needs_progress_on_each_outcome(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    person = make_person(db, "James", "Whitfield", case_manager=casey)
    with freeze_time("2026-07-01"):
        agreed_plan(db, actor(db, casey), person.id, agreed_on=dt.date(2026, 7, 1))
    login(client, "casey")
    url = f"/people/{person.id}/reviews/new"
    with freeze_time("2026-09-01"):
        missing = _post(client, url, {"held_on": "2026-09-01"})
        assert missing.status_code == 422
        assert 'href="#progress_1"' in missing.text
        assert 'id="progress_1"' in missing.text
        beyond = _post(client, url, {"held_on": "2026-09-01", "progress_1": "achieved", "next_review_on": "2027-09-02"})
        assert beyond.status_code == 422
        assert "on or before 2027-09-01" in beyond.text
        done = _post(
            client,
            url,
            {"held_on": "2026-09-01", "progress_1": "achieved", "budget_covers_full_cost": "true", "insurance": "met"},
        )
        assert done.status_code == 303
        page = client.get(f"/people/{person.id}/reviews")
    assert "1 September 2026" in page.text
    assert "Achieved" in page.text
    assert "Next review by 1 September 2027" in page.text
