"""The exclusion check: flag statement lines that a personal health budget may not pay for (DOMAIN.md section 4).

Pure logic: stdlib and ``iso18245`` only. A rule set is data (``exclusion_rules.toml``), loaded and validated by
:func:`load_rules`; :func:`check_line` applies it to one statement line.

How a line is checked:

1. Credits (amount >= 0) are never flagged: money coming in, including winnings or refunds from excluded
   merchants, is not spending.
2. MCC rules first: the card scheme's merchant category code is set by the acquirer and is more reliable than a
   free-text descriptor, so an MCC match wins.
3. Descriptor rules next, in file order (first match wins): each pattern is a case-insensitive regular
   expression searched, with word boundaries, in the *normalised* descriptor (bank boilerplate removed).
4. Any ``unless`` pattern found in the normalised descriptor cancels that rule (e.g. ``TREE SURGERY``), and
   checking carries on with the next rule.

A flag is not a decision: it asks a person (the direct payments team) to look at the line.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
import tomllib
from dataclasses import dataclass
from typing import Any, Final, Literal

import iso18245

CATEGORIES: Final = (
    "gambling",
    "debt_repayment",
    "tobacco",
    "alcohol",
    "illegal",
    "gp_services",
    "public_health",
    "urgent_emergency",
    "surgery",
    "nhs_charges",
)
"""Annex D: never under any budget (first five); not through a direct payment (last five)."""

RuleKind = Literal["mcc", "descriptor"]
_KINDS: Final = ("mcc", "descriptor")
_RULE_KEYS: Final = frozenset({"id", "category", "kind", "pattern", "reason", "unless"})
_RULE_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_MCC_CODE = re.compile(r"\d{4}")


@dataclass(frozen=True)
class StatementLine:
    """One line of a bank or prepaid-card statement; ``amount`` is negative for money out."""

    date: dt.date
    description: str
    amount: decimal.Decimal
    mcc: str | None = None


@dataclass(frozen=True)
class ExclusionRule:
    """One rule: an MCC (4 digits) or a descriptor regex that puts a line in an excluded category."""

    id: str
    category: str
    kind: RuleKind
    pattern: str
    reason: str
    unless: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """A versioned, ordered set of rules; the version is recorded on every flag it raises."""

    version: str
    rules: tuple[ExclusionRule, ...]


@dataclass(frozen=True)
class Flag:
    """Why a line needs a person to look at it, and which rule (at which version) said so."""

    category: str
    reason: str
    rule_id: str
    rule_version: str


@dataclass(frozen=True)
class Descriptor:
    """A statement description with bank boilerplate removed.

    ``payment_type`` is ``"DD"`` (direct debit), ``"SO"`` (standing order), ``"CARD"``, ``"TRANSFER"``,
    ``"CASH"`` or ``None`` when the bank did not say.
    """

    payee: str
    payment_type: str | None

    @property
    def match_text(self) -> str:
        """The text rules are matched against.

        Direct debits and standing orders keep a leading ``DD``/``SO`` token: a regular payment to a lender or
        bank is the clearest sign of a debt repayment, so debt rules may require it (``(DD|SO) TESCO BANK``).
        """
        if self.payment_type in {"DD", "SO"}:
            return f"{self.payment_type} {self.payee}"
        return self.payee


# Leading codes and phrases that UK banks and prepaid-card providers print before the payee. Order matters:
# longer phrases before their prefixes ("DIRECT DEBIT PAYMENT TO" before "DD").
_PREFIXES: Final[tuple[tuple[re.Pattern[str], str | None], ...]] = tuple(
    (re.compile(rf"^(?:{pattern})(?:\s+|$|(?<=\)))"), kind)  # ")))TESCO": HSBC contactless
    for pattern, kind in (
        (r"DIRECT DEBIT(?: PAYMENT)?(?: TO)?|D/D|DDR|DD", "DD"),
        (r"STANDING ORDER(?: VIA FASTER PAYMENT)?(?: TO)?|S/O|STO|SO", "SO"),
        (
            r"CARD PAYMENT(?: TO)?|CARD PURCHASE|CONTACTLESS(?: PAYMENT)?|VISA PURCHASE|(?:POS|WEB|ONLINE) PURCHASE",
            "CARD",
        ),
        (r"VIS|VISA|POS|DEB|DEBIT CARD|CPT|MAESTRO|\){2,}|PURCHASE", "CARD"),
        (r"(?:BILL PAYMENT|FASTER PAYMENT|PAYMENT|TRANSFER)(?: VIA FASTER PAYMENT)?(?: TO)?", "TRANSFER"),
        (r"FPO|FPI|BP|BGC|BAC|BACS|OTR|TFR|CHQ", "TRANSFER"),
        (r"ATM|CASH WITHDRAWAL|CASHPOINT", "CASH"),
        # NatWest card lines: "4829 12MAR26 C , PAYEE , TOWN GB"
        (r"\d{4} \d{2}[A-Z]{3}\d{2}(?: [CD])?(?: ,)?", "CARD"),
    )
)
# Codes some exports print after the payee: Lloyds "BARCLAYCARD DD", Barclays "... ON 12 MAR BCC".
_TRAILING_TYPES: Final = {"DD": "DD", "D/D": "DD", "DDR": "DD", "SO": "SO", "S/O": "SO", "BCC": "CARD", "CPM": "CARD"}
_TRAILING: Final = re.compile(rf"\s+({'|'.join(map(re.escape, _TRAILING_TYPES))})$")
# Store, terminal and card numbers. Shorter numbers stay: they are part of names ("888 CASINO", "118 118 MONEY").
_SHORTEST_NUMBER_TO_DROP: Final = 4
_MONTHS: Final = "(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)"
_NOISE: Final[tuple[re.Pattern[str], ...]] = tuple(
    re.compile(p)
    for p in (
        r",?\s*\d+\.\d{2} GBP.*$",  # Barclays/Santander foreign-exchange tail ",12.50 GBP, RATE 1.00/GBP ON ..."
        r"\bREF(?:ERENCE)?\b.*$",  # payment references and everything after them
        r"\bMANDATE NO\b.*$",
        r"\bON \d{1,2}(?:[-/.]\d{1,2}(?:[-/.]\d{2,4})?| " + _MONTHS + r")\b",  # Barclays "ON 12-03", "ON 12 MAR"
        r"\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b",  # dates
        r"\b\d{2}" + _MONTHS + r"\d{2}\b",  # NatWest "12MAR26"
        r"\bCD \d{4}\b",  # Lloyds card suffix
        r"\b[\dX*]{4,}\d{4}\b|[X*]{4,}\d{0,4}",  # masked card numbers
    )
)


@functools.lru_cache(maxsize=4096)
def normalise_descriptor(description: str) -> Descriptor:
    """Strip bank boilerplate (payment-type codes, dates, card and reference numbers) from a description.

    >>> normalise_descriptor("CARD PAYMENT TO WILLIAMHILL.COM ON 12-03")
    Descriptor(payee='WILLIAMHILL.COM', payment_type='CARD')
    """
    text = " ".join(description.upper().split())
    payment_type: str | None = None
    trailing = _TRAILING.search(text)
    if trailing:
        payment_type = _TRAILING_TYPES[trailing.group(1)]
        text = text[: trailing.start()]
    stripped = True
    while stripped:  # several codes can be stacked: "POS 4829 12MAR26 C , ..."
        stripped = False
        for prefix, kind in _PREFIXES:
            match = prefix.match(text)
            if match:
                text = text[match.end() :].lstrip(" ,")
                payment_type = payment_type or kind
                stripped = True
    for noise in _NOISE:
        text = noise.sub(" ", text)
    text = text.replace("'", "")  # SAINSBURY'S -> SAINSBURYS
    text = re.sub(r"(?<=[A-Z0-9])\.(?=[A-Z0-9])", "\0", text)  # keep the dot in WILLIAMHILL.COM, BET365.COM
    text = re.sub(r"[^A-Z0-9&\0]+", " ", text).replace("\0", ".")
    words = [w for w in text.split() if not (w.isdigit() and len(w) >= _SHORTEST_NUMBER_TO_DROP)]
    return Descriptor(payee=" ".join(words), payment_type=payment_type)


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    # Lookarounds rather than \b so that patterns may start or end with a non-word character ("A&E").
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)


def _applies(rule: ExclusionRule, text: str) -> bool:
    return not any(_compile(unless).search(text) for unless in rule.unless)


def check_line(line: StatementLine, rules: RuleSet) -> Flag | None:
    """Flag a debit that matches an exclusion rule, or return ``None``; credits are never flagged."""
    if line.amount >= 0:
        return None
    text = normalise_descriptor(line.description).match_text
    mcc = (line.mcc or "").strip()
    if mcc:
        for rule in rules.rules:
            if rule.kind == "mcc" and rule.pattern == mcc and _applies(rule, text):
                return Flag(rule.category, rule.reason, rule.id, rules.version)
    for rule in rules.rules:
        if rule.kind != "descriptor":
            continue
        match = _compile(rule.pattern).search(text)
        if match and _applies(rule, text):
            reason = f"payee matches '{match.group(0)}' — {rule.reason}"
            return Flag(rule.category, reason, rule.id, rules.version)
    return None


def mcc_reason(code: str) -> str:
    """Describe an MCC in words from ISO 18245 (or the card schemes' lists when ISO has no entry)."""
    try:
        entry = iso18245.get_mcc(code)
    except (iso18245.MCCNotFound, iso18245.InvalidMCC, ValueError) as exc:
        msg = f"MCC {code} is not in ISO 18245 or the card schemes' lists"
        raise ValueError(msg) from exc
    description = entry.iso_description or entry.visa_description or entry.mastercard_description
    # Sentence case, keeping acronyms: "Government-Owned Lotteries (Non-U.S. region)" -> "government-owned ...".
    description = re.sub(
        r"[A-Za-z.]+",
        lambda m: m.group().lower() if re.search("[a-z]", m.group()) else m.group(),
        description.replace(" -- ", ": "),
    )
    return f"MCC {code} {description}"


def _shape_problem(table: dict[str, Any]) -> str | None:
    """The first problem with a rule table's keys and value types, if any."""
    category, kind, pattern = table.get("category"), table.get("kind"), table.get("pattern")
    reason, unless = table.get("reason", ""), table.get("unless", [])
    problems = (
        (bool(unknown := sorted(set(table) - _RULE_KEYS)), f"unknown key(s) {', '.join(unknown)}"),
        (category not in CATEGORIES, f"unknown category {category!r} (expected one of {', '.join(CATEGORIES)})"),
        (kind not in _KINDS, f"unknown kind {kind!r} (expected 'mcc' or 'descriptor')"),
        (not isinstance(pattern, str) or not pattern, "pattern must be a non-empty string"),
        (not isinstance(reason, str), "reason must be a string"),
        (
            not isinstance(unless, list) or not all(isinstance(u, str) and u for u in unless),
            "unless must be a list of non-empty strings",
        ),
        (kind == "descriptor" and not reason, "a descriptor rule needs a reason"),
        (kind == "mcc" and not _MCC_CODE.fullmatch(str(pattern)), f"MCC pattern {pattern!r} must be exactly 4 digits"),
    )
    return next((message for failed, message in problems if failed), None)


def _rule_from_table(table: dict[str, Any], position: int) -> ExclusionRule:
    rule_id = table.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.fullmatch(rule_id):
        msg = f"rule #{position}: id {rule_id!r} must be lower-case letters, digits, '-' or '_'"
        raise ValueError(msg)
    if problem := _shape_problem(table):
        msg = f"rule '{rule_id}': {problem}"
        raise ValueError(msg)
    kind, pattern, reason, unless = table["kind"], table["pattern"], table.get("reason", ""), table.get("unless", [])
    regexes = [pattern, *unless] if kind == "descriptor" else unless  # an MCC pattern is a code, not a regex
    for regex in regexes:
        try:
            re.compile(regex)  # the file's own text first, so that error positions point into it
            _compile(regex)
        except re.error as exc:
            msg = f"rule '{rule_id}': bad regular expression {regex!r}: {exc}"
            raise ValueError(msg) from exc
    if kind == "mcc":
        try:
            description = mcc_reason(pattern)
        except ValueError as exc:
            msg = f"rule '{rule_id}': {exc}"
            raise ValueError(msg) from exc
        # The code's own description comes first; the file's reason adds context (e.g. why 8062 may be surgery).
        reason = f"{description}; {reason}" if reason else description
    return ExclusionRule(rule_id, table["category"], kind, pattern, reason, tuple(unless))


def load_rules(text: str) -> RuleSet:
    """Parse and validate a rules file (TOML: ``version`` and ``[[rule]]`` tables).

    Raises:
        ValueError: naming the rule id and the problem (unknown category or kind, bad regex, unknown MCC,
            duplicate id, missing reason), or the file-level problem.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"rules file is not valid TOML: {exc}"
        raise ValueError(msg) from exc
    version = data.get("version")
    if not isinstance(version, str) or not version:
        msg = "rules file needs a non-empty string 'version'"
        raise ValueError(msg)
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        msg = "rules must be [[rule]] tables"
        raise ValueError(msg)
    rules: list[ExclusionRule] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        rule = _rule_from_table(table, position)
        if rule.id in seen:
            msg = f"rule '{rule.id}': duplicate id"
            raise ValueError(msg)
        seen.add(rule.id)
        rules.append(rule)
    return RuleSet(version=version, rules=tuple(rules))
