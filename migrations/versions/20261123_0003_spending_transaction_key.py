"""spending: statement lines are unique by (account, date, row hash), which also serves lookups by date

Revision ID: 0003_spending_transaction_key
Revises: 0002_spending
Create Date: 2026-11-23 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003_spending_transaction_key"
down_revision: str | None = "0002_spending"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dp_transactions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_dp_transactions_account_id_row_hash", type_="unique")
        batch_op.drop_index("ix_dp_transactions_account_id_posted_on")
        batch_op.create_unique_constraint(
            batch_op.f("uq_dp_transactions_account_id_posted_on_row_hash"), ["account_id", "posted_on", "row_hash"]
        )


def downgrade() -> None:
    with op.batch_alter_table("dp_transactions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_dp_transactions_account_id_posted_on_row_hash"), type_="unique")
        batch_op.create_index("ix_dp_transactions_account_id_posted_on", ["account_id", "posted_on"], unique=False)
        batch_op.create_unique_constraint("uq_dp_transactions_account_id_row_hash", ["account_id", "row_hash"])
