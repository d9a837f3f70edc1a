"""The request body, read whole and checked before the request touches the database.

Reading it first means a client that sends its body slowly holds only its own thread, never the
SQLite write lock or a pooled connection (a byte every two seconds used to block every write in
the system). Checking JSON here catches what the schema layer cannot see, because the parser
would fail or the database would: nesting thousands deep (a RecursionError in the parser) and
lone surrogates such as `\\ud800` (valid JSON, but not text any database can store).
"""

from __future__ import annotations

import json

from flask import request

from .common import is_mutating
from .errors import ApiError

MAX_JSON_DEPTH = 32  # the API's deepest body is four levels; room for clients that wrap theirs


def read_body() -> None:
    """Read a change's whole body now (a multipart form is parsed, files spooled), then check its JSON."""
    if not is_mutating():
        return
    if request.mimetype == "multipart/form-data":
        request.files  # noqa: B018 (parsing the form reads the body)
        return
    raw = request.get_data(cache=True)
    if raw and request.is_json:
        check_json(raw)


def check_json(raw: bytes) -> None:
    """Refuse JSON nested deeper than MAX_JSON_DEPTH or holding a lone surrogate (400 bad_request).
    Malformed JSON is left to the parser, which answers 400 as before."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise _bad(f"The JSON is nested too deep (at most {MAX_JSON_DEPTH} levels).") from None
    except ValueError:
        return
    problem = _problem(data)
    if problem:
        raise _bad(problem)


def _problem(data) -> str | None:
    stack = [(data, 0)]
    while stack:  # a loop, not recursion: the depth is what is being checked
        value, depth = stack.pop()
        if isinstance(value, str):
            if not _is_text(value):
                return "The JSON holds a lone surrogate (such as \\ud800), which is not text."
            continue
        if not isinstance(value, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:
            return f"The JSON is nested too deep (at most {MAX_JSON_DEPTH} levels)."
        children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
    return None


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)
