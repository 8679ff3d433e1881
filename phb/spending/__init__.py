"""Spending: checking direct payment statements against what a personal health budget cannot buy."""

from phb.spending.rules import (
    CATEGORIES,
    Descriptor,
    ExclusionRule,
    Flag,
    RuleSet,
    StatementLine,
    check_line,
    load_rules,
    mcc_reason,
    normalise_descriptor,
)

__all__ = [
    "CATEGORIES",
    "Descriptor",
    "ExclusionRule",
    "Flag",
    "RuleSet",
    "StatementLine",
    "check_line",
    "load_rules",
    "mcc_reason",
    "normalise_descriptor",
]
