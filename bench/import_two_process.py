"""Probe: would a second process make the statement import faster? (The measured answer is in docs/performance.md.)

The importer's per-batch work (read through the profile, row keys, exclusion check, reconciliation) runs in a
forked child that sends each batch's columns down a pipe; the parent builds the rows and writes them through
the importer's own writer, in one transaction, as ``import_statement`` does. ``inline`` runs the same loop in one
process. Findings, reconciliation notes and the audit event are left out of both (they are the same work either
way), so the two figures compare only what a second process could overlap.

    python bench/import_two_process.py --lines 1000000 [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import multiprocessing as mp
import sys
import tempfile
import time
from collections.abc import Iterator
from itertools import repeat
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import bench_account, fresh_database, read_time
from phb.access.services import begin
from phb.spending import importer
from phb.spending.batches import read_batches
from phb.spending.check import load_default_rules
from phb.spending.linechecks import Checker, Reconciler
from phb.spending.models import DirectPaymentAccount
from phb.spending.rules import RuleSet
from phb.spending.statements import StatementSummary, normalised_descriptions, row_keys
from phb.spending.writers import Rows, writer_for

Columns = tuple[list[Any], ...]


def produce(path: Path, account_id: int, rules: RuleSet) -> Iterator[Columns]:
    """Each batch's columns, computed as the importer computes them."""
    check, reconciler, summary = Checker(rules, []), Reconciler(), StatementSummary()
    occurrences = importer._Occurrences()  # noqa: SLF001 - the importer's own counter
    with path.open("rb") as source:
        for batch in read_batches(source, "generic", summary, importer.BATCH_SIZE):
            reconciler.batch(batch)
            dates, amounts, descriptions = batch.dates, batch.amounts, batch.descriptions
            normalised = normalised_descriptions(descriptions)
            isos = list(map({day: day.isoformat() for day in set(dates)}.__getitem__, dates))
            keys = row_keys(account_id, isos, amounts, normalised, occurrences.of(dates, amounts, normalised))
            payees, flags, flagged_at = check.batch(batch)
            yield (
                list(batch.line_numbers), isos, list(descriptions), payees, list(amounts), list(batch.balances),
                list(batch.mccs), keys, [flags[i] for i in flagged_at], flagged_at,
            )  # fmt: skip


def _child(pipe: Connection, path: Path, account_id: int, rules: RuleSet) -> None:
    gc.disable()
    for columns in produce(path, account_id, rules):
        pipe.send(columns)
    pipe.send(None)
    pipe.close()


def _received(pipe: Connection, waited: list[float]) -> Iterator[Columns]:
    while True:
        start = time.perf_counter()
        columns = pipe.recv()
        waited[0] += time.perf_counter() - start
        if columns is None:
            return
        yield columns


def consume(batches: Iterator[Columns], writer: Any, account_id: int, import_id: int) -> int:  # noqa: ANN401
    """Write every batch; the number of lines."""
    lines = 0
    for numbers, isos, descriptions, payees, amounts, balances, mccs, keys, flagged, flagged_at in batches:
        base = list(
            zip(
                repeat(account_id), repeat(import_id), numbers, isos, descriptions, payees, amounts, balances, mccs,
                keys,
            )
        )  # fmt: skip
        days = {iso: dt.date.fromisoformat(iso) for iso in set(isos)}
        flags: list[Any] = [None] * len(base)
        for i, flag in zip(flagged_at, flagged, strict=True):
            flags[i] = flag
        writer.write(Rows(base, list(map(days.__getitem__, isos)), amounts, flags, flagged_at, None))
        lines += len(base)
    return lines


def run(url: str, path: Path, mode: str) -> tuple[float, float]:
    """Seconds for the loop and its commit, and seconds the parent waited for the child."""
    factory, account_id, actor = bench_account(url)
    rules = load_default_rules()
    waited = [0.0]
    with factory() as session:
        begin(session, actor)
        account = session.get(DirectPaymentAccount, account_id)
        if account is None:
            raise RuntimeError("the probe's account is missing")
        start = time.perf_counter()
        result = importer.ImportResult(None, account_id, path.name, "probe", "generic")
        import_id = importer._start(session, actor, account, result, rules).id  # noqa: SLF001
        writer = writer_for(session.connection(), account_id)
        gc.disable()
        if mode == "inline":
            consume(produce(path, account_id, rules), writer, account_id, import_id)
        else:
            context = mp.get_context("fork")  # this probe is single-threaded: forking it is safe
            receiving, sending = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(sending, path, account_id, rules))
            child.start()
            sending.close()
            consume(_received(receiving, waited), writer, account_id, import_id)
            child.join()
        writer.finish()
        session.commit()
        gc.enable()
        return time.perf_counter() - start, waited[0]


def main() -> None:
    parser = argparse.ArgumentParser(description="two-process statement import probe")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--postgres")
    parser.add_argument("--pairs", type=int, default=2)
    args = parser.parse_args()
    from bench.generate_statements import generate  # noqa: PLC0415

    work = Path(tempfile.mkdtemp(prefix="phb-probe-"))
    path = work / "statement.csv"
    generate(args.lines, path)
    r = read_time(path)
    print(f"{args.lines:,} lines; R = {r:.2f} s")
    for n in range(args.pairs):
        for mode in ("inline", "two processes"):
            backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
            for backend in backends:
                with fresh_database(backend, work / f"probe-{n}-{mode[0]}.sqlite3", args.postgres) as url:
                    seconds, waited = run(url, path, mode)
                print(f"{backend:>10} {mode:>13}: {seconds:.1f} s = {seconds / r:.1f} R (parent waited {waited:.1f} s)")


if __name__ == "__main__":
    main()
