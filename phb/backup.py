"""Backup and restore for both databases.

SQLite: the online backup API copies a consistent snapshot while the app keeps running (WAL included).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, the tools that match the server, so the copy is
transactionally consistent and restores into an empty database with its triggers (the audit trail stays
append-only after a restore).

Neither ever creates a database by mistake: a backup of a SQLite path that does not exist, a backup file that is
not a phb database, or a destination that cannot be written is a :class:`BackupError` naming it, and any partial
file is removed.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from phb.db import normalise_url


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _pg_args(database_url: str) -> list[str]:
    url = make_url(database_url)
    return ["--dbname", url.set(drivername="postgresql").render_as_string(hide_password=False)]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools that match the server")
    return path


def _url(database_url: str) -> URL:
    try:
        return normalise_url(database_url)
    except (ArgumentError, ValueError) as exc:
        raise BackupError(f"PHB_DATABASE_URL: {exc}") from exc


def _open_existing_sqlite(path: Path, what: str) -> sqlite3.Connection:
    """A read-only connection to an existing SQLite database (never creates one), checked to be phb's."""
    if not path.is_file():
        raise BackupError(f"{what} {path} does not exist")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        connection.close()
        raise BackupError(f"{what} {path} is not a SQLite database ({exc})") from exc
    if "alembic_version" not in tables:
        connection.close()
        raise BackupError(f"{what} {path} is not a phb database (it has no migration history)")
    return connection


def _prepare_destination(destination: Path) -> None:
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("ab"):
            pass
    except OSError as exc:
        raise BackupError(f"cannot write the backup to {destination}: {exc.strerror}") from exc


def backup(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database to ``destination``; on any failure no file is left there."""
    url = _url(database_url)
    existed = destination.exists()
    if url.get_backend_name() == "sqlite":
        source = _open_existing_sqlite(Path(str(url.database)), "the database")
        _prepare_destination(destination)
        try:
            target = sqlite3.connect(str(destination))
            with target:
                source.backup(target)
            target.close()
        except sqlite3.Error as exc:
            if not existed:
                destination.unlink(missing_ok=True)
            raise BackupError(f"cannot write the backup to {destination}: {exc}") from exc
        finally:
            source.close()
        return destination
    _prepare_destination(destination)
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from configuration
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(destination), *_pg_args(database_url)],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        if not existed:
            destination.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")
    return destination


def restore(backup_file: Path, database_url: str) -> None:
    """Restore ``backup_file`` into an empty database at ``database_url`` (refuses to overwrite data)."""
    if not backup_file.exists():
        raise BackupError(f"{backup_file} does not exist")
    url = _url(database_url)
    if url.get_backend_name() == "sqlite":
        target_path = Path(str(url.database))
        if target_path.exists() and target_path.stat().st_size > 0:
            raise BackupError(f"{target_path} already exists: restore into a new file, then move it into place")
        source = _open_existing_sqlite(backup_file, "the backup")
        existed = target_path.exists()
        try:
            target_path.parent.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(str(target_path))
            with target:
                source.backup(target)
            target.close()
        except (OSError, sqlite3.Error) as exc:
            if not existed:
                target_path.unlink(missing_ok=True)
            raise BackupError(f"cannot restore into {target_path}: {exc}") from exc
        finally:
            source.close()
        return
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments from configuration
        [
            _tool("pg_restore"),
            "--no-owner",
            "--exit-on-error",
            "--single-transaction",
            *_pg_args(database_url),
            str(backup_file),
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
