"""the customer portal: sign-in codes and customer sessions; photos sent by customers

Revision ID: 7a3d5c9e1f20
Revises: 8d41c6e2a7f3
Create Date: 2026-12-01 11:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7a3d5c9e1f20"
down_revision = "8d41c6e2a7f3"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=270), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name="ck_portal_codes_attempts"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_codes_contact", "portal_codes", ["contact", "created_at"])
    op.create_index("ix_portal_codes_address", "portal_codes", ["address", "created_at"])
    op.create_index("ix_portal_codes_created_at", "portal_codes", ["created_at"])
    op.create_table(
        "customer_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("contact", sa.String(length=270), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_customer_sessions_customer", "customer_sessions", ["customer_id"])
    with op.batch_alter_table("attachments") as batch:
        batch.alter_column("uploaded_by_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("uploaded_by_customer_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_attachments_uploaded_by_customer_id",
            "customers",
            ["uploaded_by_customer_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_attachments_customer_recorded", ["uploaded_by_customer_id", "recorded_at"], unique=False)


def downgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index("ix_attachments_customer_recorded")
        batch.drop_constraint("fk_attachments_uploaded_by_customer_id", type_="foreignkey")
        batch.drop_column("uploaded_by_customer_id")
        batch.alter_column("uploaded_by_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_customer_sessions_customer", table_name="customer_sessions")
    op.drop_table("customer_sessions")
    op.drop_index("ix_portal_codes_created_at", table_name="portal_codes")
    op.drop_index("ix_portal_codes_address", table_name="portal_codes")
    op.drop_index("ix_portal_codes_contact", table_name="portal_codes")
    op.drop_table("portal_codes")
