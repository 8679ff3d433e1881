"""The floor under the statement-import targets: what the database alone costs to store a statement's lines.

Issue 4 asks for import + check of 1,000,000 lines within 8 R on SQLite and 10 R on PostgreSQL (R: the time
``csv.reader`` takes merely to read the file). This benchmark splits an import in two and times each half alone:

* **Python alone**: ``import_statement`` with its line writes thrown away (read, parse, key, check, reconcile,
  findings, audit event), the rows kept in memory;
* **the writes alone**: those very rows (already pence, ISO dates and row keys: no parsing left) written by the
  importer's own writer into a fresh database and committed, into the table as migrated and into weaker tables,
  so the cost of each guarantee is shown: the unique key that makes a re-import add nothing, the foreign key
  from a line to its import, and the two secondary indexes.

    python bench/import_floor.py --lines 1000000 [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Every variant writes and commits the same 1,000,000 rows; each runs in a fresh database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_statements import generate
from bench.import_bench import bench_account, fresh_database, read_time
from phb.access.services import begin
from phb.db import utcnow
from phb.spending import importer
from phb.spending.check import load_default_rules
from phb.spending.importer import import_statement
from phb.spending.models import StatementImport
from phb.spending.writers import SHAPES, Rows, writer_for


class _Keeper:
    """A writer that keeps the rows instead of writing them."""

    def __init__(self, kept: list[Rows]) -> None:
        self.kept, self.added = kept, 0

    def write(self, rows: Rows) -> None:
        self.kept.append(rows)
        self.added += len(rows.base)

    def finish(self) -> None:
        """Nothing was written."""

    def abort(self, exc: BaseException) -> None:
        """Nothing was written."""


def python_alone(url: str, path: Path) -> tuple[float, list[Rows]]:
    """Seconds for ``import_statement`` with the line writes thrown away, and the rows it would have written."""
    factory, account_id, actor = bench_account(url)
    load_default_rules()
    kept: list[Rows] = []
    keeper = _Keeper(kept)
    with (
        mock.patch.object(importer, "writer_for", return_value=keeper),
        factory() as session,
        path.open("rb") as source,
    ):
        begin(session, actor)
        start = time.perf_counter()
        import_statement(session, actor, account_id, source, filename=path.name, profile="generic")
        session.commit()
        return time.perf_counter() - start, kept


def _import_row(session: Session, account_id: int) -> int:
    row = StatementImport(
        account_id=account_id,
        person_id=1,
        filename="floor.csv",
        file_sha256="0" * 64,
        profile="generic",
        rules_version="floor",
        imported_at=utcnow(),
        imported_by_name="bench",
        reconciliation="no_balance",
    )
    session.add(row)
    session.flush()
    return row.id


def timed_write(
    url: str,
    rows: list[Rows],
    prepare: Callable[[Connection], None],
    *,
    raw_table: bool = False,
    foreign_keys: bool = True,
) -> float:
    """Seconds to write and commit ``rows`` into a fresh database at ``url``, after ``prepare(connection)``."""
    factory, account_id, _actor = bench_account(url)
    engine = factory.kw["bind"]
    with factory() as session:
        if _import_row(session, account_id) != rows[0].base[0][1]:
            raise SystemExit("the kept rows name an import this database does not have")
        session.commit()
    with engine.begin() as connection:
        prepare(connection)
    if not foreign_keys:  # SQLite: every new connection checks no foreign keys (after phb's own PRAGMAs)
        event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA foreign_keys = OFF"))
        engine.dispose()
    with engine.connect() as connection:
        start = time.perf_counter()
        with connection.begin():
            if raw_table:  # a table with no key at all: a plain INSERT per shape, nothing to conflict with
                sql = {shape: _plain_insert("floor_lines", columns) for shape, columns in SHAPES.items()}
                for batch in rows:
                    for shape, shaped in batch.shapes():
                        if shaped:
                            connection.exec_driver_sql(sql[shape], shaped)
            else:
                writer = writer_for(connection, account_id)
                for batch in rows:
                    writer.write(batch)
                writer.finish()
        seconds = time.perf_counter() - start
        stored = connection.exec_driver_sql(
            "SELECT count(*) FROM floor_lines" if raw_table else "SELECT count(*) FROM dp_transactions"
        )
        expected = sum(len(batch.base) for batch in rows)
        if stored.scalar_one() != expected:
            raise SystemExit(f"the write stored a different number of lines from the {expected:,} it was given")
    engine.dispose()
    return seconds


def _plain_insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608


def _sqlite_weaker(connection: Connection) -> None:
    """The unique key alone: no secondary index (and, see ``main``, no foreign-key check)."""
    connection.exec_driver_sql("DROP INDEX ix_dp_transactions_import_id")
    connection.exec_driver_sql("DROP INDEX ix_dp_transactions_flagged")


def _sqlite_bare(connection: Connection) -> None:
    """A copy of the table's columns with no key, index or constraint."""
    connection.exec_driver_sql("CREATE TABLE floor_lines AS SELECT * FROM dp_transactions WHERE 0")


def _pg_no_fk(connection: Connection) -> None:
    (name,) = connection.exec_driver_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = 'dp_transactions'::regclass AND contype = 'f'"
    ).one()
    connection.exec_driver_sql(f'ALTER TABLE dp_transactions DROP CONSTRAINT "{name}"')


def _pg_unique_only(connection: Connection) -> None:
    _pg_no_fk(connection)
    connection.exec_driver_sql("DROP INDEX ix_dp_transactions_import_id")
    connection.exec_driver_sql("DROP INDEX ix_dp_transactions_flagged")


def _nothing(_connection: Connection) -> None:
    """The table as migrated."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("PHB_BENCH_POSTGRES_URL"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="phb-floor-"))
    path = work / "statement.csv"
    generate(args.lines, path)
    r = read_time(path)
    print(f"{args.lines:,} lines; R (csv.reader read) = {r:.2f} s; load average {os.getloadavg()[0]:.1f}")
    python_s, rows = python_alone(f"sqlite:///{work / 'python.sqlite3'}", path)
    print(f"Python alone (line writes thrown away): {python_s:.2f} s = {python_s / r:.1f} R")
    variants: list[tuple[str, str, Callable[[Connection], None], bool]] = [
        ("sqlite", "as migrated (unique key, foreign key, 2 indexes)", _nothing, False),
        ("sqlite", "unique key only (no foreign-key check, no index)", _sqlite_weaker, False),
        ("sqlite", "no key, no index, no foreign-key check", _sqlite_bare, True),
    ]
    if args.postgres:
        variants += [
            ("postgresql", "as migrated (unique key, foreign key, 2 indexes)", _nothing, False),
            ("postgresql", "no foreign key (unique key, 2 indexes)", _pg_no_fk, False),
            ("postgresql", "unique key only", _pg_unique_only, False),
        ]
    for i, (backend, label, prepare, raw) in enumerate(variants):
        weaker_sqlite = backend == "sqlite" and prepare is not _nothing  # PostgreSQL's prepare drops its own key
        with fresh_database(backend, work / f"write-{i}.sqlite3", args.postgres) as url:
            seconds = timed_write(url, rows, prepare, raw_table=raw, foreign_keys=not weaker_sqlite)
        print(f"{backend:>10} writes alone, {label}: {seconds:.2f} s = {seconds / r:.1f} R")


if __name__ == "__main__":
    main()
