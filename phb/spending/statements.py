"""Reading statement files: mapping profiles for the CSV layouts banks and card providers export, and OFX.

Pure logic (stdlib and ``ofxtools``): a reader turns a text stream into :class:`ParsedLine` objects one at a
time, so a file of any size is never held in memory. Amounts become integer pence with no float in between;
anything that is not exact pounds and pence is a :class:`~phb.spending.exceptions.MalformedStatement` naming
the line.

A profile says where each field is:

* ``date_column`` and ``date_format`` (a ``strptime`` format),
* ``description_columns`` (joined with a space; Barclays splits payee and memo, for example),
* either one ``amount_column`` with a ``sign`` convention (``negative_out``: money out is negative, the
  common case; ``positive_out``: money out is positive, as credit-card style exports do), or separate
  ``paid_in_column`` and ``paid_out_column`` holding unsigned amounts,
* optionally ``mcc_column`` and ``balance_column``,
* ``header_starts_with``: some exports (Nationwide) put account details above the header; lines before the
  one starting with this column name are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import functools
import hashlib
import operator
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import IO, Final, Literal, NamedTuple

from phb.spending.exceptions import MalformedStatement, unreadable_csv

Sign = Literal["negative_out", "positive_out"]
MAX_DESCRIPTION: Final = 300


@dataclass(frozen=True)
class StatementProfile:
    """How one CSV layout maps onto a statement line."""

    name: str
    label: str
    date_column: str
    date_format: str
    description_columns: tuple[str, ...]
    amount_column: str | None = None
    sign: Sign = "negative_out"
    paid_in_column: str | None = None
    paid_out_column: str | None = None
    mcc_column: str | None = None
    balance_column: str | None = None
    header_starts_with: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    notes: str = ""

    def __post_init__(self) -> None:
        split = self.paid_in_column is not None and self.paid_out_column is not None
        if (self.amount_column is None) == (not split):
            msg = f"profile {self.name!r}: give either amount_column or both paid_in_column and paid_out_column"
            raise ValueError(msg)

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the profile reads."""
        named = (
            self.date_column,
            *self.description_columns,
            self.amount_column,
            self.paid_in_column,
            self.paid_out_column,
            self.mcc_column,
            self.balance_column,
        )
        return tuple(c for c in named if c)


PROFILES: Final[dict[str, StatementProfile]] = {
    p.name: p
    for p in (
        StatementProfile(
            name="generic",
            label="Generic (date, description, amount, optional mcc and balance)",
            date_column="date",
            date_format="%Y-%m-%d",
            description_columns=("description",),
            amount_column="amount",
            mcc_column="mcc",
            balance_column="balance",
            notes="The layout `phb statements check` reads; dates as yyyy-mm-dd or dd/mm/yyyy; money out negative.",
        ),
        StatementProfile(
            name="barclays",
            label="Barclays online banking CSV export",
            date_column="Date",
            date_format="%d/%m/%Y",
            description_columns=("Memo",),
            amount_column="Amount",
            header_starts_with="Number",
            notes="Columns Number, Date, Account, Amount, Subcategory, Memo; money out negative; no balance.",
        ),
        StatementProfile(
            name="natwest",
            label="NatWest / RBS / Ulster Bank CSV export",
            date_column="Date",
            date_format="%d/%m/%Y",
            description_columns=("Description",),
            amount_column="Value",
            balance_column="Balance",
            header_starts_with="Date",
            notes="Columns Date, Type, Description, Value, Balance, Account Name, Account Number; newest first.",
        ),
        StatementProfile(
            name="nationwide",
            label="Nationwide Building Society CSV export",
            date_column="Date",
            date_format="%d %b %Y",
            description_columns=("Description",),
            paid_in_column="Paid in",
            paid_out_column="Paid out",
            balance_column="Balance",
            header_starts_with="Date",
            encoding="cp1252",
            notes="Four lines of account details above the header; amounts like £12.34 in Paid out / Paid in.",
        ),
        StatementProfile(
            name="prepaid",
            label="Prepaid card provider transaction export (Allpay-style)",
            date_column="Transaction Date",
            date_format="%d/%m/%Y",
            description_columns=("Merchant Name",),
            paid_in_column="Credit",
            paid_out_column="Debit",
            mcc_column="MCC",
            balance_column="Balance",
            header_starts_with="Transaction Date",
            notes="Card transactions with the merchant category code; Debit and Credit unsigned.",
        ),
    )
}


class ParsedLine(NamedTuple):
    """One statement line as read: amounts in pence, negative for money out (a tuple: a million are made)."""

    line_number: int
    posted_on: dt.date
    description: str
    amount_pence: int
    balance_pence: int | None = None
    mcc: str | None = None
    external_id: str | None = None


@dataclass
class StatementSummary:
    """What an OFX file says about itself (CSV files say nothing beyond their lines)."""

    ledger_balance_pence: int | None = None
    ledger_balance_on: dt.date | None = None
    extra: dict[str, str] = field(default_factory=dict)


DATE_CACHE = 10_000  # distinct date strings kept parsed
_ISO = "%Y-%m-%d"
_PLAIN_MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")
_MONEY = re.compile(r"([+-]?)(\d+)(?:\.(\d{1,2}))?")
_CLEAN = str.maketrans("", "", "£, \u00a3")


def parse_pence(text: str, line_number: int, column: str) -> int:
    """Exact pence from '12.34', '-1,234.5', '£12.00', '(12.00)', '12.00 CR' / 'DR'; refuses sub-penny amounts."""
    if _PLAIN_MONEY.fullmatch(text):  # the common shape, '-12.34': pence are the digits without the point
        return int(text.replace(".", ""))
    value = text.strip()
    negative = False
    if value.endswith(("CR", "DR")):
        negative = value.endswith("DR")
        value = value[:-2]
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    value = value.translate(_CLEAN)
    match = _MONEY.fullmatch(value)
    if match is None:
        raise MalformedStatement(line_number, f"{column} {text.strip()!r} is not an amount of money")
    sign, pounds, pence = match.groups()
    amount = int(pounds) * 100 + (int(pence.ljust(2, "0")) if pence else 0)
    return -amount if (sign == "-") != negative else amount


@functools.lru_cache(maxsize=8192)
def _parse_date(value: str, date_format: str) -> dt.date | None:
    if date_format == _ISO and len(value) == 10 and value[4] == value[7] == "-":  # noqa: PLR2004 - yyyy-mm-dd
        try:  # the dates strptime reads in this shape, 20x faster (anything else is left to strptime)
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    for fmt in (date_format, "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %b %Y", "%d/%m/%y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    return None


def parse_date(value: str, date_format: str, line_number: int) -> dt.date:
    """A statement date in the profile's format (common UK and ISO formats are accepted too)."""
    parsed = _parse_date(value.strip(), date_format)
    if parsed is None:
        raise MalformedStatement(line_number, f"date {value.strip()!r} is not a date (expected like {date_format})")
    return parsed


def normalised_description(description: str) -> str:
    """Upper case, single spaces: how a description takes part in a row's identity (stable across rule changes)."""
    return " ".join(description.upper().split())


def normalised_descriptions(descriptions: Iterable[str]) -> list[str]:
    """:func:`normalised_description` of many lines at once (the same strings; no Python frame per line)."""
    return list(map(" ".join, map(str.split, map(str.upper, descriptions))))


def row_key(account_id: int, posted_on: str, amount_pence: int, description: str, occurrence: int) -> int:
    """A line's identity in its account: 64 bits of the SHA-256 of its date, amount, description and occurrence.

    The first 8 bytes of the SHA-256 of account, ISO date, amount, normalised description and occurrence, as a
    signed 64-bit integer: a ``BIGINT`` key is a fraction of the size of a hex digest in the unique index that
    every imported line is checked against.

    ``posted_on`` is the ISO date (``date.isoformat()``). ``occurrence`` counts identical lines on the same day
    (two £5.00 coffees at the same café): the second is a different transaction, not a duplicate, and keeps the
    same identity when the file is imported again. Two different lines of one account on one day share a key
    with a probability of about n² / 2⁶⁵ for n lines that day: never, in practice.
    """
    return row_key_normalised(account_id, posted_on, amount_pence, normalised_description(description), occurrence)


def row_key_normalised(account_id: int, posted_on: str, amount_pence: int, normalised: str, occurrence: int) -> int:
    """:func:`row_key` for a description already passed through :func:`normalised_description`."""
    return row_keys(account_id, [posted_on], [amount_pence], [normalised], [occurrence])[0]


def row_keys(
    account_id: int, isos: Iterable[str], amounts: Iterable[int], normalised: Iterable[str], occurrences: Iterable[int]
) -> list[int]:
    """:func:`row_key_normalised` of many lines at once (the same keys; C calls only, no Python frame per line)."""
    texts = map(_KEY_TEXT, repeat(account_id), isos, amounts, normalised, occurrences)
    digests = b"".join(map(_DIGEST, map(hashlib.sha256, map(str.encode, texts))))
    count = len(digests) // 32
    return list(_first_eight_bytes(count).unpack(digests)) if count else []


_KEY_TEXT = "{}|{}|{}|{}|{}".format
_DIGEST = operator.methodcaller("digest")


@functools.lru_cache(maxsize=16)
def _first_eight_bytes(count: int) -> struct.Struct:
    """Big-endian signed 64-bit integers from the first 8 of every 32 bytes (``count`` SHA-256 digests)."""
    return struct.Struct(">" + "q24x" * count)


def _find_header(rows: Iterator[list[str]], profile: StatementProfile) -> tuple[list[str], int]:
    line_number = 0
    for row in rows:
        line_number += 1
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if profile.header_starts_with is None or (cells and cells[0].lower() == profile.header_starts_with.lower()):
            return cells, line_number
    raise MalformedStatement(
        line_number or 1, f"no header row found; the {profile.label} layout needs {', '.join(profile.columns)}"
    )


def _amount(
    row: list[str], line_number: int, header: list[str], amount_i: int | None, in_i: int | None, out_i: int | None
) -> int:
    """Signed pence from one amount column, or from separate unsigned paid in / paid out columns."""
    if amount_i is not None:
        return parse_pence(row[amount_i], line_number, header[amount_i])
    if in_i is None or out_i is None:  # the profile guarantees one layout or the other
        raise MalformedStatement(line_number, "the layout names no amount columns")
    paid_in, paid_out = row[in_i].strip(), row[out_i].strip()
    if paid_in and paid_out:
        raise MalformedStatement(line_number, "both paid in and paid out are filled in")
    if not paid_in and not paid_out:
        raise MalformedStatement(line_number, "neither paid in nor paid out is filled in")
    if paid_in:
        return abs(parse_pence(paid_in, line_number, header[in_i]))
    return -abs(parse_pence(paid_out, line_number, header[out_i]))


def _mcc(value: str, line_number: int) -> str | None:
    raw = value.strip()
    if not raw:
        return None
    if len(raw) != 4 or not raw.isdigit():  # noqa: PLR2004 - MCCs are four digits
        raise MalformedStatement(line_number, f"MCC {raw!r} is not a 4-digit merchant category code")
    return raw


class CsvLayout:
    """Where a profile's columns are in one file's header, and how one row of that file becomes a line."""

    def __init__(self, header: list[str], header_line: int, profile: StatementProfile) -> None:
        index = {name.lower(): i for i, name in enumerate(header)}
        optional = {profile.mcc_column, profile.balance_column}  # a file without them has no MCCs or balances
        missing = [c for c in profile.columns if c.lower() not in index and c not in optional]
        if missing:
            raise MalformedStatement(header_line, f"header is missing column(s) {', '.join(missing)} ({profile.label})")

        def col(name: str | None) -> int | None:
            return None if name is None else index.get(name.lower())

        date_i = col(profile.date_column)
        assert date_i is not None  # noqa: S101 - checked as a required column above
        self.profile, self.header, self.width, self.date_i = profile, header, len(header), date_i
        self.desc_is = [i for i in (col(c) for c in profile.description_columns) if i is not None]
        self.amount_i, self.in_i, self.out_i = (
            col(profile.amount_column),
            col(profile.paid_in_column),
            col(profile.paid_out_column),
        )
        self.mcc_i, self.balance_i = col(profile.mcc_column), col(profile.balance_column)
        self.positive_out = profile.sign == "positive_out" and self.amount_i is not None
        self.dates: dict[str, dt.date] = {}  # a statement has a few hundred distinct dates: parse each once

    @classmethod
    def read_header(cls, reader: Iterator[list[str]], profile: StatementProfile) -> CsvLayout:
        """Skip to the header row (past any preamble) and map its columns."""
        header, header_line = _find_header(reader, profile)
        return cls(header, header_line, profile)

    def date(self, raw: str, line_number: int) -> dt.date:
        """The date of a raw date cell, parsed once per distinct string."""
        posted_on = self.dates.get(raw)
        if posted_on is None:
            if len(self.dates) >= DATE_CACHE:
                self.dates.clear()
            posted_on = self.dates[raw] = parse_date(raw, self.profile.date_format, line_number)
        return posted_on

    def parse(self, row: list[str], line_number: int) -> ParsedLine | None:
        """One row as a line; ``None`` for a blank row.

        Raises:
            MalformedStatement: naming the line and the field, e.g. "line 7: Amount '12.3.4' is not an amount".
        """
        if len(row) < self.width:
            if not any(cell.strip() for cell in row):
                return None  # blank lines and trailing padding
            raise MalformedStatement(line_number, f"expected {self.width} fields, found {len(row)}")
        if len(self.desc_is) == 1:
            description = row[self.desc_is[0]].strip()
        else:
            description = " ".join(part for part in (row[i].strip() for i in self.desc_is) if part)
        if not description:
            raise MalformedStatement(line_number, "description is empty")
        if "\x00" in description:  # PostgreSQL cannot store it, SQLite would: refused the same on both
            raise MalformedStatement(line_number, "description contains a NUL character")
        amount = _amount(row, line_number, self.header, self.amount_i, self.in_i, self.out_i)
        if self.positive_out:
            amount = -amount
        balance = None
        balance_i = self.balance_i
        if balance_i is not None and row[balance_i].strip():
            balance = parse_pence(row[balance_i], line_number, self.header[balance_i])
        mcc_i = self.mcc_i
        mcc = _mcc(row[mcc_i], line_number) if mcc_i is not None and row[mcc_i] else None
        posted_on = self.date(row[self.date_i], line_number)
        return ParsedLine(line_number, posted_on, description[:MAX_DESCRIPTION], amount, balance, mcc)


def read_csv(stream: IO[str], profile: StatementProfile) -> Iterator[ParsedLine]:
    """Stream a statement CSV through ``profile``, one :class:`ParsedLine` per transaction line.

    (The importer reads a batch of lines at a time instead: :mod:`phb.spending.batches`.)

    Raises:
        MalformedStatement: naming the line and the field, e.g. "line 7: Amount '12.3.4' is not an amount".
    """
    reader = csv.reader(stream, delimiter=profile.delimiter)
    try:
        layout = CsvLayout.read_header(reader, profile)
        for row in reader:
            line = layout.parse(row, reader.line_num)
            if line is not None:
                yield line
    except csv.Error as exc:
        raise unreadable_csv(reader.line_num, exc) from exc


def _decimal_pence(value: decimal.Decimal, line_number: int, field_name: str) -> int:
    pence = value * 100
    if pence != pence.to_integral_value():
        raise MalformedStatement(line_number, f"{field_name} {value} has more than 2 decimal places")
    return int(pence)


def read_ofx(source: IO[bytes], summary: StatementSummary) -> Iterator[ParsedLine]:
    """Transactions of the first statement in an OFX file (through ``ofxtools``), oldest first.

    ``ofxtools`` builds the whole document tree, so OFX files are capped in size by the callers; banks export
    OFX per statement period, far below that. The ledger balance fills ``summary`` for reconciliation.
    """
    from ofxtools.Parser import OFXTree  # noqa: PLC0415 - only OFX imports pay for the parser

    parser = OFXTree()
    try:
        parser.parse(source)
        ofx = parser.convert()
        statement = ofx.statements[0]
    except Exception as exc:  # ofxtools raises a dozen kinds; all mean "not an OFX statement we can read"
        raise MalformedStatement(1, f"not a readable OFX statement: {exc}") from exc
    ledger = getattr(statement, "ledgerbal", None)
    if ledger is not None and ledger.balamt is not None:
        summary.ledger_balance_pence = _decimal_pence(ledger.balamt, 0, "LEDGERBAL")
        summary.ledger_balance_on = ledger.dtasof.date() if ledger.dtasof else None
    transactions = sorted(statement.banktranlist or [], key=lambda t: t.dtposted)
    for number, txn in enumerate(transactions, start=1):
        description = " ".join(p for p in (txn.name, txn.memo) if p) or (txn.payee.name if txn.payee else "")
        if not description:
            raise MalformedStatement(number, f"transaction {txn.fitid} has no name or memo")
        sic = str(txn.sic) if txn.sic is not None else None
        yield ParsedLine(
            number,
            txn.dtposted.date(),
            description[:MAX_DESCRIPTION],
            _decimal_pence(txn.trnamt, number, "TRNAMT"),
            None,
            sic if sic and len(sic) == 4 and sic.isdigit() else None,  # noqa: PLR2004
            txn.fitid,
        )
