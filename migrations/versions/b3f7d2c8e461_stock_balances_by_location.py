"""stock balances by location: the stock list reads one warehouse's or van's balances (the unique
key leads with the part)

Revision ID: b3f7d2c8e461
Revises: 9c4e2b7a5d13
Create Date: 2026-12-01 11:15:00

"""

from alembic import op

revision = "b3f7d2c8e461"
down_revision = "9c4e2b7a5d13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_stock_balances_location", "stock_balances", ["location_id", "part_id"])


def downgrade():
    op.drop_index("ix_stock_balances_location", table_name="stock_balances")
