"""day plans: the plans table, and where an applied plan put each work order (order and time)

Revision ID: 9d3b6f1e2a47
Revises: 0e6a1f3b7c29
Create Date: 2026-12-01 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "9d3b6f1e2a47"
down_revision = "0e6a1f3b7c29"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["applied_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_plans_date", "plans", ["date"])
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("planned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("planned_order", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("plan_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_work_orders_plan_id", "plans", ["plan_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_constraint("fk_work_orders_plan_id", type_="foreignkey")
        batch.drop_column("plan_id")
        batch.drop_column("planned_order")
        batch.drop_column("planned_at")
    op.drop_index("ix_plans_date", table_name="plans")
    op.drop_table("plans")
