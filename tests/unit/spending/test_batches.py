"""The importer reads statements a batch at a time, by whole columns: the same lines as reading one at a time.

A batch where every row has the common shape is converted column by column; any other batch goes row by row.
These tests hold both to ``read_csv`` (the line-at-a-time reader) on files that mix the two, at batch sizes that
put the odd rows on either side of a batch boundary, and hold a malformed line to the same message.
"""

from __future__ import annotations

import io
import random

import pytest

from phb.spending.batches import read_batches
from phb.spending.exceptions import MalformedStatement
from phb.spending.statements import PROFILES, StatementSummary, read_csv, row_key_normalised, row_keys
from tests.factories_spending import SAMPLES

HEADER = "date,description,amount,mcc,balance"
COMMON = [
    "2026-10-01,LEEDS ICB PHB,2150.00,,3150.00",
    "2026-10-02,CARING HANDS HOMECARE LTD,-684.00,8099,2466.00",
    "2026-10-03,CARD PAYMENT TO TESCO STORES 2345 ON 03-10,-23.47,5411,2442.53",
]
ODD = [
    '2026-10-03,"TESCO\nSTORES 2345",-1.00,5411,2441.53',  # a line break inside a quoted description
    "2026-10-04,BOOTS,12.00 DR,5912,2429.53",  # debit written the bank's way
    "2026-10-04,ARGOS, £5.00 ,5311,2434.53",  # pound sign and spaces
    "2026-10-05,SHELL 2681, -7.10, 5541 ,2427.43",  # spaces round the MCC
    "",  # a blank line
    f"2026-10-06,{'X' * 400},-1.00,,2426.43",  # a description cut to 300 characters
    "06/10/2026,PAYROLL PA WAGES,-412.50,,",  # another date format, no balance
]


def _by_batches(data: bytes, profile: str, size: int) -> list[tuple]:
    lines = []
    for batch in read_batches(io.BytesIO(data), profile, StatementSummary(), size):
        lines += [tuple(batch.line(i)) for i in range(len(batch.amounts))]
    return lines


def _one_at_a_time(data: bytes, profile: str) -> list[tuple]:
    chosen = PROFILES[profile]
    return [tuple(line) for line in read_csv(io.StringIO(data.decode(chosen.encoding), newline=""), chosen)]


def _file(rows: list[str], newline: str = "\n") -> bytes:
    return (newline.join([HEADER, *rows]) + newline).encode()


@pytest.mark.parametrize("size", [1, 2, 3, 5, 1000])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_batches_hold_the_same_lines_as_reading_one_at_a_time(size, newline):
    data = _file(COMMON + ODD + COMMON * 3, newline)
    expected = _one_at_a_time(data, "generic")
    assert len(expected) == 3 + 6 + 9
    assert _by_batches(data, "generic", size) == expected
    assert expected[3][2] == "TESCO\nSTORES 2345"
    assert expected[3][0] == 6  # numbered by its last physical line
    assert [expected[4][3], expected[5][3], expected[6][5]] == [-1200, 500, "5541"]


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_built_in_layout_reads_the_same_in_batches(profile):
    data = (SAMPLES / f"{profile}.csv").read_bytes()
    assert _by_batches(data, profile, 2) == _one_at_a_time(data, profile)


@pytest.mark.parametrize("date_cache", [10_000, 5])
def test_a_long_common_file_reads_the_same_in_batches(monkeypatch, date_cache):
    """Also when the bounded cache of parsed dates fills up part way through the file."""
    monkeypatch.setattr("phb.spending.batches.DATE_CACHE", date_cache)
    monkeypatch.setattr("phb.spending.statements.DATE_CACHE", date_cache)
    rng = random.Random(4)  # noqa: S311 - test data, not a secret
    rows, balance = [], 100_000
    for day in range(1, 29):
        for _ in range(rng.randint(0, 30)):
            pence = -rng.randint(1, 9999)
            balance += pence
            rows.append(f"2026-02-{day:02},SHOP {rng.randint(1000, 9999)},{pence / 100:.2f},5411,{balance / 100:.2f}")
    data = _file(rows)
    assert _by_batches(data, "generic", 64) == _one_at_a_time(data, "generic")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2026-10-09,ARGOS,12.3.4,5311,1.00", "amount '12.3.4' is not an amount of money"),
        ("2026-13-45,ARGOS,-1.00,5311,1.00", "date '2026-13-45' is not a date"),
        ("2026-10-09,ARGOS,-1.00,54A1,1.00", "MCC '54A1' is not a 4-digit merchant category code"),
        ("2026-10-09,ARGOS,-1.00", "expected 5 fields, found 3"),
        ("2026-10-09,,-1.00,,1.00", "description is empty"),
    ],
)
def test_a_malformed_line_in_a_later_batch_is_named_as_before(bad, message):
    data = _file([*COMMON, *COMMON, bad, *COMMON])
    with pytest.raises(MalformedStatement, match=message) as raised:
        _by_batches(data, "generic", 2)
    assert raised.value.line_number == 8


def test_row_keys_of_a_batch_are_the_keys_of_each_line():
    isos = ["2026-10-01", "2026-10-01", "2026-10-02"]
    amounts, normalised, occurrences = [-2347, -2347, 5], ["TESCO 2345", "TESCO 2345", "ICB"], [0, 1, 0]
    assert row_keys(7, isos, amounts, normalised, occurrences) == [
        row_key_normalised(7, *line) for line in zip(isos, amounts, normalised, occurrences, strict=True)
    ]
    assert len(set(row_keys(7, isos, amounts, normalised, occurrences))) == 3
