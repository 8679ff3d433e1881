"""Quarterly counts from the database, the national return, the CLI and the FHIR CarePlan."""

import csv
import datetime as dt
import io

import pytest
from click.testing import CliRunner
from fhir.resources.R4B.careplan import CarePlan
from freezegun import freeze_time

from phb.accounts.rules import Role
from phb.plans import fhir, reports, reviews, services
from phb.plans.rules import BudgetManagement, Cohort, Progress, Quarter
from phb.plans.schemas import (
    ArrangementsUpdate,
    OnePageSummaryUpdate,
    OutcomeProgressIn,
    PlanClosure,
    QualityEvidenceUpdate,
    ReviewRecord,
)
from tests.factories import actor, make_person, make_user
from tests.factories_plans import ALL_MET, agreed_plan, written_plan

Q3 = Quarter.parse("2026Q3")


def _review(db, me, person_id, on):
    with freeze_time(on.isoformat()):
        reviews.record_review(
            db,
            me,
            person_id,
            ReviewRecord(held_on=on, outcomes=[OutcomeProgressIn(outcome_ref=1, progress=Progress.PARTLY)]),
        )


@pytest.fixture
def fixture_quarter(db):
    """Hand-checked for 2026Q3 (see each line):

    Ann: agreed 1 Jul 2026, North, direct payment, CHC adults           -> new, counted
    Ben: agreed 30 Sep 2026, South, category Neuro, notional, s117      -> new, counted
    Cal: agreed 15 Aug 2026 but criterion 2 evidence says not met      -> new, NOT counted (criterion 2)
    Dot: agreed 30 Jun 2026; reviewed 10 Jul and 20 Sep 2026          -> reviewed once (20 Sep), counted
    Eve: agreed 1 Oct 2026                                              -> outside the quarter
    Fay: agreed 1 Jan 2026; reviewed 1 Aug; evidence for criterion 5 removed on 2 Oct (after the quarter)
                                                                        -> reviewed, counted (judged at 30 Sep)
    Gus: agreed 1 Feb 2026, third party, closed 1 Aug 2026              -> in the return during, not at the end
    New = 2 (North 1, South 1), reviewed = 2; return during = 6 (Ann, Ben, Cal, Dot, Fay, Gus), at end = 5.
    """
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    me = actor(db, casey)
    people = {
        name: make_person(db, name, "Tester", case_manager=casey)
        for name in ("Ann", "Ben", "Cal", "Dot", "Eve", "Fay", "Gus")
    }

    def agree(name, on, **kwargs):
        with freeze_time(on.isoformat()):
            agreed_plan(db, me, people[name].id, agreed_on=on, **kwargs)

    agree("Ann", dt.date(2026, 7, 1))
    agree(
        "Ben",
        dt.date(2026, 9, 30),
        team="South",
        local_category="Neuro",
        budget=BudgetManagement.NOTIONAL,
        cohort=Cohort.SECTION_117,
    )
    agree("Cal", dt.date(2026, 8, 15), evidence={**ALL_MET, "criterion_2_met": False})
    agree("Dot", dt.date(2026, 6, 30))
    agree("Eve", dt.date(2026, 10, 1))
    agree("Fay", dt.date(2026, 1, 1))
    agree("Gus", dt.date(2026, 2, 1), budget=BudgetManagement.THIRD_PARTY)
    _review(db, me, people["Dot"].id, dt.date(2026, 7, 10))
    _review(db, me, people["Dot"].id, dt.date(2026, 9, 20))
    _review(db, me, people["Fay"].id, dt.date(2026, 8, 1))
    with freeze_time("2026-10-02"):
        services.update_quality_evidence(
            db, me, people["Fay"].id, QualityEvidenceUpdate.model_validate({**ALL_MET, "criterion_5_met": None})
        )
    with freeze_time("2026-08-01"):
        services.close_plan(
            db, me, people["Gus"].id, PlanClosure(closed_on=dt.date(2026, 8, 1), closed_reason="Moved away")
        )
    return me, people


def test_the_quarterly_count_matches_the_hand_checked_fixture(db, fixture_quarter):
    me, _ = fixture_quarter
    with freeze_time("2026-10-05"):
        report = reports.build_pcsp_report(db, me, Q3)
    assert [p.label.split(" ")[0] for p in report.new.counted] == ["Ann", "Ben"]
    assert [(p.label.split(" ")[0], p.failed) for p in report.new.not_counted] == [("Cal", (2,))]
    assert {k: len(v) for k, v in report.new.by("team").items()} == {"North": 1, "South": 1}
    assert {k: len(v) for k, v in report.new.by("local_category").items()} == {"Neuro": 1, "Not recorded": 1}
    assert [(p.label.split(" ")[0], p.event_on) for p in report.reviewed.counted] == [
        ("Fay", dt.date(2026, 8, 1)),
        ("Dot", dt.date(2026, 9, 20)),
    ]
    assert report.reviewed.not_counted == ()
    figures = list(csv.DictReader(io.StringIO(reports.pcsp_csv(report))))
    totals = {(r["measure"], r["snomed_ct_code"]): r["count"] for r in figures if r["breakdown"] == "total"}
    assert totals == {("new", "1187911000000105"): "2", ("reviewed", "1187921000000104"): "2"}
    records = list(csv.DictReader(io.StringIO(reports.pcsp_records_csv(report))))
    assert [
        (r["person"].split(" ")[0], r["counted"], r["failed_criteria"]) for r in records if r["measure"] == "new"
    ] == [
        ("Ann", "yes", ""),
        ("Cal", "no", "2"),
        ("Ben", "yes", ""),
    ]


def test_the_national_return_matches_the_hand_checked_fixture(db, fixture_quarter):
    me, _ = fixture_quarter
    result = reports.build_phb_return(db, me, Q3)
    names = lambda records: sorted(r.label.split(" ")[0] for r in records)  # noqa: E731
    assert names(result.during.total) == ["Ann", "Ben", "Cal", "Dot", "Fay", "Gus"]
    assert names(result.at_end.total) == ["Ann", "Ben", "Cal", "Dot", "Fay"]
    assert names(result.during.cell(Cohort.SECTION_117, BudgetManagement.NOTIONAL)) == ["Ben"]
    assert names(result.during.by_type(BudgetManagement.THIRD_PARTY)) == ["Gus"]
    assert result.at_end.by_type(BudgetManagement.THIRD_PARTY) == ()
    rows = list(csv.DictReader(io.StringIO(reports.phb_return_csv(result))))
    cell = {(r["period"], r["cohort"], r["budget_type"]): int(r["count"]) for r in rows}
    assert cell["during_quarter", "all", "all"] == 6
    assert cell["at_quarter_end", "all", "all"] == 5
    assert cell["at_quarter_end", "chc_adults", "direct_payment"] == 4


def test_a_case_manager_only_counts_their_own_caseload(db, fixture_quarter):
    nina = make_user(db, "nina", Role.NURSE_ASSESSOR)
    report = reports.build_pcsp_report(db, actor(db, nina), Q3)
    assert report.new.plans == report.reviewed.plans == ()


def test_the_cli_prints_the_csv(db, fixture_quarter, monkeypatch):
    from phb.plans import cli  # noqa: PLC0415

    monkeypatch.setattr(reports, "build_pcsp_report", lambda _s, _a, q: reports.pcsp_report(q, [], []))
    result = CliRunner().invoke(cli.report, ["pcsp", "--quarter", "2026Q9"])
    assert result.exit_code == 2
    assert "like 2026Q3" in result.output


def test_fhir_care_plan_is_valid_with_goals_for_outcomes_and_activities_for_actions(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    me = actor(db, casey)
    person = make_person(db, "Margaret", "Okafor", case_manager=casey)
    with freeze_time("2026-07-01"):
        agreed_plan(db, me, person.id, agreed_on=dt.date(2026, 7, 1))
        services.update_summary(db, me, person.id, OnePageSummaryUpdate(important_to_me="My <garden> & cat"))
        plan = services.plan_detail(db, me, person.id)
    assert plan is not None
    resource = fhir.care_plan_json(plan)
    parsed = CarePlan.model_validate(resource)  # round-trips through the FHIR model
    assert parsed.status == "active"
    assert parsed.intent == "plan"
    assert resource["subject"]["identifier"] == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": person.nhs_number,
    }
    goals = [c for c in resource["contained"] if c["resourceType"] == "Goal"]
    assert [g["description"]["text"] for g in goals] == ["I want to sit in my garden every day"]
    activity = resource["activity"][0]["detail"]
    assert activity["performer"] == [{"display": "My PA"}]
    assert activity["goal"] == [{"reference": f"#{goals[0]['id']}"}]
    assert resource["category"][0]["coding"][0]["code"] == "1187911000000105"
    assert "&lt;garden&gt;" in resource["text"]["div"]


def test_fhir_validation_refuses_a_broken_care_plan():
    with pytest.raises(fhir.FhirExportError, match="not a valid FHIR CarePlan"):
        fhir.validate({"resourceType": "CarePlan", "intent": "plan", "subject": {"display": "x"}, "status": 7})
    with pytest.raises(fhir.FhirExportError, match="no contained Goal"):
        fhir.validate(
            {
                "resourceType": "CarePlan",
                "status": "active",
                "intent": "plan",
                "subject": {"display": "x"},
                "goal": [{"reference": "#outcome-9"}],
            }
        )


def test_a_draft_plan_exports_as_a_draft(db):
    casey = make_user(db, "casey", Role.CASE_MANAGER)
    me = actor(db, casey)
    person = make_person(db, "Tom", "Price", case_manager=casey)
    written_plan(db, me, person.id)
    plan = services.plan_detail(db, me, person.id)
    assert plan is not None
    assert fhir.care_plan_json(plan)["status"] == "draft"


def test_the_return_counts_each_plan_as_it_stood_at_the_quarter_end(db, fixture_quarter):
    """Ann's budget moved to a third party on 3 October: the 2026Q3 return still counts her direct payment."""
    me, people = fixture_quarter
    with freeze_time("2026-10-03"):
        services.update_arrangements(
            db,
            me,
            people["Ann"].id,
            ArrangementsUpdate(
                budget_management=BudgetManagement.THIRD_PARTY, cohort=Cohort.CHC_ADULTS, reason="Moved to an agency"
            ),
        )
    result = reports.build_phb_return(db, me, Q3)
    third_party = sorted(r.label.split(" ")[0] for r in result.at_end.by_type(BudgetManagement.THIRD_PARTY))
    direct = sorted(r.label.split(" ")[0] for r in result.at_end.by_type(BudgetManagement.DIRECT_PAYMENT))
    assert third_party == []
    assert "Ann" in direct
    q4 = reports.build_phb_return(db, me, Quarter.parse("2026Q4"))
    assert [r.label.split(" ")[0] for r in q4.at_end.by_type(BudgetManagement.THIRD_PARTY)] == ["Ann"]
