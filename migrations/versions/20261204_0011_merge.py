"""one history: the area branches meet here

Until this revision each area kept its own branch (and label). From here on the history is linear: a new
revision revises the single head, and autogenerate holds every area's changes as Alembic intends.

Revision ID: 0011_merge
Revises: 0002_plans, 0003_risk_budget_line, 0007_spending_findings_sort_idx, 0003_accounts_security,
    0003_budgets_dp_annual, 0004_appeals_unique, 0010_governance_panels
Create Date: 2026-12-04 18:41:31
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0011_merge"
down_revision: str | tuple[str, ...] | None = (
    "0002_plans",
    "0003_risk_budget_line",
    "0007_spending_findings_sort_idx",
    "0003_accounts_security",
    "0003_budgets_dp_annual",
    "0004_appeals_unique",
    "0010_governance_panels",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
