"""Upgrading a database that holds work keeps it: every migration since the first release, run over a
job with its timeline, a log, a photo and a sign-off. On SQLite a migration that copies a table
(batch mode) used to drop the original with foreign keys on, and the drop cascaded to the events."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from backend import create_app
from backend.extensions import db

RELEASED = "5b1e7c3a9d20"  # the head before this round of migrations
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).isoformat()


def _fill(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, email, name, role, password_hash, active, created_at) "
                "VALUES (1, 't@x.io', 'T', 'technician', 'x', true, :at)"
            ),
            {"at": AT},
        )
        conn.execute(
            text("INSERT INTO customers (id, name, phone, created_at) VALUES (1, 'Acme', '+86 21 5555 0101', :at)"),
            {"at": AT},
        )
        conn.execute(
            text(
                "INSERT INTO work_orders (id, customer_id, title, priority, channel, status, required_skills, lat, lon,"
                " created_at, response_due_at, resolve_due_at, reopen_count, version) VALUES (1, 1, 'Leak', 'high',"
                " 'phone', 'closed', '[]', 31.2, 121.4, :at, :at, :at, 0, 3)"
            ),
            {"at": AT},
        )
        for action in ("created", "complete", "close"):
            conn.execute(
                text(
                    "INSERT INTO events (work_order_id, action, actor_kind, details, occurred_at, recorded_at)"
                    " VALUES (1, :action, 'system', '{}', :at, :at)"
                ),
                {"action": action, "at": AT},
            )
        conn.execute(
            text(
                "INSERT INTO logs (work_order_id, author_id, kind, text, occurred_at, recorded_at)"
                " VALUES (1, 1, 'fix', 'Seal', :at, :at)"
            ),
            {"at": AT},
        )
        conn.execute(
            text(
                "INSERT INTO signoffs (work_order_id, method, accepted, signer_name, record_hash, signed_at,"
                " recorded_at) VALUES (1, 'device', true, 'Li', 'h', :at, :at)"
            ),
            {"at": AT},
        )
    engine.dispose()


def _counts(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {
            t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("work_orders", "events", "logs", "signoffs")
        }
    engine.dispose()
    return counts


def test_every_migration_since_the_release_keeps_the_work(tmp_path):
    url = f"sqlite:///{tmp_path / 'released.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(revision=RELEASED)
        _fill(url)
        before = _counts(url)
        upgrade()
        db.engine.dispose()
    assert before == {"work_orders": 1, "events": 3, "logs": 1, "signoffs": 1}
    assert _counts(url) == before
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    engine.dispose()
