"""company_days: holidays and working days the company adds to China's public calendar

Revision ID: 6c2d9e4f1a37
Revises: 9d3b6f1e2a47
Create Date: 2026-12-10 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "6c2d9e4f1a37"
down_revision = "9d3b6f1e2a47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "company_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('holiday', 'working_day')", name="ck_company_days_kind"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day"),
    )


def downgrade():
    op.drop_table("company_days")
