"""The scheduler process: the overdue pass every interval (APScheduler 3), run by one leader, and
the customer messages' sender every MESSAGE_SEND_SECONDS on that leader (messaging.send_round).

Never started inside gunicorn workers: `flask --app wsgi scheduler` runs it as its own process
(`./scripts/serve` starts one beside the web server). Several may run, on one machine or many;
one holds the leader lock and runs passes, the others stand by and try to take the lock at every
tick, so when the leader dies another takes over within one interval.

- PostgreSQL: a session-level advisory lock on a connection kept open for the purpose. It is
  released by the server when the leader's connection ends, however the leader died.
- SQLite: an exclusive `flock` on a file beside the database (one machine by nature); the kernel
  releases it when the process dies.
"""

from __future__ import annotations

import fcntl
import logging
import os
from contextlib import contextmanager
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from .domain.dispatch import dispatch_settings
from .domain.maintenance import MaintenanceSummary, create_maintenance_orders
from .domain.reassignment import PassSummary, Settings, reassign_overdue
from .extensions import db
from .messaging import push_round, send_round

log = logging.getLogger("onsite.scheduler")

# pg_advisory_lock key: any constant the application does not use for anything else.
LEADER_LOCK_KEY = 0x0_05_17E_5C4ED


@contextmanager
def job_transaction(session: Session):
    """One short transaction: commit on success, roll back on any error. On SQLite it starts with
    `BEGIN IMMEDIATE`, taking the database's write lock before the first read, so two passes
    (in two processes) cannot both read a job as due and both move it."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def pass_settings(app: Flask) -> Settings:
    """The pass's settings; reads the company calendar (working hours), so call it in a pass's app context."""
    with app.app_context():
        return Settings(
            accept_timeout=app.config["ACCEPT_TIMEOUT_MINUTES"],
            dispatch=dispatch_settings(app.config, db.session),
            min_gain_minutes=app.config["REASSIGN_MIN_GAIN_MINUTES"],
            min_dwell_minutes=app.config["REASSIGN_MIN_DWELL_MINUTES"],
            messages=app.extensions.get("onsite.messages"),  # customers of moved jobs are told
        )


@contextmanager
def pass_session(engine: Engine):
    """A session on a connection of its own for one worker of a pass. On PostgreSQL its commits do
    not wait for the WAL flush (`synchronous_commit off`): a database crash may forget the last
    fraction of a second of moves, whole (each is one transaction), and the next pass redoes them;
    in exchange a pass is not bound by one disk flush per job."""
    postgresql = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        if postgresql:
            connection.exec_driver_sql("SET synchronous_commit TO off")
            connection.commit()
        try:
            with Session(bind=connection) as session:
                yield session
        finally:
            if postgresql and not connection.invalidated:
                connection.rollback()
                connection.exec_driver_sql("RESET synchronous_commit")
                connection.commit()


def run_pass(app: Flask, now: datetime | None = None) -> PassSummary:
    """One pass as of `now` (default: the app's clock). On PostgreSQL SCHEDULER_WORKERS threads
    share the jobs; SQLite has one writer at a time, so one."""
    with app.app_context():
        engine = db.engine
        workers = app.config["SCHEDULER_WORKERS"] if engine.dialect.name == "postgresql" else 1
        return reassign_overdue(
            lambda: pass_session(engine),
            now or app.config["CLOCK"](),
            pass_settings(app),
            job_transaction,
            workers=workers,
        )


def run_maintenance(app: Flask, now: datetime | None = None) -> MaintenanceSummary:
    """One maintenance pass as of `now` (default: the app's clock): the work orders of every plan
    occurrence due by today (domain/maintenance.py; exactly once per occurrence by a UNIQUE key)."""
    with app.app_context():
        engine = db.engine
        return create_maintenance_orders(
            lambda: pass_session(engine),
            job_transaction,
            now or app.config["CLOCK"](),
            app.config["SLA_POLICY"],
            app.config["TIMEZONE"],
        )


class PostgresLeaderLock:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.connection = None

    def acquire(self) -> bool:
        """True while this process is the leader: keeps the lock, or takes it when free."""
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT 1"))
                self.connection.commit()  # never sit idle in a transaction between ticks
                return True
            except Exception:  # the connection (and with it the lock) is gone
                log.warning("lost the database connection that held the leader lock")
                self._close()
        connection = self.engine.connect()
        got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}).scalar()
        connection.commit()  # end the transaction; the session-level lock outlives it
        if got:
            self.connection = connection
        else:
            connection.close()
        return bool(got)

    def _close(self) -> None:
        try:
            self.connection.invalidate()
        finally:
            self.connection = None

    def release(self) -> None:
        """Give the lock up now (a pooled connection would otherwise keep it to the process's end)."""
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})
                self.connection.commit()
            finally:
                self.connection.close()
                self.connection = None


class FileLeaderLock:
    def __init__(self, path: str):
        self.path = path
        self.handle = None

    def acquire(self) -> bool:
        if self.handle is not None:
            return True
        handle = open(self.path, "a")  # noqa: SIM115 (held open for as long as we lead)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self.handle = handle
        return True

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def leader_lock(engine: Engine, instance_path: str):
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        return PostgresLeaderLock(engine)
    database = url.database or ""
    path = f"{database}.scheduler.lock" if database and database != ":memory:" else None
    return FileLeaderLock(path or os.path.join(instance_path, "scheduler.lock"))


def run_scheduler(app: Flask) -> None:
    """Run passes every SCHEDULER_INTERVAL_SECONDS in the foreground, as leader or standby."""
    interval = app.config["SCHEDULER_INTERVAL_SECONDS"]
    with app.app_context():
        lock = leader_lock(db.engine, app.instance_path)
    state = {"leading": None}

    def tick() -> None:
        with app.app_context():
            leading = lock.acquire()
        if leading != state["leading"]:
            log.info("scheduler pid %d is %s", os.getpid(), "the leader" if leading else "standing by")
            state["leading"] = leading
        if not leading:
            return
        summary = run_pass(app)
        log.info(
            "reassign-overdue pid=%d checked=%d reassigned=%d escalated=%d skipped=%d ms=%d",
            os.getpid(),
            summary.checked,
            summary.reassigned,
            summary.escalated,
            summary.skipped,
            summary.milliseconds,
        )

    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={
            "coalesce": True,  # after a stall, one catch-up pass, not one per missed minute
            "max_instances": 1,  # a slow pass is never overlapped by the next
            "misfire_grace_time": app.config["SCHEDULER_MISFIRE_GRACE_SECONDS"],
        },
    )
    scheduler.add_job(tick, "interval", seconds=interval, next_run_time=datetime.now(UTC), id="reassign-overdue")

    def send_messages() -> None:
        """The outbox's sender and the technicians' pushes, on the leader only (claims are safe with
        several senders anyway: this only keeps standbys from polling for nothing)."""
        if not state["leading"]:
            return
        summary, pushes = send_round(app), push_round(app)
        if summary.claimed or pushes.notifications:
            log.info("send-messages pid=%d %s push %s", os.getpid(), summary.as_dict(), pushes.as_dict())

    scheduler.add_job(send_messages, "interval", seconds=app.config["MESSAGE_SEND_SECONDS"], id="send-messages")

    def make_maintenance() -> None:
        """Preventive maintenance's work orders, on the leader (a standby's pass would make nothing
        twice either: the occurrence's UNIQUE key)."""
        if not state["leading"]:
            return
        summary = run_maintenance(app)
        if summary.created or summary.failed:
            log.info("create-maintenance pid=%d %s %s", os.getpid(), summary.as_dict(), summary.errors[:5])

    scheduler.add_job(
        make_maintenance, "interval", seconds=app.config["MAINTENANCE_INTERVAL_SECONDS"], id="create-maintenance"
    )
    log.info("scheduler pid %d starting: a pass every %s s", os.getpid(), interval)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
