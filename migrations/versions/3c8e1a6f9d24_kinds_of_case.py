"""kinds of case: work order type, remote resolution, complaints' related job, category and closed loop

Revision ID: 3c8e1a6f9d24
Revises: 2b8e4d6f1a30
Create Date: 2026-12-01 08:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3c8e1a6f9d24"
down_revision = "2b8e4d6f1a30"
branch_labels = None
depends_on = None

# A migration keeps its own copy of the vocabularies (backend/models/work_orders.py).
TYPES = ("repair", "installation", "maintenance", "inspection", "inquiry", "complaint")
CATEGORIES = ("attitude", "quality", "delay", "price", "other")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("type", sa.String(length=12), server_default="repair", nullable=False))
        batch.add_column(sa.Column("resolved_remotely", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("related_work_order_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("category", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("root_cause", sa.Text(), nullable=True))
        batch.add_column(sa.Column("corrective_action", sa.Text(), nullable=True))
        batch.add_column(sa.Column("customer_contacted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_work_orders_related_work_order_id", "work_orders", ["related_work_order_id"], ["id"]
        )
        batch.create_check_constraint("ck_work_orders_type", _one_of("type", TYPES))
        batch.create_check_constraint(
            "ck_work_orders_category", f"category IS NULL OR {_one_of('category', CATEGORIES)}"
        )


def downgrade():
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_constraint("ck_work_orders_category", type_="check")
        batch.drop_constraint("ck_work_orders_type", type_="check")
        batch.drop_constraint("fk_work_orders_related_work_order_id", type_="foreignkey")
        for column in (
            "customer_contacted_at",
            "corrective_action",
            "root_cause",
            "category",
            "related_work_order_id",
            "resolved_remotely",
            "type",
        ):
            batch.drop_column(column)
