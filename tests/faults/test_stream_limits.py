"""Live-update streams against the serving stack as `./scripts/serve` starts it (nginx in front of
gunicorn, 2 workers x 8 threads), on loopback.

Each stream holds a gunicorn thread for its lifetime (25 s). Before the caps, 16 streams held
every thread and ordinary requests stopped; a user could open as many as they liked.
"""

from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import LiveStream
from tests.factories import add_user
from tests.faults.test_several_servers import Browser
from tests.faults.test_slow_connections import serving_stack  # noqa: F401 (the fixture)

STREAMS_PER_USER = 3
ATTEMPTED_STREAMS = 51  # 17 dispatchers x 3
SERVE_WORKERS, SERVE_THREADS = 2, 8  # ./scripts/serve's defaults
ANSWER_WITHIN_SECONDS = 2


def _open_stream(browser: Browser, base: str) -> requests.Response | None:
    """A stream's first answer (its headers), or None when none came: the server is saturated."""
    try:
        return browser.get(base + "/api/v1/events/stream", stream=True, timeout=(3, ANSWER_WITHIN_SECONDS))
    except requests.Timeout:
        return None


def _ordinary_requests_answer_quickly(base: str, browser: Browser) -> None:
    for _ in range(5):
        for url in (base + "/healthz", base + "/api/v1/work-orders"):
            started = time.monotonic()
            try:
                response = browser.get(url, timeout=ANSWER_WITHIN_SECONDS)
            except requests.Timeout:
                pytest.fail(f"{url} did not answer within {ANSWER_WITHIN_SECONDS} s while streams were open")
            assert response.status_code == 200, response.text
            assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
        time.sleep(0.3)


def _lines(response: requests.Response, seconds: float) -> list[str]:
    """The stream's next lines for up to `seconds` (keep-alives come every second), or until it ends."""
    if not hasattr(response, "line_reader"):  # one reader per stream: a new one would lose what the last one read ahead
        response.line_reader = response.iter_lines(decode_unicode=True)
    lines, deadline = [], time.monotonic() + seconds
    for line in response.line_reader:
        lines.append(line)
        if time.monotonic() > deadline:
            break
    return lines


def test_fifty_streams_leave_threads_for_ordinary_requests(app, serving_stack, world):  # noqa: F811
    base, _ = serving_stack
    with app.app_context():
        emails = [add_user("dispatcher", f"watcher{i}@example.com").email for i in range(ATTEMPTED_STREAMS // 3)]
    streams, refused = [], []
    try:
        for email in emails:
            browser = Browser()
            browser.log_in(base, email)
            for _ in range(STREAMS_PER_USER):
                response = _open_stream(browser, base)
                if response is None:
                    break
                (streams if response.status_code == 200 else refused).append(response)
        assert len(streams) + len(refused) == ATTEMPTED_STREAMS, "a stream request went unanswered"
        # Streams keep at most half of each worker's threads; the rest are refused, to poll instead.
        assert 1 <= len(streams) <= SERVE_WORKERS * SERVE_THREADS // 2
        for response in refused:
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "unavailable"
            assert int(response.headers["Retry-After"]) > 0
        dispatcher = Browser()
        dispatcher.log_in(base, world.dispatcher_email)
        _ordinary_requests_answer_quickly(base, dispatcher)
    finally:
        for response in streams + refused:
            response.close()


def test_a_users_fourth_stream_ends_their_first(app, serving_stack, world):  # noqa: F811
    base, _ = serving_stack
    dispatcher = Browser()
    dispatcher.log_in(base, world.dispatcher_email)
    streams = []
    try:
        for _ in range(STREAMS_PER_USER + 1):
            response = _open_stream(dispatcher, base)
            assert response is not None and response.status_code == 200
            assert _lines(response, 0)[0].startswith("retry:")  # open and sending
            streams.append(response)
        first, *others = streams
        assert "event: superseded" in _lines(first, 5)
        for response in others:
            assert ": keep-alive" in _lines(response, 2)
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(LiveStream))
        assert count == STREAMS_PER_USER
    finally:
        for response in streams:
            response.close()
