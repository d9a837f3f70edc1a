"""The scheduler's pass: every overdue or at-risk job moves to the qualified technician with the
earliest projected arrival (dispatch.py), or is escalated.

- `new` past its deadline, or `assigned` and not accepted in time: to the earliest arrival.
- held (assigned or accepted) and at risk (its holder's projected arrival is after its response due
  time) or overdue: only to an arrival earlier than the holder's by REASSIGN_MIN_GAIN_MINUTES, never
  within REASSIGN_MIN_DWELL_MINUTES of its last move, never to anyone who held it (no swapping back).
- `en_route`: stays, but for `sla.EN_ROUTE_SHIELD`'s reclaim.
- escalated once when nobody qualifies, or when an at-risk job cannot be reached in time by anyone.

Work orders are handled a few at a time, each few in one short transaction, so a pass stopped
halfway leaves every job either moved (with its event and notifications) or untouched. The caller
supplies the transaction
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
from dataclasses import asdict, dataclass, field
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
# The database's exact search widens to the whole city once everyone near is queued (a busy city of
# 5,000 technicians: ~300 ms a job on the loaded machine, where loading the grid took 1.2 s).
GRID_POOL_FROM = 5
# A candidate found full under the lock (another writer filled them) is passed over for the next.
ATTEMPTS_PER_JOB = 3
# Jobs moved in one transaction: a commit (and on SQLite the write lock's round) per few jobs rather
# than per job. Small enough that a dispatcher's change waits at most a few tens of milliseconds
# for the pass's locks, and that a deadlock sends few jobs to the next pass.
JOBS_PER_TRANSACTION = 20
SCHEDULER = Actor.scheduler()


@dataclass(frozen=True)
class Settings:
    accept_timeout: dict
    dispatch: DispatchSettings
    min_gain_minutes: float = 10
    min_dwell_minutes: float = 30
    # messages.MessageSettings: with them, the customer of a moved job is told who comes now.
    messages: object | None = None


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
        # PostgreSQL: take a batch's jobs with their row locks, skipping jobs another pass holds; the
        # caller checks that each version is the one read at the start (a job moved meanwhile is not).
        # SQLite: the pass's write lock already excludes other writers, so the row read at the
        # start of the pass is current unless its version moved (read again under the lock).
        job_ids = bindparam("job_ids", expanding=True)
        technician_ids = bindparam("technician_ids", expanding=True)
        self.lock_jobs = (
            select(*_JOB_COLUMNS).where(WorkOrder.id.in_(job_ids)).with_for_update(skip_locked=True, of=WorkOrder)
        )
        self.versions = select(WorkOrder.id, WorkOrder.version).where(WorkOrder.id.in_(job_ids))
        self.lock_technicians = (
            select(Technician.id).where(Technician.id.in_(technician_ids)).order_by(Technician.id).with_for_update()
        )
        self.open_jobs = (
            select(WorkOrder.technician_id, func.count())
            .where(WorkOrder.technician_id.in_(technician_ids), WorkOrder.status.in_(HELD))
            .group_by(WorkOrder.technician_id)
        )
        # Whether a statement run for many rows reports how many it changed (psycopg and sqlite3 do).
        self.counts_many = session.get_bind().dialect.supports_sane_multi_rowcount
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


@dataclass
class Decision:
    """What the pass will do with one job of a batch: its outcome, and the rows to write for it
    (none for `skipped` and `unchanged`)."""

    outcome: Outcome
    job: object = None
    values: dict | None = None  # the work order's columns to set
    event: dict | None = None
    notifications: list[dict] = field(default_factory=list)
    candidate: Candidate | None = None  # the new holder, whose room is confirmed under lock


SKIP = Decision(Outcome("skipped"))


class Worker:
    """Handles jobs of a pass in its own session (one per thread), sharing the pass's state.

    A batch of jobs is handled in three steps inside one transaction: decide every job against the
    pass's technician pool (which learns of each move at once, so the batch's later jobs see it),
    confirm the new holders' room with their rows locked and their open jobs counted, then write
    the moves. Six statements a batch instead of six a job: on PostgreSQL the pass was bound by
    round trips, not by deciding."""

    def __init__(self, run: Pass, session: Session, pool_lock: threading.Lock | None = None):
        self.session, self.run = session, run
        self.now, self.settings, self.sql = run.now, run.settings, run.sql
        self.pool = run.grid or DatabasePool(session, run.now, run.settings.dispatch)
        self.read_at_start, self.history = run.read_at_start, run.history
        self.pool_lock = pool_lock or threading.Lock()

    def _sql(self):
        """The transaction's connection: Core statements run there without the ORM's overhead."""
        return self.session.connection()

    def handle_batch(self, job_ids: list[int]) -> list[Outcome]:
        """Move or escalate a few due or at-risk jobs, inside the caller's transaction."""
        jobs = self._read(job_ids)
        decisions = []
        for job_id in job_ids:
            job = jobs.get(job_id)
            try:
                decision = self.decide(job) if job is not None else SKIP
            except (Skipped, DomainError):
                decision = SKIP  # changed by a dispatcher or another pass meanwhile
            if decision.outcome.kind == "reassigned":
                self._pool_moved(decision.outcome)
            decisions.append(decision)
        self._confirm_room(decisions)
        self._write(decisions)
        return [d.outcome for d in decisions]

    def _read(self, job_ids: list[int]) -> dict:
        """The batch's jobs as they are now, each only if unchanged since the pass began (its history
        as read then would be stale): PostgreSQL locks them, skipping any another pass holds;
        SQLite's write lock already excludes other writers."""
        if self.sql.postgresql:
            rows = self._sql().execute(self.sql.lock_jobs, {"job_ids": job_ids})
        else:
            current = dict(self._sql().execute(self.sql.versions, {"job_ids": job_ids}).all())
            rows = [self.read_at_start[i] for i in job_ids if current.get(i) == self.read_at_start[i].version]
        return {row.id: row for row in rows if row.version == self.read_at_start[row.id].version}

    def decide(self, job) -> Decision:
        holder_arrival = self.run.late.get(job.id)
        reason = reassignment_reason(job, self.now, self.settings.accept_timeout)
        if reason is None and holder_arrival is not None:
            reason = AT_RISK
        if reason is None:
            return SKIP
        # A holder who accepted in time, or whose own arrival is merely late, keeps the job unless
        # someone else arrives clearly earlier, and a job is not moved again straight away.
        weigh_against_holder = job.technician_id is not None and reason != NOT_ACCEPTED and job.status != "en_route"
        if weigh_against_holder and self._moved_recently(job.id):
            return Decision(Outcome("unchanged"))
        at = max(self.now, self.history.latest.get(job.id, self.now))
        excluded = self.history.holders.get(job.id, set()) | ({job.technician_id} if job.technician_id else set())
        candidate = self._choose(job, excluded)
        if candidate is not None and weigh_against_holder and not self._gains(candidate, holder_arrival):
            if reason == AT_RISK and not candidate.meets_deadline:  # nobody can reach it in time
                return self._escalate_once(job, reason, at, "nobody can reach it before its response deadline")
            return Decision(Outcome("unchanged"))
        if candidate is not None:
            return self._move(job, candidate, reason, at, excluded)
        why = "no on-shift technician with every required skill, working hours and room, who has not held it"
        return self._escalate_once(job, reason, at, why)

    def _choose(self, job, excluded: set[int]) -> Candidate | None:
        """The qualified technician with the earliest projected arrival (room confirmed later)."""
        with self.pool_lock:  # the grid is shared by the pass's threads
            found = search(
                self.pool,
                job,
                self.now,
                self.settings.dispatch,
                wanted=1,
                only_qualified=True,
                exclude=excluded,
                exact_distance=False,
            )
        return found[0] if found else None

    def _moved_recently(self, job_id: int) -> bool:
        last = self.history.last_move.get(job_id)
        return last is not None and self.now - last < timedelta(minutes=self.settings.min_dwell_minutes)

    def _gains(self, candidate: Candidate, holder_arrival: datetime | None) -> bool:
        """Earlier than the holder by at least the minimum gain (never a later arrival)."""
        if holder_arrival is None:
            return True  # the holder's arrival is unknown (not projected): overdue, so move
        return candidate.arrival_at <= holder_arrival - timedelta(minutes=self.settings.min_gain_minutes)

    def _escalate_once(self, job, reason: str, at: datetime, why: str) -> Decision:
        if job.escalated_at is not None:
            return Decision(Outcome("unchanged"))
        details = {"reason": reason, "technician_id": job.technician_id, "why": why}
        event = {"action": "escalated", "from_status": job.status, "to_status": job.status}
        return Decision(
            Outcome("escalated"), job, {"escalated_at": at}, {**event, "details": details, "occurred_at": at}
        )

    def _move(self, job, candidate: Candidate, reason: str, at: datetime, excluded: set[int]) -> Decision:
        action = check_transition("reclaim" if job.status == "en_route" else "assign", job.status, SCHEDULER)
        escalate = reason == AT_RISK and not candidate.meets_deadline and job.escalated_at is None
        assignment = Assignment.of_candidate(candidate, job.technician_id, DECIDED_BY_SCHEDULER, reason)
        notifications = assignment.notifications(job.id, job.title, candidate.user_id, job.holder_user_id)
        values = {"status": action.target, **assignment.columns(at)}
        if escalate:
            values["escalated_at"] = at
        event = {"action": "auto_reassigned", "from_status": job.status, "to_status": action.target}
        event.update(details=assignment.details(), occurred_at=at)
        duration = job.duration_minutes if job.duration_minutes is not None else self.settings.dispatch.visit_minutes
        stop = Stop(job.id, action.target, job.priority, job.response_due_at, job.lat, job.lon, duration)
        outcome = Outcome("reassigned", candidate.technician_id, job.technician_id, stop, escalate)
        self.history.holders[job.id] = excluded | {candidate.technician_id}
        self.history.last_move[job.id] = at
        return Decision(outcome, job, values, event, notifications, candidate)

    def _pool_moved(self, outcome: Outcome, undo: bool = False) -> None:
        """Tell the technician pool of a move (or take it back): the batch's moves are written
        together after its last decision, and the later searches of the pass must see them."""
        with self.pool_lock:
            if undo:
                self.pool.released(outcome.to_technician_id, outcome.stop.work_order_id)
                if outcome.from_technician_id is not None:
                    self.pool.took(outcome.from_technician_id, outcome.stop)
            else:
                self.pool.took(outcome.to_technician_id, outcome.stop)
                self.pool.released(outcome.from_technician_id, outcome.stop.work_order_id)

    def _confirm_room(self, decisions: list[Decision]) -> None:
        """Lock the new holders' rows (in id order: two passes cannot deadlock on them), count their
        open jobs, and turn each move beyond someone's room (a dispatcher filled it meanwhile) into
        a skip for the next pass."""
        chosen = sorted({d.candidate.technician_id for d in decisions if d.candidate is not None})
        if not chosen:
            return
        if self.sql.postgresql:
            self._sql().execute(self.sql.lock_technicians, {"technician_ids": chosen})
        # A second statement after the locks: under READ COMMITTED it sees what the locks' previous
        # holders committed (a count inside the locking statement would use an older snapshot).
        held = dict(self._sql().execute(self.sql.open_jobs, {"technician_ids": chosen}).all())
        for i, decision in enumerate(decisions):
            candidate = decision.candidate
            if candidate is None:
                continue
            if held.get(candidate.technician_id, 0) < candidate.max_open_jobs:
                held[candidate.technician_id] = held.get(candidate.technician_id, 0) + 1
            else:
                self._pool_moved(decision.outcome, undo=True)
                decisions[i] = SKIP

    def _write(self, decisions: list[Decision]) -> None:
        """Every decided write of the batch: the work orders (grouped by the columns they set, as a
        statement run for many rows sets the same columns), their events and the notifications."""
        writes = [d for d in decisions if d.values is not None]
        if not writes:
            return
        by_columns = defaultdict(list)
        for d in writes:
            row = {"job_id": d.job.id, "read_version": d.job.version, **d.values, "version": d.job.version + 1}
            by_columns[tuple(sorted(row))].append(row)
        for rows in by_columns.values():
            written = self._sql().execute(self.sql.write_job, rows)
            if self.sql.counts_many and written.rowcount != len(rows):
                raise Skipped  # cannot happen under the locks and versions read above; never half-write
        actor = {"actor_kind": SCHEDULER.kind, "actor_user_id": None, "recorded_at": self.now}
        self._sql().execute(self.sql.add_event, [{"work_order_id": d.job.id, **actor, **d.event} for d in writes])
        notifications = [{"created_at": d.event["occurred_at"], **n} for d in writes for n in d.notifications]
        if notifications:
            self._sql().execute(self.sql.add_notifications, notifications)
        for d in writes:
            self.history.latest[d.job.id] = d.event["occurred_at"]
        if self.settings.messages is not None:
            self._tell_customers([d for d in writes if d.outcome.kind == "reassigned"])

    def _tell_customers(self, moves: list[Decision]) -> None:
        """The customers of the moved jobs hear who comes now (messages.py), in this transaction."""
        from .messages import reachable_work_orders, tell_customer_of_move

        reachable = reachable_work_orders(self.session, [d.job.id for d in moves])
        for d in moves:
            if d.job.id not in reachable:
                continue
            to = d.outcome.to_technician_id
            tell_customer_of_move(self.session, d.job.id, to, d.event["occurred_at"], self.now, self.settings.messages)


def _retryable(error: DBAPIError) -> bool:
    """A deadlock or serialization failure: PostgreSQL aborted the transaction; the next pass retries."""
    return getattr(error.orig, "sqlstate", None) in ("40P01", "40001")


def reassign_overdue(
    open_session,
    now: datetime,
    settings: Settings,
    transaction,
    workers: int = 1,
    jobs_per_transaction: int = JOBS_PER_TRANSACTION,
) -> PassSummary:
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
    tally, pool_lock = threading.Lock(), threading.Lock()

    def work() -> None:
        with open_session() as session:
            worker = Worker(run, session, pool_lock)
            while True:
                with tally:
                    batch = [queue.popleft() for _ in range(min(jobs_per_transaction, len(queue)))]
                if not batch:
                    return
                outcomes = _handle_in_transaction(worker, batch, transaction)
                with tally:
                    for outcome in outcomes:
                        _count(summary, outcome)

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


def _handle_in_transaction(worker: Worker, job_ids: list[int], transaction) -> list[Outcome]:
    """A few jobs in one transaction: all their moves commit together, or (a deadlock, a lost
    connection) none do and the next pass sees them afresh."""
    try:
        with transaction(worker.session):
            return worker.handle_batch(job_ids)
    except Skipped:
        return [Outcome("skipped")] * len(job_ids)
    except DBAPIError as error:
        if _retryable(error):
            return [Outcome("skipped")] * len(job_ids)
        raise


def _count(summary: PassSummary, outcome: Outcome) -> None:
    summary.checked += 1
    if outcome.kind in ("reassigned", "escalated", "skipped"):
        setattr(summary, outcome.kind, getattr(summary, outcome.kind) + 1)
    if outcome.escalated:
        summary.escalated += 1
