"""Decision notices and appeals as pure rules: working days, time limits, which right of appeal applies, the notice.

Nothing here touches the database. Working days skip weekends and the England and Wales bank holidays from the
``holidays`` package (offline data, maintained upstream), plus any local closure days in the configuration.
The configuration (``appeals.toml`` beside this file) is parsed by :func:`parse_config`, which reports every
problem at once.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

import holidays

from phb.clock import add_months
from phb.governance.rules import role_words

# --- working days ---------------------------------------------------------------------------------------------


@functools.cache
def _bank_holidays(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year).keys())


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count as working days: Monday to Friday, not a bank holiday, not a listed closure day."""

    country: str = "GB"
    subdivision: str | None = "ENG"
    extra_non_working_days: frozenset[dt.date] = field(default_factory=frozenset)

    def is_bank_holiday(self, day: dt.date) -> bool:
        """A public holiday of the country (and subdivision) on ``day``."""
        return day in _bank_holidays(self.country, self.subdivision, day.year)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday, and neither a bank holiday nor a closure day."""
        return (
            day.weekday() < 5  # noqa: PLR2004 - Saturday is 5
            and not self.is_bank_holiday(day)
            and day not in self.extra_non_working_days
        )

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
        if days < 0:
            raise ValueError("count forwards: days must not be negative")
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
        count, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


# --- configuration --------------------------------------------------------------------------------------------


class ReviewerMode(StrEnum):
    """Who may review an appeal."""

    SAME_OR_HIGHER = "same_or_higher"
    HIGHER = "higher"
    PANEL = "panel"


@dataclass(frozen=True)
class TimeLimits:
    """Every time limit of the appeal process; working days unless the name says otherwise."""

    lodge_working_days: int = 20
    acknowledge_working_days: int = 3
    decide_working_days: int = 20
    communicate_working_days: int = 5
    reduction_notice_days: int = 28
    chc_local_resolution_months: int = 6
    chc_independent_review_months: int = 6
    complaints_months: int = 12
    ombudsman_months: int = 12


@dataclass(frozen=True)
class AppealsConfig:
    """The appeals configuration in force."""

    calendar: WorkingCalendar
    limits: TimeLimits
    reviewer_mode: ReviewerMode


class ConfigError(ValueError):
    """The configuration has problems; ``problems`` names each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


_LIMIT_NAMES: Final = frozenset(TimeLimits.__dataclass_fields__)


def parse_config(text: str) -> AppealsConfig:
    """Read ``appeals.toml``; every problem is reported at once, naming the setting."""
    try:
        raw: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"]) from exc
    problems: list[str] = [f"unknown section [{k}]" for k in raw if k not in {"calendar", "time_limits", "reviewer"}]
    cal = raw.get("calendar", {})
    country, subdivision = cal.get("country", "GB"), cal.get("subdivision", "ENG")
    try:
        holidays.country_holidays(country, subdiv=subdivision, years=2026)
    except NotImplementedError:
        problems.append(f"calendar: no bank holidays are known for country {country!r}, subdivision {subdivision!r}")
    extra = cal.get("extra_non_working_days", [])
    if not all(isinstance(d, dt.date) and not isinstance(d, dt.datetime) for d in extra):
        problems.append("calendar.extra_non_working_days: list dates like 2026-12-24")
        extra = []
    limits_raw = raw.get("time_limits", {})
    limits: dict[str, int] = {}
    for key, value in limits_raw.items():
        if key not in _LIMIT_NAMES:
            problems.append(f"time_limits.{key}: unknown setting (known: {', '.join(sorted(_LIMIT_NAMES))})")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"time_limits.{key}: give a whole number of 1 or more, not {value!r}")
        else:
            limits[key] = value
    mode = raw.get("reviewer", {}).get("mode", ReviewerMode.SAME_OR_HIGHER.value)
    if mode not in {m.value for m in ReviewerMode}:
        problems.append(f"reviewer.mode: {mode!r} is not one of {', '.join(m.value for m in ReviewerMode)}")
        mode = ReviewerMode.SAME_OR_HIGHER.value
    if problems:
        raise ConfigError(problems)
    return AppealsConfig(
        calendar=WorkingCalendar(country, subdivision, frozenset(extra)),
        limits=TimeLimits(**limits),
        reviewer_mode=ReviewerMode(mode),
    )


# --- which right of appeal applies ----------------------------------------------------------------------------


class AppealType(StrEnum):
    """The route an appeal takes, and the regulation (or guidance) it is under."""

    REG_7 = "reconsideration_reg_7"
    REG_8 = "reconsideration_reg_8"
    REG_13 = "reconsideration_reg_13"
    REG_15 = "reconsideration_reg_15"
    REG_17 = "reconsideration_reg_17"
    CHC_ELIGIBILITY = "chc_eligibility"
    LOCAL = "local_appeal"

    @property
    def label(self) -> str:
        """The route in words, with its source."""
        return APPEAL_TYPE_LABELS[self]

    @property
    def statutory(self) -> bool:
        """A statutory right to ask for reconsideration (NHS (Direct Payments) Regulations 2013)."""
        return self in STATUTORY


APPEAL_TYPE_LABELS: Final = {
    AppealType.REG_7: "Reconsideration under regulation 7: a decision not to make a direct payment",
    AppealType.REG_8: "Reconsideration under regulation 8: a decision to leave a service out of the care plan",
    AppealType.REG_13: "Reconsideration under regulation 13: a decision to reduce the amount of a direct payment",
    AppealType.REG_15: "Reconsideration under regulation 15: a demand to repay some of a direct payment",
    AppealType.REG_17: "Reconsideration under regulation 17: a decision to stop direct payments",
    AppealType.CHC_ELIGIBILITY: "NHS Continuing Healthcare eligibility: local resolution",
    AppealType.LOCAL: "Local appeal against a personal health budget decision (Annex D 8.3.3)",
}
STATUTORY: Final = frozenset(
    {AppealType.REG_7, AppealType.REG_8, AppealType.REG_13, AppealType.REG_15, AppealType.REG_17}
)

# What the person is told they may ask us to reconsider, per regulation.
_STATUTORY_WORDS: Final = {
    AppealType.REG_7: "a decision not to make a direct payment (regulation 7)",
    AppealType.REG_8: "a decision to leave a service out of your care plan (regulation 8)",
    AppealType.REG_13: "a decision to reduce the amount of your direct payment (regulation 13)",
    AppealType.REG_15: "a decision that you must repay some of your direct payment (regulation 15)",
    AppealType.REG_17: "a decision to stop your direct payments (regulation 17)",
}


# Decisions that can lower the amount of a direct payment: a budget review, and a new final budget replacing the one
# in force (``phb.budgets.services.direct_payment_change`` says whether it does).
_CAN_REDUCE: Final = frozenset({"budget_review", "final_budget_authorisation"})


def appeal_type_for(
    decision_type: str,
    outcome: str,
    *,
    reduces_amount: bool = False,
    stops_payments: bool = False,
    direct_payment: bool = True,
) -> AppealType:
    """Which right of appeal a governance decision carries (the mapping is documented in ``docs/appeals.md``).

    ``decision_type`` and ``outcome`` are governance's values. ``reduces_amount``: a budget review or a new final
    budget that lowers the amount; ``stops_payments``: a decision that ends the direct payment (refusing a final
    budget that would have ended it is not a decision not to make one); ``direct_payment`` False: the budget is
    notional or third-party, so the Direct Payments Regulations do not apply and a local appeal does.
    """
    refused = outcome == "refused"
    statutory: AppealType | None = None
    if stops_payments and not refused:
        statutory = AppealType.REG_17
    elif decision_type == "financial_audit" and not refused:
        statutory = AppealType.REG_15  # the audit's recovery (repayment demand) was agreed
    elif decision_type in _CAN_REDUCE and reduces_amount and not refused:
        statutory = AppealType.REG_13
    elif refused and decision_type == "final_budget_authorisation" and not stops_payments:
        statutory = AppealType.REG_7
    elif refused and decision_type == "flexible_budget_spend":
        statutory = AppealType.REG_8
    if statutory is not None:
        return statutory if direct_payment else AppealType.LOCAL
    if decision_type == "assessment_of_need":
        return AppealType.CHC_ELIGIBILITY
    return AppealType.LOCAL


def lodge_by(config: AppealsConfig, appeal_type: AppealType, start: dt.date) -> dt.date:
    """The last day to appeal, counted from the day the notice was delivered (or issued)."""
    if appeal_type is AppealType.CHC_ELIGIBILITY:
        return add_months(start, config.limits.chc_local_resolution_months)
    return config.calendar.add_working_days(start, config.limits.lodge_working_days)


# --- the appeal's steps and their timing ----------------------------------------------------------------------


class Stage(StrEnum):
    """Where an appeal is."""

    LODGED = "lodged"
    ACKNOWLEDGED = "acknowledged"
    UNDER_REVIEW = "under_review"
    DECIDED = "decided"
    COMMUNICATED = "communicated"
    REFERRED = "referred"

    @property
    def label(self) -> str:
        """For people."""
        return STAGE_LABELS[self]

    @property
    def staff_label(self) -> str:
        """For the team's dashboard."""
        return STAFF_STAGE_LABELS[self]


STAFF_STAGE_LABELS: Final = {
    Stage.LODGED: "Received: to acknowledge",
    Stage.ACKNOWLEDGED: "Acknowledged: to assign a reviewer",
    Stage.UNDER_REVIEW: "With the reviewer",
    Stage.DECIDED: "Decided: to tell the person",
    Stage.COMMUNICATED: "Person told",
    Stage.REFERRED: "Referred onwards",
}
STAGE_LABELS: Final = {
    Stage.LODGED: "Received, not yet acknowledged",
    Stage.ACKNOWLEDGED: "Acknowledged, waiting for a reviewer",
    Stage.UNDER_REVIEW: "Being reviewed",
    Stage.DECIDED: "Decided, you will be told shortly",
    Stage.COMMUNICATED: "Decided and you have been told",
    Stage.REFERRED: "Referred onwards",
}


class AppealDecision(StrEnum):
    """The reviewer's answer."""

    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"

    @property
    def label(self) -> str:
        """In words."""
        return self.value.replace("_", " ").capitalize()

    @property
    def reopens(self) -> bool:
        """An upheld or partly upheld appeal sends the decision back through the governance router."""
        return self is not AppealDecision.NOT_UPHELD


class ReferralBody(StrEnum):
    """Where an unresolved dispute goes next."""

    NHS_COMPLAINTS = "nhs_complaints"
    INDEPENDENT_REVIEW_PANEL = "independent_review_panel"
    OMBUDSMAN = "ombudsman"

    @property
    def label(self) -> str:
        """Its name."""
        return REFERRAL_LABELS[self]


REFERRAL_LABELS: Final = {
    ReferralBody.NHS_COMPLAINTS: "NHS complaints procedure",
    ReferralBody.INDEPENDENT_REVIEW_PANEL: "NHS England Independent Review Panel",
    ReferralBody.OMBUDSMAN: "Parliamentary and Health Service Ombudsman",
}


def referral_route(appeal_type: AppealType) -> tuple[ReferralBody, ...]:
    """The bodies an unresolved dispute goes to, in order (CHC eligibility: the Independent Review Panel first)."""
    if appeal_type is AppealType.CHC_ELIGIBILITY:
        return (ReferralBody.INDEPENDENT_REVIEW_PANEL, ReferralBody.OMBUDSMAN)
    return (ReferralBody.NHS_COMPLAINTS, ReferralBody.OMBUDSMAN)


def referral_problem(appeal_type: AppealType, body: ReferralBody, already: Iterable[ReferralBody]) -> str | None:
    """Why ``body`` may not be recorded next, in words; None if it may."""
    route, done = referral_route(appeal_type), set(already)
    if body not in route:
        names = " then the ".join(b.label for b in route)
        return f"This kind of appeal goes to the {names}, not the {body.label}"
    if body in done:
        return f"The referral to the {body.label} is already recorded"
    before = route[: route.index(body)]
    missing = [b for b in before if b not in done]
    if missing:
        return f"Record the referral to the {missing[0].label} first: it comes before the {body.label}"
    return None


def step_timing(due: dt.date | None, today: dt.date, done: dt.date | None = None) -> str:
    """'on time', 'late', 'due' or 'overdue' for a step with a due date ('' when it has none)."""
    if due is None:
        return ""
    if done is not None:
        return "on time" if done <= due else "late"
    return "overdue" if today > due else "due"


def next_step(stage: Stage) -> str:
    """What has to happen next at ``stage``, in words ('' when nothing is left for the team)."""
    return {
        Stage.LODGED: "Acknowledge the appeal",
        Stage.ACKNOWLEDGED: "Assign a reviewer",
        Stage.UNDER_REVIEW: "Decide the appeal",
        Stage.DECIDED: "Tell the person the outcome",
        Stage.COMMUNICATED: "",
        Stage.REFERRED: "",
    }[stage]


# --- reviewers ------------------------------------------------------------------------------------------------


def reviewer_problem(
    *,
    mode: ReviewerMode,
    reviewer_id: int,
    reviewer_name: str,
    original_decider_ids: Iterable[int | None],
    original_level: int | None,
    reviewer_level: int | None,
    top_level: int,
    reviewer_is_panel_chair: bool,
    decision_label: str,
) -> str | None:
    """Why someone may not review an appeal, in words; None if they may.

    Nobody reviews a decision they took (or gave the second approval to). ``original_level`` None means a risk
    enablement panel decided; then only a panel, or the top level, reviews it.
    """
    if reviewer_id in set(original_decider_ids):
        return f"{reviewer_name} took the original decision, so someone else must review the appeal against it"
    if mode is ReviewerMode.PANEL:
        if not reviewer_is_panel_chair:
            return f"Appeals are reviewed by a risk enablement panel: choose a panel chair, not {reviewer_name}"
        return None
    if reviewer_level is None:
        return f"{reviewer_name} does not take {decision_label.lower()} decisions at any level"
    needed = top_level if original_level is None else original_level
    if mode is ReviewerMode.HIGHER and original_level is not None and original_level < top_level:
        needed = original_level + 1
    if reviewer_level < needed:
        where = "a risk enablement panel" if original_level is None else f"level {original_level}"
        return (
            f"{reviewer_name} decides at level {reviewer_level}; the original decision was taken at {where}, so the "
            f"reviewer must decide at level {needed} or higher"
        )
    return None


# --- the notice -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeFacts:
    """What a decision notice says, before it is written out."""

    decision_label: str
    summary: str
    outcome: str  # governance outcome value
    decided_by: str
    second_approver: str | None
    role_label: str
    where: str  # 'level 2' or 'a risk enablement panel'
    decided_on: dt.date
    reasons: str
    considered: str
    alternatives: str | None
    conditions: str | None
    appeal_type: AppealType
    appeal_by: dt.date
    reduction_takes_effect_on: dt.date | None = None
    notice_days: int | None = None
    # What the decision means for the record, in plain sentences from its owning package (a final budget's
    # payments: how much, how often, from when, the notice period); see ``DecisionSubject.notice_terms``.
    terms: tuple[str, ...] = ()
    # The format the person needs information in when it is not standard or large print ("easy read", "braille"):
    # the notice says a version in that format will be sent, and the notice records that it is owed.
    format_owed: str | None = None
    second_reasons: str | None = None  # the second of two approvers' own reasons


# The heading of the section saying which accessible version is owed: ``FORMAT_OWED_HEADINGS[format]``.
FORMAT_OWED_HEADINGS: Final = {
    "easy read": "Easy read",
    "braille": "Braille",
    "audio": "Audio",
    "British Sign Language": "British Sign Language",
}


def owed_formats(sections: Iterable[Sequence[str]]) -> list[str]:
    """The accessible formats a stored notice says a version of it will be sent in ('easy read'...)."""
    by_heading = {heading: name for name, heading in FORMAT_OWED_HEADINGS.items()}
    return [by_heading[section[0]] for section in sections if section and section[0] in by_heading]


_VERB: Final = {
    "approved": "agreed to",
    "approved_with_conditions": "agreed, with conditions, to",
    "refused": "did not agree to",
}


def _day(value: dt.date) -> str:
    return f"{value.strftime('%A')} {value.day} {calendar.month_name[value.month]} {value.year}"


TERMS_HEADING: Final = "Your budget and payments"
PANEL_WORDS: Final = "a risk enablement panel (senior staff who meet to look at difficult or unusual requests together)"


def _a(noun: str) -> str:
    """'a' or 'an' before ``noun`` (by its first letter: good enough for role names and formats)."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


# What governance writes as the information considered when the decider gave none: the request and the router's
# reasons (``phb.governance.services._considered``). The router's reasons are for the team, not the person.
_ROUTED_DEFAULT: Final = "The request as raised, and how it was routed:"
CONSIDERED_DEFAULT: Final = "What was asked for, and the information that came with the request."


def considered_for_person(considered: str, routing_reason: str) -> str:
    """The information considered, as the person reads it: without the router's reasons for the level."""
    text = considered.strip()
    if text.startswith(_ROUTED_DEFAULT):
        return CONSIDERED_DEFAULT
    if routing_reason.strip() and routing_reason.strip() in text:
        text = text.replace(routing_reason.strip(), "").strip(" ;:,.")
        return f"{text}." if text else CONSIDERED_DEFAULT
    return text


def who_decided(facts: NoticeFacts) -> str:
    """Who took the decision, in words a person understands: never the framework's level numbers."""
    if "panel" in facts.where:
        text = f"This decision was made by {PANEL_WORDS}. {facts.decided_by} chaired the panel."
    else:
        text = f"{facts.decided_by}, {role_words(facts.role_label)}, made this decision."
    if facts.second_approver:
        text += f" {facts.second_approver} checked it and agreed."
    return text


def notice_title(facts: NoticeFacts) -> str:
    """The notice's heading."""
    word = {"approved": "agreed", "approved_with_conditions": "agreed with conditions", "refused": "not agreed"}
    return f"{facts.decision_label}: {word.get(facts.outcome, facts.outcome)}"


def _why(facts: NoticeFacts) -> str:
    """The reasons; for a two-person decision, each approver's own."""
    if facts.second_approver and facts.second_reasons and facts.second_reasons.strip() != facts.reasons.strip():
        return f"{facts.reasons.strip()}\n{facts.second_approver} also said: {facts.second_reasons.strip()}"
    return facts.reasons.strip()


def notice_sections(facts: NoticeFacts, limits: TimeLimits) -> list[tuple[str, str]]:
    """The notice in plain English, as (heading, text) sections in the order the person reads them."""
    sections = []
    if facts.format_owed is not None:
        sections.append(
            (
                FORMAT_OWED_HEADINGS.get(facts.format_owed, facts.format_owed.capitalize()),
                (
                    f"Your record says you need information in {facts.format_owed}. We will send you "
                    f"{_a(facts.format_owed)} {facts.format_owed} version of this letter."
                ),
            )
        )
    sections += [
        (
            "What we decided",
            (
                f"On {_day(facts.decided_on)} we {_VERB.get(facts.outcome, facts.outcome)} this request: "
                f"{facts.summary.rstrip('.')}."
            ),
        ),
        ("Who decided", who_decided(facts)),
    ]
    if facts.terms:
        sections.append((TERMS_HEADING, "\n".join(facts.terms)))
    sections += [
        ("Why", _why(facts)),
        ("What we looked at", facts.considered.strip()),
    ]
    if facts.conditions:
        sections.append(("Conditions", facts.conditions.strip()))
    if facts.alternatives:
        sections.append(("Other ways to meet your needs", facts.alternatives.strip()))
    if facts.reduction_takes_effect_on is not None:
        sections.append(
            (
                "When the change takes effect",
                (
                    f"We are giving you {facts.notice_days} days' notice in writing. The new amount starts on "
                    f"{_day(facts.reduction_takes_effect_on)}. Until then your payments stay the same."
                ),
            )
        )
    if facts.appeal_type.statutory:
        sections.append(
            (
                "Your right to ask us to reconsider",
                (
                    "The law (the National Health Service (Direct Payments) Regulations 2013) gives you the right to "
                    f"ask us to reconsider {_STATUTORY_WORDS[facts.appeal_type]}. Someone who did not take this "
                    "decision will look at it again."
                ),
            )
        )
    if facts.appeal_type is AppealType.CHC_ELIGIBILITY:
        how = (
            f"If you disagree, ask us for local resolution by {_day(facts.appeal_by)} (within "
            f"{limits.chc_local_resolution_months} months of this letter). Tell us why you disagree and send "
            "anything new you want us to see. You can do this through your online account, by letter, by email "
            "or by phone. Your care coordinator can help you."
        )
        after = (
            "If you are still unhappy after local resolution, you can ask NHS England for an Independent Review "
            f"Panel within {limits.chc_independent_review_months} months, and after that the Parliamentary and "
            "Health Service Ombudsman."
        )
    else:
        how = (
            f"If you disagree, tell us by {_day(facts.appeal_by)} ({limits.lodge_working_days} working days from "
            "when you got this notice). Say why you disagree and send anything new you want us to see. You can do "
            "this through your online account, by letter, by email or by phone, and someone can do it for you. "
            "Your care coordinator can help you."
        )
        after = (
            f"We will tell you we have your appeal within {limits.acknowledge_working_days} working days and give "
            f"you our answer within {limits.decide_working_days} working days. If you are still unhappy, you can "
            f"use the NHS complaints procedure (within {limits.complaints_months} months), and after that ask the "
            "Parliamentary and Health Service Ombudsman to look at it."
        )
    sections.extend([("How to appeal and by when", how), ("If you are still unhappy", after)])
    return sections


# --- reporting ------------------------------------------------------------------------------------------------


def quarter(day: dt.date) -> str:
    """The NHS financial-year quarter of a day: '2026-27 Q3' (April to June is Q1)."""
    start = day.year if day.month >= 4 else day.year - 1  # noqa: PLR2004 - the year starts in April
    return f"{start}-{(start + 1) % 100:02d} Q{(day.month - 4) % 12 // 3 + 1}"


@dataclass(frozen=True)
class DecidedAppeal:
    """One decided appeal, as the report counts it."""

    decided_on: dt.date
    decision_type: str
    decision: AppealDecision
    working_days_to_decide: int


@dataclass(frozen=True)
class ReportRow:
    """Appeals of one decision type decided in one quarter."""

    quarter: str
    decision_type: str
    upheld: int
    partly_upheld: int
    not_upheld: int
    mean_working_days: float
    longest_working_days: int

    @property
    def total(self) -> int:
        """Appeals decided."""
        return self.upheld + self.partly_upheld + self.not_upheld

    @property
    def overturn_rate(self) -> float:
        """Share upheld in whole or in part: a high rate says something about the original decisions."""
        return (self.upheld + self.partly_upheld) / self.total if self.total else 0.0


def report(rows: Iterable[DecidedAppeal]) -> list[ReportRow]:
    """Count decided appeals by quarter and decision type, with the time taken to decide (newest quarter first)."""
    groups: dict[tuple[str, str], list[DecidedAppeal]] = {}
    for row in rows:
        groups.setdefault((quarter(row.decided_on), row.decision_type), []).append(row)
    out = []
    for (q, kind), items in groups.items():
        counts: Mapping[AppealDecision, int] = {d: sum(1 for i in items if i.decision is d) for d in AppealDecision}
        days = [i.working_days_to_decide for i in items]
        out.append(
            ReportRow(
                quarter=q,
                decision_type=kind,
                upheld=counts[AppealDecision.UPHELD],
                partly_upheld=counts[AppealDecision.PARTLY_UPHELD],
                not_upheld=counts[AppealDecision.NOT_UPHELD],
                mean_working_days=round(sum(days) / len(days), 1),
                longest_working_days=max(days),
            )
        )
    out.sort(key=lambda r: (r.quarter, r.decision_type))
    out.sort(key=lambda r: r.quarter, reverse=True)
    return out
