"""Risk pages: the swimming journey, bad input, permissions, the heat-map, history and the printable card."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from phb.accounts.rules import Role
from phb.audit.models import AuditEvent
from phb.risk.models import CapacityAssessment, ContingencyPlan, Risk, RiskAction, RiskDiscussion
from tests.factories import make_person, make_user
from tests.factories_risk import make_contingency_plan, make_delegated_task, make_risk
from tests.web.helpers import login, post_form

TODAY = dt.datetime.now(dt.UTC).date()


def _in(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


def _leon(db, manager=None):
    return make_person(db, "Leon", "Baptiste", case_manager=manager)


RISK_FORM = {
    "title": "swimming alone",
    "category": "clinical",
    "description": "A seizure in the water with nobody close by",
    "person_view": "I know the risk. I'd rather swim than sit at home.",
    "likelihood": "3",
    "impact": "5",
    "approach": "reduce",
    "mitigations": "Swims in lifeguarded public sessions; lifeguards told about his epilepsy; wears a seizure alarm",
    "residual_likelihood": "2",
    "residual_impact": "5",
    "owner": "Leon Baptiste",
    "review_on": _in(90),
    "action_description": "Speak to the pool manager about a lane near the lifeguard chair",
    "action_owner": "Casey Morgan",
    "action_due_on": _in(14),
}


def test_case_manager_records_leons_swimming_discussion_risks_and_contingency_plan(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    login(client, "casey")
    base = f"/people/{leon.id}/risks"

    person_page = client.get(f"/people/{leon.id}")
    assert f'href="{base}"' in person_page.text  # linked from the person's record automatically

    form = client.get(f"{base}/discussions/new")
    assert form.status_code == 200
    assert "in their own words" in form.text
    discussion = post_form(
        client,
        f"{base}/discussions",
        {
            "held_on": TODAY.isoformat(),
            "participants": "Leon Baptiste (the person)\nMarie Baptiste (mum)\nCasey Morgan (case manager)",
            "wants_to_do": "I want to swim on my own at the local pool, like everyone else my age.",
            "words_of": "Leon Baptiste",
            "benefits": "Fitness and weight; independence from his mum; confidence; seeing friends at the pool",
            "risk_they_accept": "I'll take the chance of a seizure if the lifeguards know.",
            "organisation_can_support": "Pool pass and a seizure alarm from the budget",
        },
        follow_redirects=False,
    )
    assert discussion.status_code == 303
    page = client.get(discussion.headers["location"])
    assert "“I want to swim on my own at the local pool, like everyone else my age.”" in page.text
    assert "Leon Baptiste, in their own words" in page.text
    assert "Marie Baptiste (mum)" in page.text
    discussion_id = db.scalar(select(RiskDiscussion.id).where(RiskDiscussion.person_id == leon.id))

    linked_form = client.get(f"{base}/new?discussion_id={discussion_id}")
    assert f'<option value="{discussion_id}" selected' in linked_form.text
    created = post_form(client, base, {**RISK_FORM, "discussion_id": str(discussion_id)}, follow_redirects=False)
    assert created.status_code == 303
    risk_page = client.get(created.headers["location"])
    assert "3 × impact 5 = 15" in risk_page.text
    assert "2 × impact 5 = 10" in risk_page.text
    assert "Extreme" in risk_page.text
    assert "High" in risk_page.text
    assert "lane near the lifeguard chair" in risk_page.text
    assert "Risk registered" in risk_page.text  # history starts with its creation

    plan = post_form(
        client,
        f"{base}/contingency-plans",
        {
            "scenario": "I have a seizure at the pool",
            "warning_signs": "Aura: a rising feeling in his stomach",
            "what_to_do": "Get out of the water and tell the lifeguard",
            "contacts": "Marie Baptiste (mum) 07700 900123\nEpilepsy nurse 0113 496 0123",
            "budget_may_pay_for": "A taxi home",
        },
        follow_redirects=False,
    )
    assert plan.status_code == 303

    overview = client.get(base)
    assert overview.status_code == 200
    assert "swimming alone" in overview.text
    assert "residual rating 10 (high) for &#39;swimming alone&#39;" in overview.text
    assert "What if I have a seizure at the pool" in overview.text
    assert f"/people/{leon.id}/risks/contingency-plans/card" in overview.text
    assert db.scalar(select(func.count()).select_from(Risk).where(Risk.person_id == leon.id)) == 1
    assert db.scalar(select(RiskAction.owner).where(RiskAction.person_id == leon.id)) == "Casey Morgan"
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.person_id == leon.id)))
    assert {"risk_discussions.created", "risks.created", "risk_actions.created", "contingency_plans.created"} <= actions


def test_bad_risk_input_names_each_field_and_saves_nothing(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    login(client, "casey")
    response = post_form(
        client,
        f"/people/{leon.id}/risks",
        {**RISK_FORM, "likelihood": "6", "impact": "0", "review_on": _in(-1)},
    )
    assert response.status_code == 422
    assert "There is a problem" in response.text
    assert {"likelihood", "impact", "review_on"} <= set(re.findall(r'href="#(\w+)"', response.text))
    assert "Likelihood must be a whole number from 1 to 5" in response.text
    assert "Impact must be a whole number from 1 to 5" in response.text
    assert "The review date must be today or in the future" in response.text
    assert 'value="swimming alone"' in response.text  # what they typed is kept
    assert db.scalar(select(func.count()).select_from(Risk)) == 0


def test_htmx_form_error_returns_only_the_form_block(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    login(client, "casey")
    response = post_form(
        client,
        f"/people/{leon.id}/risks",
        {**RISK_FORM, "likelihood": "9"},
        headers={"HX-Request": "true", "HX-Target": "risk-form"},
    )
    assert response.status_code == 422
    assert "<html" not in response.text
    assert "Likelihood must be a whole number from 1 to 5" in response.text
    ok = post_form(
        client, f"/people/{leon.id}/risks", RISK_FORM, headers={"HX-Request": "true", "HX-Target": "risk-form"}
    )
    assert ok.status_code == 204
    assert re.fullmatch(rf"/people/{leon.id}/risks/\d+", ok.headers["hx-redirect"])


def test_capacity_outcome_without_assessor_is_refused_on_the_field(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    login(client, "casey")
    response = post_form(
        client,
        f"/people/{leon.id}/risks/capacity-assessments",
        {
            "decision": "Whether to swim alone",
            "assessed_on": TODAY.isoformat(),
            "outcome": "has_capacity",
            "assessor": "",
            "how_supported": "Easy read leaflet about seizures in water; time to think",
        },
    )
    assert response.status_code == 422
    assert 'href="#assessor"' in response.text
    assert "an outcome cannot be recorded without an assessor" in response.text
    assert db.scalar(select(func.count()).select_from(CapacityAssessment)) == 0


def test_case_manager_outside_caseload_gets_404_and_direct_payments_officer_403_on_edit(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    make_user(db, "nina", Role.NURSE_ASSESSOR)
    make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER)
    leon = _leon(db, casey)
    risk = make_risk(db, leon.id)

    login(client, "nina")
    for url in (f"/people/{leon.id}/risks", f"/people/{leon.id}/risks/{risk.id}", f"/people/{leon.id}/risks/new"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Baptiste" not in response.text
    assert post_form(client, f"/people/{leon.id}/risks", RISK_FORM).status_code == 404

    client.cookies.clear()
    login(client, "dana")
    overview = client.get(f"/people/{leon.id}/risks")
    assert overview.status_code == 200  # they may read it
    assert "Add a risk to the register" not in overview.text  # but are not offered the forms
    assert client.get(f"/people/{leon.id}/risks/new").status_code == 403
    assert post_form(client, f"/people/{leon.id}/risks", RISK_FORM).status_code == 403
    review = post_form(
        client,
        f"/people/{leon.id}/risks/{risk.id}/review",
        {**RISK_FORM, "status": "open", "reason": "x", "version": "1"},
    )
    assert review.status_code == 403
    assert db.scalar(select(func.count()).select_from(Risk)) == 1


def test_reviewing_a_risk_keeps_its_history_on_the_page(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    login(client, "casey")
    created = post_form(client, f"/people/{leon.id}/risks", RISK_FORM, follow_redirects=False)
    url = created.headers["location"]
    form = client.get(f"{url}/review")
    assert 'name="version"' in form.text
    review = {
        **{k: v for k, v in RISK_FORM.items() if not k.startswith("action_")},
        "residual_likelihood": "1",
        "status": "open",
        "reason": "Three months of lifeguarded sessions without a seizure",
        "version": "1",
    }
    saved = post_form(client, f"{url}/review", review, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(url)
    assert "Risk reviewed" in page.text
    assert "residual likelihood: 2 → 1" in page.text
    assert "Three months of lifeguarded sessions without a seizure" in page.text
    assert "Risk registered" in page.text
    assert "version 2" in page.text

    stale = post_form(client, f"{url}/review", {**review, "residual_likelihood": "3"})
    assert stale.status_code == 409  # someone (here: us) saved version 2 since this form's version 1
    assert "Someone else saved first" in stale.text


def test_heat_map_places_each_open_risk_and_has_a_table_alternative(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    make_risk(db, leon.id, "swimming alone", residual=(3, 5))
    make_risk(db, leon.id, "running out of money", category="financial", likelihood=2, impact=2, residual=(1, 2))
    make_risk(db, leon.id, "old closed risk", residual=(5, 5), status="closed")
    login(client, "casey")
    page = client.get(f"/people/{leon.id}/risks").text

    heat_map = page.split('class="phb-heat-map"')[1].split("</table>")[0]
    cells = re.findall(r'<td class="phb-heat-map__cell phb-heat-map__cell--(\w+)[^"]*">(.*?)</td>', heat_map, re.DOTALL)
    assert len(cells) == 25
    filled = {band: body for band, body in cells if "<li>" in body}
    assert "swimming alone" in filled["extreme"]
    assert "running out of money" in filled["low"]
    assert "old closed risk" not in heat_map  # closed risks leave the map
    assert '15 <span class="phb-heat-map__band">extreme</span>' in heat_map  # the band in words, not colour alone
    assert 'scope="row"' in heat_map
    assert 'scope="col"' in heat_map
    table = page.split('id="heat-map-table"')[1].split("</table>")[0]
    assert "3 × 5 = 15 (extreme)" in table
    assert "1 × 2 = 2 (low)" in table
    assert ' style="' not in page
    assert "<script>" not in page


def test_contingency_card_prints_every_plan_on_one_page(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    make_contingency_plan(db, leon.id, "my personal assistant does not arrive")
    make_contingency_plan(db, leon.id, "I am admitted to hospital")
    login(client, "casey")
    card = client.get(f"/people/{leon.id}/risks/contingency-plans/card")
    assert card.status_code == 200
    assert "If something goes wrong: Leon Baptiste" in card.text
    assert "What if my personal assistant does not arrive" in card.text
    assert "What if I am admitted to hospital" in card.text
    assert "Agency: 0113 496 0000" in card.text
    assert '<link rel="stylesheet" href="/static/phb/risk.css">' in card.text
    assert ' style="' not in card.text
    css = client.get("/static/phb/risk.css")
    assert css.status_code == 200
    assert "@media print" in css.text
    assert "size: A4" in css.text
    print_rules = css.text.split("@media print")[1]
    assert ".nhsuk-header" in print_rules
    assert ".phb-no-print" in print_rules
    assert db.scalar(select(func.count()).select_from(ContingencyPlan)) == 2


def test_overdue_competency_review_is_flagged(client, db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    leon = _leon(db, casey)
    make_delegated_task(db, leon.id, review_on=TODAY - dt.timedelta(days=1), task="Rescue medication")
    make_delegated_task(db, leon.id, review_on=TODAY + dt.timedelta(days=30), task="Stoma care")
    login(client, "casey")
    page = client.get(f"/people/{leon.id}/risks").text
    section = page.split('id="delegated-tasks"')[1]
    rows = section.split("<tr")
    overdue_row = next(r for r in rows if "Rescue medication" in r)
    fine_row = next(r for r in rows if "Stoma care" in r)
    assert "Competency review overdue" in overdue_row
    assert "Competency review overdue" not in fine_row
