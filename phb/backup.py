"""Backup and restore for both databases.

SQLite: the online backup API copies a consistent snapshot while the app keeps running (WAL included).
PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore``, the tools that match the server, so the copy is
transactionally consistent and restores into an empty database with its triggers (the audit trail stays
append-only after a restore).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

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


def backup(database_url: str, destination: Path) -> Path:
    """Write a consistent copy of the database to ``destination``."""
    url = normalise_url(database_url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(str(url.database))
        target = sqlite3.connect(str(destination))
        with target:
            source.backup(target)
        source.close()
        target.close()
        return destination
    subprocess.run(  # noqa: S603 - fixed tool, arguments from configuration
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(destination), *_pg_args(database_url)],
        check=True,
        capture_output=True,
    )
    return destination


def restore(backup_file: Path, database_url: str) -> None:
    """Restore ``backup_file`` into an empty database at ``database_url`` (refuses to overwrite data)."""
    if not backup_file.exists():
        raise BackupError(f"{backup_file} does not exist")
    url = normalise_url(database_url)
    if url.get_backend_name() == "sqlite":
        target_path = Path(str(url.database))
        if target_path.exists() and target_path.stat().st_size > 0:
            raise BackupError(f"{target_path} already exists: restore into a new file, then move it into place")
        source = sqlite3.connect(str(backup_file))
        target = sqlite3.connect(str(target_path))
        with target:
            source.backup(target)
        source.close()
        target.close()
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
