"""Alembic environment: one transaction per migration, lock_timeout on PostgreSQL, types compared.

On SQLite, batch mode changes a table by copying it into a new one and dropping the old. With foreign keys
enforced, dropping a parent table runs its ON DELETE actions: CASCADE would delete every child row and SET NULL
cut every link. So migrations follow SQLite's own procedure for such changes: foreign keys off, change, check
that every key still holds (``PRAGMA foreign_key_check``), and fail loudly if one does not.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from phb.config import get_settings
from phb.db import create_db_engine
from phb.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations_online() -> None:
    """Run migrations against a live connection."""
    engine = create_db_engine(url)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Fail fast rather than queue behind a long transaction and block every request behind us.
            connection.execute(text("SET lock_timeout = '10s'"))
            connection.commit()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # outside any transaction: inside one, SQLite ignores this pragma
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            transaction_per_migration=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            _check_foreign_keys(connection)
    engine.dispose()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    connection.rollback()
    connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    if broken:
        raise RuntimeError(f"after migrating, {len(broken)} row(s) break a foreign key, e.g. {tuple(broken[0])}")


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
