"""risk: contingency plans name the budget sheet line that funds them

Revision ID: 0003_risk_budget_line
Revises: 0002_risk, 0002_budgets
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_risk_budget_line'
down_revision: str | tuple[str, ...] | None = ('0002_risk', '0002_budgets')
branch_labels: str | Sequence[str] | None = None
# The budget sheet lines table comes from the budgets branch, a real parent.
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('contingency_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_line_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_contingency_plans_budget_line_id'), ['budget_line_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_contingency_plans_budget_line_id_budget_sheet_lines'),
            'budget_sheet_lines',
            ['budget_line_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('contingency_plans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contingency_plans_budget_line_id_budget_sheet_lines'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contingency_plans_budget_line_id'))
        batch_op.drop_column('budget_line_id')
