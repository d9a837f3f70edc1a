"""customer notifications: the customer's channel, opt-out and language; the messages outbox

Revision ID: 5e0c3b8a1d76
Revises: 5e2a8c4f7d61
Create Date: 2026-12-01 10:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5e0c3b8a1d76"
down_revision = "5e2a8c4f7d61"
branch_labels = None
depends_on = None

# A migration keeps its own copy of the vocabularies (backend/models/messages.py, customers.py).
CHANNELS = ("email", "sms", "log")
STATUSES = ("queued", "sending", "sent", "failed")
LANGUAGES = ("zh-CN", "en")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


PREFERRED_CHECK = "preferred_channel IS NULL OR preferred_channel IN ('sms', 'email')"
LANGUAGE_CHECK = _one_of("language", LANGUAGES)
# SQLite: plain ALTER TABLE ... ADD COLUMN with the constraints inline (a batch copy of customers
# would drop the table every work order refers to).
SQLITE_COLUMNS = [
    f"preferred_channel VARCHAR(5) CONSTRAINT ck_customers_preferred_channel CHECK ({PREFERRED_CHECK})",
    "notify BOOLEAN DEFAULT 1 NOT NULL",
    f"language VARCHAR(5) DEFAULT 'zh-CN' NOT NULL CONSTRAINT ck_customers_language CHECK ({LANGUAGE_CHECK})",
]
# Existing customers hear by the contact they have: a phone first (SMS), else email.
BACKFILL = (
    "UPDATE customers SET preferred_channel = CASE WHEN phone IS NOT NULL AND phone <> '' THEN 'sms' "
    "WHEN email IS NOT NULL AND email <> '' THEN 'email' END"
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    if _sqlite():
        for column in SQLITE_COLUMNS:
            op.execute(f"ALTER TABLE customers ADD COLUMN {column}")
    else:
        op.add_column("customers", sa.Column("preferred_channel", sa.String(length=5), nullable=True))
        op.add_column("customers", sa.Column("notify", sa.Boolean(), server_default=sa.true(), nullable=False))
        op.add_column("customers", sa.Column("language", sa.String(length=5), server_default="zh-CN", nullable=False))
        op.create_check_constraint("ck_customers_preferred_channel", "customers", PREFERRED_CHECK)
        op.create_check_constraint("ck_customers_language", "customers", LANGUAGE_CHECK)
    op.execute(BACKFILL)
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_one_of("channel", CHANNELS), name="ck_messages_channel"),
        sa.CheckConstraint(_one_of("status", STATUSES), name="ck_messages_status"),
        sa.CheckConstraint(_one_of("language", LANGUAGES), name="ck_messages_language"),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_orders.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_messages_due", "messages", ["status", "next_attempt_at"])
    op.create_index("ix_messages_work_order", "messages", ["work_order_id", "id"])


def downgrade():
    op.drop_index("ix_messages_work_order", table_name="messages")
    op.drop_index("ix_messages_due", table_name="messages")
    op.drop_table("messages")
    if not _sqlite():
        op.drop_constraint("ck_customers_language", "customers", type_="check")
        op.drop_constraint("ck_customers_preferred_channel", "customers", type_="check")
        for column in ("language", "notify", "preferred_channel"):
            op.drop_column("customers", column)
        return
    # SQLite cannot drop a column a CHECK names without copying the table: copy it with foreign keys
    # off (outside a transaction, where the pragma takes effect), so the copy's DROP TABLE takes no
    # work orders with it.
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
        with op.batch_alter_table("customers") as batch:
            batch.drop_constraint("ck_customers_language", type_="check")
            batch.drop_constraint("ck_customers_preferred_channel", type_="check")
            for column in ("language", "notify", "preferred_channel"):
                batch.drop_column(column)
        op.execute("PRAGMA foreign_keys=ON")
