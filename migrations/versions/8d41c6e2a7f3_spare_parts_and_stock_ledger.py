"""spare parts: the catalogue, warehouses and vans, the append-only stock ledger and its cached
balances, requisitions and returns

Revision ID: 8d41c6e2a7f3
Revises: 5e1c9a7b3d42
Create Date: 2026-12-01 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8d41c6e2a7f3"
down_revision = "5e1c9a7b3d42"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("min_stock_milli", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("unlisted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price >= 0", name="ck_parts_price"),
        sa.CheckConstraint("min_stock_milli >= 0", name="ck_parts_min_stock"),
        sa.CheckConstraint("length(currency) = 3", name="ck_parts_currency"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
    )
    op.create_table(
        "stock_locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('warehouse', 'van')", name="ck_stock_locations_kind"),
        sa.CheckConstraint(
            "(kind = 'van' AND technician_id IS NOT NULL) OR (kind = 'warehouse' AND technician_id IS NULL)",
            name="ck_stock_locations_van_technician",
        ),
        sa.ForeignKeyConstraint(["technician_id"], ["technicians.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("technician_id"),
    )
    op.create_table(
        "stock_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("van_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('requisition', 'return')", name="ck_stock_requests_kind"),
        sa.CheckConstraint(
            "status IN ('requested', 'approved', 'issued', 'received', 'rejected', 'cancelled')",
            name="ck_stock_requests_status",
        ),
        sa.ForeignKeyConstraint(["van_id"], ["stock_locations.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["warehouse_id"], ["stock_locations.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_requests_status", "stock_requests", ["status", "id"])
    op.create_index("ix_stock_requests_van", "stock_requests", ["van_id", "id"])
    op.create_table(
        "stock_request_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("qty_milli", sa.BigInteger(), nullable=False),
        sa.Column("faulty", sa.Boolean(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("qty_milli > 0", name="ck_stock_request_lines_qty"),
        sa.ForeignKeyConstraint(["request_id"], ["stock_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["part_id"], ["parts.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_request_lines_request", "stock_request_lines", ["request_id"])
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("qty_milli", sa.BigInteger(), nullable=False),
        sa.Column("faulty", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("log_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("balance_after_milli", sa.BigInteger(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('receipt', 'requisition_out', 'requisition_in', 'return_out', 'return_in', "
            "'old_part_return', 'consumption', 'adjustment')",
            name="ck_stock_movements_kind",
        ),
        sa.CheckConstraint("qty_milli <> 0", name="ck_stock_movements_qty"),
        sa.ForeignKeyConstraint(["part_id"], ["parts.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["location_id"], ["stock_locations.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["log_id"], ["logs.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["request_id"], ["stock_requests.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stock_movements_part_location", "stock_movements", ["part_id", "location_id", "id"])
    op.create_index("ix_stock_movements_location", "stock_movements", ["location_id", "id"])
    op.create_index("ix_stock_movements_work_order", "stock_movements", ["work_order_id"])
    op.create_table(
        "stock_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=False),
        sa.Column("qty_milli", sa.BigInteger(), nullable=False),
        sa.Column("faulty_milli", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["part_id"], ["parts.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["location_id"], ["stock_locations.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("part_id", "location_id", name="uq_stock_balances_part_location"),
    )


def downgrade():
    op.drop_table("stock_balances")
    op.drop_index("ix_stock_movements_work_order", table_name="stock_movements")
    op.drop_index("ix_stock_movements_location", table_name="stock_movements")
    op.drop_index("ix_stock_movements_part_location", table_name="stock_movements")
    op.drop_table("stock_movements")
    op.drop_index("ix_stock_request_lines_request", table_name="stock_request_lines")
    op.drop_table("stock_request_lines")
    op.drop_index("ix_stock_requests_van", table_name="stock_requests")
    op.drop_index("ix_stock_requests_status", table_name="stock_requests")
    op.drop_table("stock_requests")
    op.drop_table("stock_locations")
    op.drop_table("parts")
