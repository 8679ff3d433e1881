"""Web throughput, side by side in one run: hello world, static renders, and the real signed-in pages.

    python bench/web_bench.py --database-url sqlite:///bench/data/phb-10000.sqlite3 --label sqlite-10k

Three uvicorn servers with the ``phb serve`` settings (one worker each, ``bench/serve.py``) are pinned to CPU 0
with ``taskset``; ``wrk`` (one thread) is pinned to CPU 1. For each target and connection count there is a short
warm-up, then a timed run whose ``bench/report.lua`` prints requests per second and latency percentiles. The
session cookie comes from one real sign-in (httpx) per user. Every target is checked to answer 200 first, and a
run with any non-2xx answer is reported as failed. Results are printed as a table and written as JSON.

Comparing two versions of the code: ``--before <checkout>`` starts a fourth server from another checkout (a git
worktree of the earlier commit, put first on ``PYTHONPATH``) on the same database, and every real page is also
measured there as "<page> (before)". ``--rounds N`` repeats the whole list N times and reports each figure's median,
so that a change in the machine's load during the run falls on both versions alike.

Install wrk with ``apt-get install -y wrk``. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

from phb.accounts.models import User
from phb.budgets.models import BudgetSheetLine
from phb.db import normalise_url
from phb.people.models import CaseloadAssignment

HERE = Path(__file__).parent
PASSWORD = "bench-password-2026"  # noqa: S105 - benchmark data (bench/generate.py)
PORTS = {"hello": 8101, "static": 8102, "phb": 8103, "before": 8104}
BEFORE = " (before)"
SERVER_CPU, LOAD_CPU = "0", "1"
SERVER_PIDS: list[int] = []  # of the running servers, for settle()


@dataclass(frozen=True)
class Target:
    """One URL to load: which server, as whom, and which static render it is compared with."""

    name: str
    server: str
    path: str
    user: str | None = None
    baseline: str | None = None  # name of the static target of the same template


def bench_person(database_url: str) -> int:
    """The person on ``bench-cm-1``'s caseload with the longest budget sheet (the same person at every scale)."""
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        manager = connection.scalar(select(User.id).where(User.username == "bench-cm-1"))
        caseload = select(CaseloadAssignment.person_id).where(CaseloadAssignment.user_id == manager)
        person = connection.scalar(
            select(BudgetSheetLine.person_id)
            .where(BudgetSheetLine.person_id.in_(caseload), BudgetSheetLine.removed_in.is_(None))
            .group_by(BudgetSheetLine.person_id)
            .order_by(func.count().desc(), BudgetSheetLine.person_id)
            .limit(1)
        )
        lines = connection.scalar(
            select(func.count()).where(BudgetSheetLine.person_id == person, BudgetSheetLine.removed_in.is_(None))
        )
    engine.dispose()
    print(f"bench person: {person} ({lines} budget sheet lines)")
    return int(person)


def targets(person: int, *, findings: bool) -> list[Target]:
    sheet_json = f"/api/v1/people/{person}/budget/sheet"
    found = [
        Target("hello world", "hello", "/"),
        Target("static: budget sheet page", "static", "/page/budget"),
        Target("static: caseload (case manager)", "static", "/page/caseload"),
        Target("static: people (service manager)", "static", "/page/people"),
        Target("static: budget sheet JSON", "static", "/json/sheet"),
        Target("budget sheet page", "phb", f"/people/{person}/budget", "bench-cm-1", "static: budget sheet page"),
        Target("caseload (case manager)", "phb", "/", "bench-cm-1", "static: caseload (case manager)"),
        Target("people (service manager)", "phb", "/", "bench-sam", "static: people (service manager)"),
        Target("budget sheet JSON", "phb", sheet_json, "bench-cm-1", "static: budget sheet JSON"),
    ]
    if findings:
        found.insert(5, Target("static: findings queue", "static", "/page/findings"))
        found.append(Target("findings queue", "phb", "/findings", "bench-dana", "static: findings queue"))
    return found


def static_spec(database_url: str, person: int, *, findings: bool) -> dict[str, object]:
    pages = {
        "budget": ["bench-cm-1", f"/people/{person}/budget"],
        "caseload": ["bench-cm-1", "/"],
        "people": ["bench-sam", "/"],
    }
    if findings:
        pages["findings"] = ["bench-dana", "/findings"]
    return {
        "database_url": database_url,
        "password": PASSWORD,
        "pages": pages,
        "json": {
            "sheet": ["bench-cm-1", f"/api/v1/people/{person}/budget/sheet", "phb.budgets.schemas:SheetRead"],
        },
    }


@contextmanager
def servers(database_url: str, spec: dict[str, object], names: list[str], before: str | None = None) -> Iterator[None]:
    """Start the servers pinned to the server CPU; stop them (by process id) at the end.

    ``before`` is the server of the earlier checkout: the real app with that checkout first on ``PYTHONPATH``.
    """
    env = {**os.environ, "PHB_DATABASE_URL": database_url, "BENCH_STATIC_SPEC": json.dumps(spec)}
    processes = []
    try:
        for name in names:
            log = (HERE / "data" / f"server-{name}.log").open("w")
            app, server_env = name, env
            if name == "before":
                app, server_env = "phb", {**env, "PYTHONPATH": str(before)}
            command = ["taskset", "-c", SERVER_CPU, sys.executable, str(HERE / "serve.py"), app, str(PORTS[name])]
            processes.append(subprocess.Popen(command, env=server_env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
        for name in names:
            _wait_ready(PORTS[name])
        SERVER_PIDS[:] = [p.pid for p in processes]
        yield
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)


def _wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
        else:
            return
    raise RuntimeError(f"server on port {port} did not start: see bench/data/server-*.log")


def sign_in(username: str) -> str:
    """One real sign-in; the Cookie header a browser would send afterwards."""
    base = f"http://127.0.0.1:{PORTS['phb']}"
    with httpx.Client(base_url=base) as client:
        page = client.get("/login")
        csrf = page.cookies["__Host-phb_csrf"]
        response = client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "_csrf_token": csrf, "next": "/"},
            headers={"Cookie": f"__Host-phb_csrf={csrf}"},
        )
        if response.status_code != 303:
            raise RuntimeError(f"sign-in as {username} answered {response.status_code}")
        session = response.cookies["__Host-phb_session"]
        csrf = response.cookies.get("__Host-phb_csrf", csrf)
    return f"__Host-phb_session={session}; __Host-phb_csrf={csrf}"


def check(url: str, cookie: str) -> int:
    response = httpx.get(url, headers={"Cookie": cookie} if cookie else {}, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return len(response.content)


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def settle(timeout: float = 60) -> None:
    """Wait until every server is idle: wrk stops the clock with up to 32 requests still queued in a server,
    and that backlog must not be charged to the next target's run (all servers share one CPU)."""
    deadline = time.monotonic() + timeout
    before = _cpu_ticks(SERVER_PIDS)
    while time.monotonic() < deadline:
        time.sleep(0.3)
        now = _cpu_ticks(SERVER_PIDS)
        if now - before <= 2:  # at most 20 ms of CPU in 300 ms: idle
            return
        before = now


def wrk(url: str, cookie: str, connections: int, seconds: int) -> dict[str, float]:
    command = [
        "taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(HERE / "report.lua"), url,
    ]  # fmt: skip
    env = {**os.environ, "BENCH_COOKIE": cookie}
    settle()
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60)  # noqa: S603
    line = next(line for line in output.stdout.splitlines() if line.startswith("{"))
    return json.loads(line)


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": subprocess.run(["free", "-h"], capture_output=True, text=True, check=False).stdout.split("\n")[1],  # noqa: S607
        "load_before": Path("/proc/loadavg").read_text().strip(),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _one_round(
    chosen: list[Target], cookies: dict[str, str], sizes: dict[str, int], args: argparse.Namespace
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for target in chosen:
        cookie = cookies.get(target.user or "", "")
        url = f"http://127.0.0.1:{PORTS[target.server]}{target.path}"
        for connections in args.connections:
            wrk(url, cookie, connections, args.warmup)
            result = wrk(url, cookie, connections, args.seconds)
            row = {"target": target.name, "baseline": target.baseline, "connections": connections}
            rows.append(row | {"bytes": sizes[target.name]} | result)
            print(
                f"{target.name:<45} c={connections:<3} {result['rps']:>8.1f} req/s  p50 {result['p50_ms']:>7.2f} ms"
                f"  p99 {result['p99_ms']:>7.2f} ms  errors {result['non_2xx_3xx'] + result['socket_errors']:.0f}",
                flush=True,
            )
    return rows


def _medians(rounds: list[list[dict[str, object]]]) -> list[dict[str, object]]:
    """Each target's figures as the median over the rounds (the rounds list targets in the same order)."""
    if len(rounds) == 1:
        return rounds[0]
    merged = []
    for runs in zip(*rounds, strict=True):
        row = dict(runs[0])
        for key, value in row.items():
            if isinstance(value, float | int) and key not in {"connections", "bytes"}:
                row[key] = statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]
        merged.append(row)
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--label", required=True, help="names the results file, e.g. sqlite-10k")
    parser.add_argument("--seconds", type=int, default=10, help="length of each timed run")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--only", nargs="*", help="target names to run (default: all)")
    parser.add_argument("--before", help="checkout of earlier code: its real pages are measured alongside")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the targets; report each figure's median")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: apt-get install -y wrk")
    person = bench_person(args.database_url)
    has_findings = False
    with servers(args.database_url, {}, ["phb"]):
        cookie = sign_in("bench-dana")
        has_findings = httpx.get(f"http://127.0.0.1:{PORTS['phb']}/findings", headers={"Cookie": cookie}).is_success
    chosen = [t for t in targets(person, findings=has_findings) if not args.only or t.name in args.only]
    if args.before:
        twins = [Target(t.name + BEFORE, "before", t.path, t.user, t.baseline) for t in chosen if t.server == "phb"]
        chosen += twins
    names = sorted({t.server for t in chosen})
    spec = static_spec(args.database_url, person, findings=has_findings)
    results = {"label": args.label, "database_url": args.database_url, "person": person, "machine": machine()}
    rounds: list[list[dict[str, object]]] = []
    with servers(args.database_url, spec, names, args.before):
        cookies = {user: sign_in(user) for user in {t.user for t in chosen if t.user}}
        sizes = {
            t.name: check(f"http://127.0.0.1:{PORTS[t.server]}{t.path}", cookies.get(t.user or "", "")) for t in chosen
        }
        for number in range(args.rounds):
            if args.rounds > 1:
                print(f"round {number + 1} of {args.rounds}", flush=True)
            rounds.append(_one_round(chosen, cookies, sizes, args))
    results["machine"]["load_after"] = Path("/proc/loadavg").read_text().strip()  # type: ignore[index]
    results["runs"] = _medians(rounds)
    if args.rounds > 1:
        results["rounds"] = rounds
    out = HERE / "data" / f"web-{args.label}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
