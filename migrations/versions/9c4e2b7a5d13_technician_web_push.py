"""technician web push: push subscriptions, and when each notification was pushed

Revision ID: 9c4e2b7a5d13
Revises: 7a3d5c9e1f20
Create Date: 2026-12-01 10:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9c4e2b7a5d13"
down_revision = "7a3d5c9e1f20"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no constraint) on SQLite too: no copy of the table.
    op.add_column("notifications", sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True))
    # What was there before counts as pushed: an upgrade does not wake every phone with old news.
    op.execute("UPDATE notifications SET pushed_at = created_at")
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=False),
        sa.Column("p256dh", sa.String(length=200), nullable=False),
        sa.Column("auth", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint"),
    )
    op.create_index("ix_push_subscriptions_user", "push_subscriptions", ["user_id"])


def downgrade():
    op.drop_index("ix_push_subscriptions_user", table_name="push_subscriptions")
    op.drop_table("push_subscriptions")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("pushed_at")
