"""Appeal rules without a database: working days over bank holiday weekends, time limits, which regulation applies,
reviewer independence, onward referral order, the notice text and the quarterly report."""

import datetime as dt
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from phb.governance.appeals import rules
from phb.governance.appeals.rules import (
    AppealDecision,
    AppealType,
    ConfigError,
    DecidedAppeal,
    NoticeFacts,
    ReferralBody,
    ReviewerMode,
    TimeLimits,
    WorkingCalendar,
    add_months,
    appeal_type_for,
    considered_for_person,
    lodge_by,
    notice_sections,
    owed_formats,
    parse_config,
    quarter,
    referral_problem,
    report,
    reviewer_problem,
    step_timing,
)

ENGLAND = WorkingCalendar()
CONFIG = parse_config(Path(rules.__file__).with_name("appeals.toml").read_text(encoding="utf-8"))


def test_christmas_and_boxing_day_2026_are_not_working_days_and_boxing_day_moves_to_monday():
    assert not ENGLAND.is_working_day(dt.date(2026, 12, 25))  # Friday, Christmas Day
    assert not ENGLAND.is_working_day(dt.date(2026, 12, 28))  # Monday, Boxing Day (substitute)
    assert ENGLAND.is_working_day(dt.date(2026, 12, 24))
    assert ENGLAND.is_working_day(dt.date(2026, 12, 29))
    # Thursday 24 December + 1 working day: past Christmas, the weekend and the substitute day
    assert ENGLAND.add_working_days(dt.date(2026, 12, 24), 1) == dt.date(2026, 12, 29)
    assert ENGLAND.working_days_between(dt.date(2026, 12, 24), dt.date(2027, 1, 4)) == 4  # 29, 30, 31, 4


def test_easter_2027_takes_out_good_friday_and_easter_monday():
    assert ENGLAND.add_working_days(dt.date(2027, 3, 25), 1) == dt.date(2027, 3, 30)
    assert ENGLAND.add_working_days(dt.date(2027, 3, 24), 3) == dt.date(2027, 3, 31)


def test_a_local_closure_day_counts_too():
    closed = WorkingCalendar(extra_non_working_days=frozenset({dt.date(2026, 12, 24)}))
    assert closed.add_working_days(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 29)


@freeze_time("2026-12-23 16:00")
def test_an_appeal_lodged_before_christmas_is_acknowledged_after_it():
    today = dt.datetime.now(dt.UTC).date()
    assert CONFIG.limits.acknowledge_working_days == 3
    assert CONFIG.calendar.add_working_days(today, 3) == dt.date(2026, 12, 30)
    assert lodge_by(CONFIG, AppealType.REG_8, today) == dt.date(2027, 1, 25)


@freeze_time("2027-03-25 09:00")
def test_the_deadline_to_appeal_skips_the_easter_weekend():
    assert lodge_by(CONFIG, AppealType.REG_13, dt.datetime.now(dt.UTC).date()) == dt.date(2027, 4, 26)


def test_chc_eligibility_gives_six_calendar_months_to_ask_for_local_resolution():
    assert lodge_by(CONFIG, AppealType.CHC_ELIGIBILITY, dt.date(2026, 8, 31)) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 14) == dt.date(2028, 1, 15)


def test_step_timing():
    due = dt.date(2026, 12, 30)
    assert step_timing(due, dt.date(2026, 12, 30)) == "due"
    assert step_timing(due, dt.date(2026, 12, 31)) == "overdue"
    assert step_timing(due, dt.date(2027, 1, 5), dt.date(2026, 12, 29)) == "on time"
    assert step_timing(due, dt.date(2027, 1, 5), dt.date(2027, 1, 4)) == "late"
    assert step_timing(None, dt.date(2027, 1, 5)) == ""


@given(st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31)), st.integers(0, 60))
def test_adding_working_days_lands_on_a_working_day_that_many_working_days_later(start, days):
    end = ENGLAND.add_working_days(start, days)
    assert ENGLAND.working_days_between(start, end) == days
    assert days == 0 or ENGLAND.is_working_day(end)


@pytest.mark.parametrize(
    ("decision_type", "outcome", "flags", "expected"),
    [
        ("final_budget_authorisation", "refused", {}, AppealType.REG_7),
        ("flexible_budget_spend", "refused", {}, AppealType.REG_8),
        ("budget_review", "approved", {"reduces_amount": True}, AppealType.REG_13),
        ("budget_review", "approved", {}, AppealType.LOCAL),
        ("budget_review", "refused", {}, AppealType.LOCAL),
        ("financial_audit", "approved", {}, AppealType.REG_15),
        ("financial_audit", "refused", {}, AppealType.LOCAL),
        ("budget_review", "approved", {"stops_payments": True}, AppealType.REG_17),
        ("assessment_of_need", "refused", {}, AppealType.CHC_ELIGIBILITY),
        ("care_plan_sign_off", "refused", {}, AppealType.LOCAL),
        ("final_budget_authorisation", "refused", {"direct_payment": False}, AppealType.LOCAL),
        ("final_budget_authorisation", "approved", {}, AppealType.LOCAL),
        ("final_budget_authorisation", "approved", {"reduces_amount": True}, AppealType.REG_13),
        ("final_budget_authorisation", "approved", {"stops_payments": True}, AppealType.REG_17),
        # refusing a budget that would have ended the direct payment leaves it running: not "not to make one"
        ("final_budget_authorisation", "refused", {"stops_payments": True}, AppealType.LOCAL),
    ],
)
def test_which_right_of_appeal_a_decision_carries(decision_type, outcome, flags, expected):
    assert appeal_type_for(decision_type, outcome, **flags) is expected
    assert expected.statutory is (expected.value.startswith("reconsideration"))


def _reviewer(**kwargs):
    base = {
        "mode": ReviewerMode.SAME_OR_HIGHER,
        "reviewer_id": 7,
        "reviewer_name": "Priya",
        "original_decider_ids": (3, None),
        "original_level": 2,
        "reviewer_level": 2,
        "top_level": 4,
        "reviewer_is_panel_chair": False,
        "decision_label": "Agreeing flexible budget spend",
    }
    return reviewer_problem(**{**base, **kwargs})


def test_reviewer_independence_and_level():
    assert _reviewer() is None
    assert _reviewer(reviewer_id=3, reviewer_name="Sam") == (
        "Sam took the original decision, so someone else must review the appeal against it"
    )
    assert _reviewer(original_decider_ids=(1, 7)).startswith("Priya took the original decision")  # second approver
    assert _reviewer(reviewer_level=1).startswith(
        "Priya decides at level 1; the original decision was taken at level 2"
    )
    assert _reviewer(mode=ReviewerMode.HIGHER) is not None
    assert _reviewer(mode=ReviewerMode.HIGHER, reviewer_level=3) is None
    assert _reviewer(mode=ReviewerMode.HIGHER, original_level=4, reviewer_level=4) is None  # the top reviews itself
    assert _reviewer(reviewer_level=None) == "Priya does not take agreeing flexible budget spend decisions at any level"
    assert _reviewer(original_level=None, reviewer_level=3) is not None  # a panel's decision: top level or panel
    assert _reviewer(mode=ReviewerMode.PANEL).startswith("Appeals are reviewed by a risk enablement panel")
    assert _reviewer(mode=ReviewerMode.PANEL, reviewer_is_panel_chair=True) is None


def test_referrals_follow_the_route_in_order():
    local, chc = AppealType.REG_8, AppealType.CHC_ELIGIBILITY
    assert referral_problem(local, ReferralBody.NHS_COMPLAINTS, []) is None
    assert referral_problem(local, ReferralBody.OMBUDSMAN, []) == (
        "Record the referral to the NHS complaints procedure first: it comes before the Parliamentary and Health "
        "Service Ombudsman"
    )
    assert referral_problem(local, ReferralBody.OMBUDSMAN, [ReferralBody.NHS_COMPLAINTS]) is None
    assert referral_problem(chc, ReferralBody.INDEPENDENT_REVIEW_PANEL, []) is None
    assert "not the NHS complaints procedure" in (referral_problem(chc, ReferralBody.NHS_COMPLAINTS, []) or "")
    assert "already recorded" in (
        referral_problem(local, ReferralBody.NHS_COMPLAINTS, [ReferralBody.NHS_COMPLAINTS]) or ""
    )


def test_the_notice_for_a_reduction_says_when_it_takes_effect_and_the_statutory_right():
    facts = NoticeFacts(
        decision_label="Budget review",
        summary="Fewer waking nights.",
        outcome="approved",
        decided_by="Sam Okoro",
        second_approver=None,
        role_label="CHC service manager",
        where="level 2",
        decided_on=dt.date(2027, 3, 24),
        reasons="Your nights are settled now.",
        considered="The night log.",
        alternatives=None,
        conditions=None,
        appeal_type=AppealType.REG_13,
        appeal_by=dt.date(2027, 4, 26),
        reduction_takes_effect_on=dt.date(2027, 4, 21),
        notice_days=28,
    )
    sections = dict(notice_sections(facts, TimeLimits()))
    assert sections["What we decided"] == "On Wednesday 24 March 2027 we agreed to this request: Fewer waking nights."
    assert sections["Who decided"] == "Sam Okoro, a CHC service manager, made this decision."
    assert "28 days' notice" in sections["When the change takes effect"]
    assert "Wednesday 21 April 2027" in sections["When the change takes effect"]
    assert "regulation 13" in sections["Your right to ask us to reconsider"]
    assert "Monday 26 April 2027" in sections["How to appeal and by when"]
    assert "Ombudsman" in sections["If you are still unhappy"]


def test_the_configuration_reports_every_problem():
    with pytest.raises(ConfigError) as caught:
        parse_config(
            '[time_limits]\nlodge_working_days = 0\nsoon = 3\n[reviewer]\nmode = "anyone"\n'
            '[calendar]\ncountry = "XX"\n[extra]\n'
        )
    problems = caught.value.problems
    assert "unknown section [extra]" in problems
    assert "time_limits.lodge_working_days: give a whole number of 1 or more, not 0" in problems
    assert any(p.startswith("time_limits.soon: unknown setting") for p in problems)
    assert "reviewer.mode: 'anyone' is not one of same_or_higher, higher, panel" in problems
    assert any(p.startswith("calendar: no bank holidays are known for country 'XX'") for p in problems)
    assert CONFIG.reviewer_mode is ReviewerMode.SAME_OR_HIGHER


def test_the_report_counts_by_financial_quarter_with_the_overturn_rate():
    assert quarter(dt.date(2026, 4, 1)) == "2026-27 Q1"
    assert quarter(dt.date(2027, 3, 31)) == "2026-27 Q4"
    assert quarter(dt.date(2026, 12, 31)) == "2026-27 Q3"
    rows = report(
        [
            DecidedAppeal(dt.date(2027, 1, 5), "flexible_budget_spend", AppealDecision.UPHELD, 10),
            DecidedAppeal(dt.date(2027, 2, 5), "flexible_budget_spend", AppealDecision.NOT_UPHELD, 20),
            DecidedAppeal(dt.date(2027, 4, 5), "budget_review", AppealDecision.PARTLY_UPHELD, 5),
        ]
    )
    assert [(r.quarter, r.decision_type, r.total, r.overturn_rate, r.mean_working_days) for r in rows] == [
        ("2027-28 Q1", "budget_review", 1, 1.0, 5.0),
        ("2026-27 Q4", "flexible_budget_spend", 2, 0.5, 15.0),
    ]


def test_the_notice_keeps_the_router_s_reasons_and_levels_to_the_team():
    routed = "level 2: flexible budget spend of £900.00 is above level 1's delegated limit"
    assert considered_for_person(f"The request as raised, and how it was routed: {routed}.", routed) == (
        "What was asked for, and the information that came with the request."
    )
    assert considered_for_person(f"The physio's letter; {routed}", routed) == "The physio's letter."
    assert considered_for_person("The night log.", routed) == "The night log."
    facts = NoticeFacts(
        decision_label="Agreeing flexible budget spend",
        summary="Swimming alone",
        outcome="approved",
        decided_by="Pat",
        second_approver=None,
        role_label="Risk enablement panel chair",
        where="a risk enablement panel",
        decided_on=dt.date(2027, 3, 24),
        reasons="The benefits outweigh the risks.",
        considered="The risk discussion.",
        alternatives=None,
        conditions=None,
        appeal_type=AppealType.LOCAL,
        appeal_by=dt.date(2027, 4, 26),
        format_owed="easy read",
    )
    sections = notice_sections(facts, TimeLimits())
    assert sections[0] == (
        "Easy read",
        "Your record says you need information in easy read. We will send you an easy read version of this letter.",
    )
    assert owed_formats([list(s) for s in sections]) == ["easy read"]
    assert dict(sections)["Who decided"] == (
        "This decision was made by a risk enablement panel (senior staff who meet to look at difficult or unusual "
        "requests together). Pat chaired the panel."
    )
