"""export_slots: a user's running exports, counted across workers and hosts

Revision ID: d2e7a9c4b615
Revises: b8d4e2f6a1c3
Create Date: 2026-12-01 09:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d2e7a9c4b615"
down_revision = "b8d4e2f6a1c3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_slots",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("slot >= 0", name="ck_export_slots_slot"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "slot"),
    )
    with op.batch_alter_table("export_slots") as batch:
        batch.create_index("ix_export_slots_expires_at", ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("export_slots") as batch:
        batch.drop_index("ix_export_slots_expires_at")
    op.drop_table("export_slots")
