"""The scheduler's pass: every overdue job moves to the nearest qualified technician, or is escalated.

Each work order is handled in its own short transaction, so a pass stopped halfway leaves every job
either moved (with its event and notifications) or untouched. The caller supplies the transaction
(`transaction(session)`, a context manager that commits on success and rolls back on error: see
`backend/scheduler.py`); this module, like the rest of the domain, never commits by itself.

Two passes running at once (two scheduler processes, or a pass beside a dispatcher) never move a
job twice:

- PostgreSQL: the job is taken with `SELECT ... FOR UPDATE SKIP LOCKED` and the due condition is
  re-checked under the lock (a job another pass just moved is no longer due); the chosen
  technician's row is locked while their open jobs are counted, so two passes cannot both fill
  the last place.
- SQLite: each transaction starts with `BEGIN IMMEDIATE`, the database's write lock (the caller's
  transaction does that).
- Everywhere: the write carries `WHERE version = <read version>`, so a dispatcher's change made
  meanwhile wins and the pass skips that job.

A pass may handle thousands of jobs, so it works with SQL statements built once per pass rather
than ORM objects (ten times faster); the decisions still come from the action table
(`workflow.check_transition`, `workflow.assignment_columns`) and `sla.reassignment_reason`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..models import Event, Notification, Technician, WorkOrder, format_number
from .actors import Actor
from .dispatch import Candidate, DatabasePool, GridPool, search
from .errors import DomainError
from .sla import NOT_ACCEPTED, reassignment_condition, reassignment_reason
from .workflow import HELD, assignment_columns, check_transition

# Below this many due jobs, asking the database per job is cheaper than loading every technician.
GRID_POOL_FROM = 50
# A candidate found full under the lock (another writer filled them) is passed over for the next.
ATTEMPTS_PER_JOB = 3
SCHEDULER = Actor.scheduler()


@dataclass(frozen=True)
class Settings:
    accept_timeout: dict
    average_speed_kmh: float
    fresh_minutes: int


@dataclass
class PassSummary:
    checked: int = 0
    reassigned: int = 0
    escalated: int = 0
    skipped: int = 0  # no longer due, or moved, locked or changed by someone else meanwhile
    milliseconds: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    """What happened to one job: `reassigned`, `escalated`, `unchanged` (nobody qualifies and it
    was escalated before) or `skipped`."""

    kind: str
    to_technician_id: int | None = None
    from_technician_id: int | None = None


class Skipped(Exception):
    """The job or its candidates changed under us: leave it to the next pass."""


_JOB_COLUMNS = (
    WorkOrder.id,
    WorkOrder.title,
    WorkOrder.status,
    WorkOrder.priority,
    WorkOrder.technician_id,
    WorkOrder.assigned_at,
    WorkOrder.departed_at,
    WorkOrder.response_due_at,
    WorkOrder.escalated_at,
    WorkOrder.required_skills,
    WorkOrder.lat,
    WorkOrder.lon,
    WorkOrder.version,
    # The holder's login, to tell them the job went elsewhere (read with the job, not per move).
    select(Technician.user_id)
    .where(Technician.id == WorkOrder.technician_id)
    .scalar_subquery()
    .label("holder_user_id"),
)


class Statements:
    """The pass's SQL, built once per pass (building SQLAlchemy expressions costs more than running
    them on an indexed row)."""

    def __init__(self, session: Session, now: datetime, accept_timeout: dict):
        self.postgresql = session.get_bind().dialect.name == "postgresql"
        due = reassignment_condition(now, accept_timeout)
        # PostgreSQL: take the job with its row lock, skipping jobs another pass holds, and re-check
        # that it is due. SQLite: the pass's write lock already excludes other writers, so the row
        # read at the start of the pass is current unless its version moved (checked on write).
        self.lock_job = (
            select(*_JOB_COLUMNS)
            .where(WorkOrder.id == bindparam("job_id"), due)
            .with_for_update(skip_locked=True, of=WorkOrder)
        )
        # Lock the technician's row, then count their open jobs in a second statement: under READ
        # COMMITTED the count then sees what the lock's previous holder committed (a count inside
        # the locking statement would use the snapshot taken before the wait).
        self.lock_technician = (
            select(Technician.id).where(Technician.id == bindparam("technician_id")).with_for_update()
        )
        self.open_jobs = (
            select(func.count())
            .select_from(WorkOrder)
            .where(WorkOrder.technician_id == bindparam("technician_id"), WorkOrder.status.in_(HELD))
        )
        self.write_job = update(WorkOrder.__table__).where(  # SET: the columns named in each execution's parameters
            WorkOrder.id == bindparam("job_id"), WorkOrder.version == bindparam("read_version")
        )
        self.add_event = insert(Event.__table__)
        self.add_notifications = insert(Notification.__table__)


def due_work_orders(session: Session, now: datetime, accept_timeout: dict) -> list:
    """Jobs the pass should handle now, most pressing deadline first (rows of `_JOB_COLUMNS`)."""
    query = (
        select(*_JOB_COLUMNS)
        .where(reassignment_condition(now, accept_timeout))
        .order_by(WorkOrder.response_due_at, WorkOrder.id)
    )
    return session.execute(query).all()


def _history(session: Session, ids: list[int]) -> tuple[dict[int, set[int]], dict[int, datetime]]:
    """For each job: the technicians who held it (assigned to them, by anyone; decliners held it
    too), and the time of its latest event (a new event may not come before it)."""
    holders: dict[int, set[int]] = defaultdict(set)
    latest: dict[int, datetime] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        moves = select(Event.work_order_id, Event.details).where(
            Event.work_order_id.in_(chunk), Event.action.in_(("assign", "auto_reassigned"))
        )
        for job_id, details in session.execute(moves):
            technician_id = details.get("to_technician_id", details.get("technician_id"))
            if technician_id is not None:
                holders[job_id].add(technician_id)
        last = select(Event.work_order_id, func.max(Event.occurred_at)).where(Event.work_order_id.in_(chunk))
        latest.update(session.execute(last.group_by(Event.work_order_id)).all())
    return holders, latest


class Pass:
    """One pass's state: its time, settings, statements, technician pool and the jobs' history."""

    def __init__(self, session: Session, now: datetime, settings: Settings, jobs: list):
        self.now, self.settings = now, settings
        self.sql = Statements(session, now, settings.accept_timeout)
        self.read_at_start = {job.id: job for job in jobs}
        ids = list(self.read_at_start)
        # Many jobs: one grid of every on-shift technician, shared by the workers. Few: each worker
        # asks the database (see `Worker`).
        self.grid = GridPool(session, now, settings.fresh_minutes) if len(ids) >= GRID_POOL_FROM else None
        self.holders, self.latest_event = _history(session, ids)


class Worker:
    """Handles jobs of a pass in its own session (one per thread), sharing the pass's state."""

    def __init__(self, run: Pass, session: Session):
        self.session = session
        self.now, self.settings, self.sql = run.now, run.settings, run.sql
        self.pool = run.grid or DatabasePool(session, run.now, run.settings.fresh_minutes)
        self.read_at_start, self.holders, self.latest_event = run.read_at_start, run.holders, run.latest_event

    def _sql(self):
        """The transaction's connection: Core statements run there without the ORM's overhead."""
        return self.session.connection()

    def _room_under_lock(self, candidate: Candidate) -> bool:
        """Whether the technician has room for one more job, counted with their row locked."""
        if self.sql.postgresql:
            self._sql().execute(self.sql.lock_technician, {"technician_id": candidate.technician_id})
        held = self._sql().scalar(self.sql.open_jobs, {"technician_id": candidate.technician_id})
        if isinstance(self.pool, GridPool):
            self.pool.load[candidate.technician_id] = held
        return held < candidate.max_open_jobs

    def choose(self, job, excluded: set[int]) -> Candidate | None:
        """The nearest qualified technician with room, confirmed under lock."""
        for _ in range(ATTEMPTS_PER_JOB):
            found = search(
                self.pool,
                (job.lat, job.lon),
                job.required_skills or (),
                average_speed_kmh=self.settings.average_speed_kmh,
                wanted=1,
                only_qualified=True,
                exclude=excluded,
            )
            if not found:
                return None
            if self._room_under_lock(found[0]):
                return found[0]
            excluded = excluded | {found[0].technician_id}
        raise Skipped  # others kept filling our choices: try again next pass rather than escalate

    def _write(self, job, values: dict, event: dict, notifications: list[dict]) -> None:
        written = self._sql().execute(
            self.sql.write_job, {"job_id": job.id, "read_version": job.version, **values, "version": job.version + 1}
        )
        if written.rowcount != 1:
            raise Skipped
        at = event["occurred_at"]
        self._sql().execute(
            self.sql.add_event,
            {
                "work_order_id": job.id,
                "actor_kind": SCHEDULER.kind,
                "actor_user_id": None,
                "recorded_at": self.now,
                **event,
            },
        )
        if notifications:
            self._sql().execute(
                self.sql.add_notifications, [{"work_order_id": job.id, "created_at": at, **n} for n in notifications]
            )
        self.latest_event[job.id] = at

    def handle(self, job_id: int) -> Outcome:
        """Move or escalate one due job, inside the caller's transaction."""
        if self.sql.postgresql:
            job = self._sql().execute(self.sql.lock_job, {"job_id": job_id}).first()
            if job is None or job.version != self.read_at_start[job_id].version:
                # Another pass holds it, it is no longer due, or it changed since the pass began
                # (its history as read then would be stale): the next pass will see it afresh.
                return Outcome("skipped")
        else:
            job = self.read_at_start[job_id]
        reason = reassignment_reason(job, self.now, self.settings.accept_timeout)
        at = max(self.now, self.latest_event.get(job.id, self.now))
        excluded = self.holders.get(job.id, set()) | ({job.technician_id} if job.technician_id else set())
        candidate = self.choose(job, excluded)
        if candidate is not None:
            self._move(job, candidate, reason, at)
            self.holders[job.id] = excluded | {candidate.technician_id}
            return Outcome("reassigned", candidate.technician_id, job.technician_id)
        if job.escalated_at is None:
            self._escalate(job, reason, at)
            return Outcome("escalated")
        return Outcome("unchanged")

    def _move(self, job, candidate: Candidate, reason: str, at: datetime) -> None:
        action = check_transition("reclaim" if job.status == "en_route" else "assign", job.status, SCHEDULER)
        details = {
            "from_technician_id": job.technician_id,
            "to_technician_id": candidate.technician_id,
            "distance_km": candidate.distance_km,
            "eta_minutes": candidate.eta_minutes,
            "reason": reason,
        }
        number, why = format_number(job.id), _why(reason)
        notifications = [
            {
                "user_id": candidate.user_id,
                "kind": "assigned",
                "message": f"{number} {job.title}: assigned to you, {candidate.distance_km:.1f} km away "
                f"(about {candidate.eta_minutes} min). It {why}.",
                "details": details,
            }
        ]
        if job.technician_id is not None:
            notifications.append(
                {
                    "user_id": job.holder_user_id,
                    "kind": "unassigned",
                    "message": f"{number} {job.title}: given to another technician because it {why}.",
                    "details": details,
                }
            )
        values = {"status": action.target, **assignment_columns(candidate.technician_id, at)}
        event = {"action": "auto_reassigned", "from_status": job.status, "to_status": action.target}
        self._write(job, values, {**event, "details": details, "occurred_at": at}, notifications)

    def _escalate(self, job, reason: str, at: datetime) -> None:
        details = {
            "reason": reason,
            "technician_id": job.technician_id,
            "why": "no on-shift technician with every required skill and room, who has not held it",
        }
        event = {"action": "escalated", "from_status": job.status, "to_status": job.status}
        self._write(job, {"escalated_at": at}, {**event, "details": details, "occurred_at": at}, [])


def _why(reason: str) -> str:
    return "was not accepted in time" if reason == NOT_ACCEPTED else "is past its response deadline"


def _retryable(error: DBAPIError) -> bool:
    """A deadlock or serialization failure: PostgreSQL aborted the transaction; the next pass retries."""
    return getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def reassign_overdue(open_session, now: datetime, settings: Settings, transaction, workers: int = 1) -> PassSummary:
    """One pass over every due job as of `now` (see `sla.reassignment_reason`), each job in its own
    `transaction(session)`. `open_session()` gives a new session (a context manager); with
    `workers` > 1 (PostgreSQL, where row locks let them work side by side) that many threads share
    the jobs, each in its own session, overlapping their round trips to the database."""
    started = time.perf_counter()
    summary = PassSummary()
    with open_session() as session, transaction(session):
        jobs = due_work_orders(session, now, settings.accept_timeout)
        run = Pass(session, now, settings, jobs)
    queue = deque(run.read_at_start)
    tally = threading.Lock()

    def work() -> None:
        with open_session() as session:
            worker = Worker(run, session)
            while True:
                try:
                    job_id = queue.popleft()
                except IndexError:
                    return
                outcome = _handle_in_transaction(worker, job_id, transaction)
                with tally:
                    _count(summary, run, outcome)

    if workers <= 1 or len(queue) < 2:
        work()
    else:
        threads = [threading.Thread(target=work, name=f"reassign-{i}") for i in range(min(workers, len(queue)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    summary.milliseconds = round((time.perf_counter() - started) * 1000)
    return summary


def _handle_in_transaction(worker: Worker, job_id: int, transaction) -> Outcome:
    try:
        with transaction(worker.session):
            return worker.handle(job_id)
    except (Skipped, DomainError):
        return Outcome("skipped")  # changed by a dispatcher or another pass meanwhile
    except DBAPIError as error:
        if _retryable(error):
            return Outcome("skipped")
        raise


def _count(summary: PassSummary, run: Pass, outcome: Outcome) -> None:
    if outcome.kind == "reassigned" and run.grid is not None:
        run.grid.took(outcome.to_technician_id)
        run.grid.released(outcome.from_technician_id)
    summary.checked += 1
    if outcome.kind in ("reassigned", "escalated", "skipped"):
        setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
