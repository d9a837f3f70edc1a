"""attachments keep a downscaled display copy; an index for the per-user daily upload quota

Revision ID: b8d4e2f6a1c3
Revises: a7c3e5d91f02
Create Date: 2026-12-01 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b8d4e2f6a1c3"
down_revision = "a7c3e5d91f02"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("display_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("display_content_type", sa.String(length=30), nullable=True))
        batch.create_index("ix_attachments_uploader_recorded", ["uploaded_by_id", "recorded_at"], unique=False)


def downgrade():
    with op.batch_alter_table("attachments") as batch:
        batch.drop_index("ix_attachments_uploader_recorded")
        batch.drop_column("display_content_type")
        batch.drop_column("display_name")
