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
import gc
import hashlib
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import IO

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from phb.access.rules import Actor, Permission
from phb.access.services import require_person
from phb.audit.services import record
from phb.db import is_postgresql, utcnow
from phb.errors import NotFoundError, ValidationFailedError
from phb.money import from_pence, to_pence
from phb.spending import findings as findings_service
from phb.spending import integration
from phb.spending.batches import OFX, read_batches
from phb.spending.check import load_default_rules
from phb.spending.exceptions import MalformedStatement
from phb.spending.linechecks import Checker, Reconciler, connected_payees
from phb.spending.models import DirectPaymentAccount, StatementImport, StatementTransaction
from phb.spending.planning import PlannedLine
from phb.spending.rules import RuleSet
from phb.spending.statements import PROFILES, StatementSummary, normalised_descriptions, row_keys
from phb.spending.writers import Rows, take_import_turn, writer_for

BATCH_SIZE = 5000
_CHUNK = 1 << 20

Progress = Callable[[int, int], None]


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
    take_import_turn(session.connection(), account.id)
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
) -> tuple[list[PlannedLine], tuple[str, str] | None]:
    """The budget sheet to match against and, with none, the match every unflagged debit gets as it is written."""
    sheet = integration.budget_sheet(session, actor, account.person_id)
    if sheet:
        return sheet, None
    return sheet, ("unplanned", findings_service.EMPTY_SHEET)


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
    batch_row = _start(session, actor, account, result, rules)
    import_id = batch_row.id
    result.import_id = import_id
    check = Checker(rules, connected_payees(session, account.id))
    sheet, unplanned = _sheet(session, actor, account)
    reconciler, summary = Reconciler(), StatementSummary()
    writer = writer_for(session.connection(), account.id)
    occurrences = _Occurrences()
    streamed = None if unplanned is None else findings_service.StreamedUnplanned()
    account_id, first, last, read, flagged = account.id, None, None, 0, 0
    try:
        with _collector_paused():
            for batch in read_batches(source, result.profile, summary, batch_size):
                reconciler.batch(batch)  # first: it raises for a date out of order, which the keys rely on
                dates, amounts, descriptions = batch.dates, batch.amounts, batch.descriptions
                normalised = normalised_descriptions(descriptions)
                isos = list(map({day: day.isoformat() for day in set(dates)}.__getitem__, dates))
                keys = row_keys(account_id, isos, amounts, normalised, occurrences.of(dates, amounts, normalised))
                payees, flags, flagged_at = check.batch(batch)
                base = list(
                    zip(
                        repeat(account_id), repeat(import_id), batch.line_numbers, isos, descriptions, payees, amounts,
                        batch.balances, batch.mccs, keys,
                    )
                )  # fmt: skip
                writer.write(Rows(base, dates, amounts, flags, flagged_at, unplanned))
                if streamed is not None:
                    _add_unplanned(streamed, dates, amounts, payees, flagged_at)
                flagged += len(flagged_at)
                low, high = min(dates), max(dates)
                first = low if first is None or low < first else first
                last = high if last is None or high > last else last
                read += len(base)
                if on_progress is not None:
                    on_progress(read, total_lines)
        writer.finish()
    except BaseException as exc:
        writer.abort(exc)
        raise
    if not read:  # a header alone (or an OFX without transactions) is not a statement: record no import of it
        raise MalformedStatement(1, "the file has no statement lines, only a header")
    if on_progress is not None:
        on_progress(read, read)
    result.lines_read, result.first_date, result.last_date = read, first, last
    if writer.added != read:  # some lines were already there: the sums made while streaming are not the import's
        streamed = None
    _finish(session, actor, account, result, (batch_row, writer.added, flagged, sheet, streamed), reconciler, summary)
    session.expire(batch_row)


def _add_unplanned(
    streamed: findings_service.StreamedUnplanned,
    dates: Sequence[dt.date],
    amounts: Sequence[int],
    payees: Sequence[str],
    flagged_at: list[int],
) -> None:
    """Add a batch's unplanned lines (its unflagged debits: the account has no budget sheet) to the totals."""
    unplanned = list(map(operator.lt, amounts, repeat(0)))
    for i in flagged_at:
        unplanned[i] = False
    count = unplanned.count(True)
    if not count:
        return
    days = list(compress(dates, unplanned))
    low, high = min(days), max(days)
    streamed.count += count
    streamed.pence += sum(compress(amounts, unplanned))
    streamed.first = low if streamed.first is None or low < streamed.first else streamed.first
    streamed.last = high if streamed.last is None or high > streamed.last else streamed.last
    streamed.payees.update(compress(payees, unplanned))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while lines stream (and restore it after).

    Each batch keeps thousands of tuples alive until it is written, so the collector ran over and over and
    found nothing to free: a third of the time of a million-line import. The loop makes no reference cycles,
    and a paused collector frees nothing less, only later.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Occurrences:
    """Counts identical lines (amount and normalised description) on the same day, across batches.

    The count is part of a line's row key: the second £5.00 coffee at the same café on one day is a transaction of
    its own, and keeps the same key when the file is imported again. Only the last day's counts are carried over
    to the next batch (the file is in date order).
    """

    def __init__(self) -> None:
        self.carried: dict[tuple[dt.date, int, str], int] = {}

    def of(self, dates: Sequence[dt.date], amounts: Sequence[int], normalised: Sequence[str]) -> list[int]:
        """Each line's count of identical lines before it on its day."""
        keys = list(zip(dates, amounts, normalised, strict=True))
        last_day_from = dates.index(dates[-1])  # the file is in date order: the last day's lines end the batch
        carried = self.carried
        if len(set(keys)) == len(keys) and carried.keys().isdisjoint(keys):  # the common case: no repeats
            self.carried = dict.fromkeys(keys[last_day_from:], 1)
            return [0] * len(keys)
        counts, found = dict(carried), []
        for key in keys:
            count = counts.get(key, 0)
            found.append(count)
            counts[key] = count + 1
        self.carried = {key: counts[key] for key in keys[last_day_from:]}
        return found


def _finish(
    session: Session,
    actor: Actor,
    account: DirectPaymentAccount,
    result: ImportResult,
    state: tuple[StatementImport, int, int, list[PlannedLine] | None, findings_service.StreamedUnplanned | None],
    reconciler: Reconciler,
    summary: StatementSummary,
) -> None:
    """Counts, reconciliation, findings, the import's row and its one audit event."""
    batch, added, flagged, sheet, streamed = state
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
    result.findings_raised = findings_service.raise_for_import(session, actor, account, import_id, sheet, streamed)
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
            "rules_version": batch.rules_version,
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
    reconciler: Reconciler,
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


__all__ = ["OFX", "ImportResult", "file_fingerprint", "import_statement", "is_postgresql"]
