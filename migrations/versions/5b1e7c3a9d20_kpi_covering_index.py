"""an index covering what the KPIs read of the timeline

Revision ID: 5b1e7c3a9d20
Revises: 987a00bfa9be
Create Date: 2026-11-23 04:30:00

"""

from alembic import op

revision = "5b1e7c3a9d20"
down_revision = "987a00bfa9be"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_events_kpi", "events", ["action", "work_order_id", "occurred_at", "actor_user_id"])


def downgrade():
    op.drop_index("ix_events_kpi", table_name="events")
