"""Importing a statement file into a direct-payment account: streamed, idempotent, all-or-nothing, reconciled.

The design, in the order an import runs (docs/spending.md explains it for operators):

1. **Same file again?** The file's SHA-256 is computed first (one fast pass, which also counts lines for the
   progress bar). If this account already imported exactly this file, nothing is read and nothing is added.
2. **Stream and check.** Lines are read one at a time through the profile, given a row key (account, date,
   amount, normalised description, and an occurrence counter for identical lines on the same day), checked
   against the exclusion rules and the account's connected people, and their running balance reconciled.
   Only one day's occurrence counters are held at once, which is why a file must be in date order (banks
   export either oldest or newest first; both are fine).
3. **Bulk write.** Batches go to the database through SQLAlchemy Core: ``INSERT ... ON CONFLICT DO NOTHING``
   executemany on SQLite. On PostgreSQL, lines dated after the account's latest line are copied straight into
   the table (they cannot be duplicates); the days an overlapping file shares with the account go by ``COPY``
   into a temporary staging table and one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``. The unique
   constraint on (account, date, row key) makes an overlapping file add only the lines that are new.
4. **Match, find, record.** New debits are matched to the budget sheet, findings are raised for flags and
   unplanned spending (and a surplus), and one audit event records the counts and the file's SHA-256.

Everything after step 1 runs inside one SAVEPOINT: an exception anywhere (a malformed line 900,000 lines in,
a crash, a cancelled progress bar) rolls the whole import back, leaving nothing half imported.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import ColumnElement, column, func, insert, select, table, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.audit.services import record
from phb.db import is_postgresql, utcnow
from phb.errors import NotFoundError, ValidationFailedError
from phb.money import from_pence, to_pence
from phb.spending import findings as findings_service
from phb.spending import integration
from phb.spending.check import load_default_rules
from phb.spending.exceptions import MalformedStatement
from phb.spending.models import ConnectedPerson, DirectPaymentAccount, StatementImport, StatementTransaction
from phb.spending.planning import PlannedLine
from phb.spending.rules import RuleSet, StatementLine, check_line, normalise_descriptor
from phb.spending.statements import (
    PROFILES,
    ParsedLine,
    StatementSummary,
    normalised_description,
    read_csv,
    read_ofx,
    row_key_normalised,
)

OFX = "ofx"
BATCH_SIZE = 5000
MAX_NOTES = 20
_CHUNK = 1 << 20
_CACHE_LIMIT = 200_000

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
# Untyped columns: rows are already in database form (pence, ISO dates), so no per-value type processing.
_ROWS = table("dp_transactions", *(column(name) for name in COLUMNS))
_STAGING = "dp_import_staging"
_STAGING_DDL = f"""
CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} (
    account_id integer, import_id integer, line_number integer, posted_on date, description text, payee text,
    amount bigint, balance bigint, mcc text, row_key bigint, flag_category text, flag_reason text,
    flag_rule_id text, flag_rules_version text, match_status text, match_reason text
) ON COMMIT DROP
"""

Progress = Callable[[int, int], None]
_DEBIT = decimal.Decimal(-1)
# Store numbers (4+ digits), dates (03-01, 3/1/26) and date codes (12MAR26): what varies line by line in a payee's
# descriptions. The same as r"\d{4,}|\b\d{1,2}[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b|\b\d{2}[A-Z]{3}\d{2}\b" (a test
# proves it), factored to start with one \d so the engine rejects most positions at once: 2.5x faster.
_VARYING = re.compile(r"\d(?:\d{3,}|(?<!\w\d)\d?[-/.]\d{1,2}(?:[-/.]\d{2,4})?\b|(?<!\w\d)\d[A-Z]{3}\d{2}\b)")


@dataclass
class ImportResult:
    """What an import did, for the page, the command line and the API."""

    import_id: int | None
    account_id: int
    filename: str
    file_sha256: str
    profile: str
    lines_read: int = 0
    lines_added: int = 0
    lines_flagged: int = 0
    findings_raised: int = 0
    first_date: dt.date | None = None
    last_date: dt.date | None = None
    reconciliation: str = "no_balance"
    notes: list[str] = field(default_factory=list)
    same_file: bool = False

    @property
    def duplicates(self) -> int:
        """Lines already in the account (an overlapping or repeated file)."""
        return self.lines_read - self.lines_added


def file_fingerprint(source: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and line count of a file, read in 1 MiB chunks; leaves the stream at its start."""
    digest = hashlib.sha256()
    lines = 0
    source.seek(0)
    while chunk := source.read(_CHUNK):
        digest.update(chunk)
        lines += chunk.count(b"\n")
    source.seek(0)
    return digest.hexdigest(), lines


@dataclass(frozen=True)
class _Payee:
    pattern: re.Pattern[str]
    rule_id: str
    reason: str | None  # None: the plan records an agreement, so payments to them are allowed


def _connected_payees(session: Session, account_id: int) -> list[_Payee]:
    payees = []
    for person in session.scalars(select(ConnectedPerson).where(ConnectedPerson.account_id == account_id)):
        words = r"\s+".join(re.escape(w) for w in person.payee_pattern.upper().split())
        allowed = bool(person.agreement and person.agreed_on)
        reason = (
            None
            if allowed
            else f"payee matches connected person {person.name} ({person.relationship}, same household); "
            "the plan records no agreement allowing payments to them"
        )
        payees.append(_Payee(re.compile(rf"(?<!\w){words}(?!\w)"), f"connected-person-{person.id}", reason))
    return payees


class _Checker:
    """Flags for a line's (description, MCC), cached: statements repeat the same payees all the time."""

    def __init__(self, rules: RuleSet, payees: list[_Payee]) -> None:
        self.rules = rules
        self.payees = payees
        self.cache: dict[tuple[str, str | None], tuple[str, tuple[str, str, str, str] | None]] = {}

    def __call__(self, line: ParsedLine) -> tuple[str, tuple[str, str, str, str] | None]:
        # Store numbers and dates vary line by line but never change a flag (the descriptor normalisation drops
        # them too), so they are masked in the cache key: a statement has a few hundred distinct keys at most.
        key = (_VARYING.sub("#", line.description), line.mcc)
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) >= _CACHE_LIMIT:
                self.cache.clear()
            hit = self.cache[key] = self._check(line)
        payee, flag = hit
        return payee, (flag if line.amount_pence < 0 else None)  # credits are never flagged

    def _check(self, line: ParsedLine) -> tuple[str, tuple[str, str, str, str] | None]:
        payee = normalise_descriptor(line.description).payee[:300]
        probe = StatementLine(line.posted_on, line.description, _DEBIT, line.mcc)  # flags depend on sign only
        found = check_line(probe, self.rules)
        if found is not None:
            return payee, (found.category, found.reason, found.rule_id, found.rule_version)
        text = normalise_descriptor(line.description).match_text
        for connected in self.payees:
            if connected.pattern.search(text):
                if connected.reason is None:
                    return payee, None
                return payee, ("connected_person", connected.reason, connected.rule_id, "account")
        return payee, None


class _Reconciler:
    """Checks each balance follows from the one before; learns the file's date order as it goes."""

    def __init__(self) -> None:
        self.direction = 0  # 1 oldest first, -1 newest first, 0 not known yet
        self.previous: ParsedLine | None = None
        self.mismatches = 0
        self.notes: list[str] = []
        self.seen_balance = False
        self.first_balance: int | None = None
        self.last_balance: int | None = None
        self.total = 0  # pence: the sum of every line's amount

    def order(self, line: ParsedLine) -> None:
        previous = self.previous
        if previous is not None and previous.posted_on != line.posted_on:
            step = 1 if line.posted_on > previous.posted_on else -1
            if self.direction == 0:
                self.direction = step
            elif step != self.direction:
                raise MalformedStatement(
                    line.line_number,
                    f"date {line.posted_on:%d/%m/%Y} is out of order: the statement must be sorted by date "
                    "(oldest or newest first)",
                )

    def check(self, line: ParsedLine) -> None:
        previous = self.previous
        self.previous = line
        self.total += line.amount_pence
        if line.balance_pence is None:
            return
        self.seen_balance = True
        if self.first_balance is None:
            self.first_balance = line.balance_pence
        self.last_balance = line.balance_pence
        if previous is None or previous.balance_pence is None:
            return
        oldest_first = previous.balance_pence + line.amount_pence == line.balance_pence
        newest_first = line.balance_pence + previous.amount_pence == previous.balance_pence
        ok = {1: oldest_first, -1: newest_first}.get(self.direction, oldest_first or newest_first)
        if not ok:
            self.mismatches += 1
            if len(self.notes) < MAX_NOTES:
                expected = line.balance_pence - line.amount_pence if self.direction >= 0 else previous.balance_pence
                self.notes.append(
                    f"line {line.line_number}: balance {from_pence(line.balance_pence).amount} does not follow from "
                    f"line {previous.line_number} (balance {from_pence(previous.balance_pence).amount}, "
                    f"expected a balance before this line of {from_pence(expected).amount})"
                )

    @property
    def closing_balance(self) -> int | None:
        """The balance after the latest line of the statement."""
        return self.first_balance if self.direction < 0 else self.last_balance


def _lines(source: IO[bytes], profile: str, summary: StatementSummary) -> Iterator[ParsedLine]:
    if profile == OFX:
        yield from read_ofx(source, summary)
        return
    chosen = PROFILES[profile]
    text = io.TextIOWrapper(source, encoding=chosen.encoding, newline="")
    try:
        yield from read_csv(text, chosen)
    except UnicodeDecodeError as exc:
        raise MalformedStatement(
            1, f"the file is not {chosen.encoding} text as the {chosen.label} layout needs"
        ) from exc
    finally:
        text.detach()


_BASE = COLUMNS[:10]
# A row names only the columns it fills: on SQLite, binding the NULLs of a 16-column row cost as much again as
# the 10 values every line has. Flags are on about 1 % of lines; match columns only on debits of an account
# with no budget sheet (with a sheet, matching fills them after the write).
SHAPES: dict[str, tuple[str, ...]] = {
    "plain": _BASE,
    "flagged": (*_BASE, "flag_category", "flag_reason", "flag_rule_id", "flag_rules_version"),
    "unplanned": (*_BASE, "match_status", "match_reason"),
}


def _padder(columns: tuple[str, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """PostgreSQL copies every column into the staging table: a shape's row padded with NULLs to full width.

    A shape's extra columns are one run of ``COLUMNS`` after the base ten, so padding is two slices, not a
    per-value lookup (this runs once per line).
    """
    extra = columns[len(_BASE) :]
    start = COLUMNS.index(extra[0]) if extra else len(COLUMNS)
    if COLUMNS[start : start + len(extra)] != extra:
        raise AssertionError(f"shape columns {extra} are not one run of COLUMNS")
    before = (None,) * (start - len(_BASE))
    after = (None,) * (len(COLUMNS) - start - len(extra))
    cut = len(_BASE)
    return lambda row: (*row[:cut], *before, *row[cut:], *after)


_PAD = {shape: _padder(columns) for shape, columns in SHAPES.items()}
# Namespace of the per-account import lock (the two-key form of PostgreSQL's advisory locks, which cannot collide
# with the audit chain's one-key lock).
_IMPORT_LOCK = 7_202_612


class _SqliteWriter:
    """Batches of rows inserted by Core executemany with ``ON CONFLICT DO NOTHING``, one statement per shape.

    Statements are compiled once; rows go to executemany as tuples (no per-row dicts or type processing: they are
    already pence and ISO dates), which is most of the difference from the ORM.
    """

    def __init__(self, connection: Connection, batch_size: int) -> None:
        self.connection = connection
        self.batch_size = batch_size
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
        self.pending: dict[str, list[tuple[Any, ...]]] = {shape: [] for shape in SHAPES}
        self.added = 0

    def day(self, day: dt.date) -> None:
        """Every day's lines go the same way on SQLite."""

    def add(self, shape: str, row: tuple[Any, ...]) -> None:
        rows = self.pending[shape]
        rows.append(row)
        if len(rows) >= self.batch_size:
            self._flush(shape)

    def _flush(self, shape: str) -> None:
        rows = self.pending[shape]
        if rows:
            self.added += self.connection.exec_driver_sql(self.sql[shape], rows).rowcount
            rows.clear()

    def finish(self) -> None:
        for shape in SHAPES:
            self._flush(shape)

    def abort(self, exc: BaseException) -> None:
        """Nothing to undo beyond the caller's SAVEPOINT."""


class _PostgresWriter:
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
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :account_id)"),
            {"namespace": _IMPORT_LOCK, "account_id": account_id},
        )
        tx = StatementTransaction
        self.latest: dt.date | None = connection.scalar(
            select(func.max(tx.posted_on)).where(tx.account_id == account_id)
        )
        self.cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.direct: bool | None = None  # which COPY is open: straight into the table, into staging, or none
        self.staging_ready = False
        self._copy_cm: Any = None
        self._write_row: Callable[[tuple[Any, ...]], None] | None = None
        self.added = 0

    def day(self, day: dt.date) -> None:
        """Route the lines of ``day`` (called before its first line)."""
        direct = self.latest is None or day > self.latest
        if direct != self.direct:
            self._close()
            self._open(direct=direct)

    def add(self, shape: str, row: tuple[Any, ...]) -> None:
        self._write_row(_PAD[shape](row))  # type: ignore[misc]

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
        self._close()

    def abort(self, exc: BaseException) -> None:
        if self._copy_cm is not None:
            self._copy_cm.__exit__(type(exc), exc, exc.__traceback__)
            self._copy_cm = None


def _writer(connection: Connection, batch_size: int, account_id: int) -> _SqliteWriter | _PostgresWriter:
    if connection.dialect.name == "postgresql":
        return _PostgresWriter(connection, account_id)
    return _SqliteWriter(connection, batch_size)


def _account_for(session: Session, actor: Actor, account_id: int, person_id: int | None) -> DirectPaymentAccount:
    account = session.get(DirectPaymentAccount, account_id)
    if account is None or (person_id is not None and account.person_id != person_id):
        if person_id is not None:
            require_person(session, actor, Permission.PERSON_READ, person_id)
        raise NotFoundError("direct-payment account", account_id)
    require_person(session, actor, Permission.SPENDING_AUDIT, account.person_id)
    return account


def import_statement(
    session: Session,
    actor: Actor,
    account_id: int,
    source: IO[bytes],
    *,
    filename: str,
    profile: str,
    person_id: int | None = None,
    on_progress: Progress | None = None,
    rules: RuleSet | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import one statement file (seekable binary stream) into an account. See the module docstring.

    Raises:
        NotFoundError / ForbiddenError: no such account, or the actor may not audit this person's spending.
        ValidationFailedError: an unknown profile.
        MalformedStatement: naming the line; nothing is saved.
    """
    account = _account_for(session, actor, account_id, person_id)
    if profile != OFX and profile not in PROFILES:
        raise ValidationFailedError({"profile": f"Choose a statement layout: {', '.join([*PROFILES, OFX])}"})
    sha256, total_lines = file_fingerprint(source)
    result = ImportResult(None, account.id, filename, sha256, profile)
    earlier = session.scalar(
        select(StatementImport.id).where(
            StatementImport.account_id == account.id, StatementImport.file_sha256 == sha256
        )
    )
    if earlier is not None:
        result.same_file = True
        result.notes.append(f"This file was imported before (import {earlier}): nothing was added.")
        record(
            session,
            action="dp_statement_imports.repeated",
            entity_type="dp_statement_imports",
            entity_id=earlier,
            person_id=account.person_id,
            after={"filename": filename, "file_sha256": sha256, "profile": profile, "lines_added": 0},
        )
        return result
    rules = rules or load_default_rules()
    with session.begin_nested():
        _run(session, actor, account, source, result, rules, total_lines, on_progress, batch_size)
    return result


def _sheet(
    session: Session, actor: Actor, account: DirectPaymentAccount
) -> tuple[list[PlannedLine] | None, tuple[str, str] | None]:
    """The budget sheet to match against and, with none, the match every unflagged debit gets as it is written."""
    sheet = integration.budget_sheet(session, actor, account.person_id)
    if sheet:
        return sheet, None
    return sheet, ("unplanned", findings_service.NO_SHEET if sheet is None else findings_service.EMPTY_SHEET)


def _start(
    session: Session, actor: Actor, account: DirectPaymentAccount, result: ImportResult, rules: RuleSet
) -> StatementImport:
    """The import's own row, so that its lines can point at it; the counts are filled in at the end."""
    batch = StatementImport(
        account_id=account.id,
        person_id=account.person_id,
        filename=result.filename[:255],
        file_sha256=result.file_sha256,
        profile=result.profile,
        rules_version=rules.version,
        imported_at=utcnow(),
        imported_by_id=actor.user_id,
        imported_by_name=actor.display_name,
        reconciliation="no_balance",
    )
    session.add(batch)
    session.flush()
    return batch


def _run(
    session: Session,
    actor: Actor,
    account: DirectPaymentAccount,
    source: IO[bytes],
    result: ImportResult,
    rules: RuleSet,
    total_lines: int,
    on_progress: Progress | None,
    batch_size: int,
) -> None:
    batch = _start(session, actor, account, result, rules)
    import_id = batch.id
    result.import_id = import_id
    connection = session.connection()
    check = _Checker(rules, _connected_payees(session, account.id))
    sheet, unplanned = _sheet(session, actor, account)
    reconciler, summary, writer = _Reconciler(), StatementSummary(), _writer(connection, batch_size, account.id)
    occurrences: dict[tuple[int, str], int] = {}
    day: dt.date | None = None
    iso, first, last, read, flagged = "", None, None, 0, 0
    account_id, add = account.id, writer.add
    try:
        for line in _lines(source, result.profile, summary):
            if line.posted_on != day:
                reconciler.order(line)
                day = line.posted_on
                writer.day(day)
                iso = day.isoformat()
                occurrences.clear()
                first = day if first is None or day < first else first
                last = day if last is None or day > last else last
            reconciler.check(line)
            amount = line.amount_pence
            normalised = normalised_description(line.description)
            key = (amount, normalised)
            occurrence = occurrences.get(key, 0)
            occurrences[key] = occurrence + 1
            payee, flag = check(line)
            row = (
                account_id,
                import_id,
                line.line_number,
                iso,
                line.description,
                payee,
                amount,
                line.balance_pence,
                line.mcc,
                row_key_normalised(account_id, iso, amount, normalised, occurrence),
            )
            if flag is not None:
                flagged += 1
                add("flagged", (*row, *flag))
            elif unplanned is not None and amount < 0:
                add("unplanned", (*row, *unplanned))
            else:
                add("plain", row)
            read += 1
            if on_progress is not None and read % batch_size == 0:
                on_progress(read, total_lines)
        writer.finish()
    except BaseException as exc:
        writer.abort(exc)
        raise
    if on_progress is not None:
        on_progress(read, read)
    result.lines_read, result.first_date, result.last_date = read, first, last
    _finish(session, actor, account, result, (batch, writer.added, flagged, sheet, rules), reconciler, summary)
    session.expire(batch)


def _finish(
    session: Session,
    actor: Actor,
    account: DirectPaymentAccount,
    result: ImportResult,
    state: tuple[StatementImport, int, int, list[PlannedLine] | None, RuleSet],
    reconciler: _Reconciler,
    summary: StatementSummary,
) -> None:
    """Counts, reconciliation, findings, the import's row and its one audit event."""
    batch, added, flagged, sheet, rules = state
    import_id, read, first, last = batch.id, result.lines_read, result.first_date, result.last_date
    result.lines_added = added
    if result.lines_added == read:  # nothing was already there: the counts made while streaming are exact
        result.lines_flagged = flagged
    else:
        result.lines_flagged = int(
            session.scalar(
                select(func.count()).where(
                    StatementTransaction.import_id == import_id, StatementTransaction.flag_category.is_not(None)
                )
            )
            or 0
        )
    _reconcile(session, account, result, reconciler, summary)
    result.findings_raised = findings_service.raise_for_import(session, actor, account, import_id, sheet)
    session.execute(
        update(StatementImport)
        .where(StatementImport.id == import_id)
        .values(
            lines_read=result.lines_read,
            lines_added=result.lines_added,
            lines_flagged=result.lines_flagged,
            first_date=first,
            last_date=last,
            reconciliation=result.reconciliation,
            reconciliation_notes="\n".join(result.notes) or None,
            findings_raised=result.findings_raised,
        )
        .execution_options(synchronize_session=False)
    )
    record(
        session,
        action="dp_statement_imports.created",
        entity_type="dp_statement_imports",
        entity_id=import_id,
        person_id=account.person_id,
        after={
            "account_id": account.id,
            "filename": result.filename,
            "file_sha256": result.file_sha256,
            "profile": result.profile,
            "rules_version": rules.version,
            "lines_read": result.lines_read,
            "lines_added": result.lines_added,
            "duplicates": result.duplicates,
            "lines_flagged": result.lines_flagged,
            "findings_raised": result.findings_raised,
            "reconciliation": result.reconciliation,
        },
    )


def _ledger_balance(
    session: Session, account: DirectPaymentAccount, result: ImportResult, on: dt.date, streamed: int
) -> int:
    """Opening balance plus every line of the account up to ``on``.

    This import's lines are summed as they streamed past when all of them were added and ``on`` is not before
    the last of them, so only the account's earlier imports are read back (the sum of a million-line import
    is not read back from the table it was just written to).
    """
    tx = StatementTransaction
    earlier = select(StatementImport.id).where(
        StatementImport.account_id == account.id, StatementImport.id != result.import_id
    )
    moved: ColumnElement[bool] = tx.account_id == account.id
    this_import = 0
    if result.lines_added == result.lines_read and result.last_date is not None and on >= result.last_date:
        moved, this_import = tx.import_id.in_(earlier), streamed
    total = session.scalar(select(func.sum(tx.amount)).where(moved, tx.posted_on <= on))
    return to_pence(account.opening_balance) + (0 if total is None else to_pence(total)) + this_import


def _reconcile(
    session: Session,
    account: DirectPaymentAccount,
    result: ImportResult,
    reconciler: _Reconciler,
    summary: StatementSummary,
) -> None:
    notes = list(reconciler.notes)
    if reconciler.mismatches > len(notes):
        notes.append(f"… and {reconciler.mismatches - len(notes)} more line(s) whose balance does not follow")
    closing, closing_on = reconciler.closing_balance, result.last_date
    if summary.ledger_balance_pence is not None:
        closing, closing_on = summary.ledger_balance_pence, summary.ledger_balance_on or result.last_date
    checked = reconciler.seen_balance or summary.ledger_balance_pence is not None
    if closing is not None and closing_on is not None:
        ledger = _ledger_balance(session, account, result, closing_on, reconciler.total)
        if ledger != closing:
            notes.append(
                f"the statement's balance on {closing_on:%d/%m/%Y} is {from_pence(closing).amount}, but the "
                f"account's opening balance and transactions give {from_pence(ledger).amount} (a difference of "
                f"{from_pence(closing - ledger).amount}): lines may be missing, or the opening balance may be wrong"
            )
    result.notes = notes
    if not checked:
        result.reconciliation = "no_balance"
    else:
        result.reconciliation = "mismatch" if notes else "reconciled"


def insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert transaction rows directly (demo data and tests); ``rows`` are in database form."""
    if rows:
        session.execute(insert(_ROWS), rows)


__all__ = ["OFX", "ImportResult", "file_fingerprint", "import_statement", "insert_rows", "is_postgresql"]
