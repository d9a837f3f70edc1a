"""Two app servers on one PostgreSQL database, as docs/DEPLOYMENT.md deploys them: each host runs
its own gunicorn and its own scheduler process. Over real HTTP, a user's session and work carry
from one host to the other (a load balancer may send any request anywhere), live updates cross
hosts, a retry landing on the other host is answered from the first one's record, and of the two
schedulers exactly one moves each overdue job, once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Event
from tests.factories import SITE, add_technician, new_jobs_in_bulk
from tests.faults.test_worker_killed import free_port
from tests.helpers import action_events
from tests.scheduler.test_concurrency import _passes, _wait_for

pytestmark = pytest.mark.postgresql_only
ROOT = Path(__file__).resolve().parents[2]
OVERDUE_JOBS = 30


@pytest.fixture
def two_hosts(database_url, tmp_path):
    """Two 'hosts': each a gunicorn (2 gthread workers) and a scheduler (a pass every second)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ONSITE_ENV": "development",
        "SECRET_KEY": "shared-by-every-host",  # one key across hosts, as the deployment guide says
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),  # the shared volume
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SCHEDULER_INTERVAL_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        "WORKERS": "2",
        "THREADS": "4",
    }
    processes, bases, logs = [], [], []
    try:
        yield from _serve_two_hosts(env, processes, bases, logs, tmp_path)
    finally:  # also when they never answered: no server or scheduler outlives the test
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _serve_two_hosts(env, processes, bases, logs, tmp_path):
    for host in ("a", "b"):
        port = free_port()
        bases.append(f"http://127.0.0.1:{port}")
        logs.append(tmp_path / f"scheduler-{host}.log")
        gunicorn = [sys.executable, "-m", "gunicorn", "--config", "scripts/gunicorn.conf.py"]
        gunicorn += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
        processes.append(subprocess.Popen(gunicorn, cwd=ROOT, env=env, stderr=subprocess.DEVNULL))
    for log in logs:  # started once the servers' migrations-free boot is under way
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"]
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT))
    for base in bases:
        _wait_for(lambda base=base: _healthy(base), 30, f"{base} to answer")
    yield bases, logs


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=1).ok
    except (requests.ConnectionError, requests.Timeout):
        return False


class Browser(requests.Session):
    """A client whose requests a load balancer spreads over hosts: the path says which host."""

    def log_in(self, base: str, email: str) -> None:
        response = self.post(base + "/api/v1/auth/login", json={"email": email, "password": "password123"})
        assert response.status_code == 200, response.text
        self.headers["X-CSRF-Token"] = response.json()["csrf_token"]


def test_two_hosts_share_sessions_work_live_updates_and_one_scheduler(app, two_hosts, world):
    (host_a, host_b), logs = two_hosts
    dispatcher, phone = Browser(), Browser()
    dispatcher.log_in(host_a, world.dispatcher_email)
    phone.log_in(host_b, world.tech_email)
    last_event = dispatcher.get(host_a + "/api/v1/events").json()["last_id"]

    job = {"title": "Leak", "priority": "high", "channel": "phone", "location": SITE, "customer_id": world.customer_id}
    created = dispatcher.post(host_a + "/api/v1/work-orders", json=job)
    assert created.status_code == 201, created.text
    url = f"/api/v1/work-orders/{created.json()['id']}"
    assert dispatcher.post(host_b + url + "/assign", json={"technician_id": world.technician_id}).status_code == 200

    # The phone's accept reaches host B; its answer is lost, and the retry lands on host A.
    key = {"Idempotency-Key": "accept-across-hosts"}
    first = phone.post(host_b + url + "/actions/accept", json={}, headers=key)
    again = phone.post(host_a + url + "/actions/accept", json={}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()

    # The dispatcher, on host A, sees what the phone did on host B, through live updates.
    update = dispatcher.get(host_a + f"/api/v1/events?after={last_event}").json()
    ours = [e for e in update["items"] if e["work_order_id"] == created.json()["id"]]
    actions = [e["action"] for e in action_events(ours)]
    assert actions == ["created", "assign", "accept"]
    detail = dispatcher.get(host_b + url).json()
    assert detail["status"] == "accepted" and [e["action"] for e in detail["events"]].count("accept") == 1

    # Overdue jobs, two schedulers: exactly one leads, and each job moves once.
    with app.app_context():
        for i in range(10):
            home = {"lat": SITE["lat"] + i * 0.02, "lon": SITE["lon"]}
            add_technician(f"boilers{i}@example.com", skills=["boilers"], home=home, max_open_jobs=10)
    five_hours_ago = datetime.now(UTC) - timedelta(hours=5)  # the schedulers run in real time
    ids = new_jobs_in_bulk(
        app, world.customer_id, OVERDUE_JOBS, skill="boilers", title="Boiler", first_id=5000, created_at=five_hours_ago
    )

    def moved() -> int:
        with app.app_context():
            db.session.remove()
            return db.session.scalar(
                select(func.count(func.distinct(Event.work_order_id))).where(
                    Event.action == "auto_reassigned", Event.work_order_id.in_(ids)
                )
            )

    _wait_for(lambda: moved() == OVERDUE_JOBS, 30, "every overdue job to be moved")
    time.sleep(2)  # two more passes (real processes, real time): a second scheduler would act now
    with app.app_context():
        db.session.remove()
        moves = db.session.scalar(
            select(func.count()).where(Event.action == "auto_reassigned", Event.work_order_id.in_(ids))
        )
    assert moves == OVERDUE_JOBS  # once each
    passes = [_passes(log) for log in logs]
    assert sorted(passes)[0] == 0 and sorted(passes)[1] >= 1, passes  # one leader; the other stood by
    assert "standing by" in logs[passes.index(0)].read_text()
