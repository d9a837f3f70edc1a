"""charges: the price list, charges frozen at completion, payments

Revision ID: 5e1c9a7b3d42
Revises: 28590b56e43d
Create Date: 2026-12-01 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5e1c9a7b3d42"
down_revision = "28590b56e43d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "price_list",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("callout_fee", sa.Integer(), nullable=False),
        sa.Column("labour_per_hour", sa.Integer(), nullable=False),
        sa.Column("labour_block_minutes", sa.Integer(), nullable=False),
        sa.Column("charge_without_warranty", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name="ck_price_list_single"),
        sa.CheckConstraint("callout_fee >= 0 AND labour_per_hour >= 0", name="ck_price_list_amounts"),
        sa.CheckConstraint("labour_block_minutes BETWEEN 1 AND 60", name="ck_price_list_block"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "price_list_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_price", sa.Integer(), nullable=False),
        sa.CheckConstraint("unit_price >= 0", name="ck_price_list_parts_price"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
    )
    op.create_table(
        "charge_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("warranty", sa.String(length=16), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("total >= 0", name="ck_charge_sheets_total"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("work_order_id"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('paid_on_site', 'invoiced')", name="ck_payments_kind"),
        sa.CheckConstraint(
            "method IS NULL OR method IN ('cash', 'wechat_pay', 'alipay', 'card', 'bank_transfer', 'other')",
            name="ck_payments_method",
        ),
        sa.CheckConstraint("amount >= 0", name="ck_payments_amount"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("work_order_id"),
    )
    op.create_index("ix_payments_recorded_at", "payments", ["recorded_at"])


def downgrade():
    op.drop_index("ix_payments_recorded_at", table_name="payments")
    op.drop_table("payments")
    op.drop_table("charge_sheets")
    op.drop_table("price_list_parts")
    op.drop_table("price_list")
