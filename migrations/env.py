"""Alembic environment: one transaction per migration, lock_timeout on PostgreSQL, types compared."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

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
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            transaction_per_migration=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run them against a database")
run_migrations_online()
