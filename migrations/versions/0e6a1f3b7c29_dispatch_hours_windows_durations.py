"""dispatch: technicians' working hours, work orders' expected duration and customer window

Revision ID: 0e6a1f3b7c29
Revises: c4f8a2d6e913
Create Date: 2026-12-01 07:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0e6a1f3b7c29"
down_revision = "c4f8a2d6e913"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("technicians") as batch:
        batch.add_column(sa.Column("hours", sa.JSON(), nullable=True))
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("duration_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("window_from", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("window_to", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("window_to")
        batch.drop_column("window_from")
        batch.drop_column("duration_minutes")
    with op.batch_alter_table("technicians") as batch:
        batch.drop_column("hours")
