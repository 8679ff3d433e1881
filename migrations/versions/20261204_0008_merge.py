"""One history from here on: merge the per-area branches.

Revision ID: 0008_merge
Revises: 0002_accounts, 0002_budgets, 0002_governance, 0002_plans, 0003_risk_budget_line,
    0007_spending_findings_sort_idx, 0003_appeals
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0008_merge"
down_revision: str | Sequence[str] | None = (
    "0002_accounts",
    "0002_budgets",
    "0002_governance",
    "0002_plans",
    "0003_risk_budget_line",
    "0007_spending_findings_sort_idx",
    "0003_appeals",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change: the merge only joins the branches."""


def downgrade() -> None:
    """Nothing to change: downgrading below the merge splits the branches again."""
