"""`phb statements check PATH`: the CSV in, CSV out exclusion check (phb.spending.check)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TextIO, cast

import pytest

from phb.spending.check import check_csv, load_default_rules
from phb.spending.exceptions import MalformedStatement

GOOD = """\
date,description,amount,mcc,balance
2026-03-01,DIRECT PAYMENT FROM NHS NORTH EAST LONDON ICB,2450.00,,2450.00
2026-03-02,CARD PAYMENT TO TESCO STORES 2231 ON 02-03,-42.17,5411,2407.83
2026-03-03,"CARD PAYMENT TO WILLIAMHILL.COM,25.00 GBP, RATE 1.00/GBP ON 03-03-2026",-25.00,7995,2382.83
03/03/2026,FPO J SMITH WAGES 100000012345678,-412.80,,1970.03
2026-03-04,DD BARCLAYCARD,-75.00,,1895.03
2026-03-05,WILLIAM HILL WINNINGS,50.00,7995,1945.03
"""


def run(text: str) -> tuple[int, list[dict[str, str]], list[str]]:
    out = io.StringIO()
    flagged = check_csv(io.StringIO(text), out, load_default_rules())
    out.seek(0)
    reader = csv.DictReader(out)
    rows = list(reader)
    return flagged, rows, list(reader.fieldnames or [])


def test_a_good_file_round_trips_with_two_new_columns():
    flagged, rows, columns = run(GOOD)
    assert columns == ["date", "description", "amount", "mcc", "balance", "exclusion", "reason"]
    assert flagged == 2
    assert [row["exclusion"] for row in rows] == ["", "", "gambling", "", "debt_repayment", ""]
    assert rows[2]["reason"].startswith("MCC 7995 betting")
    assert rows[4]["reason"].startswith("payee matches 'BARCLAYCARD'")
    original = list(csv.DictReader(io.StringIO(GOOD)))
    assert [{k: row[k] for k in original[0]} for row in rows] == original  # input values copied unchanged


def test_mcc_column_is_optional_and_header_names_are_case_insensitive():
    flagged, rows, columns = run("Description,Amount,Date\nBET365,-10.00,2026-01-02\nTESCO,-5,2026-01-02\n")
    assert columns == ["Description", "Amount", "Date", "exclusion", "reason"]
    assert flagged == 1
    assert rows[0]["exclusion"] == "gambling"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,description\n2026-01-01,TESCO\n", "line 1: header is missing column(s) amount"),
        ("", "line 1: the file is empty"),
        ("date,description,amount,reason\n", "line 1: header already has column(s) reason"),
        ("date,description,amount\n2026-01-01,TESCO,-1.00\n31/02/2026,TESCO,-1.00\n", "line 3: date '31/02/2026'"),
        ("date,description,amount\n2026-1-1,TESCO,-1.00\n", "line 2: date '2026-1-1' is not a date"),
        ("date,description,amount\n2026-01-01,TESCO,12.3.4\n", "line 2: amount '12.3.4' is not a number"),
        ("date,description,amount\n2026-01-01,TESCO,-1.005\n", "line 2: amount '-1.005' has more than 2 decimal"),
        ("date,description,amount\n2026-01-01,TESCO,£5\n", "line 2: amount '£5' is not a number"),
        ("date,description,amount\n2026-01-01,TESCO,NaN\n", "line 2: amount 'NaN' is not a number"),
        ("date,description,amount\n2026-01-01,TESCO\n", "line 2: expected 3 fields"),
        ("date,description,amount\n2026-01-01,TESCO,-1,extra\n", "line 2: expected 3 fields"),
        ("date,description,amount\n2026-01-01,  ,-1\n", "line 2: description is empty"),
        ("date,description,amount,mcc\n2026-01-01,TESCO,-1,541\n", "line 2: mcc '541' is not a 4-digit"),
    ],
)
def test_a_malformed_file_names_the_line_and_field(text, message):
    with pytest.raises(MalformedStatement) as caught:
        run(text)
    assert str(caught.value).startswith(message)
    assert caught.value.line_number == int(message.split()[1].rstrip(":"))


def test_line_numbers_count_physical_lines_in_quoted_descriptions():
    text = 'date,description,amount\n2026-01-01,"TESCO\nSTORES",-1.00\n2026-01-02,TESCO,x\n'
    with pytest.raises(MalformedStatement, match=r"^line 4: amount 'x'"):
        run(text)


def test_rows_are_streamed_not_loaded_whole():
    def lines() -> Iterator[str]:
        yield "date,description,amount\n"
        yield "2026-01-01,BET365,-10.00\n"
        yield "2026-01-02,TESCO,oops\n"
        pytest.fail("read past the malformed line: the file was not streamed")

    out = io.StringIO()
    with pytest.raises(MalformedStatement, match=r"^line 3:"):
        check_csv(cast("TextIO", lines()), out, load_default_rules())
    assert "BET365" in out.getvalue()  # the good row was already written


def test_a_field_over_the_csv_limit_names_the_line():
    text = "date,description,amount\n2026-03-01,SHOP,-1.00\n2026-03-02," + "A" * 2_000_000 + ",-1.00\n"
    with pytest.raises(MalformedStatement, match=r"^line 3: the line cannot be read as CSV: a field is longer"):
        check_csv(io.StringIO(text), io.StringIO(), load_default_rules())
