"""`phb statements check PATH`: run the exclusion check over a statement CSV, streaming row by row."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import functools
import re
from importlib import resources
from typing import TextIO

from phb.spending.exceptions import MalformedStatement
from phb.spending.rules import RuleSet, StatementLine, check_line, load_rules

REQUIRED_COLUMNS = ("date", "description", "amount")
OUTPUT_COLUMNS = ("exclusion", "reason")

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_AMOUNT = re.compile(r"[+-]?\d+(?:\.\d+)?")  # no thousands separators, exponents, NaN or currency signs
_MCC = re.compile(r"\d{4}")


@functools.cache
def load_default_rules() -> RuleSet:
    """The rules shipped with phb (``phb/spending/exclusion_rules.toml``), parsed once per process."""
    text = resources.files("phb.spending").joinpath("exclusion_rules.toml").read_text(encoding="utf-8")
    return load_rules(text)


def _parse_date(value: str, line_number: int) -> dt.date:
    value = value.strip()
    try:
        if match := _ISO_DATE.fullmatch(value):
            year, month, day = map(int, match.groups())
            return dt.date(year, month, day)
        if match := _UK_DATE.fullmatch(value):
            day, month, year = map(int, match.groups())
            return dt.date(year, month, day)
    except ValueError:
        pass  # the right shape but not a real day (31/02/2026): same message as any other bad date
    raise MalformedStatement(line_number, f"date {value!r} is not a date (use yyyy-mm-dd or dd/mm/yyyy)")


def _parse_amount(value: str, line_number: int) -> decimal.Decimal:
    value = value.strip()
    if not _AMOUNT.fullmatch(value):
        raise MalformedStatement(line_number, f"amount {value!r} is not a number")
    amount = decimal.Decimal(value)
    exponent = amount.as_tuple().exponent  # an int here: the pattern above admits only finite numbers
    # Statements are in pence: a sub-penny amount means a wrong column or a corrupted file, never a rounding choice.
    if isinstance(exponent, int) and exponent < -2:  # noqa: PLR2004 -- pence
        raise MalformedStatement(line_number, f"amount {value!r} has more than 2 decimal places")
    return amount


def _parse_mcc(value: str | None, line_number: int) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if not _MCC.fullmatch(value):
        raise MalformedStatement(line_number, f"mcc {value!r} is not a 4-digit merchant category code")
    return value


def _read_header(reader: csv.DictReader[str]) -> list[str]:
    fieldnames = list(reader.fieldnames or [])
    if not fieldnames:
        raise MalformedStatement(1, f"the file is empty; expected a header with {', '.join(REQUIRED_COLUMNS)}")
    names = [name.strip().lower() for name in fieldnames]
    if missing := [column for column in REQUIRED_COLUMNS if column not in names]:
        raise MalformedStatement(1, f"header is missing column(s) {', '.join(missing)}")
    if clash := [column for column in OUTPUT_COLUMNS if column in names]:
        raise MalformedStatement(1, f"header already has column(s) {', '.join(clash)}, which the check writes")
    if len(set(names)) != len(names):
        raise MalformedStatement(1, "header has a repeated column name")
    return fieldnames


def check_csv(in_stream: TextIO, out_stream: TextIO, rules: RuleSet) -> int:
    """Copy a statement CSV to ``out_stream`` with ``exclusion`` and ``reason`` columns added.

    The input needs ``date``, ``description`` and ``amount`` columns (any order, any case) and may have ``mcc``;
    other columns are copied unchanged. Rows are read and written one at a time, so files of any size work.

    Returns:
        The number of flagged lines.

    Raises:
        MalformedStatement: naming the line number and the field, e.g. "line 7: amount '12.3.4' is not a number".
            Rows before the bad one have already been written.
    """
    reader = csv.DictReader(in_stream)
    try:
        return _check_rows(reader, out_stream, rules)
    except csv.Error as exc:  # a field over csv's size limit (128 KiB)...
        # DictReader.line_num lags by the failing line; the underlying reader's counts it.
        raise MalformedStatement(reader.reader.line_num, f"not readable as CSV ({exc})") from exc


def _check_rows(reader: csv.DictReader[str], out_stream: TextIO, rules: RuleSet) -> int:
    fieldnames = _read_header(reader)
    column = {name.strip().lower(): name for name in fieldnames}
    mcc_column = column.get("mcc")
    writer = csv.writer(out_stream, lineterminator="\n")
    writer.writerow([*fieldnames, *OUTPUT_COLUMNS])
    flagged = 0
    for row in reader:
        line_number = reader.line_num
        if None in row or any(value is None for value in row.values()):
            raise MalformedStatement(line_number, f"expected {len(fieldnames)} fields")
        description = row[column["description"]].strip()
        if not description:
            raise MalformedStatement(line_number, "description is empty")
        line = StatementLine(
            date=_parse_date(row[column["date"]], line_number),
            description=description,
            amount=_parse_amount(row[column["amount"]], line_number),
            mcc=_parse_mcc(row[mcc_column], line_number) if mcc_column else None,
        )
        flag = check_line(line, rules)
        flagged += flag is not None
        writer.writerow(
            [*(row[name] for name in fieldnames), flag.category if flag else "", flag.reason if flag else ""]
        )
    return flagged
