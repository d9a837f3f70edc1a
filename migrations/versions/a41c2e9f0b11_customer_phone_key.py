"""customers.phone_key: the digits of a phone number, so that one caller is found however the number was typed;
a reopen restarts the SLA clock but keeps the first visit's due times; reopened work orders are not first-time fixes

Revision ID: a41c2e9f0b11
Revises: 5b1e7c3a9d20
Create Date: 2026-12-01 07:40:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "a41c2e9f0b11"
down_revision = "5b1e7c3a9d20"
branch_labels = None
depends_on = None


def _key(phone):
    # The rule as it stood when this migration was written (backend/domain/directory.py: phone_key);
    # a migration keeps its own copy, since the module may change after it.
    digits = re.sub(r"\D", "", phone or "")
    international = (phone or "").lstrip().startswith("+") or digits.startswith("00")
    digits = digits.removeprefix("00")
    if digits.startswith("86") and (international or len(digits) >= 12):
        digits = digits[2:]
    if len(digits) >= 6:
        digits = digits.lstrip("0")
    return digits[-15:] if len(digits) >= 5 else None


def upgrade():
    op.add_column("customers", sa.Column("phone_key", sa.String(length=15), nullable=True))
    op.add_column("work_orders", sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("work_orders", sa.Column("first_resolve_due_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_customers_phone_key", "customers", ["phone_key"])
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, phone FROM customers WHERE phone IS NOT NULL")).all()
    keyed = [{"id": row.id, "key": _key(row.phone)} for row in rows]
    if keyed:
        connection.execute(sa.text("UPDATE customers SET phone_key = :key WHERE id = :id"), keyed)
    # A reopened job was not fixed the first time (the rule from this revision on, in domain/workflow.py).
    connection.execute(sa.text("UPDATE work_orders SET first_time_fix = false WHERE reopen_count > 0"))


def downgrade():
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("first_resolve_due_at")
        batch.drop_column("first_response_due_at")
    op.drop_index("ix_customers_phone_key", table_name="customers")
    op.drop_column("customers", "phone_key")
