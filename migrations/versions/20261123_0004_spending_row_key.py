"""spending: statement lines keyed by a 64-bit row key; the import index no longer includes the payee

The key of a statement line (account, date, amount, normalised description, occurrence) was stored as a
64-character hex SHA-256 digest; it is now the digest's first 8 bytes as a BIGINT, which makes the unique index
that every imported line is checked against a fraction of the size. Existing lines get their key computed here
(the function is frozen in this file, as migrations must not import application code that may change later).
The (import_id, payee) index is replaced by one on import_id alone (it grows at its end during an import) and a
partial one on the flagged lines of an import.

Revision ID: 0004_spending_row_key
Revises: 0003_spending_transaction_key
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_spending_row_key"
down_revision: str | None = "0003_spending_transaction_key"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 5000


def _normalised(description: str) -> str:
    return " ".join(description.upper().split())


def _new_key(account_id: int, posted_on: str, pence: int, description: str, occurrence: int) -> int:
    key = f"{account_id}|{posted_on}|{pence}|{_normalised(description)}|{occurrence}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _old_hash(account_id: int, posted_on: str, pence: int, description: str, occurrence: int) -> str:
    key = f"{account_id}|{posted_on}|{pence}|{_normalised(description)}|{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()


def _fill(column: str, key: Callable[[int, str, int, str, int], object]) -> None:
    """Compute every line's key, numbering identical lines of one account and day in import and file order."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT id, account_id, posted_on, amount, description FROM dp_transactions "
            "ORDER BY account_id, posted_on, import_id, line_number, id"
        )
    )
    day: tuple[int, str] | None = None
    occurrences: dict[tuple[int, str], int] = {}
    batch: list[dict[str, object]] = []
    update = sa.text(f"UPDATE dp_transactions SET {column} = :key WHERE id = :id")  # noqa: S608 - a fixed name
    for row_id, account_id, posted_on, pence, description in rows:
        iso = posted_on if isinstance(posted_on, str) else posted_on.isoformat()
        if (account_id, iso) != day:
            day, occurrences = (account_id, iso), {}
        same = (int(pence), _normalised(description))
        occurrence = occurrences.get(same, 0)
        occurrences[same] = occurrence + 1
        batch.append({"id": row_id, "key": key(account_id, iso, int(pence), description, occurrence)})
        if len(batch) >= _BATCH:
            connection.execute(update, batch)
            batch = []
    if batch:
        connection.execute(update, batch)


def upgrade() -> None:
    with op.batch_alter_table("dp_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_key", sa.BigInteger(), nullable=True))
    _fill("row_key", _new_key)
    with op.batch_alter_table("dp_transactions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dp_transactions_account_id_posted_on_row_hash", type_="unique")
        batch_op.drop_index("ix_dp_transactions_import_id_payee")
        batch_op.drop_column("row_hash")
        batch_op.alter_column("row_key", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_dp_transactions_account_id_posted_on_row_key"), ["account_id", "posted_on", "row_key"]
        )
        batch_op.create_index("ix_dp_transactions_import_id", ["import_id"], unique=False)
        batch_op.create_index(
            "ix_dp_transactions_flagged",
            ["import_id"],
            unique=False,
            sqlite_where=sa.text("flag_category IS NOT NULL"),
            postgresql_where=sa.text("flag_category IS NOT NULL"),
        )


def downgrade() -> None:
    hash_type = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")
    with op.batch_alter_table("dp_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_hash", hash_type, nullable=True))
    _fill("row_hash", _old_hash)
    with op.batch_alter_table("dp_transactions", schema=None) as batch_op:
        batch_op.drop_index("ix_dp_transactions_flagged")
        batch_op.drop_index("ix_dp_transactions_import_id")
        batch_op.drop_constraint(batch_op.f("uq_dp_transactions_account_id_posted_on_row_key"), type_="unique")
        batch_op.drop_column("row_key")
        batch_op.alter_column("row_hash", existing_type=hash_type, nullable=False)
        batch_op.create_unique_constraint(
            "uq_dp_transactions_account_id_posted_on_row_hash", ["account_id", "posted_on", "row_hash"]
        )
        batch_op.create_index("ix_dp_transactions_import_id_payee", ["import_id", "payee"], unique=False)
