"""The HTTP layer: parse, check the role, call one domain function, serialise. Here: the
blueprints, the `<int:...>` converter, the error handlers and the request hooks, registered once."""

from __future__ import annotations

from apiflask import APIFlask
from werkzeug.routing import IntegerConverter

from . import (
    assets,
    auth,
    board,
    calendar,
    charges,
    confirm,
    customers,
    docs,
    follow_ups,
    geocoding,
    health,
    knowledge,
    live,
    maintenance,
    messages,
    meta,
    notifications,
    pages,
    plans,
    portal,
    push,
    quality,
    reports,
    service_report,
    skills,
    stock,
    technicians,
    track,
    users,
    work_orders,
)
from .errors import register_error_handlers
from .openapi import register_openapi_answers
from .request_hooks import register_request_hooks

BLUEPRINTS = (
    auth.bp,
    users.bp,
    technicians.bp,
    technicians.me_bp,
    skills.bp,
    calendar.bp,
    notifications.bp,
    push.bp,
    live.bp,
    meta.bp,
    customers.bp,
    assets.bp,
    assets.link_bp,
    maintenance.bp,
    geocoding.bp,
    work_orders.bp,
    plans.bp,
    knowledge.bp,
    follow_ups.bp,
    messages.bp,
    board.bp,
    quality.bp,
    confirm.bp,
    track.bp,
    portal.bp,
    charges.bp,
    reports.bp,
    *stock.BLUEPRINTS,
    service_report.bp,
    health.bp,
    docs.bp,
    pages.bp,
)


class IdConverter(IntegerConverter):
    """`<int:...>` in paths: an id too big for the databases' INTEGER columns names nothing (404),
    instead of failing inside the query (a 500 on PostgreSQL and SQLite alike)."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def register_api(app: APIFlask) -> None:
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(docs.ASSET_CONFIG)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_openapi_answers(app)
    register_request_hooks(app)
