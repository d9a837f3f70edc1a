"""follow-up calls (回访): one per closed or disputed job, due a few days later

Revision ID: 1f0a7c3e5b92
Revises: 7a4f2c9e1b58
Create Date: 2026-12-15 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "1f0a7c3e5b92"
down_revision = "7a4f2c9e1b58"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["done_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("work_order_id"),
    )
    op.create_index("ix_follow_ups_done_due", "follow_ups", ["done_at", "due_at"])
    op.create_index("ix_follow_ups_due", "follow_ups", ["due_at"])


def downgrade():
    op.drop_index("ix_follow_ups_due", table_name="follow_ups")
    op.drop_index("ix_follow_ups_done_due", table_name="follow_ups")
    op.drop_table("follow_ups")
