"""OnSite: a self-hosted field service backend."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from apiflask import APIFlask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import settings_from_env
from .extensions import db, limiter, login_manager, migrate
from .models import utcnow
from .models.base import render_migration_item

ROOT = Path(__file__).resolve().parent.parent

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
        }
    },
}


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


def _engine_options(uri: str, pool_size: int) -> dict:
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


def create_app(config: dict | None = None) -> APIFlask:
    """The application factory: configuration, extensions, blueprints, errors and CLI."""
    app = APIFlask(
        __name__,
        title="OnSite API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/docs",
        instance_path=str(ROOT / "instance"),
        static_folder=str(ROOT / "pwa" / "static"),
        static_url_path="/static",
    )
    app.config.update(settings_from_env(app.instance_path))
    app.config.update(
        OPENAPI_VERSION="3.0.3",
        DESCRIPTION="The HTTP contract of OnSite. Errors always have the shape "
        '`{"error": {"code", "message", "fields"?}}`.',
        VALIDATION_ERROR_SCHEMA=ERROR_SCHEMA,
        HTTP_ERROR_SCHEMA=ERROR_SCHEMA,
        CLOCK=utcnow,
        JSON_SORT_KEYS=False,
    )
    app.config.update(config or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["DATABASE_POOL_SIZE"]
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        # Behind a load balancer: the client's address (the login limit counts by it), the scheme
        # (customer links) and the host are what the trusted proxies say, not the proxy's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that
        compare_type=True,
        render_item=render_migration_item,
    )
    login_manager.init_app(app)
    limiter.init_app(app)

    from . import cli, messaging
    from .api import register_api

    register_api(app)
    cli.register(app)
    messaging.init_app(app)
    return app
