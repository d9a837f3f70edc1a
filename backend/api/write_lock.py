"""SQLite's write lock: a change takes it at its start, before its first read (PostgreSQL locks
rows instead, in the domain's queries)."""

from __future__ import annotations

from flask import current_app, request

from ..extensions import db
from .common import is_mutating


def writes_nothing(view):
    """Mark a POST that takes no write lock at its start (logging in or out). On SQLite it then does
    not hold the write lock through its password hash, which queued every change behind logins (in
    the load test, logins timed out waiting for it); the session's row is written at commit, after
    the hash, taking the lock only for that write."""
    view.writes_nothing = True
    return view


def take_sqlite_write_lock() -> None:
    """SQLite: a change starts with the write lock (BEGIN IMMEDIATE), before its first read. Two
    workers changing one work order at once then run one after the other, instead of both reading
    version n and one failing with a stale version at commit."""
    if not is_mutating() or db.engine.dialect.name != "sqlite":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "writes_nothing", False):
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
