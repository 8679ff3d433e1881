"""Statement layouts: each built-in profile reads its sample; amounts are exact; bad lines are named."""

import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phb.spending.exceptions import MalformedStatement
from phb.spending.statements import PROFILES, StatementSummary, _parse_date, parse_pence, read_csv, read_ofx, row_key
from tests.factories_spending import SAMPLES


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_built_in_profile_parses_its_sample(name):
    profile = PROFILES[name]
    with (SAMPLES / f"{name}.csv").open(encoding=profile.encoding, newline="") as stream:
        lines = list(read_csv(stream, profile))
    assert len(lines) >= 5
    money_in = [line for line in lines if line.amount_pence > 0]
    assert [c.amount_pence for c in money_in] == [215000]  # the direct payment coming in
    assert all(line.posted_on.year == 2026 for line in lines)
    if profile.balance_column and name != "generic":
        assert all(line.balance_pence is not None for line in lines)


def test_nationwide_pound_signs_and_preamble():
    profile = PROFILES["nationwide"]
    with (SAMPLES / "nationwide.csv").open(encoding="cp1252", newline="") as stream:
        first = next(read_csv(stream, profile))
    assert (first.posted_on, first.amount_pence, first.balance_pence) == (dt.date(2026, 10, 1), 215000, 315000)


def test_ofx_through_ofxtools():
    summary = StatementSummary()
    with (SAMPLES / "statement.ofx").open("rb") as source:
        lines = list(read_ofx(source, summary))
    assert [line.amount_pence for line in lines] == [215000, -68400, -2347, -2000]
    assert summary.ledger_balance_pence == 242253
    assert lines[0].external_id == "202610010001"


@pytest.mark.parametrize(
    ("text", "pence"),
    [("12.34", 1234), ("-1,234.5", -123450), ("£12.00", 1200), ("(12.00)", -1200), ("12.00 DR", -1200), ("7", 700)],
)
def test_amounts_are_exact_pence(text, pence):
    assert parse_pence(text, 1, "amount") == pence


@pytest.mark.parametrize("text", ["12.345", "1e3", "NaN", "twelve", ""])
def test_bad_amounts_name_the_line(text):
    with pytest.raises(MalformedStatement, match="line 9: amount"):
        parse_pence(text, 9, "amount")


def test_a_short_row_names_its_line():
    stream = io.StringIO("date,description,amount\n2026-10-01,SHOP,-1.00\n2026-10-02,SHOP\n")
    with pytest.raises(MalformedStatement, match="line 3: expected 3 fields"):
        list(read_csv(stream, PROFILES["generic"]))


@given(st.text(min_size=1, max_size=40))
def test_row_key_ignores_case_and_spacing_but_not_occurrence(description):
    on = "2026-10-01"
    spaced = f"  {description.lower()}  "
    assert row_key(1, on, -100, description.upper(), 0) == row_key(1, on, -100, spaced.upper(), 0)
    assert row_key(1, on, -100, description, 0) != row_key(1, on, -100, description, 1)
    assert -(2**63) <= row_key(1, on, -100, description, 0) < 2**63  # fits a BIGINT


@pytest.mark.parametrize(
    "value", ["2026-10-03", "2026-02-29", "2026-02-30", "2026-1-03", "0000-01-01", "2026-W01-1", "２０２６-10-03"]
)
def test_iso_dates_read_as_strptime_reads_them(value):
    """ISO dates take a fast path (``date.fromisoformat``); what it reads must be what ``strptime`` reads."""
    _parse_date.cache_clear()
    try:
        expected = dt.datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        expected = None
    assert _parse_date(value, "%Y-%m-%d") == expected
