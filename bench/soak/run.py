"""Soak test driver: PostgreSQL on loopback, demo data, one `phb serve`, locust for a fixed time.

    python bench/soak --minutes 10 --users 50 [--database-url postgresql://postgres@127.0.0.1:5432/postgres]

locust comes with the dev extras (``./scripts/install``); ``--locust /path/to/locust`` runs another one.

Creates a fresh database (dropped afterwards), loads the demo data, adds a person account for the demo person
Leon Baptiste, starts the server on 127.0.0.1 (cookies not Secure: locust speaks plain HTTP), runs locust
headless, samples the server's resident memory every 30 s after a one-minute warm-up, and prints the figures:
requests, failures, p50/p95/p99, and memory growth from the first sample to the last.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's phb, whichever directory the command is run from

from sqlalchemy import create_engine, select, text  # noqa: E402

from phb import migrate  # noqa: E402
from phb.accounts.models import User  # noqa: E402
from phb.accounts.rules import Role  # noqa: E402
from phb.accounts.services import create_user  # noqa: E402
from phb.audit.services import AuditActor, act_as  # noqa: E402
from phb.db import create_db_engine, make_session_factory, normalise_url  # noqa: E402
from phb.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from phb.people.models import CaseloadAssignment, Person  # noqa: E402

READY_TIMEOUT_S = 60


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def prepare(base_url: str) -> tuple[str, str, list[int], int]:
    name = f"phb_soak_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = normalise_url(base_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    load_demo(url)
    with make_session_factory(create_db_engine(url))() as session:
        act_as(session, AuditActor(user_id=None, label="bench:soak"))
        # Casey's caseload: the pages the case manager opens must be ones she may see (others answer 404).
        casey = session.scalar(select(User.id).where(User.username == "casey"))
        people = list(session.scalars(select(CaseloadAssignment.person_id).where(CaseloadAssignment.user_id == casey)))
        leon = session.scalar(select(Person.id).where(Person.nhs_number == "9990000069"))
        if leon is None:
            raise SystemExit("the demo data has no Leon Baptiste")
        create_user(
            session,
            username="leon",
            display_name="Leon Baptiste",
            password=DEMO_PASSWORD,
            roles=[Role.PERSON],
            person_id=leon,
        )
        session.commit()
    return name, url, people, leon


def locust_command(path: str | None) -> list[str]:
    """How to start locust: the one given, else this Python's (installed by the dev extras)."""
    if path:
        return [path]
    if importlib.util.find_spec("locust") is None:
        raise SystemExit("locust is not installed: run ./scripts/install (it comes with the dev extras)")
    return [sys.executable, "-m", "locust"]


def wait_until_ready(server: subprocess.Popen[bytes], port: int) -> None:
    """Poll /readyz until the server answers 200 (database reachable and migrated), or give up."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"phb serve exited with status {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(f"phb serve was not ready after {READY_TIMEOUT_S} s")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python bench/soak", description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--workers", type=int, default=1, help="phb serve --workers")
    parser.add_argument("--locust", default=None, help="a locust executable (default: this Python's)")
    args = parser.parse_args()
    locust = locust_command(args.locust)

    name, url, people, leon = prepare(args.database_url)
    env = {
        **os.environ,
        "PHB_DATABASE_URL": url,
        "PHB_COOKIE_SECURE": "false",
        "PHB_LOG_LEVEL": "WARNING",
        "PHB_SECRET_KEY": "soak",
        "PHB_LOGIN_IP_MAX_FAILURES": "100000",
    }
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable, "-m", "phb.cli", "serve", "--host", "127.0.0.1", "--port", str(args.port),
            "--workers", str(args.workers),
        ],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    wait_until_ready(server, args.port)
    out = Path(tempfile.mkdtemp(prefix="phb-soak-"))
    locust_env = {**env, "PHB_SOAK_PEOPLE": ",".join(map(str, people)), "PHB_SOAK_PERSON_ID": str(leon)}
    seconds = int(args.minutes * 60)
    load = subprocess.Popen(  # noqa: S603
        [
            *locust,
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "-u",
            str(args.users),
            "-r",
            "5",
            "-t",
            f"{seconds}s",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(out / "soak"),
            "--only-summary",
        ],
        env=locust_env,
    )
    samples: list[int] = []
    start = time.monotonic()
    while load.poll() is None:
        time.sleep(30)
        if time.monotonic() - start > 60:
            samples.append(rss_kib(server.pid))
    server.terminate()
    server.wait(timeout=15)
    admin = create_engine(normalise_url(args.database_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

    with (out / "soak_stats.csv").open() as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    growth = (samples[-1] - samples[0]) / samples[0] * 100 if len(samples) > 1 else 0.0
    print(
        f"users={args.users} minutes={args.minutes} requests={total['Request Count']} "
        f"failures={total['Failure Count']} rps={float(total['Requests/s']):.1f} "
        f"p50={total['50%']}ms p95={total['95%']}ms p99={total['99%']}ms"
    )
    print(
        f"server RSS after warm-up {samples[0] // 1024 if samples else 0} MiB, at end "
        f"{samples[-1] // 1024 if samples else 0} MiB, growth {growth:.1f}% ({len(samples)} samples)"
    )
    print(f"locust CSVs in {out}")
    sys.exit(0 if total["Failure Count"] == "0" and growth <= 10 else 1)


if __name__ == "__main__":
    main()
