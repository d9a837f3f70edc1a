"""live_streams: the live-update streams open now, counted per user across workers and hosts

Revision ID: c4f8a2d6e913
Revises: d2e7a9c4b615
Create Date: 2026-12-01 09:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4f8a2d6e913"
down_revision = "d2e7a9c4b615"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "live_streams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("live_streams") as batch:
        batch.create_index("ix_live_streams_user_id", ["user_id"], unique=False)
        batch.create_index("ix_live_streams_expires_at", ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("live_streams") as batch:
        batch.drop_index("ix_live_streams_expires_at")
        batch.drop_index("ix_live_streams_user_id")
    op.drop_table("live_streams")
