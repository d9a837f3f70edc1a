"""OnSite: a self-hosted field service backend."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIFlask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import settings_from_env
from .extensions import db, engine_options, login_manager, migrate
from .models import utcnow
from .models.base import render_migration_item

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> APIFlask:
    """The application factory: configuration, extensions, blueprints, errors and CLI."""
    from .api.schemas.errors import ERROR_SCHEMA  # imported here as the API is: it loads every blueprint

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
    )
    app.config.update(config or {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
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
    login_manager.init_app(app)  # the rate limiter is bound with the request hooks (api/request_hooks.py)

    from . import cli, messaging
    from .api import register_api

    register_api(app)
    cli.register(app)
    messaging.init_app(app)
    return app
