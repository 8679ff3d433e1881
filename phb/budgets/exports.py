"""The budget sheet as files: CSV and XLSX (the PDF is drawn by the web layer from the printable page).

Amounts are written as exact pounds and pence: text with two decimals in CSV, and in XLSX numbers with a
pounds format, built from the pence so no float arithmetic happens on the way.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from phb.budgets.schemas import SheetRead
from phb.spreadsheets import csv_writer, xlsx_append

HEADERS = (
    "What it buys",
    "Outcomes it serves",
    "Category",
    "Unit cost (£)",
    "Quantity",
    "Frequency",
    "Annual cost (£)",
    "How it is managed",
)


def _rows(sheet: SheetRead) -> list[list[str]]:
    return [
        [
            line.description,
            "; ".join(line.outcomes),
            line.category.label,
            f"{line.unit_cost.amount:.2f}",
            f"{line.quantity:f}",
            line.frequency.label,
            f"{line.annual_cost.amount:.2f}",
            line.management_option.label,
        ]
        for line in sheet.lines
    ]


def _summary(sheet: SheetRead) -> list[tuple[str, str]]:
    rows = [("Annual total", f"{sheet.annual_total.amount:.2f}")]
    rows += [(f"Total: {t.label}", f"{t.amount.amount:.2f}") for t in sheet.by_category]
    rows += [(f"Managed as: {t.label}", f"{t.amount.amount:.2f}") for t in sheet.by_management_option]
    if sheet.final_budget_annual is not None:
        rows.append(("Final budget (a year)", f"{sheet.final_budget_annual.amount:.2f}"))
    if sheet.remaining is not None:
        rows.append(("Remaining against the final budget", f"{sheet.remaining.amount:.2f}"))
    if sheet.indicative_annual is not None:
        rows.append(("Indicative budget (a year)", f"{sheet.indicative_annual.amount:.2f}"))
    if sheet.variance is not None:
        rows.append(("Difference from the indicative budget", f"{sheet.variance.amount:.2f}"))
    if sheet.variance_explanation:
        rows.append(("Why it differs", sheet.variance_explanation))
    return rows


def sheet_csv(sheet: SheetRead) -> str:
    """The lines, a blank row, then the totals."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(HEADERS)
    writer.writerows(_rows(sheet))
    writer.writerow([])
    for label, value in _summary(sheet):
        writer.writerow([label, "", "", "", "", "", value])
    return out.getvalue()


def sheet_xlsx(sheet: SheetRead, title: str) -> bytes:
    """A workbook with a 'Budget sheet' worksheet: lines, then totals; money cells formatted as pounds."""
    book = Workbook()
    ws = book.active
    ws.title = "Budget sheet"
    xlsx_append(ws, [title])
    ws["A1"].font = Font(bold=True, size=14)
    xlsx_append(ws, [f"Version {sheet.version}"])
    xlsx_append(ws, HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in _rows(sheet):
        xlsx_append(ws, [*row[:3], Decimal(row[3]), Decimal(row[4]), row[5], Decimal(row[6]), row[7]])
        ws.cell(row=ws.max_row, column=4).number_format = "£#,##0.00"
        ws.cell(row=ws.max_row, column=7).number_format = "£#,##0.00"
    xlsx_append(ws, [])
    for label, value in _summary(sheet):
        try:
            xlsx_append(ws, [label, None, None, None, None, None, Decimal(value)])
            ws.cell(row=ws.max_row, column=7).number_format = "£#,##0.00"
        except ArithmeticError:
            xlsx_append(ws, [label, value])
    for column, width in zip("ABCDEFGH", (40, 40, 26, 14, 10, 18, 16, 34), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
