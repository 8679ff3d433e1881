"""The records other packages ask governance to decide about, and what a decision does to them.

A package whose records need a governance decision (budgets: indicative and final budgets) names them in a
module ``phb/<area>/decisions.py`` exporting ``SUBJECTS = {"subject_type": DecisionSubject(...)}``; it is found
by convention (:mod:`phb.discovery`), so governance never imports the package. Whichever way a request about
such a record is decided (a decision-maker's queue, the record's own page, a risk enablement panel, a review
after an appeal), approval first asks the subject what still blocks it, and every outcome is handed back to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from phb.discovery import domain_modules

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from phb.governance.models import DecisionOutcome


@dataclass(frozen=True)
class DecisionSubject:
    """How one kind of record takes part in governance decisions."""

    label: str  # "final budget": how messages name the record
    # Why the record cannot be approved now, by field (empty: nothing stands in the way).
    blockers: Callable[[Session, int], Mapping[str, str]]
    # Apply an outcome (approved, approved with conditions, refused) to the record, in the same transaction.
    decided: Callable[[Session, DecisionOutcome], None]


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
