"""Test harness: every database test runs on SQLite and, when PHB_TEST_POSTGRES_URL is set, on PostgreSQL.

The schema is built once per backend with Alembic (the real migrations), and each test runs inside an outer
transaction that is rolled back afterwards; the code under test commits to SAVEPOINTs inside it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from phb import migrate
from phb.audit.services import AuditActor, act_as
from phb.config import Settings
from phb.db import create_db_engine, normalise_url

POSTGRES_URL = os.environ.get("PHB_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


def _create_pg_database(base_url: str) -> tuple[str, str]:
    name = f"phb_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = normalise_url(base_url).set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_pg_database(base_url: str, name: str) -> None:
    admin = create_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A factory of empty databases per backend (for migration tests)."""
    created: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'phb.sqlite3'}"
        assert POSTGRES_URL
        name, url = _create_pg_database(POSTGRES_URL)
        created.append(name)
        return url

    yield make
    for name in created:
        assert POSTGRES_URL
        _drop_pg_database(POSTGRES_URL, name)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, fresh_database_url) -> str:
    """A migrated database for the backend under test."""
    url: str = fresh_database_url(request.param)
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session acting as the test itself (set-up data is audited like any other change)."""
    session = session_factory()
    act_as(session, AuditActor(user_id=None, label="test:setup"))
    yield session
    session.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, secret_key="test-secret", cookie_secure=True, log_level="WARNING", freeze_heap=False
    )


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:  # type: ignore[type-arg]
    from phb.web.app import create_app  # noqa: PLC0415 - only web tests pay for importing the app

    app = create_app(settings, session_factory)
    with TestClient(app, base_url="https://testserver.local") as test_client:
        yield test_client


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent
