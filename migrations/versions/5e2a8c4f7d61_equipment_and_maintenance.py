"""equipment and preventive maintenance: assets, work orders' asset, warranty and 三包 repeat flag,
maintenance plans and their occurrences (UNIQUE per plan and day)

Revision ID: 5e2a8c4f7d61
Revises: 3c8e1a6f9d24
Create Date: 2026-12-01 10:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5e2a8c4f7d61"
down_revision = "3c8e1a6f9d24"
branch_labels = None
depends_on = None

# A migration keeps its own copy of the vocabulary (backend/models/work_orders.py).
WARRANTY = ("in_warranty", "under_contract", "out_of_warranty", "unknown")
WARRANTY_CHECK = f"warranty IN ({', '.join(repr(v) for v in WARRANTY)})"
COLUMNS = ("asset_id", "warranty", "repeat_repair", "earlier_repairs")
# SQLite: plain ALTER TABLE ... ADD COLUMN with the constraints inline. A batch copy of work_orders
# would drop the old table, and with foreign keys on that cascades to every job's events and logs.
SQLITE_COLUMNS = [
    "asset_id INTEGER CONSTRAINT fk_work_orders_asset_id REFERENCES assets (id)",
    f"warranty VARCHAR(16) DEFAULT 'unknown' NOT NULL CONSTRAINT ck_work_orders_warranty CHECK ({WARRANTY_CHECK})",
    "repeat_repair BOOLEAN DEFAULT 0 NOT NULL",
    "earlier_repairs INTEGER DEFAULT '0' NOT NULL",
]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("serial", sa.String(length=100), nullable=False),
        sa.Column("installed_at", sa.Date(), nullable=True),
        sa.Column("purchased_at", sa.Date(), nullable=True),
        sa.Column("warranty_until", sa.Date(), nullable=True),
        sa.Column("contract_until", sa.Date(), nullable=True),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "lat IS NULL OR (lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180)", name="ck_assets_location"
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model", "serial", name="uq_assets_model_serial"),
    )
    op.create_index("ix_assets_customer", "assets", ["customer_id"])
    op.create_index("ix_assets_serial", "assets", ["serial"])

    if _sqlite():
        for column in SQLITE_COLUMNS:
            op.execute(f"ALTER TABLE work_orders ADD COLUMN {column}")
    else:
        op.add_column("work_orders", sa.Column("asset_id", sa.Integer(), nullable=True))
        op.add_column(
            "work_orders", sa.Column("warranty", sa.String(length=16), server_default="unknown", nullable=False)
        )
        op.add_column(
            "work_orders", sa.Column("repeat_repair", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        op.add_column("work_orders", sa.Column("earlier_repairs", sa.Integer(), server_default="0", nullable=False))
        op.create_foreign_key("fk_work_orders_asset_id", "work_orders", "assets", ["asset_id"], ["id"])
        op.create_check_constraint("ck_work_orders_warranty", "work_orders", WARRANTY_CHECK)
    op.create_index("ix_work_orders_asset", "work_orders", ["asset_id", "created_at"])

    op.create_table(
        "maintenance_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("next_occurs_on", sa.Date(), nullable=True),
        sa.Column("next_create_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("lead_days BETWEEN 0 AND 365", name="ck_maintenance_plans_lead_days"),
        sa.ForeignKeyConstraint(["asset_id"], ["assets.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_maintenance_plans_due", "maintenance_plans", ["active", "next_create_on"])
    op.create_index("ix_maintenance_plans_asset", "maintenance_plans", ["asset_id"])
    op.create_table(
        "maintenance_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("occurs_on", sa.Date(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["maintenance_plans.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "occurs_on", name="uq_maintenance_occurrences_plan_day"),
        sa.UniqueConstraint("work_order_id"),
    )


def downgrade():
    op.drop_table("maintenance_occurrences")
    op.drop_index("ix_maintenance_plans_asset", table_name="maintenance_plans")
    op.drop_index("ix_maintenance_plans_due", table_name="maintenance_plans")
    op.drop_table("maintenance_plans")
    op.drop_index("ix_work_orders_asset", table_name="work_orders")
    if not _sqlite():
        op.drop_constraint("ck_work_orders_warranty", "work_orders", type_="check")
        op.drop_constraint("fk_work_orders_asset_id", "work_orders", type_="foreignkey")
        for column in reversed(COLUMNS):
            op.drop_column("work_orders", column)
    else:
        # SQLite cannot drop a column a CHECK or a foreign key names without copying the table: copy
        # it with foreign keys off (outside a transaction, where the pragma takes effect), so the
        # copy's DROP TABLE takes no events or logs with it.
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
            with op.batch_alter_table("work_orders") as batch:
                batch.drop_constraint("ck_work_orders_warranty", type_="check")
                for column in reversed(COLUMNS):
                    batch.drop_column(column)
            op.execute("PRAGMA foreign_keys=ON")
    op.drop_index("ix_assets_serial", table_name="assets")
    op.drop_index("ix_assets_customer", table_name="assets")
    op.drop_table("assets")
