"""Killing the process in the middle of a statement import leaves nothing of it, and the import can be rerun.

The child imports a 20,000-line statement in batches of 1,000 and is killed with SIGKILL after several batches
are written but before the import commits. Afterwards the account has exactly the transactions it had before,
no import is recorded, the audit chain verifies, and importing the same file again works completely.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from phb import migrate
from phb.accounts.models import User
from phb.accounts.services import actor_for
from phb.audit.services import AuditActor, act_as, verify_chain
from phb.db import create_db_engine, make_session_factory
from phb.demo import load_demo
from phb.spending.importer import import_statement
from phb.spending.models import DirectPaymentAccount, StatementImport, StatementTransaction
from tests.conftest import BACKENDS

LINES = 20_000
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from sqlalchemy import select
    from phb.accounts.models import User
    from phb.accounts.services import actor_for
    from phb.access.services import begin
    from phb.db import create_db_engine, make_session_factory
    from phb.spending.importer import import_statement

    url, marker, account_id, statement = sys.argv[1:5]

    def progress(done, total):
        if done >= 5000:  # several batches written inside the transaction
            Path(marker).write_text(str(done))
            time.sleep(120)  # the parent kills us here

    with make_session_factory(create_db_engine(url))() as session:
        actor = actor_for(session, session.scalar(select(User).where(User.username == "dana")))
        begin(session, actor)
        with open(statement, "rb") as source:
            import_statement(session, actor, int(account_id), source, filename="big.csv", profile="generic",
                             on_progress=progress, batch_size=1000)
        session.commit()
    """
)


def _statement(path: Path) -> Path:
    day = dt.date(2026, 1, 1)
    with path.open("w") as out:
        out.write("date,description,amount,mcc\n")
        for i in range(LINES):
            when = day + dt.timedelta(days=i * 300 // LINES)  # statements run in date order
            out.write(f"{when},CARD PAYMENT TO SHOP {i % 97} REF {i},-{1 + i % 50}.25,5411\n")
    return path


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_mid_import_leaves_nothing_and_can_be_rerun(backend, fresh_database_url, tmp_path):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    load_demo(url)
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        account_id = session.scalars(select(DirectPaymentAccount.id).order_by(DirectPaymentAccount.id)).first()
        assert account_id is not None
        before = session.scalar(select(func.count()).select_from(StatementTransaction))
        imports_before = session.scalar(select(func.count()).select_from(StatementImport))
    statement = _statement(tmp_path / "big.csv")
    marker = tmp_path / "marker"
    child = subprocess.Popen(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, "-c", CHILD, url, str(marker), str(account_id), str(statement)],
        env={**os.environ, "PHB_LOG_LEVEL": "WARNING"},
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert child.poll() is None, f"the child ended early: {child.stderr.read()[-600:] if child.stderr else ''}"
        assert time.monotonic() < deadline, "the child never reached the middle of the import"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)

    with factory() as session:
        assert session.scalar(select(func.count()).select_from(StatementTransaction)) == before
        assert session.scalar(select(func.count()).select_from(StatementImport)) == imports_before
        assert verify_chain(session).ok
        # After the crash the same file imports completely.
        dana = session.scalar(select(User).where(User.username == "dana"))
        assert dana is not None
        actor = actor_for(session, dana)
        act_as(session, AuditActor(user_id=actor.user_id, label="dana"))
        with statement.open("rb") as source:
            import_statement(session, actor, account_id, source, filename="big.csv", profile="generic")
        session.commit()
        assert session.scalar(select(func.count()).select_from(StatementTransaction)) == before + LINES
        assert verify_chain(session).ok
    engine.dispose()
