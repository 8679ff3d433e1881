"""The records other packages ask governance to decide about, and what a decision does to them.

A package whose records need a governance decision (budgets: indicative and final budgets; spending: audit
findings) names them in a module ``phb/<area>/decisions.py`` exporting ``SUBJECTS = {"subject_type":
DecisionSubject(...)}``; it is found by convention (:mod:`phb.discovery`), so governance never imports the package.

A request about such a record is bound to it: the subject says which decision types may decide it, whose record
it is and the amount that routes the request (:class:`SubjectFacts`), so nothing a caller sends can point a
request at another person's record or price it differently (``docs/governance.md``). Whichever way the request is
decided (a decision-maker's queue, the record's own page, a risk enablement panel, a review after an appeal),
approval first asks the subject what still blocks it, and every outcome is handed back to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from phb.discovery import domain_modules

if TYPE_CHECKING:
    from moneyed import Money
    from sqlalchemy.orm import Session

    from phb.governance.models import DecisionOutcome


@dataclass(frozen=True)
class SubjectFacts:
    """What the record itself says about a request raised about it (read on the server, never from a form)."""

    person_id: int
    amount: Money | None  # the sum that routes the request (annual budget, sum at issue, item of spend)
    category: str | None = None
    increase: Money | None = None  # for a budget review: how much more than the budget in force


@dataclass(frozen=True)
class ViewSection:
    """One part of a record as the decider reads it: a summary list, or a table when it has ``columns``.

    Every value is display text (amounts already formatted, dates in words), so the request page renders any
    kind of record the same way and never needs to know what a budget or a finding is.
    """

    heading: str
    # Without columns: (key, value) pairs, shown as an NHS.UK summary list. With columns: one tuple of cells per
    # row, as many as there are columns; the first cell heads its row.
    rows: tuple[tuple[str, ...], ...]
    columns: tuple[str, ...] = ()
    numeric: bool = False  # the cells after the first hold amounts: aligned right
    link_text: str | None = None  # where to see or change this part, e.g. the sign-off checklist
    link_url: str | None = None

    def __post_init__(self) -> None:
        width = len(self.columns) or 2
        wrong = [row for row in self.rows if len(row) != width]
        if wrong:
            msg = f"'{self.heading}': rows of {width} cells expected, not {wrong[0]!r}"
            raise ValueError(msg)


@dataclass(frozen=True)
class SubjectView:
    """The record a request is about, in full, for the decider (built by the owning package's ``describe``)."""

    title: str  # "Final budget 2"
    url: str  # the record's own page
    link_text: str  # "Open the budget page"
    sections: tuple[ViewSection, ...] = ()
    notes: tuple[str, ...] = ()  # what the decider should know first (e.g. why approving would be refused now)


def date_words(value: dt.date | None) -> str:
    """'1 April 2026' (empty for None), for the values of a :class:`ViewSection`."""
    return "" if value is None else f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class DecisionSubject:
    """How one kind of record takes part in governance decisions."""

    label: str  # "final budget": how messages name the record
    decision_types: frozenset[str]  # the kinds of decision that may decide this kind of record
    # Whose record it is and what routes a request about it; None if there is no such record.
    facts: Callable[[Session, int], SubjectFacts | None]
    # Why the record cannot be approved now, by field (empty: nothing stands in the way).
    blockers: Callable[[Session, int], Mapping[str, str]]
    # Apply an outcome (approved, approved with conditions, refused) to the record, in the same transaction.
    decided: Callable[[Session, DecisionOutcome], None]
    # Only its owning service may raise requests about it (True), or staff may too, by hand (False).
    owner_raises: bool = True
    # The record in full for the decider's page (the sheet, the direct payment...): see docs/governance.md.
    describe: Callable[[Session, int], SubjectView | None] | None = field(default=None)
    # Plain-English terms a decision notice states about the record (payment amount, frequency, start, notice).
    notice_terms: Callable[[Session, DecisionOutcome], list[str]] | None = field(default=None)


@cache
def _subjects() -> dict[str, DecisionSubject]:
    found: dict[str, DecisionSubject] = {}
    for module in domain_modules("decisions"):
        for subject_type, subject in getattr(module, "SUBJECTS", {}).items():
            if subject_type in found:
                msg = f"Two packages claim the decision subject '{subject_type}' ({module.__name__})"
                raise RuntimeError(msg)
            found[subject_type] = subject
    return found


def subject(subject_type: str | None) -> DecisionSubject | None:
    """The handler of a record type (None: governance only records the decision, as for a free-standing request)."""
    return None if subject_type is None else _subjects().get(subject_type)


def describe_subject(session: Session, subject_type: str | None, subject_id: int | None) -> SubjectView | None:
    """The record a request is about, as its package shows it to the decider (None: free-standing, or not shown).

    Callers check that the user may see the request's person first: the record belongs to that person.
    """
    handler = subject(subject_type)
    if handler is None or handler.describe is None or subject_id is None:
        return None
    return handler.describe(session, subject_id)


def subject_types_for(decision_type: str) -> frozenset[str]:
    """The kinds of record a decision type may decide (empty: it is only ever free-standing)."""
    return frozenset(name for name, s in _subjects().items() if decision_type in s.decision_types)
