"""Appeals: one appeal per decision outcome, held by a unique index.

``lodge_appeal`` refused a second appeal against a decision, but two lodged at the same moment both passed the
check (issue 24, item 2). The plain index on ``outcome_id`` becomes a unique one; a unique index, not a
constraint, so SQLite adds it without rebuilding the table. A database holding two appeals against one decision
(only a past race could make one) fails this upgrade naming the index: merge the duplicates first.

Revision ID: 0004_appeals_unique
Revises: 0003_appeals
Create Date: 2026-12-04 16:25:06.832416
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_appeals_unique"
down_revision: str | None = "0003_appeals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appeals_outcome_id"))
        batch_op.create_index("uq_appeals_outcome_id", ["outcome_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("appeals", schema=None) as batch_op:
        batch_op.drop_index("uq_appeals_outcome_id")
        batch_op.create_index(batch_op.f("ix_appeals_outcome_id"), ["outcome_id"], unique=False)
