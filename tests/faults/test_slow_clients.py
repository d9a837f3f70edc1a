"""Slow clients against a real gunicorn on loopback, as `./scripts/serve` runs it.

A request whose body trickles in (a byte every few seconds: an attacker, or a phone's photo upload
on a weak signal) must hold only its own thread. On SQLite it used to take the database's write
lock before reading its body, and every other write in the system then waited 10 s and failed
with 503 for as long as the trickle lasted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.faults.test_several_servers import Browser, _healthy
from tests.faults.test_worker_killed import free_port
from tests.scheduler.test_concurrency import _wait_for

ROOT = Path(__file__).resolve().parents[2]
# What a write may take while a slow body is open; the lock's busy timeout is 10 s.
WRITE_PATIENCE_SECONDS = 5


@pytest.fixture
def server(database_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ONSITE_ENV": "development",
        "SECRET_KEY": "slow-clients-test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "WORKERS": "1",
        "THREADS": "4",
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "scripts/gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _healthy(base), 30, f"{base} to answer")
        yield base, port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _trickle(port: int, head: str, first_bytes: bytes) -> socket.socket:
    """A request whose headers arrive at once and whose body stops after `first_bytes`."""
    connection = socket.create_connection(("127.0.0.1", port))
    connection.sendall(head.encode() + b"\r\n" + first_bytes)
    time.sleep(0.5)  # the client's own pace: the server has read the headers and started the request
    return connection


def _writes_go_through(base: str, browser: Browser, customer_name: str) -> None:
    started = time.monotonic()
    response = browser.post(base + "/api/v1/customers", json={"name": customer_name}, timeout=WRITE_PATIENCE_SECONDS)
    assert response.status_code == 201, response.text
    assert time.monotonic() - started < WRITE_PATIENCE_SECONDS


@pytest.mark.sqlite_only
def test_a_slow_anonymous_body_does_not_hold_the_write_lock(app, server, world):
    base, port = server
    browser = Browser()
    browser.log_in(base, world.dispatcher_email)
    head = (
        "POST /api/v1/confirm/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n"
    )
    slow = _trickle(port, head, b'{"accepted": true, "signer_name": "')
    try:
        _writes_go_through(base, browser, "Written while a body trickles")
    finally:
        slow.close()


@pytest.mark.sqlite_only
def test_a_slow_photo_upload_does_not_hold_the_write_lock(app, server, world, client_for):
    base, port = server
    technician = Browser()
    technician.log_in(base, world.tech_email)
    dispatcher = Browser()
    dispatcher.log_in(base, world.dispatcher_email)
    cookie = "; ".join(f"{c.name}={c.value}" for c in technician.cookies)
    boundary = "slowboundary"
    head = (
        "POST /api/v1/work-orders/1/attachments HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: 500000\r\n"
        f"Cookie: {cookie}\r\nX-CSRF-Token: {technician.headers['X-CSRF-Token']}\r\n"
    )
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
    slow = _trickle(port, head, part.encode() + b"\xff\xd8\xff")
    try:
        _writes_go_through(base, dispatcher, "Written while a photo trickles")
    finally:
        slow.close()
    assert requests.get(base + "/healthz", timeout=5).ok
