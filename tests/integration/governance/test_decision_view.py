"""What the decider sees: the record a request is about in full, and earlier decisions of the same kind."""

import datetime as dt

import pytest

from phb.budgets import services as budgets
from phb.budgets.schemas import SheetChange
from phb.governance import services
from phb.governance.models import DecisionOutcome, LocalPrinciple
from phb.governance.rules import Action, DecisionType, Outcome
from phb.governance.schemas import DecisionInput
from phb.governance.subjects import SubjectView, ViewSection
from phb.money import format_gbp, gbp
from phb.spending import integration
from tests.factories import make_person
from tests.factories_budgets import propose_final
from tests.factories_governance import complete_checklist, make_team
from tests.factories_risk import make_risk
from tests.factories_spending import make_account, make_finding

D = DecisionType


@pytest.fixture
def team(db):
    return make_team(db)


def _sections(view: SubjectView) -> dict[str, ViewSection]:
    return {section.heading: section for section in view.sections}


def _rows(section: ViewSection) -> dict[str, str]:
    return dict(section.rows)  # a summary list: (key, value) pairs


def test_a_final_budget_request_shows_the_budget_in_full(db, team):
    person_id = team.person.id
    final = propose_final(db, team["casey"], person_id, [team["nina"], team["sam"], team["drew"]])
    make_risk(db, person_id, "Falls when transferring without the hoist", residual=(3, 5))  # 15: above level 2's 12
    make_risk(db, person_id, "Missed medication", residual=(2, 3))  # 6: within every level's tolerance
    request = services.request_for(db, "final_budget", final.id)

    view = services.request_detail(db, team["sam"], request.id).subject

    assert view is not None
    assert (view.title, view.url, view.link_text) == (
        "Final budget 1",
        f"/people/{person_id}/budget",
        "Open the budget page",
    )
    assert view.notes == ()  # nothing about the budget itself stands in the way of approving it
    sections = _sections(view)
    assert list(sections) == [
        "Final budget 1",
        "Budget sheet version 2 by category",
        "Direct payment",
        "Variance",
        "Sign-off checklist",
        "Risks above level 2's tolerance (residual rating above 12)",
    ]
    budget = _rows(sections["Final budget 1"])
    assert budget["Final budget"] == f"{format_gbp(final.annual_amount)} a year"
    assert budget["In force"] == "From 1 April 2026 to 31 March 2027"
    assert budget["How it is held"] == "Direct payment"

    sheet = budgets.current_sheet(db, team["casey"], person_id)
    by_category = sections["Budget sheet version 2 by category"]
    assert by_category.columns == ("Category", "A year", "Share")
    assert by_category.rows == (
        *((t.label, format_gbp(t.amount), f"{t.percent}%") for t in sheet.by_category),
        ("Total", format_gbp(sheet.annual_total), "100%"),
    )
    assert {"Personal assistant wages", "Insurance"} <= {row[0] for row in by_category.rows}
    assert by_category.link_url == f"/people/{person_id}/budget/sheet?version=2"

    payment = _rows(sections["Direct payment"])
    assert payment == {
        "Amount": f"{format_gbp(final.dp_amount_per_period)} a month",
        "How often": "Monthly",
        "Over a year": format_gbp(final.dp_annual),
        "First payment": "1 April 2026",
        "Paid to": "The person",
        "Notice before a reduction": "28 days",
    }
    variance = _rows(sections["Variance"])
    assert variance["Final budget"] == format_gbp(final.annual_amount)
    assert variance[f"Budget sheet version {sheet.version}"] == format_gbp(sheet.annual_total)
    assert variance["Why they differ"] == "Adds insurance"

    checklist = sections["Sign-off checklist"]
    assert _rows(checklist)["State"] == "Not complete: 0 of 18 items recorded, 18 not yet"
    assert checklist.link_url == f"/people/{person_id}/decisions/checklist"
    risks = sections["Risks above level 2's tolerance (residual rating above 12)"]
    assert risks.rows == (("Falls when transferring without the hoist", "15", risks.rows[0][2]),)

    complete_checklist(db, team["casey"], person_id)
    view = services.request_detail(db, team["sam"], request.id).subject
    assert _rows(_sections(view)["Sign-off checklist"]) == {"State": "Complete: all 18 items recorded"}


def test_a_final_budget_that_cannot_be_approved_says_why_before_the_decider_tries(db, team):
    person_id = team.person.id
    final = propose_final(db, team["casey"], person_id, [team["nina"], team["sam"], team["drew"]])
    insurance = budgets.current_sheet(db, team["casey"], person_id).lines[-1]
    budgets.remove_line(db, team["casey"], person_id, insurance.id, SheetChange(reason="The council pays it now"))
    request = services.request_for(db, "final_budget", final.id)
    view = services.request_detail(db, team["sam"], request.id).subject
    assert any("The budget sheet has changed (now version 3)" in note for note in view.notes)
    assert "now at version 3" in _rows(_sections(view)["Final budget 1"])["Budget sheet"]


def test_an_indicative_budget_request_shows_its_plain_english_breakdown(db, team):
    final = propose_final(db, team["casey"], team.person.id, [team["nina"], team["sam"], team["drew"]])
    indicative = budgets.indicative_budget(db, team["casey"], team.person.id, final.indicative_budget_id)
    request = services.request_for(db, "indicative_budget", indicative.id)

    view = services.request_detail(db, team["nina"], request.id).subject

    assert (view.title, view.url) == ("Indicative budget 1", f"/people/{team.person.id}/budget")
    sections = _sections(view)
    assert (
        _rows(sections["Indicative budget 1"])["Indicative budget"] == f"{format_gbp(indicative.annual_amount)} a year"
    )
    breakdown = sections["How it was worked out"]
    assert breakdown.numeric
    assert breakdown.rows[:-1] == tuple(
        (f"{line.text} ({line.category.label})", format_gbp(line.annual)) for line in indicative.breakdown
    )
    assert breakdown.rows[-1] == ("Total", format_gbp(indicative.annual_amount))


def test_a_finding_request_shows_the_payee_amount_dates_and_reason(db, team):
    account = make_account(db, team.person.id)
    finding = make_finding(
        db, account, first_date=dt.date(2026, 10, 3), last_date=dt.date(2026, 10, 9), line_count=2, amount=gbp("45.00")
    )
    referral = integration.raise_decision(
        db,
        team["casey"],
        person_id=team.person.id,
        finding_id=finding.id,
        decision_type=D.FINANCIAL_AUDIT.value,
        summary="Recover the betting payments",
    )

    detail = services.request_detail(db, team["sam"], referral.request_id)

    assert (detail.subject.title, detail.subject.url) == (f"Audit finding {finding.id}", f"/findings/{finding.id}")
    rows = _rows(detail.subject.sections[0])
    assert rows["Paid to"] == "BET365"
    assert rows["Amount"] == "£45.00"
    assert rows["When"] == "3 October 2026 to 9 October 2026"
    assert rows["Statement lines"] == "2 lines"
    assert rows["Why it was flagged"] == "MCC 7995 betting"
    assert rows["What was found"] == "Excluded spending"


def test_a_request_about_no_record_has_no_subject(db, team):
    request = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type=D.CARE_PLAN_REVIEW, summary="Six-month review"
    )
    assert services.request_detail(db, team["nina"], request.id).subject is None


def _spend(db, team, summary, amount="320.00", person_id=None, decide_by="nina"):
    request = services.raise_request(
        db,
        team["casey"],
        person_id=person_id or team.person.id,
        decision_type=D.FLEXIBLE_BUDGET_SPEND,
        summary=summary,
        item_amount=gbp(amount),
    )
    if decide_by:
        services.decide(db, team[decide_by], request.id, DecisionInput(action=Action.APPROVE))
    return request


def test_earlier_decisions_of_the_same_kind_follow_the_principles_most_similar_first(db, team):
    older = _spend(db, team, "A gym membership to meet the mobility outcome")
    newer = _spend(db, team, "A tablet for video calls")
    kept = _spend(db, team, "Swimming sessions at the gym")
    outcome = db.query(DecisionOutcome).filter_by(request_id=kept.id).one()
    db.add(
        LocalPrinciple(
            outcome_id=outcome.id,
            decision_type=outcome.decision_type,
            principle="Gym sessions may be funded where they meet a mobility outcome",
            keywords="gym mobility outcome session",
            recorded_by_name="Cora",
        )
    )
    other_person = make_person(db, "Ada", "Jones", case_manager=team.users["casey"])  # not on nina's caseload
    elsewhere = _spend(db, team, "A gym membership for strength", "1500.00", other_person.id, decide_by="sam")
    care_review = services.raise_request(
        db, team["casey"], person_id=team.person.id, decision_type=D.CARE_PLAN_REVIEW, summary="Gym review"
    )
    services.decide(db, team["nina"], care_review.id, DecisionInput(action=Action.APPROVE))
    db.flush()
    asked = _spend(db, team, "Gym classes for mobility", decide_by=None)

    detail = services.request_detail(db, team["nina"], asked.id)

    assert [p.request_id for p in detail.precedents] == [kept.id]  # the principle, as before
    assert [e.request_id for e in detail.earlier] == [older.id, newer.id]  # not the principle, another type, Ada
    first = detail.earlier[0]
    assert (first.outcome, first.where, first.same_person) == (Outcome.APPROVED, "level 1", True)
    assert first.shared == ["gym", "mobility"]
    assert detail.earlier[1].shared == []

    # Someone who may see everyone sees the other person's decision too, by its summary, not as this person's.
    seen_by_sam = services.request_detail(db, team["sam"], asked.id).earlier
    assert [e.request_id for e in seen_by_sam] == [older.id, elsewhere.id, newer.id]
    assert not seen_by_sam[1].same_person

    # A decided request lists only what was decided before it.
    assert [e.request_id for e in services.request_detail(db, team["nina"], newer.id).earlier] == [older.id]


def test_at_most_five_earlier_decisions_are_listed(db, team):
    for n in range(7):
        _spend(db, team, f"Item {n} of garden equipment")
    asked = _spend(db, team, "More garden equipment", decide_by=None)
    assert len(services.request_detail(db, team["nina"], asked.id).earlier) == 5
