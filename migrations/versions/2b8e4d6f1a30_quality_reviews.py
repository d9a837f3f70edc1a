"""quality sampling (质检): quality_reviews, one per sampled job and period

Revision ID: 2b8e4d6f1a30
Revises: 1f0a7c3e5b92
Create Date: 2026-12-15 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "2b8e4d6f1a30"
down_revision = "1f0a7c3e5b92"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quality_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["technician_id"], ["technicians.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "work_order_id", name="uq_quality_reviews_period_work_order"),
    )
    op.create_index("ix_quality_reviews_period_technician", "quality_reviews", ["period", "technician_id"])


def downgrade():
    op.drop_index("ix_quality_reviews_period_technician", table_name="quality_reviews")
    op.drop_table("quality_reviews")
