"""The audit report of one person's direct payment over a period: spend vs plan, findings, surplus, recoveries.

The report is a read model; :func:`to_csv` and :func:`to_xlsx` write it as files here, and the web layer renders
the same model as a page and a PDF (WeasyPrint).
"""

from __future__ import annotations

import datetime as dt
import io

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.audit.services import log_read
from phb.errors import ValidationFailedError
from phb.spending import services
from phb.spending.models import Finding
from phb.spending.planning import REG15_GROUNDS
from phb.spending.schemas import LABELS, AccountSummary, FindingRow, SpendRow
from phb.spreadsheets import csv_writer, xlsx_append


class RecoveryRow(BaseModel):
    """A repayment the team asked governance to require."""

    finding_id: int
    amount: object
    ground: str
    repay_within_days: int | None
    repay_by: str | None
    decision_request_id: int | None


class AuditReport(BaseModel):
    """Everything the audit report states."""

    person_id: int
    person_name: str
    nhs_number: str
    start: dt.date
    end: dt.date
    generated_at: dt.datetime
    generated_by: str
    accounts: list[AccountSummary]
    by_line: list[SpendRow]
    by_category: list[SpendRow]
    findings: list[FindingRow]
    resolutions: dict[str, str]
    recoveries: list[RecoveryRow]


def audit_report(session: Session, actor: Actor, person_id: int, start: dt.date, end: dt.date) -> AuditReport:
    """Build the report (the team's permission: it brings money and findings together)."""
    person = require_person(session, actor, Permission.SPENDING_AUDIT, person_id)
    if end < start:
        raise ValidationFailedError({"end": "The end of the period must be on or after its start"})
    by_line, by_category = services.spend_against_plan(session, actor, person_id, start, end)
    rows = session.scalars(
        select(Finding)
        .where(
            Finding.person_id == person_id,
            Finding.raised_on <= end,
            (Finding.last_date.is_(None) | (Finding.last_date >= start)),
            (Finding.first_date.is_(None) | (Finding.first_date <= end)),
        )
        .order_by(Finding.first_date, Finding.id)
    ).all()
    found = []
    resolutions = {}
    recoveries = []
    for finding in rows:
        row = FindingRow.model_validate(finding)
        row.person_name = person.full_name
        found.append(row)
        if finding.resolution:
            resolutions[str(finding.id)] = f"{LABELS[finding.resolution]}: {finding.resolution_note or ''}".strip()
        if finding.resolution == "recovery_required" and finding.recovery_amount is not None:
            recoveries.append(
                RecoveryRow(
                    finding_id=finding.id,
                    amount=finding.recovery_amount,
                    ground=f"reg 15({finding.recovery_ground}) {REG15_GROUNDS.get(finding.recovery_ground or '', '')}",
                    repay_within_days=finding.repay_within_days,
                    repay_by=finding.repay_by,
                    decision_request_id=finding.decision_request_id,
                )
            )
    report = AuditReport(
        person_id=person_id,
        person_name=person.full_name,
        nhs_number=person.nhs_number,
        start=start,
        end=end,
        generated_at=dt.datetime.now(dt.UTC),
        generated_by=actor.display_name,
        accounts=services.accounts(session, actor, person_id),
        by_line=by_line,
        by_category=by_category,
        findings=found,
        resolutions=resolutions,
        recoveries=recoveries,
    )
    # A read event, not an audit-trail event: the report is answered to a GET, which must change no state.
    log_read(session, what=f"dp_audit_report:{start.isoformat()}:{end.isoformat()}", person_id=person_id)
    return report


def _money(value: object) -> str:
    amount = getattr(value, "amount", None)
    return "" if amount is None else f"{amount:.2f}"


def _sections(report: AuditReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of each part of the report, shared by CSV and XLSX."""
    accounts = [
        [
            a.account.name,
            a.account.provider,
            _money(a.surplus.balance),
            _money(a.surplus.commitments),
            _money(a.surplus.available),
            _money(a.surplus.threshold),
            "yes" if a.surplus.flagged else "no",
            _money(a.surplus.above),
        ]
        for a in report.accounts
    ]
    spend = [
        [r.label, _money(r.planned), _money(r.spent), "" if r.percent is None else str(r.percent)]
        for r in report.by_line
    ]
    categories = [
        [r.label, _money(r.planned), _money(r.spent), "" if r.percent is None else str(r.percent)]
        for r in report.by_category
    ]
    found = [
        [
            str(f.id),
            f.first_date.isoformat() if f.first_date else "",
            LABELS.get(f.kind, f.kind),
            f.category,
            f.payee or "",
            f.reason,
            _money(f.amount),
            LABELS.get(f.status, f.status),
            report.resolutions.get(str(f.id), ""),
        ]
        for f in report.findings
    ]
    recoveries = [
        [
            str(r.finding_id),
            _money(r.amount),
            r.ground,
            str(r.repay_within_days or ""),
            r.repay_by or "",
            str(r.decision_request_id or ""),
        ]
        for r in report.recoveries
    ]
    return [
        (
            "Accounts and surplus",
            ["account", "provider", "balance", "commitments", "available", "threshold", "surplus", "above threshold"],
            accounts,
        ),
        ("Spend against the budget sheet by line", ["line", "planned", "spent", "percent of plan"], spend),
        ("Spend by category", ["category", "planned", "spent", "percent of plan"], categories),
        (
            "Findings",
            ["finding", "date", "kind", "category", "payee", "reason", "amount", "status", "resolution"],
            found,
        ),
        ("Recoveries", ["finding", "amount", "ground", "days to repay", "who repays", "decision request"], recoveries),
    ]


def _title(report: AuditReport) -> list[list[str]]:
    return [
        ["Direct payment audit report"],
        ["person", report.person_name],
        ["NHS number", report.nhs_number],
        ["period", report.start.isoformat(), report.end.isoformat()],
        ["generated", report.generated_at.isoformat(timespec="seconds"), report.generated_by],
    ]


def to_csv(report: AuditReport) -> str:
    """The report as one CSV file, its parts one after another under a title line each."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerows(_title(report))
    for title, header, rows in _sections(report):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return out.getvalue()


def to_xlsx(report: AuditReport) -> bytes:
    """The report as a workbook: a summary sheet, then one sheet per part."""
    from openpyxl import Workbook  # noqa: PLC0415 - only XLSX downloads pay for openpyxl

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    for row in _title(report):
        xlsx_append(summary, row)
    for title, header, rows in _sections(report):
        sheet = book.create_sheet(title[:31])
        xlsx_append(sheet, header)
        for row in rows:
            xlsx_append(sheet, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
