"""A backup restores to an identical, audit-verified database, on both backends."""

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from phb import migrate
from phb.audit.models import AuditEvent
from phb.audit.services import verify_chain
from phb.backup import BackupError, backup, restore
from phb.db import create_db_engine, make_session_factory
from phb.demo import load_demo
from tests.conftest import BACKENDS


def _snapshot(url: str) -> tuple[dict[str, int], list[str]]:
    engine = create_db_engine(url)
    with engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
        counts = {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one() for t in tables}  # noqa: S608
        hashes = list(conn.execute(select(AuditEvent.hash).order_by(AuditEvent.id)).scalars())
    engine.dispose()
    return counts, hashes


@pytest.mark.parametrize("backend", BACKENDS)
def test_backup_restores_identically_and_the_audit_chain_still_verifies(backend, fresh_database_url, tmp_path):
    source = fresh_database_url(backend)
    migrate.upgrade(source)
    load_demo(source)
    before = _snapshot(source)
    assert before[0]["people"] >= 6
    assert before[1]

    archive = backup(source, tmp_path / "phb.backup")
    target = fresh_database_url(backend)
    restore(archive, target)

    assert _snapshot(target) == before
    engine = create_db_engine(target)
    with make_session_factory(engine)() as session:
        assert verify_chain(session).ok
        with pytest.raises(DBAPIError, match="append-only"):  # the triggers came back too
            session.execute(text("DELETE FROM audit_events"))
    engine.dispose()


def test_restore_refuses_to_overwrite_an_existing_sqlite_database(fresh_database_url, tmp_path):
    url = fresh_database_url("sqlite")
    migrate.upgrade(url)
    archive = backup(url, tmp_path / "copy.sqlite3")
    with pytest.raises(BackupError, match="already exists"):
        restore(archive, url)
