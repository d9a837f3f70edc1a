"""The OpenAPI document states every status an operation can answer, so that generated clients and
fuzzers expect what the server does. The answers every operation shares come from the request's
walk through the app (the checks api/request_hooks.py lists, and errors.py), not from each view, so
they are added here once, from each view's `allowed_roles` and method."""

from __future__ import annotations

import re

from apiflask import APIFlask

from .errors import MESSAGES

ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPError"}}}
BODY_METHODS = {"post", "put", "patch"}


def _answers(method: str, path: str, allowed_roles) -> dict[int, str]:
    """The statuses any operation of this kind may answer besides its own."""
    answers = {503: "The database is unreachable; nothing was changed."}
    if allowed_roles != "public":
        answers[401] = MESSAGES[401]
        answers[403] = "Your role may not do this, or the CSRF token is missing or wrong (`csrf_failed`)."
    if "{" in path:
        answers[404] = "Nothing with this id, or nothing you may see."
    if method in BODY_METHODS:
        answers[400] = "The body could not be read: malformed JSON, nested too deep, or not text."
        answers[413] = MESSAGES[413]
        answers[409] = "The change clashes with one saved at the same moment; reload and retry."
        answers[422] = "A field is invalid (`fields` says which), or an Idempotency-Key was reused for another request."
    if method != "get" or "{" in path:
        answers.setdefault(422, "A parameter is invalid (`fields` says which).")
    return answers


def _view_roles(app: APIFlask) -> dict[tuple[str, str], object]:
    """(method, OpenAPI path) → the view's allowed roles."""
    roles = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        view = app.view_functions[rule.endpoint]
        for method in rule.methods or ():
            roles[(method.lower(), path)] = getattr(view, "allowed_roles", None)
    return roles


def register_openapi_answers(app: APIFlask) -> None:
    @app.spec_processor
    def add_shared_answers(spec: dict) -> dict:
        roles = _view_roles(app)
        for path, operations in spec.get("paths", {}).items():
            for method, operation in operations.items():
                if method not in {"get", "post", "put", "patch", "delete"}:
                    continue
                responses = operation.setdefault("responses", {})
                for status, description in _answers(method, path, roles.get((method, path))).items():
                    responses.setdefault(str(status), {"description": description, "content": ERROR_REF})
        return spec
