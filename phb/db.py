"""Database foundations: declarative base, shared column types, engine and session factory.

One database URL chooses the backend. ``sqlite:///path`` gives the embedded default (WAL, foreign keys on,
``BEGIN IMMEDIATE`` so writers queue instead of failing half way); ``postgresql://...`` gives production,
through psycopg 3. The app picks the drivers, so operators write plain URLs.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from moneyed import Money
from sqlalchemy import BigInteger, Boolean, DateTime, Engine, MetaData, Select, String, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import coercions, roles
from sqlalchemy.sql._typing import _ColumnExpressionArgument
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FromClause
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from phb.errors import ValidationFailedError
from phb.money import from_pence, to_pence

# Deterministic constraint names make migrations reviewable and downgrades possible on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every phb model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class MoneyType(TypeDecorator[Money]):
    """GBP money stored as integer pence in a BIGINT.

    Binding rejects other currencies and fractions of a penny instead of rounding them (see
    :func:`phb.money.to_pence`); reading returns ``Money`` in GBP with exactly two decimal places.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Money | None, dialect: Any) -> int | None:  # noqa: ANN401, ARG002
        """Money to whole pence."""
        return None if value is None else to_pence(value)

    def process_result_value(self, value: int | None, dialect: Any) -> Money | None:  # noqa: ANN401, ARG002
        """Whole pence to Money."""
        return None if value is None else from_pence(int(value))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite has no time zones)."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:  # noqa: ANN401, ARG002
        """Aware datetime to naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware datetime")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:  # noqa: ANN401, ARG002
        """Naive UTC back to an aware datetime."""
        return None if value is None else value.replace(tzinfo=dt.UTC)


def utcnow() -> dt.datetime:
    """The current time in UTC. Business dates come from Python (so freezegun controls them), not the database."""
    return dt.datetime.now(dt.UTC)


class VersionedMixin:
    """Optimistic concurrency: an UPDATE that finds another writer got there first raises StaleDataError."""

    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


@cache
def _text_columns(model: Any) -> tuple[tuple[str, int | None], ...]:  # noqa: ANN401 - any mapped class
    """(attribute, maximum length or None) of each text column of a mapped class."""
    return tuple(
        (attribute.key, column.type.length)
        for attribute in inspect(model).column_attrs
        for column in attribute.columns
        if isinstance(column.type, String)  # Text and Unicode are Strings too
    )


@event.listens_for(OrmSession, "before_flush")
def _refuse_text_the_schema_does_not_allow(session: OrmSession, _context: Any, _instances: Any) -> None:  # noqa: ANN401
    """The same answer on both databases for text a column cannot hold, before anything is written.

    PostgreSQL refuses a NUL character and a value longer than ``VARCHAR(n)`` with a driver error (a 500);
    SQLite stores both. Checking the declared schema here makes both a :class:`ValidationFailedError` naming
    the field, which forms and the API already answer with 422 and the CLI with one line.
    """
    errors: dict[str, str] = {}
    for record in (*session.new, *session.dirty):
        values = vars(record)
        for key, length in _text_columns(record.__class__):
            value = values.get(key)
            if not isinstance(value, str):
                continue
            if "\x00" in value:
                errors[key] = "must not contain a NUL character (\\0)"
            elif length is not None and len(value) > length:
                errors[key] = f"must be {length} characters or fewer (it has {len(value)})"
    if errors:
        raise ValidationFailedError(errors)


def normalise_url(url: str) -> URL:
    """Turn the plain URL an operator writes into one with the driver phb uses."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite")
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(f"unsupported database '{backend}': use sqlite:///path or postgresql://user@host/db")


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys and immediate write transactions for SQLite.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs, so we take over (the recipe in
    SQLAlchemy's SQLite dialect docs) and start every transaction with BEGIN IMMEDIATE: writers then wait for
    each other (busy_timeout) instead of failing at commit with SQLITE_BUSY.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:  # noqa: ANN401
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_db_engine(url: str, **kwargs: Any) -> Engine:  # noqa: ANN401
    """An engine for ``url`` with the backend-specific settings phb relies on."""
    normalised = normalise_url(url)
    if normalised.get_backend_name() == "sqlite":
        if normalised.database and normalised.database != ":memory:":
            from pathlib import Path  # noqa: PLC0415

            Path(normalised.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(normalised, connect_args={"check_same_thread": False}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(normalised, pool_pre_ping=True, **kwargs)


def is_postgresql(session_or_engine: OrmSession | Engine) -> bool:
    """True when talking to PostgreSQL (row locks and advisory locks exist there)."""
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, OrmSession) else session_or_engine
    return bind.dialect.name == "postgresql"


def make_session_factory(engine: Engine) -> sessionmaker[OrmSession]:
    """Sessions that keep loaded objects usable after commit (pages render after the transaction ends)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


class MemberOf(ColumnElement[bool]):
    """``column IN (select)``, which PostgreSQL is given as ``column = ANY(ARRAY(select))``.

    For a short list of ids from a subquery (a caseload: 50 people), PostgreSQL's planner expects ``IN`` to match
    many rows and hashes the whole outer table (a sequential scan of 10,000 people, 1.2 ms, and growing with the
    table); ``= ANY(ARRAY(...))`` runs the subquery once and probes the primary key for each id. SQLite plans
    ``IN`` well and gets it unchanged. Use :func:`member_of`.
    """

    inherit_cache = True
    _is_implicitly_boolean = True  # a condition in its own right: no "= 1" where booleans are integers
    type = Boolean()
    _traverse_internals = [  # noqa: RUF012 - SQLAlchemy's declaration of what the cache key covers
        ("column", InternalTraversal.dp_clauseelement),
        ("members", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], members: Select[Any]) -> None:
        self.column = column
        self.members = members

    @property
    def _from_objects(self) -> list[FromClause]:
        """The tables this condition needs in FROM: the column's (the subquery brings its own)."""
        return self.column._from_objects  # noqa: SLF001 - SQLAlchemy's protocol for a custom element


def member_of(column: _ColumnExpressionArgument[Any], members: Select[Any]) -> ColumnElement[bool]:
    """``column`` is one of the values ``members`` selects (see :class:`MemberOf`)."""
    return MemberOf(coercions.expect(roles.ExpressionElementRole, column), members)


@compiles(MemberOf)
def _member_of_default(element: MemberOf, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ANN401
    return str(compiler.process(element.column.in_(element.members), **kw))


@compiles(MemberOf, "postgresql")
def _member_of_postgresql(element: MemberOf, compiler: SQLCompiler, **kw: Any) -> str:  # noqa: ANN401
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY({compiler.process(element.members, **kw)}))"
