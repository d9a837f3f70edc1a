"""`Server-Timing` on every response, when SERVER_TIMING is on (off by default: it tells a client
how long the database took, which is for operators, not for the public).

Where a request's time went, as the browser's developer tools and the load test read it:
- `total`: from the first hook to the response, inside the app;
- `db`: wall time inside the database driver (queries, plus waiting for the GIL after them);
- `cpu`: this thread's own CPU time;
- `runq`: time this thread was ready to run but waited for a CPU (the kernel's run queue).
What is left, `total - cpu - runq - db`, is time asleep outside the queries: the commit (waiting
for the database to make it durable), the GIL, or a lock.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, g
from sqlalchemy import event
from sqlalchemy.engine import Engine

_db = threading.local()  # per thread: the current request's time inside the driver


def _schedstat() -> tuple[int, int]:
    """(ns on a CPU, ns waiting for one) of this thread, from the kernel; zeros where not Linux."""
    try:
        with open("/proc/thread-self/schedstat") as handle:
            on_cpu, waiting, _slices = handle.read().split()
        return int(on_cpu), int(waiting)
    except OSError:
        return 0, 0


def _query_starts(_conn, _cursor, _statement, _parameters, _context, _executemany):
    _db.started = time.perf_counter()


def _query_ends(_conn, _cursor, _statement, _parameters, _context, _executemany):
    if getattr(_db, "active", False):
        _db.seconds += time.perf_counter() - _db.started
        _db.queries += 1


def start_timing() -> None:
    _db.active, _db.seconds, _db.queries = True, 0.0, 0
    g.timing_started = (time.perf_counter(), time.thread_time(), _schedstat()[1])


def finish_timing(response: Response) -> Response:
    if "timing_started" not in g:
        return response
    wall, cpu, runq = g.pop("timing_started")
    total = (time.perf_counter() - wall) * 1000
    cpu = (time.thread_time() - cpu) * 1000
    runq = (_schedstat()[1] - runq) / 1e6
    response.headers["Server-Timing"] = (
        f'total;dur={total:.1f}, db;dur={_db.seconds * 1000:.1f};desc="{_db.queries} queries", '
        f"cpu;dur={cpu:.1f}, runq;dur={runq:.1f}"
    )
    _db.active = False
    return response


def server_timing_on(app: Flask) -> bool:
    """SERVER_TIMING is on: then the driver's time is counted too (api/request_hooks.py adds the hooks)."""
    if not app.config.get("SERVER_TIMING"):
        return False
    if not event.contains(Engine, "before_cursor_execute", _query_starts):
        event.listen(Engine, "before_cursor_execute", _query_starts)
        event.listen(Engine, "after_cursor_execute", _query_ends)
    return True
