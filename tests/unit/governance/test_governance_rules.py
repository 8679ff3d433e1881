"""The framework file, the router and the other pure rules of governance."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phb.accounts.rules import Role
from phb.governance.rules import (
    CHECKLIST,
    DecisionType,
    FrameworkError,
    ItemStatus,
    Outcome,
    Proposal,
    Target,
    due_at,
    keywords,
    matrix_text,
    missing_items,
    parse_framework,
    plain_english,
    route,
)
from phb.governance.services import DEFAULT_FRAMEWORK_PATH
from phb.money import gbp

DEFAULT = DEFAULT_FRAMEWORK_PATH.read_text(encoding="utf-8")
FRAMEWORK = parse_framework(DEFAULT)
D = DecisionType


def test_default_framework_is_the_guides_table():
    roles = {d: {n: set(r) for n, r in FRAMEWORK.rule(d).roles.items()} for d in D}
    assert roles[D.INDICATIVE_BUDGET_AUTHORISATION] == {2: {Role.CHC_SERVICE_MANAGER}, 4: {Role.CHC_COMMISSIONER}}
    assert roles[D.CARE_PLAN_REVIEW][2] == {Role.PEER_REVIEWER}
    assert roles[D.FINANCIAL_AUDIT][3] == {Role.DIRECT_PAYMENTS_OFFICER}
    assert sorted(roles[D.FLEXIBLE_BUDGET_SPEND]) == [1, 2, 3, 4]
    assert sorted(roles[D.BUDGET_REVIEW]) == [1, 2, 4]
    assert FRAMEWORK.rule(D.FINAL_BUDGET_AUTHORISATION).two_people
    assert FRAMEWORK.levels[1].limits  # every level states its limits
    assert FRAMEWORK.effective_from == dt.date(2026, 1, 1)


# (decision, proposal amounts, expected level or None for a panel, a phrase of the reason)
ROUTES = [
    (D.ASSESSMENT_OF_NEED, {}, 1, "within level 1's limits"),
    (D.ASSESSMENT_OF_NEED, {"residual_risk": 8}, 2, "residual risk rating 8 (high) is above level 1's tolerance of 6"),
    (
        D.ASSESSMENT_OF_NEED,
        {"residual_risk": 15},
        3,
        "residual risk rating 15 (extreme) is above level 2's tolerance of 12",
    ),
    (
        D.ASSESSMENT_OF_NEED,
        {"residual_risk": 20},
        None,
        "risk enablement panel: residual risk rating 20 (extreme) is above level 3's tolerance of 16",
    ),
    (
        D.INDICATIVE_BUDGET_AUTHORISATION,
        {"amount": "62400"},
        2,
        "indicative budget authorisation is not taken at level 1",
    ),
    (
        D.INDICATIVE_BUDGET_AUTHORISATION,
        {"amount": "120000"},
        4,
        "annual budget £120,000.00 is above level 2's limit of £100,000.00",
    ),
    (
        D.INDICATIVE_BUDGET_AUTHORISATION,
        {"amount": "30000", "residual_risk": 25},
        None,
        "above level 4's tolerance of 20",
    ),
    (D.CARE_PLAN_SIGN_OFF, {"residual_risk": 4}, 1, "within level 1's limits"),
    (D.CARE_PLAN_SIGN_OFF, {"residual_risk": 12}, 2, "above level 1's tolerance of 6"),
    (D.CARE_PLAN_SIGN_OFF, {"residual_risk": 16}, 3, "above level 2's tolerance of 12"),
    (D.CARE_PLAN_SIGN_OFF, {"residual_risk": 25}, None, "above level 3's tolerance of 16"),
    (D.FINAL_BUDGET_AUTHORISATION, {"amount": "62400"}, 2, "not taken at level 1"),
    (D.FINAL_BUDGET_AUTHORISATION, {"amount": "100000.01"}, 4, "annual budget £100,000.01 is above level 2's limit"),
    (D.FINAL_BUDGET_AUTHORISATION, {"residual_risk": 25}, None, "risk enablement panel"),
    (D.FLEXIBLE_BUDGET_SPEND, {"item_amount": "500"}, 1, "within level 1's limits"),
    (
        D.FLEXIBLE_BUDGET_SPEND,
        {"item_amount": "500.01"},
        2,
        "flexible spend item £500.01 is above level 1's limit of £500.00",
    ),
    (D.FLEXIBLE_BUDGET_SPEND, {"item_amount": "4000"}, 3, "above level 2's limit of £2,000.00"),
    (D.FLEXIBLE_BUDGET_SPEND, {"item_amount": "12000"}, 4, "above level 3's limit of £10,000.00"),
    (D.FLEXIBLE_BUDGET_SPEND, {"item_amount": "50", "residual_risk": 25}, None, "above level 4's tolerance of 20"),
    (D.CARE_PLAN_REVIEW, {}, 1, "within level 1's limits"),
    (D.CARE_PLAN_REVIEW, {"residual_risk": 9}, 2, "above level 1's tolerance"),
    (D.CARE_PLAN_REVIEW, {"residual_risk": 15}, 3, "above level 2's tolerance"),
    (D.CARE_PLAN_REVIEW, {"residual_risk": 20}, None, "risk enablement panel"),
    (D.BUDGET_REVIEW, {"increase": "1000"}, 1, "within level 1's limits"),
    (
        D.BUDGET_REVIEW,
        {"amount": "62400"},
        2,
        "level 2: annual budget £62,400.00 is above level 1's limit of £50,000.00",
    ),
    (D.BUDGET_REVIEW, {"increase": "20000"}, 4, "budget increase £20,000.00 is above level 2's limit of £10,000.00"),
    (D.BUDGET_REVIEW, {"residual_risk": 25}, None, "risk enablement panel"),
    (D.FINANCIAL_AUDIT, {"amount": "1000"}, 1, "within level 1's limits"),
    (D.FINANCIAL_AUDIT, {"amount": "60000"}, 2, "sum at issue £60,000.00 is above level 1's limit of £50,000.00"),
    (D.FINANCIAL_AUDIT, {"amount": "150000"}, 3, "above level 2's limit of £100,000.00"),
    (D.FINANCIAL_AUDIT, {"amount": "300000"}, 4, "above level 3's limit of £250,000.00"),
    (
        D.FINANCIAL_AUDIT,
        {"amount": "10", "residual_risk": 25},
        1,
        "within level 1's limits",
    ),  # audits are not risk-checked
]


def _proposal(kind: DecisionType, values: dict) -> Proposal:
    money = {k: gbp(v) for k, v in values.items() if k in {"amount", "increase", "item_amount"}}
    return Proposal(kind, residual_risk=values.get("residual_risk"), unusual=values.get("unusual", False), **money)


@pytest.mark.parametrize(("kind", "values", "level", "phrase"), ROUTES)
def test_each_decision_type_routes_to_each_level_with_the_default_framework(kind, values, level, phrase):
    routed = route(FRAMEWORK, _proposal(kind, values))
    assert routed.level == level
    assert phrase in routed.explanation
    assert routed.explanation.startswith("risk enablement panel:" if level is None else f"level {level}:")


def test_a_decision_lower_levels_do_not_take_also_says_why_the_first_level_that_does_may():
    routed = route(FRAMEWORK, _proposal(D.FINAL_BUDGET_AUTHORISATION, {"amount": "62400"}))
    assert routed.explanation == (
        "level 2: final budget authorisation is not taken at level 1; "
        "level 2: annual budget £62,400.00 is within level 2's limit of £100,000.00"
    )


def test_every_decision_type_is_covered_at_every_level_it_uses():
    covered = {(kind, level) for kind, _, level, _ in ROUTES}
    for kind in D:
        for level in FRAMEWORK.rule(kind).levels:
            assert (kind, level) in covered, (kind, level)


def test_the_guides_example_reasons_word_for_word():
    assert route(FRAMEWORK, _proposal(D.BUDGET_REVIEW, {"amount": "62400"})).reasons == (
        "level 2: annual budget £62,400.00 is above level 1's limit of £50,000.00",
    )
    assert route(FRAMEWORK, _proposal(D.CARE_PLAN_SIGN_OFF, {"residual_risk": 15})).reasons == (
        "level 3: residual risk rating 15 (extreme) is above level 2's tolerance of 12",
    )


def test_an_unusual_request_goes_at_least_to_level_two():
    routed = route(FRAMEWORK, _proposal(D.FLEXIBLE_BUDGET_SPEND, {"item_amount": "40", "unusual": True}))
    assert routed.level == 2
    assert routed.reasons == ("level 2: an unusual request is decided at level 2 or above",)


def test_a_changed_framework_file_changes_the_routing_without_code_changes():
    proposal = _proposal(D.BUDGET_REVIEW, {"amount": "62400"})
    assert route(FRAMEWORK, proposal).level == 2
    changed = parse_framework(DEFAULT.replace('annual_budget_limit = "50000.00"', 'annual_budget_limit = "75000.00"'))
    assert route(changed, proposal).level == 1
    moved = parse_framework(
        DEFAULT.replace('levels.2 = ["peer_reviewer"]\n', 'levels.2 = ["peer_reviewer", "chc_service_manager"]\n')
    )
    assert Role.CHC_SERVICE_MANAGER in moved.roles_at(D.CARE_PLAN_REVIEW, 2)


def _problems(text: str) -> list[str]:
    with pytest.raises(FrameworkError) as caught:
        parse_framework(text)
    return caught.value.problems


def test_an_unknown_role_is_refused_naming_the_decision_and_level():
    problems = _problems(DEFAULT.replace('levels.2 = ["peer_reviewer"]', 'levels.2 = ["peer_review"]'))
    assert len(problems) == 1
    assert problems[0].startswith("decision 'care_plan_review', level 2: unknown role 'peer_review' (known roles: ")


def test_an_unknown_decision_type_is_refused():
    problems = _problems(
        DEFAULT + '\n[decisions.gym_membership]\nnature = "financial"\ntarget_hours = 1\nlevels.1 = ["case_manager"]\n'
    )
    assert problems == [
        (
            "decision 'gym_membership': unknown decision type (known: assessment_of_need, budget_review, "
            "care_plan_review, care_plan_sign_off, final_budget_authorisation, financial_audit, flexible_budget_spend, "
            "indicative_budget_authorisation)"
        )
    ]


def test_overlapping_limits_are_refused():
    problems = _problems(DEFAULT.replace('annual_budget_limit = "100000.00"', 'annual_budget_limit = "40000.00"'))
    assert problems == [
        (
            "level 2: its annual budget limit of £40,000.00 is not above level 1's limit of £50,000.00: the levels "
            "overlap; limits must rise from level to level"
        )
    ]


def test_a_gap_above_a_decisions_highest_level_is_refused():
    text = DEFAULT.replace(
        'levels.4 = ["chc_commissioner"]\n\n[decisions.care_plan_sign_off]', "\n[decisions.care_plan_sign_off]"
    )
    problems = _problems(text)
    assert problems == [
        (
            "decision 'indicative_budget_authorisation', level 2: it is the highest level for this decision but its "
            "annual budget limit is £100,000.00, so larger amounts would go nowhere (a gap); remove that limit or "
            "add a higher level"
        )
    ]


def test_a_level_with_no_roles_and_a_missing_decision_are_refused():
    text = DEFAULT.replace('levels.3 = ["direct_payments_officer"]', "levels.3 = []")
    assert _problems(text) == [
        "decision 'financial_audit', level 3: no roles are listed; name at least one role or remove the level"
    ]
    start = DEFAULT.index("[decisions.care_plan_review]")
    end = DEFAULT.index("[decisions.budget_review]")
    assert _problems(DEFAULT[:start] + DEFAULT[end:]) == [
        "decision 'care_plan_review': missing; every one of the eight decisions needs [decisions.care_plan_review]"
    ]


def test_several_problems_are_all_reported_and_bad_toml_is_named():
    text = DEFAULT.replace("max_residual_risk = 12", "max_residual_risk = 30").replace("quorum = 3", "quorum = 0")
    problems = _problems(text)
    assert "level 2, max_residual_risk: must be at most 25, not 30" in problems
    assert "[panel] quorum: must be a whole number of at least 1, not 0" in problems
    assert _problems("levels = [")[0].startswith("the file is not valid TOML: ")


def test_working_day_targets_skip_weekends_and_bank_holidays():
    friday = dt.datetime(2026, 12, 18, 10, 0, tzinfo=dt.UTC)
    # 5 working days from Friday 18 December 2026: 21, 22, 23, 24, then 29 (25 and 28 are bank holidays)
    assert due_at(friday, Target(working_days=5), FRAMEWORK.non_working_days) == dt.datetime(
        2026, 12, 29, 10, 0, tzinfo=dt.UTC
    )
    assert due_at(friday, Target(hours=48)) == dt.datetime(2026, 12, 20, 10, 0, tzinfo=dt.UTC)


def test_the_checklist_holds_the_nine_plan_contents_five_conditions_and_four_agreements():
    groups = [item.group for item in CHECKLIST]
    assert [groups.count(g) for g in dict.fromkeys(groups)] == [9, 5, 4]
    assert len(missing_items({})) == 18
    everything = {item.key: ItemStatus.MET for item in CHECKLIST}
    assert missing_items(everything) == []
    not_applicable = {
        **everything,
        "plan_safeguarding": ItemStatus.NOT_APPLICABLE,
        "plan_what_it_buys": ItemStatus.NOT_APPLICABLE,
    }
    assert [i.key for i in missing_items(not_applicable)] == [
        "plan_what_it_buys"
    ]  # only conditional items may not apply


def test_the_person_is_told_who_decided_what_why_and_how_to_appeal():
    text = plain_english(
        decision_label="Agreeing flexible budget spend",
        summary="A gym membership",
        outcome=Outcome.REFUSED,
        decided_by="Sam Okoro",
        role_label="CHC service manager",
        where="level 2",
        on=dt.date(2026, 3, 3),
        reasons="The plan's outcome can be met by the physiotherapy already agreed.",
        alternatives="Hydrotherapy sessions at the local pool.",
    )
    assert text.startswith(
        "On 3 March 2026, Sam Okoro, a CHC service manager, did not agree to this request: A gym membership."
    )
    assert "level 2" not in text  # the framework's levels mean nothing to the person
    assert "Why: The plan's outcome" in text
    assert "Hydrotherapy" in text
    assert "appeal" in text


def test_keywords_ignore_small_words_and_fold_plurals():
    assert keywords("A gym membership for swimming sessions") == {"gym", "membership", "swimming", "session"}


def test_the_matrix_prints_every_decision():
    text = "\n".join(matrix_text(FRAMEWORK))
    for kind in D:
        assert kind.label in text
    assert "level 3: Direct payments officer" in text


@given(st.integers(min_value=0, max_value=400_000_00), st.integers(min_value=0, max_value=400_000_00))
def test_a_larger_amount_never_goes_to_a_lower_level(a, b):
    low, high = sorted((a, b))
    level = {}
    for pence in (low, high):
        routed = route(FRAMEWORK, Proposal(D.FINANCIAL_AUDIT, amount=gbp(f"{pence / 100:.2f}")))
        level[pence] = routed.level
    assert level[low] <= level[high]
