"""assign events name the technician given the job `to_technician_id`, as the scheduler's do

Revision ID: 4e8b1c7d2a95
Revises: 6c2d9e4f1a37
Create Date: 2026-12-10 12:00:00

One event vocabulary for every assignment (domain/assignment.py): a dispatcher's `assign` event
and its notifications said `technician_id`; they now say `to_technician_id` and `decided_by`.
Rewritten in Python (the details are JSON on SQLite and PostgreSQL alike), in batches.
"""

import sqlalchemy as sa
from alembic import op

revision = "4e8b1c7d2a95"
down_revision = "6c2d9e4f1a37"
branch_labels = None
depends_on = None

BATCH = 5000


def _rewrite(table: str, where: str, forward: bool) -> None:
    connection = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column("details", sa.JSON))
    last = 0
    while True:
        batch = connection.execute(
            sa.text(f"SELECT id, details FROM {table} WHERE id > :last AND {where} ORDER BY id LIMIT {BATCH}"),
            {"last": last},
        ).all()
        if not batch:
            return
        last = batch[-1][0]
        changed = [{"row_id": i, "new": _renamed(d, forward)} for i, d in batch if _renamed(d, forward) is not None]
        if changed:
            connection.execute(
                rows.update().where(rows.c.id == sa.bindparam("row_id")).values(details=sa.bindparam("new")), changed
            )


def _renamed(details, forward: bool):
    import json

    if isinstance(details, str):
        details = json.loads(details)
    details = dict(details or {})
    if forward and "technician_id" in details and "to_technician_id" not in details:
        details["to_technician_id"] = details.pop("technician_id")
        details.setdefault("decided_by", "dispatcher")
        return details
    if not forward and details.get("decided_by") == "dispatcher" and "to_technician_id" in details:
        details["technician_id"] = details.pop("to_technician_id")
        details.pop("decided_by")
        return details
    return None


def upgrade():
    _rewrite("events", "action = 'assign'", forward=True)
    _rewrite("notifications", "kind IN ('assigned', 'unassigned')", forward=True)


def downgrade():
    _rewrite("events", "action = 'assign'", forward=False)
    _rewrite("notifications", "kind IN ('assigned', 'unassigned')", forward=False)
