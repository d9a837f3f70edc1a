"""account audit entries; a confirmation link answers only the completion it was made for

Revision ID: c7d2f4a8e513
Revises: a41c2e9f0b11
Create Date: 2026-12-01 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c7d2f4a8e513"
down_revision = "a41c2e9f0b11"
branch_labels = None
depends_on = None

AUDIT_ACTIONS = ("password_reset", "password_changed", "email_changed", "role_changed", "deactivated", "reactivated")


def upgrade():
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("target_user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "action IN (" + ", ".join(repr(a) for a in AUDIT_ACTIONS) + ")", name="ck_audit_entries_action"
        ),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["target_user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_entries_target", "audit_entries", ["target_user_id", "id"])
    op.add_column("confirmation_links", sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True))
    # Links made before this revision answer for the completion their job has now (as before).
    op.execute(
        "UPDATE confirmation_links SET completed_at = "
        "(SELECT completed_at FROM work_orders WHERE work_orders.id = confirmation_links.work_order_id)"
    )


def downgrade():
    with op.batch_alter_table("confirmation_links") as batch:
        batch.drop_column("completed_at")
    op.drop_index("ix_audit_entries_target", table_name="audit_entries")
    op.drop_table("audit_entries")
