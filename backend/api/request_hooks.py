"""The checks every request passes, in the order they run: the one place that registers them.

Before the view, cheapest refusal first, and nothing slow while holding what others wait for:
1. timing starts (SERVER_TIMING only), so that its figures cover every hook below;
2. the rate limit (Flask-Limiter's own hook): a flood is refused before it costs a session lookup;
3. auth and CSRF: the session cookie names the user (flask-login loads it here, on first use), and
   a change made on the session's authority must echo its token; refused before the body is read;
4. the body of a change is read whole and its JSON checked: before the lock, so that a client
   sending slowly never holds the SQLite write lock or a pooled connection;
5. SQLite's write lock (BEGIN IMMEDIATE): before the first read of the request, so that two changes
   to one work order run one after the other;
6. Idempotency-Key: a repeat gets the first answer. Inside the lock, so that a repeat racing the
   first sees its answer (PostgreSQL: the unique key decides at commit, see api/transaction.py).
The view itself checks the role (`roles_required`) and works in the request's transaction.

After the view, in the order they run:
1. the transaction commits a success or rolls back a failure; a failed commit becomes the answer;
2. the session's last use is recorded, in a transaction of its own (after the request's, so that a
   GET stays read-only and a rolled-back change does not lose it);
3. security headers, on whatever answer that left (a 409 from the commit included);
4. timing ends, last.
"""

from __future__ import annotations

from apiflask import APIFlask

from ..extensions import limiter
from .idempotency import replay_repeated_request
from .request_body import read_body
from .security import add_security_headers, enforce_csrf, touch_current_session
from .server_timing import finish_timing, server_timing_on, start_timing
from .transaction import finish_transaction
from .write_lock import take_sqlite_write_lock

BEFORE_VIEW = (enforce_csrf, read_body, take_sqlite_write_lock, replay_repeated_request)
AFTER_VIEW = (finish_transaction, touch_current_session, add_security_headers)


def register_request_hooks(app: APIFlask) -> None:
    if server_timing_on(app):
        app.before_request(start_timing)
        app.after_request(finish_timing)  # registered first of the after hooks: runs last
    limiter.init_app(app)  # registers its rate-limit hook (and its headers' after hook) here
    for hook in BEFORE_VIEW:
        app.before_request(hook)
    # Flask runs after_request hooks last registered first: register in reverse to run in order.
    for hook in reversed(AFTER_VIEW):
        app.after_request(hook)
