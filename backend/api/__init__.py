"""The HTTP layer: parse, check the role, call one domain function, serialise."""

from __future__ import annotations

from apiflask import APIFlask

from . import auth, confirm, customers, docs, health, reports, technicians, users, work_orders
from .errors import register_error_handlers
from .security import register_security_headers
from .transaction import register_transaction_hooks

BLUEPRINTS = (
    auth.bp,
    users.bp,
    technicians.bp,
    technicians.me_bp,
    customers.bp,
    work_orders.bp,
    confirm.bp,
    reports.bp,
    health.bp,
    docs.bp,
)


def register_api(app: APIFlask) -> None:
    app.config.update(docs.ASSET_CONFIG)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_transaction_hooks(app)
    register_security_headers(app)
