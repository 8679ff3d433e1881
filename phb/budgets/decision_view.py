"""A budget in full for the person deciding its authorisation (``describe`` of :data:`phb.budgets.decisions.SUBJECTS`).

Governance shows whatever :class:`~phb.governance.subjects.SubjectView` a subject returns on the request page and
in ``GET /api/v1/decisions/{id}``; it never imports this package. A final budget is shown with the budget sheet
version it was proposed with, totalled by category, the direct payment's terms, how it differs from the sheet and
the indicative budget and why, the sign-off checklist and the person's risks above the tolerance of the lowest level
that takes the decision; an indicative budget with its plain-English breakdown. No actor is passed: governance has
checked that the reader may see the request's person, and the budget is bound to that person.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from phb.budgets import rules, services
from phb.budgets.models import FinalBudget, IndicativeBudget, RateCard
from phb.budgets.rules import Category, ManagementOption, PaymentFrequency, Recipient
from phb.budgets.standing import latest_decision
from phb.governance import services as governance
from phb.governance.rules import CHECKLIST, DecisionType, ItemStatus, missing_items
from phb.governance.subjects import SubjectView, ViewSection, date_words
from phb.money import format_gbp, from_pence
from phb.risk.services import open_risks_above

if TYPE_CHECKING:
    from moneyed import Money
    from sqlalchemy.orm import Session

    from phb.budgets.schemas import SheetRead


def _budget_url(person_id: int) -> str:
    return f"/people/{person_id}/budget"


def _per_period(final: FinalBudget) -> str:
    if final.dp_amount_per_period is None or final.dp_frequency is None:
        return ""
    words = rules.PER_PERIOD[PaymentFrequency(final.dp_frequency).as_frequency]
    return f"{format_gbp(final.dp_amount_per_period)} {words}"


def _signed(money: Money) -> str:
    """'+£150.00' or '−£20.00': a difference, with its direction."""
    return format_gbp(money) if money.amount < 0 else f"+{format_gbp(money)}"


# --- final budget --------------------------------------------------------------------------------------------------


def _final_section(final: FinalBudget, sheet: SheetRead) -> ViewSection:
    options = [ManagementOption(o).label for o in final.management_options.split(",") if o]
    until = f" to {date_words(final.effective_to)}" if final.effective_to else " (no end date)"
    version = f"Version {final.sheet_version}"
    if sheet.latest_version != final.sheet_version:
        version += f"; the sheet has changed since: it is now at version {sheet.latest_version}"
    rows = [
        ("Final budget", f"{format_gbp(final.annual_amount)} a year"),
        ("In force", f"From {date_words(final.effective_from)}{until}"),
        ("How it is held", ", ".join(options) or "Not stated"),
        ("Budget sheet", version),
        ("Proposed by", f"{final.proposed_by_name}, {date_words(final.proposed_at)}"),
    ]
    if final.reason:
        rows.append(("Reason given", final.reason))
    return ViewSection(f"Final budget {final.number}", tuple(rows))


def _sheet_section(person_id: int, sheet: SheetRead) -> ViewSection:
    rows = [(t.label, format_gbp(t.amount), f"{t.percent}%") for t in sheet.by_category]
    rows.append(("Total", format_gbp(sheet.annual_total), "100%" if sheet.by_category else "0%"))
    return ViewSection(
        f"Budget sheet version {sheet.version} by category",
        tuple(rows),
        columns=("Category", "A year", "Share"),
        numeric=True,
        link_text="See the budget sheet line by line",
        link_url=f"{_budget_url(person_id)}/sheet?version={sheet.version}",
    )


def _direct_payment_section(final: FinalBudget) -> ViewSection:
    if final.dp_amount_per_period is None or final.dp_frequency is None:
        return ViewSection("Direct payment", (("Direct payment", "None: no part of this budget is a direct payment"),))
    yearly = services.dp_annual(final)
    notice = final.dp_notice_days
    rows = (
        ("Amount", _per_period(final)),
        ("How often", PaymentFrequency(final.dp_frequency).label),
        ("Over a year", format_gbp(yearly) if yearly is not None else "Not set"),
        ("First payment", date_words(final.dp_first_payment_on) or "Not set"),
        ("Paid to", Recipient(final.dp_recipient).label if final.dp_recipient else "Not set"),
        ("Notice before a reduction", "Not set" if notice is None else f"{notice} day{'s' if notice != 1 else ''}"),
    )
    return ViewSection("Direct payment", rows)


def _variance_section(final: FinalBudget, sheet: SheetRead, indicative: IndicativeBudget | None) -> ViewSection:
    rows = [
        ("Indicative budget", "None authorised" if indicative is None else format_gbp(indicative.annual_amount)),
        (f"Budget sheet version {sheet.version}", format_gbp(sheet.annual_total)),
        ("Final budget", format_gbp(final.annual_amount)),
    ]
    if indicative is not None:
        rows.append(
            ("Final budget against the indicative budget", _signed(final.annual_amount - indicative.annual_amount))
        )
    left = final.annual_amount - sheet.annual_total
    if left.amount == 0:
        against_sheet = "£0.00 (the sheet uses all of it)"
    else:
        against_sheet = (
            f"{_signed(left)} ({'not allocated on the sheet' if left.amount > 0 else 'the sheet costs more'})"
        )
    rows.append(("Final budget against the budget sheet", against_sheet))
    explanation = final.variance_explanation or sheet.variance_explanation
    same = indicative is not None and not rules.variance_needs_explanation(
        indicative.annual_amount, final.annual_amount
    )
    rows.append(
        ("Why they differ", explanation or ("Not needed: it equals the indicative budget" if same else "Not recorded"))
    )
    return ViewSection("Variance", tuple(rows))


def _checklist_section(session: Session, person_id: int) -> ViewSection:
    recorded = governance.checklist_status(session, person_id)
    missing = missing_items(recorded)
    not_applicable = sum(1 for item in CHECKLIST if recorded.get(item.key) is ItemStatus.NOT_APPLICABLE)
    done = len(CHECKLIST) - len(missing)
    if missing:
        state = f"Not complete: {done} of {len(CHECKLIST)} items recorded, {len(missing)} not yet"
    else:
        state = f"Complete: all {len(CHECKLIST)} items recorded"
    if not_applicable:
        state += f" ({not_applicable} recorded as not applying)"
    rows = [("State", state)]
    if missing:
        rows.append(("Not yet recorded", "; ".join(item.text for item in missing)))
    return ViewSection(
        "Sign-off checklist",
        tuple(rows),
        link_text="Open the sign-off checklist",
        link_url=f"/people/{person_id}/decisions/checklist",
    )


def _risk_section(session: Session, person_id: int, decision_type: DecisionType) -> ViewSection | None:
    framework, _ = governance.framework_in_force(session)
    lowest = framework.rule(decision_type).levels[0]
    tolerance = framework.levels[lowest].max_residual_risk
    risks = open_risks_above(session, person_id, tolerance)
    heading = f"Risks above level {lowest}'s tolerance (residual rating above {tolerance})"
    text, url = "Open the risk register", f"/people/{person_id}/risks"
    if not risks:
        return ViewSection(heading, (("Open risks above it", "None"),), link_text=text, link_url=url)
    rows = tuple((r.title, f"{r.residual_rating}", date_words(r.review_on)) for r in risks)
    columns = ("Risk", "Residual rating", "Next review")
    return ViewSection(heading, rows, columns=columns, link_text=text, link_url=url)


def describe_final(session: Session, final_budget_id: int) -> SubjectView | None:
    """A final budget as the decider needs it; None if there is no such budget."""
    final = session.get(FinalBudget, final_budget_id)
    if final is None:
        return None
    indicative = (
        None if final.indicative_budget_id is None else session.get(IndicativeBudget, final.indicative_budget_id)
    )
    # The sheet version it was proposed with, totalled against this (proposed) final budget.
    sheet = services._sheet_read(session, final.person_id, final.sheet_version, authorised=(final, indicative))  # noqa: SLF001 - the same package
    sections = [
        _final_section(final, sheet),
        _sheet_section(final.person_id, sheet),
        _direct_payment_section(final),
        _variance_section(final, sheet, indicative),
        _checklist_section(session, final.person_id),
    ]
    risks = _risk_section(session, final.person_id, DecisionType.FINAL_BUDGET_AUTHORISATION)
    if risks is not None:
        sections.append(risks)
    notes: tuple[str, ...] = ()
    if latest_decision(session, services.FINAL, final.id) is None:
        problems = services.final_budget_problems(session, final)
        notes = tuple(f"Approving it now would be refused: {message}" for message in problems.values())
    return SubjectView(
        title=f"Final budget {final.number}",
        url=_budget_url(final.person_id),
        link_text="Open the budget page",
        sections=tuple(sections),
        notes=notes,
    )


def describe_sheet_change(session: Session, final_budget_id: int) -> SubjectView | None:
    """A change to an authorised sheet, for its budget review: the authorised version against the draft."""
    final = session.get(FinalBudget, final_budget_id)
    if final is None:
        return None
    authorised = services.authorised_version(session, final.person_id, final) or final.sheet_version
    before = services._sheet_read(session, final.person_id, authorised)  # noqa: SLF001 - the same package
    after = services._sheet_read(session, final.person_id)  # noqa: SLF001 - the same package
    rows = [
        ("Authorised budget", f"{format_gbp(final.annual_amount)} a year (final budget {final.number})"),
        (f"Authorised sheet (version {before.version})", format_gbp(before.annual_total)),
        (f"Changed sheet (version {after.version})", format_gbp(after.annual_total)),
        ("Difference", _signed(after.annual_total - before.annual_total)),
    ]
    notes = tuple(
        f"Approving it now would be refused: {message}" for message in services.draft_problems(session, final).values()
    )
    return SubjectView(
        title="Changes to the authorised budget sheet",
        url=f"{_budget_url(final.person_id)}/versions?before={before.version}&after={after.version}",
        link_text="Compare the authorised sheet with the changed one",
        sections=(ViewSection("What changed", tuple(rows)), _sheet_section(final.person_id, after)),
        notes=notes,
    )


# --- indicative budget ---------------------------------------------------------------------------------------------


def describe_indicative(session: Session, indicative_budget_id: int) -> SubjectView | None:
    """An indicative budget with its plain-English breakdown; None if there is no such budget."""
    budget = session.get(IndicativeBudget, indicative_budget_id)
    if budget is None:
        return None
    card = session.get(RateCard, budget.rate_card_id)
    rows = [
        ("Indicative budget", f"{format_gbp(budget.annual_amount)} a year"),
        (
            "Priced with",
            "" if card is None else f"Rate card version {card.version}, from {date_words(card.effective_from)}",
        ),
        ("Proposed by", f"{budget.proposed_by_name}, {date_words(budget.proposed_at)}"),
    ]
    if budget.reason:
        rows.append(("Reason given", budget.reason))
    lines = json.loads(budget.breakdown)
    breakdown = [
        (f"{line['text']} ({Category(line['category']).label})", format_gbp(from_pence(line["annual"])))
        for line in lines
    ]
    breakdown.append(("Total", format_gbp(budget.annual_amount)))
    return SubjectView(
        title=f"Indicative budget {budget.number}",
        url=_budget_url(budget.person_id),
        link_text="Open the budget page",
        sections=(
            ViewSection(f"Indicative budget {budget.number}", tuple(rows)),
            ViewSection(
                "How it was worked out", tuple(breakdown), columns=("What it pays for", "A year"), numeric=True
            ),
        ),
    )
