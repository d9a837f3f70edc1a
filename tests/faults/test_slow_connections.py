"""Slow connections against the serving stack as `./scripts/serve` starts it (`scripts/serve-web`:
nginx in front of gunicorn with scripts/gunicorn.conf.py, its default 2 workers x 8 threads), on
loopback.

The attack of issue 13: connections that each send a partial request and then one header line
every 2 s, never finishing. With gunicorn facing clients, each held a thread from its first byte
on, and 16 of them stopped /healthz (FRONT=none runs this test against that setup: it fails).
nginx reads requests whole before gunicorn sees them, so they cost it nothing.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.faults.test_several_servers import Browser, _healthy
from tests.faults.test_worker_killed import free_port
from tests.helpers import require
from tests.scheduler.test_concurrency import _wait_for

ROOT = Path(__file__).resolve().parents[2]
SLOW_CONNECTIONS = 80  # issue 13 stopped the server with 64; gunicorn alone has 2 x 8 threads
ATTACK_SECONDS = 16  # longer than nginx's 10 s for a request's headers: it sees them out and back
HEADER_EVERY_SECONDS = 2
ANSWER_WITHIN_SECONDS = 3


def nginx_or_require(request) -> None:
    if os.environ.get("FRONT") != "none" and not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        require(request, "nginx", "the front server of scripts/serve-web (apt-get install nginx-light)")


@pytest.fixture
def serving_stack(request, database_url, tmp_path):
    """`scripts/serve-web` on a free loopback port, with serve's defaults; its base URL."""
    nginx_or_require(request)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ONSITE_ENV": "development",
        "SECRET_KEY": "slow-connections-test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    for name in ("WORKERS", "THREADS", "TRUSTED_PROXIES"):  # serve's defaults, not the caller's shell
        env.pop(name, None)
    log = (tmp_path / "serve-web.log").open("w")
    command = [str(ROOT / "scripts" / "serve-web")]
    # A session of its own: the whole group (nginx, gunicorn) is stopped at the end.
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _healthy(base), 60, f"{base} to answer")
        yield base, port
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # serve-web's group: nginx and gunicorn with it
        process.wait(timeout=30)
        log.close()


class SlowClients:
    """`count` connections, each a request that gets one more header line every few seconds and
    never ends; one that the server closes is opened again, so that `count` stay open."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.stop = threading.Event()
        self.reopened = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket:
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        return connection

    def _run(self) -> None:
        connections = [self._open() for _ in range(self.count)]
        line = 0
        while not self.stop.wait(HEADER_EVERY_SECONDS):
            line += 1
            for i, connection in enumerate(connections):
                try:
                    connection.sendall(f"X-Slow-{line}: {i}\r\n".encode())
                except OSError:  # closed by the server (timed out): open another in its place
                    connection.close()
                    connections[i] = self._open()
                    self.reopened += 1
        for connection in connections:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=30)


def _answers_quickly(call) -> float:
    """Seconds the call took; fails if it took too long or did not answer 200."""
    started = time.monotonic()
    try:
        response = call()
    except requests.Timeout:
        pytest.fail(f"no answer within {ANSWER_WITHIN_SECONDS} s while slow connections were open")
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    return elapsed


def test_slow_connections_do_not_stop_the_server(app, serving_stack, world):
    base, port = serving_stack
    dispatcher = Browser()
    dispatcher.log_in(base, world.dispatcher_email)

    with SlowClients(port, SLOW_CONNECTIONS) as attack:
        time.sleep(1)  # every slow connection has sent its first lines
        deadline = time.monotonic() + ATTACK_SECONDS
        slowest = 0.0
        while time.monotonic() < deadline:
            health = _answers_quickly(lambda: requests.get(base + "/healthz", timeout=ANSWER_WITHIN_SECONDS))
            work = _answers_quickly(lambda: dispatcher.get(base + "/api/v1/work-orders", timeout=ANSWER_WITHIN_SECONDS))
            slowest = max(slowest, health, work)
            time.sleep(0.5)
    # The slow requests never reached the app: nginx dropped each after its 10 s for headers.
    assert attack.reopened >= SLOW_CONNECTIONS
    assert slowest < ANSWER_WITHIN_SECONDS


def test_an_over_long_request_line_or_header_gets_the_contracts_json(app, serving_stack):
    """The front server's own refusals, before the app sees anything, keep the error shape."""
    base, _ = serving_stack
    long_line = requests.get(f"{base}/api/v1/work-orders?q={'x' * 20_000}", timeout=10)
    long_header = requests.get(f"{base}/api/v1/auth/me", headers={"X-Padding": "y" * 20_000}, timeout=10)
    for answer in (long_line, long_header):
        assert answer.status_code in (400, 414, 431), answer.text[:200]
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.json()["error"]["code"] == "bad_request" and answer.json()["error"]["message"]
