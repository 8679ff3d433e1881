"""The governance framework as data, and the pure decisions made with it (DOMAIN.md section 5, Annex F 10.5).

Nothing here touches the database. A framework is a TOML document (see ``framework.toml`` beside this file)
parsed by :func:`parse_framework`, which refuses a bad file with every problem named (which decision, which
level). :func:`route` picks the lowest level that may take a request and says why in words; the remaining
functions time each step in working days or hours, list what a sign-off still lacks, write the decision for the
person in plain English and find earlier decisions that look alike.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from moneyed import Money

from phb.accounts.rules import PORTAL_ROLES, Role
from phb.money import MoneyError, format_gbp, gbp


class DecisionType(StrEnum):
    """The eight kinds of decision of the example framework."""

    ASSESSMENT_OF_NEED = "assessment_of_need"
    INDICATIVE_BUDGET_AUTHORISATION = "indicative_budget_authorisation"
    CARE_PLAN_SIGN_OFF = "care_plan_sign_off"
    FINAL_BUDGET_AUTHORISATION = "final_budget_authorisation"
    FLEXIBLE_BUDGET_SPEND = "flexible_budget_spend"
    CARE_PLAN_REVIEW = "care_plan_review"
    BUDGET_REVIEW = "budget_review"
    FINANCIAL_AUDIT = "financial_audit"

    @property
    def label(self) -> str:
        """The decision as CHC teams say it."""
        return DECISION_LABELS[self]


DECISION_LABELS: Final = {
    DecisionType.ASSESSMENT_OF_NEED: "Assessment of need",
    DecisionType.INDICATIVE_BUDGET_AUTHORISATION: "Indicative budget authorisation",
    DecisionType.CARE_PLAN_SIGN_OFF: "Care plan sign-off",
    DecisionType.FINAL_BUDGET_AUTHORISATION: "Final budget authorisation",
    DecisionType.FLEXIBLE_BUDGET_SPEND: "Agreeing flexible budget spend",
    DecisionType.CARE_PLAN_REVIEW: "Care plan review",
    DecisionType.BUDGET_REVIEW: "Budget review",
    DecisionType.FINANCIAL_AUDIT: "Financial audit",
}

# Sign-off of these is blocked until the sign-off checklist is complete (Annex D 8.3.2 and 8.3.3).
NEEDS_CHECKLIST: Final = frozenset({DecisionType.CARE_PLAN_SIGN_OFF, DecisionType.FINAL_BUDGET_AUTHORISATION})

# Decided only about a record its owning service raises the request for (budgets, on proposing the budget):
# nobody raises these by hand, so nobody can point one at a record or price it.
RAISED_BY_OWNER: Final = frozenset(
    {DecisionType.INDICATIVE_BUDGET_AUTHORISATION, DecisionType.FINAL_BUDGET_AUTHORISATION}
)


def routing_field(kind: DecisionType) -> str:
    """Which of a request's sums its record's amount fills: an item of spend, an increase, or the annual amount."""
    if kind is DecisionType.FLEXIBLE_BUDGET_SPEND:
        return "item_amount"
    return "amount"


class Check(StrEnum):
    """What a decision is checked against at each level."""

    ANNUAL_BUDGET = "annual_budget"
    BUDGET_INCREASE = "budget_increase"
    FLEXIBLE_ITEM = "flexible_item"
    RISK = "risk"


MONEY_CHECKS: Final = (Check.ANNUAL_BUDGET, Check.BUDGET_INCREASE, Check.FLEXIBLE_ITEM)
CHECK_WORDS: Final = {
    Check.ANNUAL_BUDGET: "annual budget",
    Check.BUDGET_INCREASE: "budget increase",
    Check.FLEXIBLE_ITEM: "flexible spend item",
}
MAX_RATING: Final = 25


def risk_band(rating: int) -> str:
    """The NHS 5 x 5 matrix band of a likelihood x impact rating."""
    if rating <= 3:  # noqa: PLR2004 - the matrix's own thresholds
        return "low"
    if rating <= 6:  # noqa: PLR2004
        return "moderate"
    if rating <= 12:  # noqa: PLR2004
        return "high"
    return "extreme"


class Outcome(StrEnum):
    """How a decision ended."""

    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        """In words."""
        return self.value.replace("_", " ").capitalize()


class Action(StrEnum):
    """What a decision-maker can do with a request in front of them."""

    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REFUSE = "refuse"
    ESCALATE = "escalate"  # to the next level that takes this decision
    REFER_TO_PANEL = "refer_to_panel"


# --- the framework --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """One level of accountability and what it may accept."""

    number: int
    title: str
    limits: Mapping[Check, Money | None]  # None: no limit
    max_residual_risk: int


@dataclass(frozen=True)
class Target:
    """How long one step of a decision may take: working days, or clock hours for urgent decisions."""

    working_days: int | None = None
    hours: int | None = None

    def __str__(self) -> str:
        if self.hours is not None:
            return f"{self.hours} hours"
        return f"{self.working_days} working day{'s' if self.working_days != 1 else ''}"


@dataclass(frozen=True)
class DecisionRule:
    """Who takes one kind of decision at each level, and how it is checked and timed."""

    decision_type: DecisionType
    nature: str
    checks: frozenset[Check]
    two_people: bool
    target: Target
    roles: Mapping[int, frozenset[Role]]  # level -> roles; only the levels this decision uses

    @property
    def levels(self) -> list[int]:
        """The levels that take this decision, lowest first."""
        return sorted(self.roles)


@dataclass(frozen=True)
class PanelRules:
    """How a risk enablement panel is made up and timed."""

    quorum: int
    chair_roles: frozenset[Role]
    member_roles: frozenset[Role]
    target: Target


@dataclass(frozen=True)
class Framework:
    """A whole governance framework, valid by construction (only :func:`parse_framework` makes one)."""

    name: str
    effective_from: dt.date
    levels: Mapping[int, Level]
    decisions: Mapping[DecisionType, DecisionRule]
    panel: PanelRules
    unusual_minimum_level: int
    non_working_days: frozenset[dt.date] = field(default_factory=frozenset)

    def rule(self, decision_type: DecisionType | str) -> DecisionRule:
        """The rule for one decision type."""
        return self.decisions[DecisionType(decision_type)]

    def roles_at(self, decision_type: DecisionType | str, level: int) -> frozenset[Role]:
        """Roles that may decide ``decision_type`` at ``level`` (empty if the level does not take it)."""
        return self.rule(decision_type).roles.get(level, frozenset())

    def next_level(self, decision_type: DecisionType | str, level: int) -> int | None:
        """The next level above ``level`` that takes this decision, or None at the top."""
        return next((n for n in self.rule(decision_type).levels if n > level), None)


class FrameworkError(ValueError):
    """A framework file that must not load; ``problems`` says exactly what is wrong, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("the governance framework was not loaded:\n" + "\n".join(f"- {p}" for p in problems))
        self.problems = list(problems)


_TOP_KEYS: Final = frozenset({"name", "effective_from", "routing", "calendar", "levels", "panel", "decisions"})
_LEVEL_KEYS: Final = frozenset(
    {"title", "annual_budget_limit", "budget_increase_limit", "flexible_item_limit", "max_residual_risk"}
)
_DECISION_KEYS: Final = frozenset({"nature", "checks", "two_people", "target_working_days", "target_hours", "levels"})
_PANEL_KEYS: Final = frozenset({"quorum", "chair_roles", "member_roles", "target_working_days"})
_NATURES: Final = ("clinical", "financial", "clinical and financial")


def _known(options: Iterable[str]) -> str:
    return ", ".join(sorted(options))


class _Parser:
    """Collects every problem rather than stopping at the first, so one round of fixes is enough."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def unknown_keys(self, table: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            self.fail(f"{where}: unknown setting '{key}' (allowed: {_known(allowed)})")

    def role(self, value: object, where: str) -> Role | None:
        try:
            role = Role(str(value))
        except ValueError:
            staff = (r.value for r in Role if r not in PORTAL_ROLES)
            self.fail(f"{where}: unknown role '{value}' (known roles: {_known(staff)})")
            return None
        if role in PORTAL_ROLES or role is Role.ADMINISTRATOR:
            self.fail(f"{where}: role '{value}' cannot take governance decisions")
            return None
        return role

    def roles(self, values: object, where: str) -> frozenset[Role]:
        if not isinstance(values, list):
            self.fail(f'{where}: roles must be a list like ["case_manager"]')
            return frozenset()
        return frozenset(r for v in values if (r := self.role(v, where)) is not None)

    def money(self, value: object, where: str) -> Money | None:
        try:
            amount = gbp(value)  # type: ignore[arg-type]
        except (MoneyError, TypeError) as exc:
            self.fail(f"{where}: '{value}' is not an amount in pounds and pence, like \"50000.00\" ({exc})")
            return None
        if amount.amount <= 0:
            self.fail(f"{where}: a limit must be more than £0.00 (leave it out for no limit)")
            return None
        return amount

    def positive_int(self, value: object, where: str, *, maximum: int | None = None) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(f"{where}: must be a whole number of at least 1, not {value!r}")
            return None
        if maximum is not None and value > maximum:
            self.fail(f"{where}: must be at most {maximum}, not {value}")
            return None
        return value

    def target(self, table: Mapping[str, Any], where: str) -> Target:
        days, hours = table.get("target_working_days"), table.get("target_hours")
        if (days is None) == (hours is None):
            self.fail(f"{where}: give exactly one time target, target_working_days or target_hours")
            return Target(working_days=1)
        if hours is not None:
            return Target(hours=self.positive_int(hours, f"{where}, target_hours") or 1)
        return Target(working_days=self.positive_int(days, f"{where}, target_working_days") or 1)


def _level_number(key: str, parser: _Parser, where: str) -> int | None:
    if not key.isdigit() or int(key) < 1:
        parser.fail(f"{where}: level '{key}' must be a number 1, 2, 3...")
        return None
    return int(key)


def _parse_levels(raw: object, parser: _Parser) -> dict[int, Level]:
    if not isinstance(raw, dict) or not raw:
        parser.fail("[levels]: there are no levels; give at least [levels.1]")
        return {}
    levels: dict[int, Level] = {}
    for key, table in raw.items():
        number = _level_number(key, parser, "[levels]")
        where = f"level {key}"
        if number is None:
            continue
        if not isinstance(table, dict):
            parser.fail(f"{where}: must be a table of settings")
            continue
        parser.unknown_keys(table, _LEVEL_KEYS, where)
        limits: dict[Check, Money | None] = {}
        for check in MONEY_CHECKS:
            value = table.get(f"{check}_limit")
            limits[check] = None if value is None else parser.money(value, f"{where}, {check}_limit")
        risk = table.get("max_residual_risk", MAX_RATING)
        levels[number] = Level(
            number=number,
            title=str(table.get("title", f"Level {number}")),
            limits=limits,
            max_residual_risk=parser.positive_int(risk, f"{where}, max_residual_risk", maximum=MAX_RATING) or 1,
        )
    expected = list(range(1, len(levels) + 1))
    if levels and sorted(levels) != expected:
        parser.fail(f"[levels]: levels must be numbered 1 to {len(levels)} without gaps, not {sorted(levels)}")
    return levels


def _check_level_order(levels: Mapping[int, Level], parser: _Parser) -> None:
    """Limits rise from level to level; risk tolerance never falls."""
    numbers = sorted(levels)
    for lower, upper in itertools.pairwise(numbers):
        low, high = levels[lower], levels[upper]
        for check in MONEY_CHECKS:
            a, b = low.limits[check], high.limits[check]
            words = CHECK_WORDS[check]
            if a is None and b is not None:
                parser.fail(
                    f"level {upper}: its {words} limit of {format_gbp(b)} is below level {lower}'s (no limit): "
                    "the levels overlap; limits must rise from level to level"
                )
            elif a is not None and b is not None and b.amount <= a.amount:
                parser.fail(
                    f"level {upper}: its {words} limit of {format_gbp(b)} is not above level {lower}'s limit of "
                    f"{format_gbp(a)}: the levels overlap; limits must rise from level to level"
                )
        if high.max_residual_risk < low.max_residual_risk:
            parser.fail(
                f"level {upper}: its risk tolerance of {high.max_residual_risk} is below level {lower}'s "
                f"{low.max_residual_risk}: a higher level must accept at least as much risk"
            )


def _parse_decision(  # noqa: C901, PLR0912 - one check per setting, each with its message
    key: str, table: object, levels: Mapping[int, Level], parser: _Parser
) -> DecisionRule | None:
    where = f"decision '{key}'"
    if not isinstance(table, dict):
        parser.fail(f"{where}: must be a table of settings")
        return None
    parser.unknown_keys(table, _DECISION_KEYS, where)
    nature = str(table.get("nature", ""))
    if nature not in _NATURES:
        parser.fail(f"{where}: nature must be one of {', '.join(repr(n) for n in _NATURES)}, not {nature!r}")
    checks: set[Check] = set()
    for value in table.get("checks", []):
        try:
            checks.add(Check(value))
        except ValueError:
            parser.fail(f"{where}: unknown check '{value}' (known checks: {_known(c.value for c in Check)})")
    two_people = table.get("two_people", False)
    if not isinstance(two_people, bool):
        parser.fail(f"{where}: two_people must be true or false")
        two_people = False
    raw_levels = table.get("levels")
    if not isinstance(raw_levels, dict) or not raw_levels:
        parser.fail(f'{where}: no levels take this decision; give at least one, like levels.1 = ["case_manager"]')
        raw_levels = {}
    roles: dict[int, frozenset[Role]] = {}
    for level_key, values in raw_levels.items():
        number = _level_number(level_key, parser, where)
        if number is None:
            continue
        at = f"{where}, level {number}"
        if number not in levels:
            parser.fail(f"{at}: there is no level {number} in [levels]")
            continue
        if isinstance(values, list) and not values:
            parser.fail(f"{at}: no roles are listed; name at least one role or remove the level")
            continue
        roles[number] = parser.roles(values, at)
    rule = DecisionRule(
        decision_type=DecisionType(key),
        nature=nature,
        checks=frozenset(checks),
        two_people=two_people,
        target=parser.target(table, where),
        roles=roles,
    )
    if roles:
        top = levels.get(max(roles))
        for check in sorted(checks & set(MONEY_CHECKS)):
            limit = top.limits[check] if top else None
            if top is not None and limit is not None:
                parser.fail(
                    f"{where}, level {top.number}: it is the highest level for this decision but its "
                    f"{CHECK_WORDS[check]} limit is {format_gbp(limit)}, so larger amounts would go nowhere (a gap); "
                    "remove that limit or add a higher level"
                )
    return rule


def _parse_panel(raw: object, parser: _Parser) -> PanelRules:
    if not isinstance(raw, dict):
        parser.fail("[panel]: missing; say the quorum, chair_roles, member_roles and target_working_days")
        raw = {}
    parser.unknown_keys(raw, _PANEL_KEYS, "[panel]")
    chair = parser.roles(raw.get("chair_roles", []), "[panel] chair_roles")
    members = parser.roles(raw.get("member_roles", []), "[panel] member_roles")
    if not chair:
        parser.fail("[panel] chair_roles: no roles are listed; name at least one role")
    quorum = parser.positive_int(raw.get("quorum"), "[panel] quorum") or 1
    return PanelRules(
        quorum=quorum,
        chair_roles=chair,
        member_roles=members | chair,
        target=parser.target(raw, "[panel]"),
    )


def parse_framework(text: str) -> Framework:  # noqa: C901 - a flat list of checks
    """Read and check a framework document; raise :class:`FrameworkError` naming every problem."""
    parser = _Parser()
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError([f"the file is not valid TOML: {exc}"]) from exc
    parser.unknown_keys(raw, _TOP_KEYS, "the file")
    effective = raw.get("effective_from")
    if not isinstance(effective, dt.date) or isinstance(effective, dt.datetime):
        parser.fail("effective_from: give the date the framework takes effect, like effective_from = 2026-04-01")
        effective = dt.date.min
    levels = _parse_levels(raw.get("levels"), parser)
    _check_level_order(levels, parser)
    decisions: dict[DecisionType, DecisionRule] = {}
    raw_decisions = raw.get("decisions", {})
    if not isinstance(raw_decisions, dict):
        raw_decisions = {}
    for key, table in raw_decisions.items():
        if key not in {d.value for d in DecisionType}:
            parser.fail(f"decision '{key}': unknown decision type (known: {_known(d.value for d in DecisionType)})")
            continue
        rule = _parse_decision(key, table, levels, parser)
        if rule is not None:
            decisions[rule.decision_type] = rule
    for missing in (d for d in DecisionType if d.value not in raw_decisions):
        parser.fail(f"decision '{missing}': missing; every one of the eight decisions needs [decisions.{missing}]")
    panel = _parse_panel(raw.get("panel"), parser)
    routing = raw.get("routing", {})
    unusual = parser.positive_int(routing.get("unusual_minimum_level", 1), "[routing] unusual_minimum_level") or 1
    if levels and unusual > max(levels):
        parser.fail(f"[routing] unusual_minimum_level: there is no level {unusual}")
    days = raw.get("calendar", {}).get("non_working_days", [])
    if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in days):
        parser.fail("[calendar] non_working_days: must be a list of dates like [2026-12-25]")
        days = []
    if parser.problems:
        raise FrameworkError(parser.problems)
    return Framework(
        name=str(raw.get("name", "Governance framework")),
        effective_from=effective,
        levels=levels,
        decisions=decisions,
        panel=panel,
        unusual_minimum_level=unusual,
        non_working_days=frozenset(days),
    )


# --- routing --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """What the router needs to know about a request."""

    decision_type: DecisionType
    amount: Money | None = None  # annual budget, or the sum at issue in a financial audit
    increase: Money | None = None
    item_amount: Money | None = None
    residual_risk: int | None = None  # highest residual risk rating recorded for the person
    unusual: bool = False

    def value(self, check: Check) -> Money | None:
        """The amount checked by a money ``check``."""
        return {Check.ANNUAL_BUDGET: self.amount, Check.BUDGET_INCREASE: self.increase}.get(check, self.item_amount)


@dataclass(frozen=True)
class Route:
    """Where a request goes and why; ``level`` None means a risk enablement panel."""

    level: int | None
    reasons: tuple[str, ...]

    @property
    def to_panel(self) -> bool:
        """True when no level may take it."""
        return self.level is None

    @property
    def explanation(self) -> str:
        """All the reasons as one paragraph."""
        return "; ".join(self.reasons)


def _money_words(decision_type: DecisionType, check: Check) -> str:
    if decision_type is DecisionType.FINANCIAL_AUDIT and check is Check.ANNUAL_BUDGET:
        return "sum at issue"
    return CHECK_WORDS[check]


def level_refusals(framework: Framework, proposal: Proposal, level: int) -> list[str]:
    """Why ``level`` may not take ``proposal`` (empty: it may), each reason naming the level's limit."""
    rule = framework.rule(proposal.decision_type)
    limits = framework.levels[level]
    reasons: list[str] = []
    for check in MONEY_CHECKS:
        value, limit = proposal.value(check), limits.limits[check]
        if check in rule.checks and value is not None and limit is not None and value.amount > limit.amount:
            words = _money_words(proposal.decision_type, check)
            reasons.append(f"{words} {format_gbp(value)} is above level {level}'s limit of {format_gbp(limit)}")
    rating = proposal.residual_risk
    if Check.RISK in rule.checks and rating is not None and rating > limits.max_residual_risk:
        reasons.append(
            f"residual risk rating {rating} ({risk_band(rating)}) is above level {level}'s tolerance of "
            f"{limits.max_residual_risk}"
        )
    if proposal.unusual and level < framework.unusual_minimum_level:
        reasons.append(f"an unusual request is decided at level {framework.unusual_minimum_level} or above")
    return reasons


def _within(framework: Framework, proposal: Proposal, level: int) -> list[str]:
    """The amounts ``level`` checks, against its limits ("annual budget £62,400.00 is within ... £100,000.00")."""
    rule, limits = framework.rule(proposal.decision_type), framework.levels[level]
    found = []
    for check in MONEY_CHECKS:
        value, limit = proposal.value(check), limits.limits[check]
        if check in rule.checks and value is not None:
            bound = f"is within level {level}'s limit of {format_gbp(limit)}" if limit else "has no limit at this level"
            found.append(f"{_money_words(proposal.decision_type, check)} {format_gbp(value)} {bound}")
    return found


def route(framework: Framework, proposal: Proposal) -> Route:
    """The lowest level that may take ``proposal``, with the reason for each level passed over."""
    rule = framework.rule(proposal.decision_type)
    passed_over: list[str] = []
    first = rule.levels[0]
    if first > 1:
        label = proposal.decision_type.label.lower()
        below = "level 1" if first == 2 else f"levels 1 to {first - 1}"  # noqa: PLR2004
        passed_over.append(f"{label} is not taken at {below}")
    for level in rule.levels:
        refusals = level_refusals(framework, proposal, level)
        if not refusals:
            if not passed_over:
                return Route(level, (f"level {level}: within level {level}'s limits and risk tolerance",))
            if level == first:  # passed over only because lower levels do not take it: say why this one may
                passed_over.extend(_within(framework, proposal, level))
            return Route(level, tuple(f"level {level}: {reason}" for reason in passed_over))
        passed_over = refusals
    return Route(None, tuple(f"risk enablement panel: {reason}" for reason in passed_over))


# --- timing ---------------------------------------------------------------------------------------------------


def is_working_day(day: dt.date, non_working: frozenset[dt.date]) -> bool:
    """Monday to Friday and not a listed holiday."""
    return day.weekday() < 5 and day not in non_working  # noqa: PLR2004 - Saturday is 5


def due_at(start: dt.datetime, target: Target, non_working: frozenset[dt.date] = frozenset()) -> dt.datetime:
    """When a step that started at ``start`` is due: the same time ``n`` working days later, or ``n`` hours."""
    if target.hours is not None:
        return start + dt.timedelta(hours=target.hours)
    moment, left = start, target.working_days or 0
    while left > 0:
        moment += dt.timedelta(days=1)
        if is_working_day(moment.date(), non_working):
            left -= 1
    return moment


def timeliness(due: dt.datetime, now: dt.datetime, finished: dt.datetime | None = None) -> str:
    """'on time', 'late', 'due', or 'overdue' for a step."""
    if finished is not None:
        return "on time" if finished <= due else "late"
    return "overdue" if now > due else "due"


# --- sign-off checklist (Annex D 8.3.2 and 8.3.3) -------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One thing that must be in place before a care plan or final budget is signed off."""

    key: str
    group: str
    text: str
    conditional: bool = False  # "where necessary": may be recorded as not applicable, with why


PLAN_CONTENTS = "What the direct-payment plan contains (Annex D 8.3.2)"
COMMISSIONER = "The commissioner is satisfied that (Annex D 8.3.3)"
PERSON_AGREES = "The person or their representative agrees that (Annex D 8.3.3)"

CHECKLIST: Final = (
    ChecklistItem("plan_health_needs_outcomes", PLAN_CONTENTS, "The health needs and the outcomes to be achieved"),
    ChecklistItem("plan_what_it_buys", PLAN_CONTENTS, "What the direct payment will be used to buy"),
    ChecklistItem("plan_size_frequency", PLAN_CONTENTS, "The size of the direct payment and how often it is paid"),
    ChecklistItem("plan_care_coordinator", PLAN_CONTENTS, "The name of the care coordinator managing the plan"),
    ChecklistItem("plan_monitoring", PLAN_CONTENTS, "Who monitors the person's health condition"),
    ChecklistItem("plan_first_review", PLAN_CONTENTS, "The date of the first review and how it will be done"),
    ChecklistItem(
        "plan_risk_procedure",
        PLAN_CONTENTS,
        "An agreed procedure for discussing and managing significant potential risks",
        conditional=True,
    ),
    ChecklistItem(
        "plan_safeguarding",
        PLAN_CONTENTS,
        "Safeguarding, promoting liberty and any restraint procedures, where the person lacks capacity or is "
        "more vulnerable",
        conditional=True,
    ),
    ChecklistItem("plan_notice_period", PLAN_CONTENTS, "The notice period before the direct payment is reduced"),
    ChecklistItem(
        "commissioner_needs_met", COMMISSIONER, "The health needs can be met by buying the services in the plan"
    ),
    ChecklistItem(
        "commissioner_money_sufficient", COMMISSIONER, "The money will cover the full cost of each service in the plan"
    ),
    ChecklistItem("commissioner_reviewed", COMMISSIONER, "The plan will be reviewed as required"),
    ChecklistItem(
        "commissioner_risks_discussed",
        COMMISSIONER,
        "Significant risks were discussed with the person, representative or nominee, and the plan holds ways to "
        "eliminate, reduce or manage them",
    ),
    ChecklistItem(
        "commissioner_safeguarding",
        COMMISSIONER,
        "Where the person lacks capacity or is more vulnerable, safeguarding, liberty and any restraint "
        "procedures are included",
        conditional=True,
    ),
    ChecklistItem("person_needs_met", PERSON_AGREES, "Their care needs will be met by the services in the plan"),
    ChecklistItem(
        "person_payment_sufficient", PERSON_AGREES, "The direct payment is enough to cover the full cost of the plan"
    ),
    ChecklistItem(
        "person_review_reassess", PERSON_AGREES, "The plan will be reviewed and their needs may be reassessed then"
    ),
    ChecklistItem("person_information_shared", PERSON_AGREES, "Their information can be shared with relevant bodies"),
)
CHECKLIST_KEYS: Final = frozenset(item.key for item in CHECKLIST)


class ItemStatus(StrEnum):
    """How a checklist item stands."""

    MET = "met"
    NOT_APPLICABLE = "not_applicable"
    MISSING = "missing"


def missing_items(recorded: Mapping[str, ItemStatus]) -> list[ChecklistItem]:
    """Items not yet met (or, where allowed, recorded as not applicable), in checklist order."""
    missing = []
    for item in CHECKLIST:
        status = recorded.get(item.key, ItemStatus.MISSING)
        ok = status is ItemStatus.MET or (status is ItemStatus.NOT_APPLICABLE and item.conditional)
        if not ok:
            missing.append(item)
    return missing


# --- the record for the person, and consistency with earlier decisions ---------------------------------------


# A request raised again after an upheld appeal is summarised "Looked at again after appeal 12: …" for the team
# (``phb.governance.appeals.services._reopen``); the person is not told the appeal's record number.
_REOPENED = re.compile(r"^Looked at again after appeal \d+: ")


def summary_for_person(summary: str) -> str:
    """A request's summary as the person reads it (no record numbers the team uses to find things)."""
    return _REOPENED.sub("Looked at again after your appeal: ", summary.strip())


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def role_words(role_label: str) -> str:
    """A role as a person reads it in a sentence: 'a CHC service manager', 'a nurse assessor'."""
    role = role_label.lower().replace("chc", "CHC")
    return f"{_article(role)} {role}"


def plain_english(
    *,
    decision_label: str,
    summary: str,
    outcome: Outcome,
    decided_by: str,
    role_label: str,
    where: str,
    on: dt.date,
    reasons: str,
    conditions: str | None = None,
    alternatives: str | None = None,
) -> str:
    """The decision written for the person: who decided, what, why, and what they can do next.

    ``where`` ('level 2' or 'a risk enablement panel') only tells a panel's decision apart: the framework's level
    numbers and the router's reasons mean nothing to the person, so they are never written here.
    """
    verb = {
        Outcome.APPROVED: "agreed",
        Outcome.APPROVED_WITH_CONDITIONS: "agreed, with conditions,",
        Outcome.REFUSED: "did not agree",
    }[outcome]
    date = f"{on.day} {on:%B %Y}"
    who = (
        f"a risk enablement panel chaired by {decided_by}"
        if "panel" in where
        else f"{decided_by}, {role_words(role_label)},"
    )
    parts = [
        f"On {date}, {who} {verb} to this request: {summary_for_person(summary)}.",
        f"Decision: {decision_label.lower()}.",
        f"Why: {reasons.strip()}",
    ]
    if conditions:
        parts.append(f"Conditions: {conditions.strip()}")
    if alternatives:
        parts.append(f"Other ways to meet your needs that we can look at with you: {alternatives.strip()}")
    parts.append(
        "If you do not agree with this decision you can ask for it to be looked at again (an appeal). "
        "Your care coordinator can help you with this."
    )
    return "\n".join(parts)


_STOP_WORDS: Final = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "has", "have", "he", "her", "his"),
        *("in", "into", "is", "it", "its", "may", "no", "not", "of", "on", "or", "our", "per", "she", "should"),
        *("that", "the", "their", "them", "these", "they", "this", "those", "to", "was", "we", "were", "will"),
        *("with", "would", "you", "your"),
    }
)
_WORD = re.compile(r"[a-z][a-z0-9']+")


def keywords(*texts: str | None) -> frozenset[str]:
    """The meaningful words of some text, for finding similar decisions (crude plural folding)."""
    words: set[str] = set()
    for text in texts:
        for word in _WORD.findall((text or "").lower()):
            if word in _STOP_WORDS or len(word) < 3:  # noqa: PLR2004
                continue
            words.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)  # noqa: PLR2004
    return frozenset(words)


def shared_keywords(a: frozenset[str], b: frozenset[str]) -> list[str]:
    """Words two texts share, alphabetically."""
    return sorted(a & b)


# --- the framework as a matrix (page and `phb governance show`) ----------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    """One decision across the levels."""

    decision_type: DecisionType
    label: str
    nature: str
    cells: tuple[tuple[str, ...], ...]  # role labels per level, in level order; empty: not taken there
    two_people: bool
    target: str
    checks: tuple[str, ...]


def matrix_rows(framework: Framework) -> list[MatrixRow]:
    """The framework as the guide's table: a row per decision, a column per level."""
    rows = []
    for kind in DecisionType:
        rule = framework.rule(kind)
        cells = tuple(
            tuple(sorted(r.label for r in rule.roles.get(level, frozenset()))) for level in sorted(framework.levels)
        )
        checks = tuple(CHECK_WORDS.get(c, "residual risk") for c in sorted(rule.checks))
        rows.append(MatrixRow(kind, kind.label, rule.nature, cells, rule.two_people, str(rule.target), checks))
    return rows


def level_limits_text(level: Level) -> str:
    """'annual budget up to £50,000.00; ...; residual risk up to 6 (moderate)'."""
    parts = [
        f"{CHECK_WORDS[check]} up to {format_gbp(limit)}" if limit is not None else f"{CHECK_WORDS[check]}: no limit"
        for check, limit in level.limits.items()
    ]
    parts.append(f"residual risk up to {level.max_residual_risk} ({risk_band(level.max_residual_risk)})")
    return "; ".join(parts)


def matrix_text(framework: Framework) -> list[str]:
    """The matrix as plain text lines for a terminal."""
    lines = []
    for number in sorted(framework.levels):
        level = framework.levels[number]
        lines.append(f"Level {number} – {level.title}: {level_limits_text(level)}")
    lines.append("")
    for row in matrix_rows(framework):
        extra = ", two people" if row.two_people else ""
        lines.append(f"{row.label} ({row.nature}; target {row.target} per step{extra})")
        for number, cell in zip(sorted(framework.levels), row.cells, strict=True):
            lines.append(f"  level {number}: {', '.join(cell) if cell else '—'}")
    panel = framework.panel
    chairs = ", ".join(sorted(r.label for r in panel.chair_roles))
    lines += ["", f"Risk enablement panel: quorum {panel.quorum} including a chair ({chairs}); target {panel.target}"]
    return lines
