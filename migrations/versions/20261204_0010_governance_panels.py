"""governance: risk enablement panels record who confirmed attendance (and why, when the chair did) and non-staff attendees

Revision ID: 0010_governance_panels
Revises: 0009_governance_decisions
Create Date: 2026-12-04 15:53:37.539467
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import phb.db

revision: str = "0010_governance_panels"
down_revision: str | None = "0009_governance_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "panel_non_staff_attendees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("relationship_to_person", sa.String(length=200), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", phb.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["panel_meetings.id"],
            name=op.f("fk_panel_non_staff_attendees_meeting_id_panel_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_panel_non_staff_attendees_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_panel_non_staff_attendees_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["panel_referrals.id"],
            name=op.f("fk_panel_non_staff_attendees_referral_id_panel_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_non_staff_attendees")),
    )
    with op.batch_alter_table("panel_non_staff_attendees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_panel_non_staff_attendees_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_panel_non_staff_attendees_referral_id"), ["referral_id"], unique=False)

    with op.batch_alter_table("panel_attendance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", phb.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmed_by_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("confirmation_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_panel_attendance_confirmed_by_id_users"),
            "users",
            ["confirmed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("panel_attendance", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_panel_attendance_confirmed_by_id_users"), type_="foreignkey")
        batch_op.drop_column("confirmation_reason")
        batch_op.drop_column("confirmed_by_name")
        batch_op.drop_column("confirmed_by_id")
        batch_op.drop_column("confirmed_at")

    with op.batch_alter_table("panel_non_staff_attendees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_panel_non_staff_attendees_referral_id"))
        batch_op.drop_index(batch_op.f("ix_panel_non_staff_attendees_meeting_id"))

    op.drop_table("panel_non_staff_attendees")
