"""Two people saving the same record at the same moment on PostgreSQL: exactly one wins, the other is told.

Real connections and real commits (not the rolled-back test transaction), two threads released together by a
barrier, hundreds of times. Locking is proven on PostgreSQL, never only on SQLite.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy.orm.exc import StaleDataError

from phb import migrate
from phb.accounts.rules import Role
from phb.accounts.services import actor_for
from phb.audit.services import AuditActor, act_as, verify_chain
from phb.db import create_db_engine, make_session_factory
from phb.errors import ConflictError
from phb.people.models import Person
from phb.people.schemas import PersonUpdate
from phb.people.services import update_person
from tests.conftest import POSTGRES_URL
from tests.factories import make_person, make_user

ROUNDS = 200

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL, reason="needs PHB_TEST_POSTGRES_URL: row locking is proven on PostgreSQL"
)


def test_simultaneous_edits_one_wins_the_other_gets_a_conflict(fresh_database_url):
    url = fresh_database_url("postgresql")
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=4)
    factory = make_session_factory(engine)
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label="test:setup"))
        manager = make_user(session, "sam", Role.CHC_SERVICE_MANAGER)
        person_id = make_person(session, "Margaret", "Okafor").id
        session.commit()
        actor = actor_for(session, manager)

    outcomes: list[str] = []
    for round_number in range(ROUNDS):
        with factory() as session:
            version = session.get(Person, person_id).version  # type: ignore[union-attr]
        barrier = threading.Barrier(2)
        results: list[str] = []

        def save(
            phone: str, version: int = version, barrier: threading.Barrier = barrier, results: list[str] = results
        ) -> None:
            with factory() as session:
                act_as(session, AuditActor(user_id=actor.user_id, label="sam"))
                data = PersonUpdate(
                    given_name="Margaret",
                    family_name="Okafor",
                    date_of_birth=dt.date(1950, 1, 1),
                    phone=phone,
                    version=version,
                )
                barrier.wait()
                try:
                    update_person(session, actor, person_id, data)
                    session.commit()
                    results.append("won")
                except (StaleDataError, ConflictError):
                    session.rollback()
                    results.append("conflict")

        threads = [threading.Thread(target=save, args=(f"0113 496 {round_number:04d}{i}",)) for i in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["conflict", "won"], f"round {round_number}: {results}"
        outcomes.extend(results)

    with factory() as session:
        person = session.get(Person, person_id)
        assert person is not None
        assert person.version == ROUNDS + 1  # every round changed it exactly once: no lost or double update
        assert verify_chain(session).ok
    engine.dispose()
    assert outcomes.count("won") == ROUNDS


def test_the_same_account_signing_in_from_several_places_at_once_always_succeeds(fresh_database_url):
    from phb.accounts.services import authenticate  # noqa: PLC0415
    from phb.config import Settings  # noqa: PLC0415
    from tests.factories import PASSWORD  # noqa: PLC0415

    url = fresh_database_url("postgresql")
    migrate.upgrade(url)
    engine = create_db_engine(url, pool_size=8)
    factory = make_session_factory(engine)
    with factory() as session:
        act_as(session, AuditActor(user_id=None, label="test:setup"))
        make_user(session, "casey", Role.CASE_MANAGER)
        session.commit()
    settings = Settings(database_url=url, freeze_heap=False)
    for _ in range(20):
        barrier = threading.Barrier(4)
        results: list[bool] = []

        def sign_in(barrier: threading.Barrier = barrier, results: list[bool] = results) -> None:
            with factory() as session:
                act_as(session, AuditActor(user_id=None, label="login:casey"))
                barrier.wait()
                result = authenticate(
                    session, username="casey", password=PASSWORD, ip_address="127.0.0.1", settings=settings
                )
                session.commit()
                results.append(result.user is not None)

        threads = [threading.Thread(target=sign_in) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [True, True, True, True]
    engine.dispose()
