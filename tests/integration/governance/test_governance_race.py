"""Two deciders approving the same request at the same moment: exactly one wins, the other is told who did.

On PostgreSQL ``SELECT ... FOR UPDATE`` holds the second decider until the first commits; SQLite has no row locks,
but its ``BEGIN IMMEDIATE`` transactions serialise writers, and the same outcome is checked on both.
"""

import threading

import pytest
from sqlalchemy import select

from phb import migrate
from phb.audit.services import AuditActor, act_as
from phb.db import create_db_engine, make_session_factory
from phb.errors import ConflictError
from phb.governance import services
from phb.governance.models import DecisionOutcome
from phb.governance.rules import Action, DecisionType
from phb.governance.schemas import DecisionInput
from phb.money import gbp
from tests.conftest import BACKENDS
from tests.factories_governance import make_team

ROUNDS = 60


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_deciders_racing_get_one_winner_and_a_clear_conflict(backend, fresh_database_url):
    url = fresh_database_url(backend)
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as setup:
        act_as(setup, AuditActor(user_id=None, label="test:setup"))
        team = make_team(setup)
        sam, sally = team["sam"], team["sally"]  # both CHC service managers: level 2
        casey = team["casey"]
        request_ids = [
            services.raise_request(
                setup,
                casey,
                person_id=team.person.id,
                decision_type=DecisionType.FLEXIBLE_BUDGET_SPEND,
                summary=f"Item {n}",
                item_amount=gbp("1500"),
            ).id
            for n in range(ROUNDS)
        ]
        setup.commit()

    def approve(who, request_id, barrier, results):
        with factory() as session:
            act_as(session, AuditActor(user_id=who.user_id, label=who.username))
            barrier.wait()
            try:
                services.decide(session, who, request_id, DecisionInput(action=Action.APPROVE))
                session.commit()
                results.append(("won", who.username))
            except ConflictError as exc:
                session.rollback()
                results.append(("conflict", str(exc)))
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below, not lost in the thread
                results.append(("error", repr(exc)))

    for request_id in request_ids:
        barrier = threading.Barrier(2)
        results: list[tuple[str, str]] = []
        threads = [threading.Thread(target=approve, args=(who, request_id, barrier, results)) for who in (sam, sally)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes = sorted(kind for kind, _ in results)
        assert outcomes == ["conflict", "won"], results
        winner = next(name for kind, name in results if kind == "won")
        conflict = next(message for kind, message in results if kind == "conflict")
        assert conflict.startswith(f"Someone else decided this request first: {winner.title()} (approved) on ")
        assert conflict.endswith("Nothing you entered was saved.")

    with factory() as check:
        decided = check.scalars(select(DecisionOutcome.request_id).where(DecisionOutcome.request_id.in_(request_ids)))
        assert sorted(decided) == sorted(request_ids)  # one outcome each, never two
    engine.dispose()
