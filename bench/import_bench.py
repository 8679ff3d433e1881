"""Statement import benchmark: import and check N lines on SQLite and PostgreSQL, as a ratio to R.

R is the time Python's own ``csv.reader`` takes merely to read the same file, measured in the same run, so the
figures travel between machines. For each backend, in a fresh process (so peak memory is that backend's own):

* ``import``: a fresh migrated database, one account, ``import_statement`` of the whole file (parse, row hash,
  exclusion check, bulk write, matching, findings, reconciliation) and commit;
* ``re-import``: the same file again (adds nothing);
* ``overlap`` (with --overlap): the same lines in a file with different bytes, so nothing short-circuits: every
  line is parsed, hashed and offered to the database, which adds nothing.

    python bench/import_bench.py --lines 1000000 [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Targets (issue 4): import + check within 8 R on SQLite and 10 R on PostgreSQL, re-import within 2 R, peak
memory under 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def read_time(path: Path) -> float:
    """R: seconds for csv.reader to read every row of the file (best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        with path.open(newline="", encoding="utf-8") as handle:
            for _row in csv.reader(handle):
                pass
        best = min(best, time.perf_counter() - start)
    return best


def bench_account(url: str) -> tuple[Any, int, Any]:
    """A freshly migrated database at ``url`` with one officer and one account: (session factory, account id, actor)."""
    from phb import migrate  # noqa: PLC0415
    from phb.accounts.models import User, UserRole  # noqa: PLC0415
    from phb.accounts.services import actor_for  # noqa: PLC0415
    from phb.audit.services import AuditActor, act_as  # noqa: PLC0415
    from phb.db import create_db_engine, make_session_factory  # noqa: PLC0415
    from phb.money import gbp  # noqa: PLC0415
    from phb.people.models import Person  # noqa: PLC0415
    from phb.spending.models import DirectPaymentAccount  # noqa: PLC0415

    migrate.upgrade(url)
    factory = make_session_factory(create_db_engine(url))
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label="bench"))
        user = User(
            username="dana",
            display_name="Dana Reid",
            password_hash="not-a-real-hash",  # noqa: S106 - the benchmark never signs in
            roles=[UserRole(role="direct_payments_officer")],
        )
        person = Person(
            nhs_number="9990000026", given_name="James", family_name="Whitfield", date_of_birth=dt.date(1994, 7, 2)
        )
        session.add_all([user, person])
        session.flush()
        account = DirectPaymentAccount(
            person_id=person.id,
            kind="bank_account",
            name="Bench",
            provider="Bench",
            opened_on=dt.date(2000, 1, 1),
            opening_balance=gbp("3000.00"),
        )
        session.add(account)
        session.commit()
        return factory, account.id, actor_for(session, user)


def run_backend(backend: str, url: str, path: Path, overlap: Path | None) -> dict[str, object]:
    """One backend, in this process: returns seconds for each phase and the peak RSS in MB."""
    from phb.access.services import begin  # noqa: PLC0415
    from phb.spending.check import load_default_rules  # noqa: PLC0415
    from phb.spending.importer import import_statement  # noqa: PLC0415

    factory, account_id, actor = bench_account(url)
    load_default_rules()
    results: dict[str, object] = {"backend": backend}
    phases = [("import", path), ("re-import", path)] + ([("overlap", overlap)] if overlap else [])
    for phase, source_path in phases:
        with factory() as session, source_path.open("rb") as source:
            begin(session, actor)
            start = time.perf_counter()
            result = import_statement(session, actor, account_id, source, filename=source_path.name, profile="generic")
            session.commit()
            results[phase] = time.perf_counter() - start
            results[f"{phase}_added"] = result.lines_added
            results[f"{phase}_read"] = result.lines_read
            results[f"{phase}_flagged"] = result.lines_flagged
            results[f"{phase}_reconciliation"] = result.reconciliation
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def _pg_database(base: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    from phb.db import normalise_url  # noqa: PLC0415

    name = f"phb_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, normalise_url(base).set(database=name).render_as_string(hide_password=False)


def _drop_pg(base: str, name: str) -> None:
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    from phb.db import normalise_url  # noqa: PLC0415

    admin = create_engine(normalise_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database(backend: str, sqlite_path: Path, postgres: str | None) -> Iterator[str]:
    """The URL of an empty database: a SQLite file at ``sqlite_path``, or a new PostgreSQL database dropped after."""
    if backend != "postgresql" or postgres is None:
        yield f"sqlite:///{sqlite_path}"
        return
    name, url = _pg_database(postgres)
    try:
        yield url
    finally:
        _drop_pg(postgres, name)


def main() -> None:
    parser = argparse.ArgumentParser(description="statement import benchmark")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=os.environ.get("PHB_BENCH_POSTGRES_URL"))
    parser.add_argument("--overlap", action="store_true", help="also re-import the lines from a different file")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "URL", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--child-overlap", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        backend, url, path = args.child
        overlap = Path(args.child_overlap) if args.child_overlap else None
        print(json.dumps(run_backend(backend, url, Path(path), overlap)))
        return

    from bench.generate_statements import generate  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="phb-bench-"))
    path = work / f"statement-{args.lines}.csv"
    generate(args.lines, path)
    overlap = None
    if args.overlap:
        overlap = work / "overlap.csv"
        overlap.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # same lines, different bytes
    r = read_time(path)
    size_mb = path.stat().st_size / 1e6
    print(f"{args.lines:,} lines ({size_mb:.0f} MB); R (csv.reader read) = {r:.2f} s")
    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {dt.datetime.now(dt.UTC).date().isoformat()}"
    )
    backends = [("sqlite", f"sqlite:///{work / 'bench.sqlite3'}")]
    pg_name = None
    if args.postgres:
        pg_name, pg_url = _pg_database(args.postgres)
        backends.append(("postgresql", pg_url))
    try:
        for backend, url in backends:
            command = [sys.executable, __file__, "--child", backend, url, str(path)]
            if overlap:
                command += ["--child-overlap", str(overlap)]
            out = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
            res = json.loads(out.strip().splitlines()[-1])
            line = (
                f"{backend:>10}: import+check {res['import']:.1f} s = {res['import'] / r:.1f} R "
                f"({res['import_added']:,} added, {res['import_flagged']:,} flagged, {res['import_reconciliation']}); "
                f"re-import {res['re-import']:.2f} s = {res['re-import'] / r:.2f} R ({res['re-import_added']} added)"
            )
            if overlap:
                line += f"; overlap {res['overlap']:.1f} s = {res['overlap'] / r:.1f} R ({res['overlap_added']} added)"
            print(line + f"; peak RSS {res['peak_rss_mb']:.0f} MB")
    finally:
        if pg_name and args.postgres:
            _drop_pg(args.postgres, pg_name)


if __name__ == "__main__":
    main()
