"""One place that turns every failure into the contract's JSON error shape, never a stack trace."""

from __future__ import annotations

import logging

from apiflask import APIFlask, HTTPError
from flask import jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..domain.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidTransition,
    NotFound,
    NotPermitted,
    StaleVersion,
    ValidationFailed,
)

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
DOMAIN_STATUS = {
    ValidationFailed: 422,
    InvalidTransition: 409,
    StaleVersion: 409,
    Conflict: 409,
    NotPermitted: 403,
    NotFound: 404,
    Gone: 410,
}
MESSAGES = {
    400: "The request could not be read (malformed JSON?).",
    401: "Log in first.",
    403: "You may not do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    413: "The request is too large.",
    429: "Too many attempts; wait a while and try again.",
    500: "Something went wrong on our side; nothing was changed.",
    503: "The service is unavailable right now; try again shortly.",
}


class ApiError(Exception):
    """An error with a contract code, raised by the API layer (e.g. csrf_failed)."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields


def error_response(
    status: int, message: str | None = None, code: str | None = None, fields=None, headers=None, reason=None
):
    body = {"code": code or CODES.get(status, "error"), "message": message or MESSAGES.get(status, "")}
    if fields:
        body["fields"] = fields
    if reason:
        body["reason"] = reason
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _disk_full(error: OperationalError) -> bool:
    """SQLite's SQLITE_FULL, or PostgreSQL's disk_full (SQLSTATE 53100)."""
    original = getattr(error, "orig", None)
    sqlite_full = getattr(original, "sqlite_errorname", None) == "SQLITE_FULL"
    return sqlite_full or getattr(original, "sqlstate", None) == "53100"


def database_unavailable(error: OperationalError):
    """503 for a database that cannot be reached or cannot write; the message says which."""
    log.warning("database unavailable: %s", error)
    if _disk_full(error):
        message = "The database's disk is full; nothing was changed. Retry once an operator has freed space."
    else:
        message = "The database is unavailable right now; nothing was changed."
    return error_response(503, message)


def flatten_fields(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as `{"location.lat": [...], "parts.0.qty": [...]}`."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": messages}
        flat = {}
        for index, item in enumerate(messages):
            flat.update(flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    if isinstance(messages, dict):
        flat = {}
        for key, value in messages.items():
            flat.update(flatten_fields(value, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix or "_schema": [str(messages)]}


def _validation_fields(detail) -> dict[str, list[str]]:
    # APIFlask wraps field errors by location ({"json": {...}}, {"query": {...}}); drop that level.
    if isinstance(detail, dict) and len(detail) == 1:
        ((location, inner),) = detail.items()
        if location in ("json", "query", "files", "form", "form_and_files", "path", "view_args"):
            detail = inner
    return flatten_fields(detail)


def register_error_handlers(app: APIFlask) -> None:
    @app.error_processor
    def http_error(error: HTTPError):
        if error.status_code == 422:
            fields = _validation_fields(error.detail)
            message = "The request has invalid fields: " + ", ".join(sorted(fields)) + "."
            return error_response(422, message, fields=fields, headers=error.headers)
        if error.status_code == 400 and isinstance(error.detail, dict) and error.detail:
            return error_response(400, MESSAGES[400], headers=error.headers)
        message = MESSAGES.get(error.status_code) or error.message
        return error_response(error.status_code, message, headers=error.headers)

    @app.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error_response(error.status, error.message, code=error.code, fields=error.fields)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        status = DOMAIN_STATUS.get(type(error), 400)
        if isinstance(error, ValidationFailed):
            message = f"The request has invalid fields: {', '.join(sorted(error.fields))}."
            return error_response(422, message, fields=error.fields)
        return error_response(status, error.message, reason=getattr(error, "reason", None))

    @app.errorhandler(StaleDataError)
    def stale(error):
        return error_response(409, "Someone else changed this work order at the same moment; reload it.")

    @app.errorhandler(OperationalError)
    def database_down(error):
        return database_unavailable(error)

    @app.errorhandler(DBAPIError)
    def database_error(error):
        log.exception("database error")
        return error_response(500)

    @app.errorhandler(Exception)
    def unexpected(error):
        if isinstance(error, HTTPException):  # handled by APIFlask's processor above
            return http_error(HTTPError(error.code or 500, message=error.name))
        log.exception("unhandled error")
        return error_response(500)
