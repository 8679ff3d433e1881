"""Writing an import's statement lines to ``dp_transactions`` in bulk: executemany on SQLite, ``COPY`` on PostgreSQL.

The importer hands over one :class:`Rows` per batch of lines, already in database form (pence, ISO dates, the
row key), so nothing is type-processed per value. Both writers make the unique constraint on
(account, date, row key) the judge of what is new: a repeated or overlapping file adds only the lines the
account does not have.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, pairwise, repeat
from typing import Any

from sqlalchemy import column, func, select, table, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from phb.spending.models import StatementTransaction

COLUMNS = (
    "account_id",
    "import_id",
    "line_number",
    "posted_on",
    "description",
    "payee",
    "amount",
    "balance",
    "mcc",
    "row_key",
    "flag_category",
    "flag_reason",
    "flag_rule_id",
    "flag_rules_version",
    "match_status",
    "match_reason",
)
_BASE = COLUMNS[:10]
# A row names only the columns it fills: on SQLite, binding the NULLs of a 16-column row cost as much again as
# the 10 values every line has. Flags are on about 1 % of lines; match columns only on debits of an account
# with no budget sheet (with a sheet, matching fills them after the write).
SHAPES: dict[str, tuple[str, ...]] = {
    "plain": _BASE,
    "flagged": (*_BASE, "flag_category", "flag_reason", "flag_rule_id", "flag_rules_version"),
    "unplanned": (*_BASE, "match_status", "match_reason"),
}
_STAGING = "dp_import_staging"
_STAGING_DDL = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    account_id integer, import_id integer, line_number integer, posted_on date, description text, payee text,
    amount bigint, balance bigint, mcc text, row_key bigint, flag_category text, flag_reason text,
    flag_rule_id text, flag_rules_version text, match_status text, match_reason text
) ON COMMIT DROP
"""
# Namespace of the per-account import lock (the two-key form of PostgreSQL's advisory locks, which cannot collide
# with the audit chain's one-key lock).
_IMPORT_LOCK = 7_202_612
_NO_FLAG = (None, None, None, None)
_NO_MATCH = (None, None)


def take_import_turn(connection: Connection, account_id: int) -> None:
    """Wait for any other import into the account to finish (PostgreSQL; held to the end of the transaction).

    Taken before an import asks whether the file was imported already, so two imports of one file at the same
    moment are one import and one "already imported", never a second import of 0 lines. Taking it again later in
    the same transaction is free. SQLite's ``BEGIN IMMEDIATE`` already makes writers take turns.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :account_id)"),
            {"namespace": _IMPORT_LOCK, "account_id": account_id},
        )


@dataclass(frozen=True)
class Rows:
    """One batch of lines for the database, in file order.

    ``base`` holds the ten columns every line has; ``flags[i]`` is line i's (category, reason, rule, version) when
    ``flagged`` lists i (debits only); ``unplanned`` is the (status, reason) every other debit gets when the
    account has no budget sheet to match against.
    """

    base: list[tuple[Any, ...]]
    dates: Sequence[dt.date]
    amounts: Sequence[int]
    flags: Sequence[tuple[str, str, str, str] | None]
    flagged: list[int]
    unplanned: tuple[str, str] | None

    def shapes(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        """The rows grouped by the columns they fill (see ``SHAPES``), whole columns at a time."""
        base, flagged, amounts, unplanned = self.base, self.flagged, self.amounts, self.unplanned
        if not flagged and unplanned is None:
            yield "plain", base
            return
        not_flagged = [True] * len(base)
        for i in flagged:
            not_flagged[i] = False
        yield "flagged", [base[i] + self.flags[i] for i in flagged]  # type: ignore[operator]
        if unplanned is None:
            yield "plain", list(compress(base, not_flagged))
            return
        yield "plain", list(compress(base, map(operator.ge, amounts, repeat(0))))  # credits are never flagged
        debits = map(operator.and_, map(operator.lt, amounts, repeat(0)), not_flagged)
        yield "unplanned", list(map(operator.add, compress(base, debits), repeat(unplanned)))

    def full(self) -> list[tuple[Any, ...]]:
        """Every row with all of ``COLUMNS``, NULLs included, in file order."""
        extra: list[tuple[str | None, ...]]
        if self.unplanned is None:
            extra = [_NO_FLAG + _NO_MATCH] * len(self.base)
        else:
            debit = _NO_FLAG + self.unplanned
            extra = [debit if amount < 0 else _NO_FLAG + _NO_MATCH for amount in self.amounts]
        for i in self.flagged:
            extra[i] = self.flags[i] + _NO_MATCH  # type: ignore[operator]  # flagged lines have a flag
        return list(map(operator.add, self.base, extra))


class SqliteWriter:
    """Rows inserted by Core executemany with ``ON CONFLICT DO NOTHING``, one statement per shape.

    Statements are compiled once; rows go to executemany as tuples (no per-row dicts or type processing: they are
    already pence and ISO dates), which is most of the difference from the ORM.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        # A bigger page cache keeps the unique index's working set in memory.
        connection.exec_driver_sql("PRAGMA cache_size = -65536")
        self.sql = {
            shape: str(
                sqlite_insert(table("dp_transactions", *(column(name) for name in columns)))
                .on_conflict_do_nothing(index_elements=["account_id", "posted_on", "row_key"])
                .compile(dialect=connection.dialect)
            )
            for shape, columns in SHAPES.items()
        }
        self.added = 0

    def write(self, rows: Rows) -> None:
        """Insert one batch."""
        for shape, shaped in rows.shapes():
            if shaped:
                self.added += self.connection.exec_driver_sql(self.sql[shape], shaped).rowcount

    def finish(self) -> None:
        """Every batch is written as it comes."""

    def abort(self, exc: BaseException) -> None:
        """Nothing to undo beyond the caller's SAVEPOINT."""


class PostgresWriter:
    """``COPY`` straight into the table for days after the account's latest line, else through a staging table.

    A line dated after every line the account already has cannot be a duplicate of one of them, and lines within
    one file differ by their occurrence counter, so those days need no ``ON CONFLICT``: ``COPY`` into
    ``dp_transactions`` lets the server insert while this process parses on. Days the account may already have
    (an overlapping file) are copied into a temporary staging table and merged with ``INSERT ... SELECT ... ON
    CONFLICT DO NOTHING``. A file is in date order, so it switches between the two at most once; the merge runs
    at the switch, so lines are inserted in file order either way.

    Imports into one account take turns (a transaction-level advisory lock taken before reading the latest date),
    so no other import can add lines after that date while this one copies.
    """

    def __init__(self, connection: Connection, account_id: int) -> None:
        self.connection = connection
        take_import_turn(connection, account_id)
        tx = StatementTransaction
        self.latest: dt.date | None = connection.scalar(
            select(func.max(tx.posted_on)).where(tx.account_id == account_id)
        )
        self.cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.direct: bool | None = None  # which COPY is open: straight into the table, into staging, or none
        self.staging_ready = False
        self._copy_cm: Any = None
        self._write_row: Any = None
        self.added = 0

    def write(self, rows: Rows) -> None:
        """Copy one batch, each day the way its date allows."""
        full, latest = rows.full(), self.latest
        if latest is None:
            self._copy(full, direct=True)
            return
        direct = list(map(operator.gt, rows.dates, repeat(latest)))
        switches = [0, *compress(range(1, len(direct)), map(operator.ne, direct[1:], direct)), len(direct)]
        for start, end in pairwise(switches):
            self._copy(full[start:end], direct=direct[start])

    def _copy(self, rows: list[tuple[Any, ...]], *, direct: bool) -> None:
        if direct != self.direct:
            self._close()
            self._open(direct=direct)
        write_row = self._write_row
        for row in rows:
            write_row(row)

    def _open(self, *, direct: bool) -> None:
        into = "dp_transactions"
        if not direct:
            into = _STAGING
            if not self.staging_ready:
                self.connection.exec_driver_sql(_STAGING_DDL)
                self.connection.exec_driver_sql(f"TRUNCATE {_STAGING}")
                self.staging_ready = True
        self._copy_cm = self.cursor.copy(f"COPY {into} ({', '.join(COLUMNS)}) FROM STDIN")
        self._write_row = self._copy_cm.__enter__().write_row
        self.direct = direct

    def _close(self) -> None:
        copy_cm, self._copy_cm, self._write_row = self._copy_cm, None, None
        if copy_cm is None:
            return
        copy_cm.__exit__(None, None, None)  # the server checks the foreign keys and unique index here
        if self.direct:
            self.added += self.cursor.rowcount
            return
        names = ", ".join(COLUMNS)
        self.added += self.connection.exec_driver_sql(
            f"INSERT INTO dp_transactions ({names}) SELECT {names} FROM {_STAGING} "  # noqa: S608
            "ORDER BY line_number ON CONFLICT (account_id, posted_on, row_key) DO NOTHING"
        ).rowcount
        self.connection.exec_driver_sql(f"TRUNCATE {_STAGING}")

    def finish(self) -> None:
        """Close the last ``COPY`` (and merge it, if it went to staging)."""
        self._close()

    def abort(self, exc: BaseException) -> None:
        """End an open ``COPY`` with the error, so the connection can roll back."""
        if self._copy_cm is not None:
            self._copy_cm.__exit__(type(exc), exc, exc.__traceback__)
            self._copy_cm = None


def writer_for(connection: Connection, account_id: int) -> SqliteWriter | PostgresWriter:
    """The writer for the connection's database."""
    if connection.dialect.name == "postgresql":
        return PostgresWriter(connection, account_id)
    return SqliteWriter(connection)
