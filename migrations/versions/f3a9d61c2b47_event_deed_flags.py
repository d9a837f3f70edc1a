"""events record why their time or place is doubtful (deed_flags)

Revision ID: f3a9d61c2b47
Revises: e19b7c55d0a2
Create Date: 2026-12-01 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f3a9d61c2b47"
down_revision = "e19b7c55d0a2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("deed_flags", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("events") as batch:
        batch.drop_column("deed_flags")
