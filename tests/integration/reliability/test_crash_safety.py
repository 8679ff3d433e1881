"""Killing the process in the middle of a multi-step change leaves the data as before it, never half done.

A child process makes a real change against a real database file or server and is killed with SIGKILL at a
chosen point inside the transaction (after some rows are flushed, before commit). The parent then checks the
database: nothing of the step is there, the database is intact, and the audit chain verifies.
"""

from __future__ import annotations

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
from phb.audit.models import AuditEvent
from phb.audit.services import verify_chain
from phb.db import create_db_engine, make_session_factory
from phb.demo import load_demo
from phb.governance.models import DecisionOutcome, DecisionRequest
from tests.conftest import BACKENDS

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from phb.accounts.models import User
    from phb.accounts.services import actor_for
    from phb.access.services import begin
    from phb.db import create_db_engine, make_session_factory
    import phb.governance.services as governance
    from phb.governance.schemas import DecisionInput
    from sqlalchemy import select

    url, marker, request_id, username = sys.argv[1:5]
    original = governance.record_outcome

    def record_then_stall(session, *args, **kwargs):
        outcome = original(session, *args, **kwargs)
        session.flush()  # the outcome row and its audit events are written, not committed
        Path(marker).write_text("inside the transaction")
        time.sleep(120)  # the parent kills us here
        return outcome

    governance.record_outcome = record_then_stall
    with make_session_factory(create_db_engine(url))() as session:
        user = session.scalar(select(User).where(User.username == username))
        actor = actor_for(session, user)
        begin(session, actor)
        governance.decide(session, actor, int(request_id),
                          DecisionInput(action="approve", reasons="Meets the outcomes in the plan",
                                        considered="The plan and the budget sheet"))
        session.commit()
    """
)


def _decidable(session_factory) -> tuple[int, str]:
    from phb.accounts.models import User  # noqa: PLC0415
    from phb.accounts.services import actor_for  # noqa: PLC0415
    from phb.governance.services import decision_queue  # noqa: PLC0415

    with session_factory() as session:
        for username in ("sam", "priya", "drew", "dana", "cora", "casey", "nina"):
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                continue
            for summary in decision_queue(session, actor_for(session, user)).items:
                if getattr(summary, "may_decide", True):
                    return summary.id, username
    pytest.fail("the demo data has no open decision request anyone may decide")


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_mid_decision_leaves_no_half_decision(backend, fresh_database_url, tmp_path):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    load_demo(url)
    engine = create_db_engine(url)
    factory = make_session_factory(engine)
    request_id, username = _decidable(factory)
    with factory() as session:
        events_before = session.scalar(select(func.count()).select_from(AuditEvent))
        outcomes_before = session.scalar(select(func.count()).select_from(DecisionOutcome))

    marker = tmp_path / "marker"
    child = subprocess.Popen(  # noqa: S603 - our own code, fixed arguments
        [sys.executable, "-c", CHILD, url, str(marker), str(request_id), username],
        env={**os.environ, "PHB_LOG_LEVEL": "WARNING"},
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert child.poll() is None, f"the child ended early with {child.returncode}"
        assert time.monotonic() < deadline, "the child never reached the middle of the decision"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)

    with factory() as session:
        request = session.get(DecisionRequest, request_id)
        assert request is not None
        assert request.status == "open"  # as before the step
        assert session.scalar(select(func.count()).select_from(DecisionOutcome)) == outcomes_before
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events_before
        assert verify_chain(session).ok
        if backend == "sqlite":
            assert session.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    Path(marker).unlink()
