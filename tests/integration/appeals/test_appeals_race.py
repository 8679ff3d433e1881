"""A reviewer's decision sent twice at once (two tabs, a double click): one is recorded, the other is told, and the
decision is reopened once. On PostgreSQL ``SELECT ... FOR UPDATE`` holds the second until the first commits;
SQLite's ``BEGIN IMMEDIATE`` transactions serialise writers; the outcome is checked on both."""

import threading

import pytest
from sqlalchemy import func, select

from phb import migrate
from phb.audit.services import AuditActor, act_as
from phb.db import create_db_engine, make_session_factory
from phb.errors import ConflictError
from phb.governance.appeals import services
from phb.governance.appeals.rules import AppealDecision
from phb.governance.appeals.schemas import AppealCreate, AppealDecisionInput, DatedStep, ReviewerAssign
from phb.governance.models import DecisionRequest
from tests.conftest import BACKENDS
from tests.factories_appeals import refused_outcome
from tests.factories_governance import make_team

ROUNDS = 10


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_decision_sent_twice_at_once_is_recorded_once(backend, fresh_database_url):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        casey, priya = team["casey"], team["priya"]
        appeal_ids = []
        for n in range(ROUNDS):
            outcome = refused_outcome(setup, team, summary=f"Item {n}")
            appeal = services.lodge_appeal(
                setup, casey, team.person.id, AppealCreate(outcome_id=outcome.id, grounds="I disagree")
            )
            services.acknowledge(setup, casey, appeal.id, DatedStep())
            services.assign_reviewer(setup, casey, appeal.id, ReviewerAssign(reviewer_id=priya.user_id))
            appeal_ids.append(appeal.id)
        setup.commit()

    def decide(appeal_id, barrier, results):
        with factory() as session:
            act_as(session, AuditActor(user_id=priya.user_id, label=priya.username))
            barrier.wait()
            try:
                services.decide_appeal(
                    session, priya, appeal_id, AppealDecisionInput(decision=AppealDecision.UPHELD, reasons="Yes")
                )
                session.commit()
                results.append("won")
            except ConflictError:
                session.rollback()
                results.append("conflict")
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results.append(repr(exc))

    for appeal_id in appeal_ids:
        barrier = threading.Barrier(2)
        results: list[str] = []
        threads = [threading.Thread(target=decide, args=(appeal_id, barrier, results)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["conflict", "won"], results

    with factory() as check:
        reopened = check.scalar(
            select(func.count()).select_from(DecisionRequest).where(DecisionRequest.summary.like("Looked at again%"))
        )
        assert reopened == ROUNDS  # one new request per appeal, never two
    engine.dispose()
