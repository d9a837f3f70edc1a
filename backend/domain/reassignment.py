"""The scheduler's pass: every overdue or at-risk job moves to the qualified technician with the
earliest projected arrival (dispatch.py), or is escalated.

- `new` past its deadline, or `assigned` and not accepted in time: to the earliest arrival.
- held (assigned or accepted) and at risk (its holder's projected arrival is after its response due
  time) or overdue: only to an arrival earlier than the holder's by REASSIGN_MIN_GAIN_MINUTES, never
  within REASSIGN_MIN_DWELL_MINUTES of its last move, never to anyone who held it (no swapping back).
- `en_route`: stays, but for `sla.EN_ROUTE_SHIELD`'s reclaim.
- escalated once when nobody qualifies, or when an at-risk job cannot be reached in time by anyone.

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
(`workflow.check_transition`), `sla.reassignment_reason` and assignment.py (what an assignment writes).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..models import Event, Notification, Technician, WorkOrder
from .actors import Actor
from .arrival import Stop
from .assignment import AT_RISK, NOT_ACCEPTED, Assignment, assigned_to
from .assignment import SCHEDULER as DECIDED_BY_SCHEDULER
from .dispatch import Candidate, DatabasePool, DispatchSettings, GridPool, holder_arrivals, search
from .errors import DomainError
from .sla import reassignment_condition, reassignment_reason
from .workflow import HELD, check_transition

# Below this many due jobs, asking the database per job is cheaper than loading every technician.
GRID_POOL_FROM = 50
# A candidate found full under the lock (another writer filled them) is passed over for the next.
ATTEMPTS_PER_JOB = 3
SCHEDULER = Actor.scheduler()


@dataclass(frozen=True)
class Settings:
    accept_timeout: dict
    dispatch: DispatchSettings
    min_gain_minutes: float = 10
    min_dwell_minutes: float = 30


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
    stop: Stop | None = None  # the job as the new holder's queue holds it
    escalated: bool = False  # moved, and escalated too: nobody can reach it in time


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
    WorkOrder.duration_minutes,
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
        # PostgreSQL: take the job with its row lock, skipping jobs another pass holds; the caller
        # checks that its version is the one read at the start (a job moved meanwhile is not).
        # SQLite: the pass's write lock already excludes other writers, so the row read at the
        # start of the pass is current unless its version moved (checked on write).
        self.lock_job = (
            select(*_JOB_COLUMNS)
            .where(WorkOrder.id == bindparam("job_id"))
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
    """Overdue jobs the pass should handle now, most pressing deadline first (rows of `_JOB_COLUMNS`)."""
    query = (
        select(*_JOB_COLUMNS)
        .where(reassignment_condition(now, accept_timeout))
        .order_by(WorkOrder.response_due_at, WorkOrder.id)
    )
    return session.execute(query).all()


def at_risk_work_orders(session: Session, late: dict[int, datetime], known: set[int]) -> list:
    """Rows of the jobs whose holder will arrive late (`late`, from `dispatch.holder_arrivals`) and
    that were held before their deadline (one given out already late was given knowingly)."""
    ids = sorted(set(late) - known)
    rows = []
    for start in range(0, len(ids), 5000):
        query = select(*_JOB_COLUMNS).where(
            WorkOrder.id.in_(ids[start : start + 5000]), WorkOrder.assigned_at <= WorkOrder.response_due_at
        )
        rows += session.execute(query).all()
    return rows


@dataclass
class History:
    """For each job: the technicians who held it (assigned to them, by anyone; decliners held it
    too), the time of its last move (assignment) and of its latest event (a new event may not come
    before it)."""

    holders: dict[int, set[int]]
    last_move: dict[int, datetime]
    latest: dict[int, datetime]


def _history(session: Session, ids: list[int]) -> History:
    history = History(defaultdict(set), {}, {})
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        moves = select(Event.work_order_id, Event.details, Event.occurred_at).where(
            Event.work_order_id.in_(chunk), Event.action.in_(("assign", "auto_reassigned"))
        )
        for job_id, details, at in session.execute(moves):
            technician_id = assigned_to(details)
            if technician_id is not None:
                history.holders[job_id].add(technician_id)
            if job_id not in history.last_move or at > history.last_move[job_id]:
                history.last_move[job_id] = at
        last = select(Event.work_order_id, func.max(Event.occurred_at)).where(Event.work_order_id.in_(chunk))
        history.latest.update(session.execute(last.group_by(Event.work_order_id)).all())
    return history


class Pass:
    """One pass's state: its time, settings, statements, technician pool, the jobs' history and
    the projected arrivals of the holders who will be late."""

    def __init__(self, session: Session, now: datetime, settings: Settings, jobs: list, late: dict):
        self.now, self.settings, self.late = now, settings, late
        self.sql = Statements(session, now, settings.accept_timeout)
        self.read_at_start = {job.id: job for job in jobs}
        ids = list(self.read_at_start)
        # Many jobs: one grid of every on-shift technician, shared by the workers. Few: each worker
        # asks the database (see `Worker`).
        self.grid = GridPool(session, now, settings.dispatch) if len(ids) >= GRID_POOL_FROM else None
        self.history = _history(session, ids)


class Worker:
    """Handles jobs of a pass in its own session (one per thread), sharing the pass's state."""

    def __init__(self, run: Pass, session: Session):
        self.session, self.run = session, run
        self.now, self.settings, self.sql = run.now, run.settings, run.sql
        self.pool = run.grid or DatabasePool(session, run.now, run.settings.dispatch)
        self.read_at_start, self.history = run.read_at_start, run.history

    def _sql(self):
        """The transaction's connection: Core statements run there without the ORM's overhead."""
        return self.session.connection()

    def _room_under_lock(self, candidate: Candidate) -> bool:
        """Whether the technician has room for one more job, counted with their row locked."""
        if self.sql.postgresql:
            self._sql().execute(self.sql.lock_technician, {"technician_id": candidate.technician_id})
        held = self._sql().scalar(self.sql.open_jobs, {"technician_id": candidate.technician_id})
        return held < candidate.max_open_jobs

    def choose(self, job, excluded: set[int]) -> Candidate | None:
        """The qualified technician with the earliest projected arrival, confirmed under lock."""
        for _ in range(ATTEMPTS_PER_JOB):
            found = search(
                self.pool, job, self.now, self.settings.dispatch, wanted=1, only_qualified=True, exclude=excluded
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
            self._sql().execute(self.sql.add_notifications, [{"created_at": at, **n} for n in notifications])
        self.history.latest[job.id] = at

    def _read(self, job_id: int):
        if not self.sql.postgresql:
            return self.read_at_start[job_id]
        job = self._sql().execute(self.sql.lock_job, {"job_id": job_id}).first()
        if job is None or job.version != self.read_at_start[job_id].version:
            # Another pass holds it, or it changed since the pass began (its history as read then
            # would be stale): the next pass will see it afresh.
            return None
        return job

    def handle(self, job_id: int) -> Outcome:
        """Move or escalate one due or at-risk job, inside the caller's transaction."""
        job = self._read(job_id)
        if job is None:
            return Outcome("skipped")
        holder_arrival = self.run.late.get(job.id)
        reason = reassignment_reason(job, self.now, self.settings.accept_timeout)
        if reason is None and holder_arrival is not None:
            reason = AT_RISK
        if reason is None:
            return Outcome("skipped")
        # A holder who accepted in time, or whose own arrival is merely late, keeps the job unless
        # someone else arrives clearly earlier, and a job is not moved again straight away.
        weigh_against_holder = job.technician_id is not None and reason != NOT_ACCEPTED and job.status != "en_route"
        if weigh_against_holder and self._moved_recently(job.id):
            return Outcome("unchanged")
        at = max(self.now, self.history.latest.get(job.id, self.now))
        excluded = self.history.holders.get(job.id, set()) | ({job.technician_id} if job.technician_id else set())
        candidate = self.choose(job, excluded)
        if candidate is not None and weigh_against_holder and not self._gains(candidate, holder_arrival):
            if reason == AT_RISK and not candidate.meets_deadline:  # nobody can reach it in time
                return self._escalate_once(job, reason, at, "nobody can reach it before its response deadline")
            return Outcome("unchanged")
        if candidate is not None:
            escalate = reason == AT_RISK and not candidate.meets_deadline and job.escalated_at is None
            stop = self._move(job, candidate, reason, at, escalate)
            self.history.holders[job.id] = excluded | {candidate.technician_id}
            self.history.last_move[job.id] = at
            return Outcome("reassigned", candidate.technician_id, job.technician_id, stop, escalate)
        why = "no on-shift technician with every required skill, working hours and room, who has not held it"
        return self._escalate_once(job, reason, at, why)

    def _moved_recently(self, job_id: int) -> bool:
        last = self.history.last_move.get(job_id)
        return last is not None and self.now - last < timedelta(minutes=self.settings.min_dwell_minutes)

    def _gains(self, candidate: Candidate, holder_arrival: datetime | None) -> bool:
        """Earlier than the holder by at least the minimum gain (never a later arrival)."""
        if holder_arrival is None:
            return True  # the holder's arrival is unknown (not projected): overdue, so move
        return candidate.arrival_at <= holder_arrival - timedelta(minutes=self.settings.min_gain_minutes)

    def _escalate_once(self, job, reason: str, at: datetime, why: str) -> Outcome:
        if job.escalated_at is not None:
            return Outcome("unchanged")
        self._escalate(job, reason, at, why)
        return Outcome("escalated")

    def _move(self, job, candidate: Candidate, reason: str, at: datetime, escalate: bool) -> Stop:
        action = check_transition("reclaim" if job.status == "en_route" else "assign", job.status, SCHEDULER)
        assignment = Assignment.of_candidate(candidate, job.technician_id, DECIDED_BY_SCHEDULER, reason)
        notifications = assignment.notifications(job.id, job.title, candidate.user_id, job.holder_user_id)
        values = {"status": action.target, **assignment.columns(at)}
        if escalate:
            values["escalated_at"] = at
        event = {"action": "auto_reassigned", "from_status": job.status, "to_status": action.target}
        self._write(job, values, {**event, "details": assignment.details(), "occurred_at": at}, notifications)
        duration = job.duration_minutes if job.duration_minutes is not None else self.settings.dispatch.visit_minutes
        return Stop(job.id, action.target, job.priority, job.response_due_at, job.lat, job.lon, duration)

    def _escalate(self, job, reason: str, at: datetime, why: str) -> None:
        details = {"reason": reason, "technician_id": job.technician_id, "why": why}
        event = {"action": "escalated", "from_status": job.status, "to_status": job.status}
        self._write(job, {"escalated_at": at}, {**event, "details": details, "occurred_at": at}, [])


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
        late = holder_arrivals(session, now, settings.dispatch, only_late=True)
        jobs += at_risk_work_orders(session, late, {job.id for job in jobs})
        jobs.sort(key=lambda job: (job.response_due_at, job.id))
        run = Pass(session, now, settings, jobs, late)
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
        run.grid.took(outcome.to_technician_id, outcome.stop)
        run.grid.released(outcome.from_technician_id, outcome.stop.work_order_id)
    summary.checked += 1
    if outcome.kind in ("reassigned", "escalated", "skipped"):
        setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
    if outcome.escalated:
        summary.escalated += 1
