"""An audit finding in full for the person deciding about it (``describe`` of :data:`phb.spending.decisions.SUBJECTS`).

A financial audit or agreeing flexible budget spend request about a finding shows, on the request page and in
``GET /api/v1/decisions/{id}``, what was paid to whom, when, why it was flagged and how it was resolved (the sum to
recover and its ground under regulation 15), with a link to the finding. Governance checks that the reader may
see the request's person; the finding is bound to that person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phb.governance.subjects import SubjectView, ViewSection, date_words
from phb.money import format_gbp
from phb.spending.models import Finding
from phb.spending.planning import REG15_GROUNDS
from phb.spending.schemas import LABELS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def _when(finding: Finding) -> str:
    first, last = finding.first_date, finding.last_date
    if first is None:
        return "Not known"
    if last is None or last == first:
        return date_words(first)
    return f"{date_words(first)} to {date_words(last)}"


def _resolution_rows(finding: Finding) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if finding.query:
        rows.append((f"Asked the budget holder ({date_words(finding.queried_on)})", finding.query))
    if finding.explanation:
        rows.append((f"Their explanation ({date_words(finding.explained_on)})", finding.explanation))
    if finding.resolution:
        rows.append(
            (
                f"Resolution ({date_words(finding.resolved_on)})",
                f"{LABELS.get(finding.resolution, finding.resolution)}: {finding.resolution_note or ''}".rstrip(": "),
            )
        )
    if finding.recovery_amount is not None:
        ground = finding.recovery_ground or ""
        rows.append(("Sum to recover", format_gbp(finding.recovery_amount)))
        rows.append(("Ground (regulation 15)", f"({ground}) {REG15_GROUNDS.get(ground, 'not given')}"))
        if finding.repay_within_days is not None:
            rows.append(("To repay within", f"{finding.repay_within_days} days"))
        if finding.repay_by:
            rows.append(("Who must repay", finding.repay_by))
    return rows


def describe_finding(session: Session, finding_id: int) -> SubjectView | None:
    """A finding as the decider needs it; None if there is no such finding."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        return None
    lines = finding.line_count
    rows = [
        ("What was found", LABELS.get(finding.kind, finding.kind)),
        ("Category", finding.category.replace("_", " ").capitalize()),
        ("Paid to", finding.payee or "Not known"),
        ("Amount", format_gbp(finding.amount)),
        ("When", _when(finding)),
        ("Statement lines", f"{lines} line{'s' if lines != 1 else ''}"),
        ("Why it was flagged", finding.reason),
        ("Raised", f"{date_words(finding.raised_on)}, due {date_words(finding.due_on)}"),
        ("Status", LABELS.get(finding.status, finding.status)),
        *_resolution_rows(finding),
    ]
    return SubjectView(
        title=f"Audit finding {finding.id}",
        url=f"/findings/{finding.id}",
        link_text="Open the finding",
        sections=(ViewSection("Audit finding", tuple(rows)),),
    )
