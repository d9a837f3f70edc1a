"""Flask extensions, created unbound here and bound to an app in `create_app`; the database
engine's settings (the connection pool, SQLite's PRAGMAs on every connection) beside `db`."""

from __future__ import annotations

import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: write-ahead log (readers never wait for the writer), a busy timeout, foreign keys on."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def engine_options(uri: str, pool_size: int) -> dict:
    # A pool at least as large as a worker's threads: with SQLAlchemy's default of 5 and 8 threads,
    # the connections beyond 5 were opened and closed around single requests (895 PostgreSQL
    # sessions in a 3-minute load test), each a new server process.
    options = {"pool_pre_ping": True}
    if not uri.startswith("sqlite://") or uri.removeprefix("sqlite://") not in ("", "/:memory:"):
        options.update(pool_size=pool_size, max_overflow=5)  # an in-memory SQLite has no pool
    if uri.startswith("postgresql"):
        # Fail fast when the database is down, so workers answer 503 instead of hanging.
        options["connect_args"] = {"connect_timeout": 3}
    return options
