"""The skills vocabulary's migration, on SQLite and PostgreSQL: every skill code already held by a
technician, a work order or an article becomes a vocabulary row once (the demo's codes with English
and Chinese names, any other named by itself); a database without any gets an empty vocabulary."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from backend import create_app

BEFORE = "5e0c3b8a1d76"  # the revision the skills vocabulary's migration follows
MIGRATION = "28590b56e43d"
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).isoformat()


def _fill(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for user_id, skills in ((1, '["hvac", "electrical"]'), (2, '["\\u6d17\\u8863\\u673a\\u7ef4\\u4fee"]')):
            conn.execute(
                text(
                    "INSERT INTO users (id, email, name, role, password_hash, active, created_at) "
                    "VALUES (:id, :email, 'T', 'technician', 'x', true, :at)"
                ),
                {"id": user_id, "email": f"t{user_id}@x.io", "at": AT},
            )
            conn.execute(
                text(
                    "INSERT INTO technicians (user_id, skills, home_lat, home_lon, on_shift, max_open_jobs, created_at)"
                    " VALUES (:id, :skills, 31.2, 121.4, false, 6, :at)"
                ),
                {"id": user_id, "skills": skills, "at": AT},
            )
        conn.execute(text("INSERT INTO customers (id, name, created_at) VALUES (1, 'Acme', :at)"), {"at": AT})
        for wo_id, skills in ((1, '["hvac"]'), (2, '["hvac"]'), (3, "[]"), (4, '["boilers", "solar"]')):
            conn.execute(
                text(
                    "INSERT INTO work_orders (id, customer_id, title, priority, channel, status, required_skills, lat,"
                    " lon, created_at, response_due_at, resolve_due_at, reopen_count, version) VALUES (:id, 1, 'Leak',"
                    " 'high', 'phone', 'new', :skills, 31.2, 121.4, :at, :at, :at, 0, 1)"
                ),
                {"id": wo_id, "skills": skills, "at": AT},
            )
    engine.dispose()


def _vocabulary(url: str) -> dict:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, name_en, name_zh, active FROM skills ORDER BY code")).all()
    engine.dispose()
    return {code: (en, zh, bool(active)) for code, en, zh, active in rows}


def test_the_codes_in_use_become_the_vocabulary(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        downgrade(revision=BEFORE)
        _fill(database_url)
        upgrade(revision=MIGRATION)
        assert _vocabulary(database_url) == {
            "boilers": ("Boilers", "锅炉", True),
            "electrical": ("Electrical", "电气", True),
            "hvac": ("HVAC", "暖通空调", True),
            "solar": ("solar", "solar", True),
            "洗衣机维修": ("洗衣机维修", "洗衣机维修", True),
        }
        upgrade()


def test_an_empty_database_gets_an_empty_vocabulary(database_url):
    assert _vocabulary(database_url) == {}
