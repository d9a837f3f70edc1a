"""work orders indexed by kind of case and status: the board's count of open complaints (and the
board filtered by a kind) read a few index entries instead of every open job

Revision ID: a18c0a95b52f
Revises: b3f7d2c8e461
Create Date: 2026-12-01 11:20:00

"""

from alembic import op

revision = "a18c0a95b52f"
down_revision = "b3f7d2c8e461"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_work_orders_type_status", "work_orders", ["type", "status"])


def downgrade():
    op.drop_index("ix_work_orders_type_status", table_name="work_orders")
