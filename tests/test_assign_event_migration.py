"""The migration to one assignment vocabulary: stored dispatcher `assign` events and their
notifications name the technician `to_technician_id` with `decided_by`, and back on downgrade."""

from __future__ import annotations

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from backend import create_app
from backend.extensions import db
from tests.test_schema_migrations import empty_database  # noqa: F401 (the fixture)

BEFORE = "6c2d9e4f1a37"
OLD = {"technician_id": 7, "from_technician_id": None}


def _details(value):
    return json.loads(value) if isinstance(value, str) else value


def test_assign_events_move_to_to_technician_id_and_back(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision=BEFORE)
        connection = db.session.connection()
        connection.execute(
            text("INSERT INTO customers (id, name, created_at) VALUES (1, 'C', '2026-11-23 09:00:00+00')")
        )
        connection.execute(
            text(
                "INSERT INTO work_orders (id, customer_id, title, priority, channel, status, required_skills, lat, lon,"
                " created_at, response_due_at, resolve_due_at, reopen_count, version) VALUES (1, 1, 'T', 'high',"
                " 'phone', 'assigned', '[]', 31.2, 121.4, '2026-11-23 09:00:00+00', '2026-11-23 13:00:00+00',"
                " '2026-11-24 09:00:00+00', 0, 2)"
            )
        )
        for event_id, action in ((1, "assign"), (2, "decline")):
            connection.execute(
                text(
                    "INSERT INTO events (id, work_order_id, action, actor_kind, details, occurred_at, recorded_at)"
                    " VALUES (:id, 1, :action, 'user', :details, '2026-11-23 09:00:00+00', '2026-11-23 09:00:00+00')"
                ),
                {"id": event_id, "action": action, "details": json.dumps(OLD)},
            )
        db.session.commit()
        upgrade()
        rows = dict(db.session.execute(text("SELECT action, details FROM events")).all())
        assert _details(rows["assign"]) == {
            "to_technician_id": 7,
            "from_technician_id": None,
            "decided_by": "dispatcher",
        }
        assert _details(rows["decline"]) == OLD  # not an assignment: untouched
        db.session.commit()
        downgrade(revision=BEFORE)
        rows = dict(db.session.execute(text("SELECT action, details FROM events")).all())
        assert _details(rows["assign"]) == OLD
        db.session.remove()
        db.engine.dispose()
