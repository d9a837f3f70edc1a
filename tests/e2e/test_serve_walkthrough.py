"""The two-command promise, for real: `./scripts/serve` on an empty SQLite database sets up, seeds
and serves with gunicorn, and the curl walkthrough of a whole visit succeeds against it over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import ANNOUNCEMENT_EVENTS

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_healthy(url: str, server: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"scripts/serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)  # polling a real server's start-up, not waiting on the app's clock
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def test_serve_then_walk_a_visit_through_with_curl(tmp_path):
    port = _free_port()
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'onsite.sqlite'}", PORT=str(port), WORKERS="1")
    env["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    env.pop("SECRET_KEY", None)  # serve must make its own, kept in the instance folder
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(REPO / "scripts" / "serve")],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_until_healthy(f"http://127.0.0.1:{port}/healthz", server)
        walk = subprocess.run(
            [str(REPO / "scripts" / "walkthrough"), f"http://127.0.0.1:{port}"],
            env=dict(env, PYTHON=sys.executable),
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    served = (tmp_path / "serve.log").read_text()
    assert "Demo logins" in served and "seeded" in served
    assert "is the leader" in served  # the scheduler process started beside the web server
    assert walk.returncode == 0, walk.stderr + walk.stdout
    assert "final status: closed, sign-off record valid: True" in walk.stdout
    timeline = [line.split()[1] for line in walk.stdout.split("timeline:\n")[1].splitlines()]
    visit = "created assign accept depart arrive log_added log_added attachment_added complete close"
    assert [action for action in timeline if action not in ANNOUNCEMENT_EVENTS] == visit.split()
    # The customer (a phone number) was told of the assignment, the departure and the completion; the
    # scheduler's sender may or may not have sent them yet when the timeline was read.
    assert timeline.count("message_queued") == 3
