"""Pure plan rules: review dates around the three- and twelve-month limits, the five criteria, quarters, counting."""

import datetime as dt

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from phb.plans.rules import (
    BudgetManagement,
    BudgetRecord,
    Cohort,
    CriterionEvidence,
    OutcomeFacts,
    PlanFacts,
    Quarter,
    ReviewStatus,
    RiskBand,
    add_months,
    agreement_problems,
    due_by,
    evaluate_criteria,
    failed_criteria,
    pcsp_report,
    phb_return,
    review_date_problem,
    review_deadline,
    review_status,
)

D = dt.date


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def test_months_are_added_with_the_end_of_month_kept():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2028, 2, 29), 12) == D(2029, 2, 28)
    assert add_months(D(2026, 11, 15), 3) == D(2027, 2, 15)


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2090, 1, 1)), st.integers(min_value=0, max_value=36))
def test_adding_months_never_goes_backwards_or_past_the_month(day, months):
    later = add_months(day, months)
    assert later >= day
    assert (later.year - day.year) * 12 + later.month - day.month == months


@pytest.mark.parametrize(
    ("proposed", "ok"),
    [(D(2026, 4, 14), True), (D(2026, 4, 15), True), (D(2026, 4, 16), False)],
)
def test_first_review_within_three_months_of_the_first_direct_payment(proposed, ok):
    with freeze_time("2026-01-20"):
        deadline = review_deadline(
            today=today(), agreed_on=D(2026, 1, 10), last_review_on=None, first_direct_payment_on=D(2026, 1, 15)
        )
        assert deadline.latest == D(2026, 4, 15)
        assert (review_date_problem(proposed, deadline, today()) is None) is ok


@pytest.mark.parametrize(
    ("proposed", "ok"),
    [(D(2027, 3, 30), True), (D(2027, 3, 31), True), (D(2027, 4, 1), False)],
)
def test_then_at_least_every_twelve_months_from_the_last_review(proposed, ok):
    with freeze_time("2026-04-01"):
        deadline = review_deadline(
            today=today(),
            agreed_on=D(2026, 1, 10),
            last_review_on=D(2026, 3, 31),
            first_direct_payment_on=D(2026, 1, 15),
        )
        assert deadline.latest == D(2027, 3, 31)
        assert deadline.interval_months == 12
        problem = review_date_problem(proposed, deadline, today())
        assert (problem is None) is ok
        if not ok:
            assert "2027-03-31" in problem


def test_without_a_direct_payment_the_first_review_is_twelve_months_after_agreement():
    deadline = review_deadline(
        today=D(2026, 5, 1), agreed_on=D(2026, 5, 1), last_review_on=None, first_direct_payment_on=None
    )
    assert deadline.latest == D(2027, 5, 1)


def test_a_review_held_before_the_first_payment_does_not_satisfy_the_three_month_rule():
    deadline = review_deadline(
        today=D(2026, 6, 1),
        agreed_on=D(2026, 1, 1),
        last_review_on=D(2026, 2, 1),
        first_direct_payment_on=D(2026, 3, 1),
    )
    assert deadline.latest == D(2026, 6, 1)


@pytest.mark.parametrize(
    ("band", "plan_months", "latest"),
    [
        (None, None, D(2027, 1, 1)),
        (RiskBand.MODERATE, None, D(2027, 1, 1)),
        (RiskBand.HIGH, None, D(2026, 7, 1)),
        (RiskBand.EXTREME, None, D(2026, 4, 1)),
        (None, 9, D(2026, 10, 1)),
        (RiskBand.HIGH, 3, D(2026, 4, 1)),
    ],
)
def test_risk_and_the_plan_can_only_shorten_the_interval(band, plan_months, latest):
    deadline = review_deadline(
        today=D(2026, 1, 1),
        agreed_on=D(2026, 1, 1),
        last_review_on=None,
        first_direct_payment_on=None,
        risk_band=band,
        plan_months=plan_months,
    )
    assert deadline.latest == latest


def test_a_review_date_in_the_past_is_refused():
    deadline = review_deadline(
        today=D(2026, 5, 1), agreed_on=D(2026, 1, 1), last_review_on=None, first_direct_payment_on=None
    )
    assert "today or later" in review_date_problem(D(2026, 4, 30), deadline, D(2026, 5, 1))


def test_due_status_around_the_dates():
    deadline = review_deadline(
        today=D(2026, 1, 1), agreed_on=D(2026, 1, 1), last_review_on=None, first_direct_payment_on=None
    )
    assert due_by(D(2027, 6, 1), deadline) == D(2027, 1, 1)  # a planned date the rules no longer allow
    assert review_status(D(2026, 6, 1), D(2026, 6, 2), requested=False) is ReviewStatus.OVERDUE
    assert review_status(D(2026, 6, 1), D(2026, 6, 1), requested=False) is ReviewStatus.DUE_SOON
    assert review_status(D(2026, 8, 1), D(2026, 6, 1), requested=True) is ReviewStatus.REQUESTED
    assert review_status(D(2026, 7, 1), D(2026, 6, 1), requested=False) is ReviewStatus.DUE_SOON
    assert review_status(D(2026, 7, 2), D(2026, 6, 1), requested=False) is ReviewStatus.SCHEDULED


EVIDENCE = {n: CriterionEvidence(met=True, evidence=f"seen {n}") for n in range(1, 6)}


def good_plan(plan_id: int = 1, **changes: object) -> PlanFacts:
    values: dict[str, object] = {
        "plan_id": plan_id,
        "person_id": plan_id,
        "label": f"Person {plan_id}",
        "version": 1,
        "important_to_me": "My garden",
        "contingency": "Daughter covers",
        "care_coordinator": "Nina",
        "health_monitor": "GP",
        "budget_management": BudgetManagement.DIRECT_PAYMENT,
        "budget_sheet_included": True,
        "person_prepared": True,
        "person_chose_involved": True,
        "participants": 1,
        "outcomes": (OutcomeFacts(ref=1, text="Garden", person_involved=True, actions=1),),
        "next_review_on": D(2027, 1, 1),
        "review_method": "Home visit",
        "knows_how_to_request_review": True,
        "evidence": EVIDENCE,
        "team": "North",
        "cohort": Cohort.CHC_ADULTS,
    }
    values.update(changes)
    return PlanFacts(**values)  # type: ignore[arg-type]


def test_a_complete_plan_meets_all_five_criteria():
    assert all(r.met for r in evaluate_criteria(good_plan()))
    assert agreement_problems(good_plan()) == {}


@pytest.mark.parametrize(
    ("changes", "failed", "words"),
    [
        ({"person_chose_involved": False}, (1,), "chose who was involved"),
        ({"important_to_me": ""}, (2, 4), "important to the person"),
        ({"outcomes": (OutcomeFacts(1, "x", person_involved=False, actions=1),)}, (3,), "without the person"),
        ({"contingency": ""}, (4,), "contingency"),
        ({"budget_sheet_included": False}, (4,), "budget sheet"),
        ({"knows_how_to_request_review": False}, (5,), "ask for a review"),
        ({"evidence": {**EVIDENCE, 2: CriterionEvidence(met=False, evidence="only clinical needs")}}, (2,), "not met"),
        ({"evidence": {**EVIDENCE, 5: CriterionEvidence()}}, (5,), "no evidence"),
    ],
)
def test_the_criteria_gate_names_the_failed_criterion(changes, failed, words):
    plan = good_plan(**changes)
    assert failed_criteria(plan) == failed
    reasons = " ".join(r for result in evaluate_criteria(plan) if not result.met for r in result.reasons)
    assert words in reasons


def test_agreement_needs_coordinator_monitor_budget_and_actions():
    plan = good_plan(
        care_coordinator="",
        health_monitor="",
        budget_management=None,
        outcomes=(OutcomeFacts(1, "x", person_involved=True, actions=0),),
    )
    assert set(agreement_problems(plan)) == {"care_coordinator", "health_monitor", "budget_management", "actions"}


def test_quarters():
    q = Quarter.parse("2026Q3")
    assert (q.start, q.end) == (D(2026, 7, 1), D(2026, 9, 30))
    assert q.financial_year_label == "2026/27 Q2"
    assert Quarter.parse("2027-q1").financial_year_label == "2026/27 Q4"
    assert str(Quarter.containing(D(2026, 12, 31))) == "2026Q4"
    assert D(2026, 9, 30) in q
    assert D(2026, 10, 1) not in q
    with pytest.raises(ValueError, match="like 2026Q3"):
        Quarter.parse("Q3 2026")


def test_the_quarterly_count_against_a_hand_checked_fixture():
    """Hand-checked: 2026Q3 (1 July to 30 September 2026).

    New plans agreed: 1 (North, 1 Jul) counted; 2 (South, 30 Sep, category Neuro) counted; 3 (North, 15 Aug) fails
    criterion 3; 4 agreed 30 Jun (previous quarter) and 5 agreed 1 Oct (next quarter) are outside. New = 2.
    Reviews: person 1 reviewed 10 Jul and 20 Sep (counts once, dated 20 Sep); person 6 (South) reviewed 1 Sep,
    counted; person 7 reviewed 1 Aug but fails criterion 5; person 8 reviewed 30 Jun, outside. Reviewed = 2.
    """
    q = Quarter.parse("2026Q3")
    p1, p2 = good_plan(1), good_plan(2, team="South", local_category="Neuro")
    p3 = good_plan(3, outcomes=(OutcomeFacts(1, "x", person_involved=False, actions=1),))
    p4, p5 = good_plan(4), good_plan(5)
    p6, p7 = good_plan(6, team="South"), good_plan(7, knows_how_to_request_review=False)
    p8 = good_plan(8)
    agreed = [
        (p1, D(2026, 7, 1)),
        (p2, D(2026, 9, 30)),
        (p3, D(2026, 8, 15)),
        (p4, D(2026, 6, 30)),
        (p5, D(2026, 10, 1)),
    ]
    reviewed = [
        (p1, D(2026, 7, 10)),
        (p1, D(2026, 9, 20)),
        (p6, D(2026, 9, 1)),
        (p7, D(2026, 8, 1)),
        (p8, D(2026, 6, 30)),
    ]
    report = pcsp_report(q, agreed, reviewed)
    assert [p.plan_id for p in report.new.counted] == [1, 2]
    assert [(p.plan_id, p.failed) for p in report.new.not_counted] == [(3, (3,))]
    assert {k: [p.plan_id for p in v] for k, v in report.new.by("team").items()} == {"North": [1], "South": [2]}
    assert {k: len(v) for k, v in report.new.by("local_category").items()} == {"Neuro": 1, "Not recorded": 1}
    assert [(p.plan_id, p.event_on) for p in report.reviewed.counted] == [(6, D(2026, 9, 1)), (1, D(2026, 9, 20))]
    assert [(p.plan_id, p.failed) for p in report.reviewed.not_counted] == [(7, (5,))]
    assert report.new.snomed_code == "1187911000000105"
    assert report.reviewed.snomed_code == "1187921000000104"


def test_the_national_return_against_a_hand_checked_fixture():
    """Hand-checked, 2026Q3: during the quarter = held on any day 1 Jul–30 Sep; at the end = held on 30 Sep.

    1 CHC direct payment from 2025 (still held): during and at end. 2 CHC notional from 15 Aug: both.
    3 section 117 third party, ended 1 Aug: during only. 4 wheelchair direct payment, ended 30 Jun: neither
    (ended before the quarter). 5 children's mixed from 1 Oct: neither. 6 ended on 30 Sep: during only (not held on
    its last day). 7 agreed with no type: left out, listed.
    """

    def rec(plan_id, start, end, kind, cohort):
        return BudgetRecord(plan_id, plan_id, f"P{plan_id}", start, end, kind, cohort)

    records = [
        rec(1, D(2025, 3, 1), None, BudgetManagement.DIRECT_PAYMENT, Cohort.CHC_ADULTS),
        rec(2, D(2026, 8, 15), None, BudgetManagement.NOTIONAL, Cohort.CHC_ADULTS),
        rec(3, D(2026, 1, 1), D(2026, 8, 1), BudgetManagement.THIRD_PARTY, Cohort.SECTION_117),
        rec(4, D(2026, 1, 1), D(2026, 6, 30), BudgetManagement.DIRECT_PAYMENT, Cohort.WHEELCHAIR),
        rec(5, D(2026, 10, 1), None, BudgetManagement.MIXED, Cohort.CHILDRENS_CONTINUING_CARE),
        rec(6, D(2026, 2, 1), D(2026, 9, 30), BudgetManagement.DIRECT_PAYMENT, Cohort.CHC_ADULTS),
        rec(7, D(2026, 2, 1), None, None, Cohort.OTHER),
    ]
    result = phb_return(Quarter.parse("2026Q3"), records)
    assert sorted(r.plan_id for r in result.during.total) == [1, 2, 3, 6]
    assert sorted(r.plan_id for r in result.at_end.total) == [1, 2]
    assert [r.plan_id for r in result.during.cell(Cohort.CHC_ADULTS, BudgetManagement.DIRECT_PAYMENT)] == [1, 6]
    assert len(result.during.by_type(BudgetManagement.DIRECT_PAYMENT)) == 2
    assert len(result.at_end.by_cohort(Cohort.SECTION_117)) == 0
    assert [r.plan_id for r in result.incomplete] == [7]
