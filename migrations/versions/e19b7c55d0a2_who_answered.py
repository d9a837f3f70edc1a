"""signoffs record who answered: address, browser, a staff session present, distance from the site, flags

Revision ID: e19b7c55d0a2
Revises: c7d2f4a8e513
Create Date: 2026-12-01 07:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e19b7c55d0a2"
down_revision = "c7d2f4a8e513"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signoffs") as batch:
        batch.add_column(sa.Column("client_address", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("user_agent", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("staff_user_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("distance_km", sa.Double(), nullable=True))
        batch.add_column(sa.Column("flags", sa.JSON(), nullable=True))
        batch.create_foreign_key("fk_signoffs_staff_user_id", "users", ["staff_user_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("signoffs") as batch:
        batch.drop_constraint("fk_signoffs_staff_user_id", type_="foreignkey")
        batch.drop_column("flags")
        batch.drop_column("distance_km")
        batch.drop_column("staff_user_id")
        batch.drop_column("user_agent")
        batch.drop_column("client_address")
