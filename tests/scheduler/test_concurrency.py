"""Never twice: passes racing over the same jobs, and scheduler processes electing one leader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Event, WorkOrder
from backend.scheduler import run_pass
from tests.conftest import START
from tests.factories import SITE, add_technician, new_jobs_in_bulk

REPO = Path(__file__).resolve().parents[2]


def _overdue_jobs(app, customer_id: int, count: int) -> list[int]:
    return new_jobs_in_bulk(app, customer_id, count, skill="elevators", title="Lift", first_id=1000, created_at=START)


@pytest.mark.postgresql_only  # row locks; SQLite serialises passes with its write lock instead
def test_two_passes_at_once_move_each_job_exactly_once(app, world):
    with app.app_context():
        for i in range(40):
            home = {"lat": SITE["lat"] + (i % 8) * 0.02, "lon": SITE["lon"] + (i // 8) * 0.02}
            add_technician(f"lift{i}@example.com", skills=["elevators"], home=home, max_open_jobs=10)
    ids = _overdue_jobs(app, world.customer_id, 200)
    late = START + timedelta(hours=5)
    summaries, errors = [], []
    start = threading.Barrier(2)

    def one_pass():
        try:
            start.wait()
            summaries.append(run_pass(app, late))
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert [s.checked for s in summaries] == [200, 200]  # both passes saw every job as due: a real race
    assert sum(s.reassigned + s.skipped for s in summaries) == 400  # each job: moved by one, skipped by the other
    # A job both skipped (a lock wait one of them lost as a deadlock) is the next pass's to move.
    leftover = run_pass(app, late + timedelta(minutes=1))
    assert sum(s.reassigned for s in summaries) + leftover.reassigned == 200
    with app.app_context():
        moves = dict(
            db.session.execute(
                select(Event.work_order_id, func.count())
                .where(Event.action == "auto_reassigned")
                .group_by(Event.work_order_id)
            ).all()
        )
        assert moves == {job_id: 1 for job_id in ids}
        versions = set(db.session.scalars(select(WorkOrder.version).where(WorkOrder.id.in_(ids))))
        assert versions == {2}
        held = db.session.execute(
            select(WorkOrder.technician_id, func.count()).where(WorkOrder.id.in_(ids)).group_by(WorkOrder.technician_id)
        ).all()
        assert max(count for _, count in held) <= 10  # nobody over their limit, though both passes raced


def _start_scheduler(database_url: str, log_path: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, SCHEDULER_INTERVAL_SECONDS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"],
        cwd=REPO,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


def _wait_for(predicate, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)  # watching real processes, not the app's clock
    raise AssertionError(f"timed out waiting for {what}")


def _passes(log: Path) -> int:
    return log.read_text().count("reassign-overdue pid=")


def test_one_scheduler_leads_and_another_takes_over_when_it_dies(database_url, tmp_path):
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [_start_scheduler(database_url, log) for log in logs]
    try:
        _wait_for(lambda: any(_passes(log) >= 3 for log in logs), 60, "a leader to run three passes")
        leader = 0 if _passes(logs[0]) else 1
        standby = 1 - leader
        assert _passes(logs[standby]) == 0, "both schedulers ran passes"
        assert "standing by" in logs[standby].read_text()

        processes[leader].send_signal(signal.SIGKILL)
        processes[leader].wait(timeout=10)
        killed_at = time.monotonic()
        _wait_for(lambda: _passes(logs[standby]) >= 1, 10, "the standby to take over")
        assert time.monotonic() - killed_at <= 2 * 1 + 0.5  # within two intervals (1 s each)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=10)
