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


TYPE_CHECK = _one_of("type", TYPES)
CATEGORY_CHECK = f"category IS NULL OR {_one_of('category', CATEGORIES)}"
COLUMNS = (
    "type",
    "resolved_remotely",
    "related_work_order_id",
    "category",
    "root_cause",
    "corrective_action",
    "customer_contacted_at",
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


# SQLite: plain ALTER TABLE ... ADD COLUMN with the constraints inline. A batch copy of work_orders
# would drop the old table, and with foreign keys on that cascades to every job's events and logs.
SQLITE_COLUMNS = [
    f"type VARCHAR(12) DEFAULT 'repair' NOT NULL CONSTRAINT ck_work_orders_type CHECK ({TYPE_CHECK})",
    "resolved_remotely BOOLEAN DEFAULT 0 NOT NULL",
    "related_work_order_id INTEGER CONSTRAINT fk_work_orders_related_work_order_id REFERENCES work_orders (id)",
    f"category VARCHAR(12) CONSTRAINT ck_work_orders_category CHECK ({CATEGORY_CHECK})",
    "root_cause TEXT",
    "corrective_action TEXT",
    "customer_contacted_at DATETIME",
]


def upgrade():
    if _sqlite():
        for column in SQLITE_COLUMNS:
            op.execute(f"ALTER TABLE work_orders ADD COLUMN {column}")
        return
    op.add_column("work_orders", sa.Column("type", sa.String(length=12), server_default="repair", nullable=False))
    op.add_column(
        "work_orders", sa.Column("resolved_remotely", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("work_orders", sa.Column("related_work_order_id", sa.Integer(), nullable=True))
    op.add_column("work_orders", sa.Column("category", sa.String(length=12), nullable=True))
    op.add_column("work_orders", sa.Column("root_cause", sa.Text(), nullable=True))
    op.add_column("work_orders", sa.Column("corrective_action", sa.Text(), nullable=True))
    op.add_column("work_orders", sa.Column("customer_contacted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        "fk_work_orders_related_work_order_id", "work_orders", "work_orders", ["related_work_order_id"], ["id"]
    )
    op.create_check_constraint("ck_work_orders_type", "work_orders", TYPE_CHECK)
    op.create_check_constraint("ck_work_orders_category", "work_orders", CATEGORY_CHECK)


def downgrade():
    if not _sqlite():
        op.drop_constraint("ck_work_orders_category", "work_orders", type_="check")
        op.drop_constraint("ck_work_orders_type", "work_orders", type_="check")
        op.drop_constraint("fk_work_orders_related_work_order_id", "work_orders", type_="foreignkey")
        for column in reversed(COLUMNS):
            op.drop_column("work_orders", column)
        return
    # SQLite cannot drop a column a CHECK or a foreign key names without copying the table: copy it
    # with foreign keys off (outside a transaction, where the pragma takes effect), so the copy's
    # DROP TABLE takes no events or logs with it.
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
        with op.batch_alter_table("work_orders") as batch:
            batch.drop_constraint("ck_work_orders_category", type_="check")
            batch.drop_constraint("ck_work_orders_type", type_="check")
            for column in reversed(COLUMNS):
                batch.drop_column(column)
        op.execute("PRAGMA foreign_keys=ON")
