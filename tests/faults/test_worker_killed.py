"""A gunicorn worker killed with SIGKILL in the middle of a burst of client retries: every change
is applied exactly once (the Idempotency-Key and the change commit together, or not at all)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
NOTES = 60
PHONES = 3  # senders at once, so that kills land on requests in flight
KILLS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def gunicorn(database_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ONSITE_ENV": "development",  # plain HTTP on loopback: no Secure cookie
        "SECRET_KEY": "worker-kill-test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:  # whatever happens while it starts, the server is stopped (one once outlived a failed start)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not up yet, or still booting
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def send_until_answered(session, method, url, key, **kwargs):
    """What the app does: the same key until an answer arrives (connection lost, 5xx: retry)."""
    for _ in range(50):
        try:
            response = session.request(
                method, url, headers={"Idempotency-Key": key, **session.csrf}, timeout=10, **kwargs
            )
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError, requests.Timeout):
            time.sleep(0.05)  # the answer was lost (the worker died mid-request or mid-reply)
            continue
        if response.status_code < 500:
            return response
        time.sleep(0.05)
    raise AssertionError(f"{key} never answered")


def test_each_change_applies_once_when_a_worker_dies_mid_burst(make_app, gunicorn, dispatcher, world, new_work_order):
    base, master = gunicorn
    wo = new_work_order(title="Burst")
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    phone = requests.Session()
    login = phone.post(base + "/api/v1/auth/login", json={"email": world.tech_email, "password": "password123"})
    assert login.status_code == 200, login.text
    phone.csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    url = f"{base}/api/v1/work-orders/{wo['id']}"
    send_until_answered(phone, "POST", f"{url}/actions/accept", "accept", json={})
    send_until_answered(phone, "POST", f"{url}/actions/arrive", "arrive", json={})

    failures = []

    def send_notes(first):
        try:
            send_share(first)
        except Exception as error:  # reported by the test below, not lost in a thread
            failures.append(error)

    def send_share(first):
        for n in range(first, NOTES, PHONES):
            # Each note twice, as a phone does when it never saw the first answer.
            for _ in range(2):
                note = {"kind": "note", "text": f"note {n}"}
                answer = send_until_answered(phone, "POST", f"{url}/logs", f"note-{n}", json=note)
                assert answer.status_code == 201, answer.text

    senders = [threading.Thread(target=send_notes, args=(i,)) for i in range(PHONES)]
    for sender in senders:
        sender.start()
    killed = []
    while len(killed) < KILLS and any(s.is_alive() for s in senders):
        time.sleep(0.1)
        victims = worker_pids(master)
        if victims:
            os.kill(victims[0], signal.SIGKILL)  # mid-burst: requests in flight die with it
            killed.append(victims[0])
    for sender in senders:
        sender.join(timeout=120)

    assert failures == []
    assert len(killed) >= 2, "the burst ended before two workers could be killed"
    texts = [log["text"] for log in dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["logs"]]
    assert sorted(texts) == sorted(f"note {n}" for n in range(NOTES))  # every note exactly once
