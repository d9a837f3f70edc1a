"""part_changes: the parts catalogue's trail (who created or changed a part, each field's old and
new value)

Revision ID: c5a1e9d3f702
Revises: a18c0a95b52f
Create Date: 2026-12-01 11:25:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5a1e9d3f702"
down_revision = "a18c0a95b52f"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "part_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.CheckConstraint("action IN ('created', 'updated')", name="ck_part_changes_action"),
        sa.ForeignKeyConstraint(["part_id"], ["parts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_part_changes_part", "part_changes", ["part_id", "id"])


def downgrade():
    op.drop_index("ix_part_changes_part", table_name="part_changes")
    op.drop_table("part_changes")
