"""Who gets a new job: the policies a simulation compares.

- `baseline`: a plain dispatcher. Each new job goes at once to whoever can arrive first
  (`arrival.project_arrival` over the crew, from where each technician really is, with the work
  they hold), preferring those who can be there before their shift ends; never reassigned. A job
  that comes in while nobody is on shift waits for the morning's roster.
- `onsite`: OnSite's own decisions. A new job is auto-assigned at intake (`dispatch.auto_assign`
  with the app's AUTO_ASSIGN), else the dispatcher gives it to the top qualified candidate of
  `dispatch.rank_candidates`, and gives jobs still unassigned to the top candidate every minute;
  the scheduler's pass (`reassignment.reassign_overdue` with the app's own settings) runs every
  simulated minute.
- `onsite+plan`: the day plan (`domain/planning.py`, proposed and applied as the dispatcher
  would): the whole day's when the shifts begin, then the jobs that came in since, every half hour;
  an urgent job at once, alone, into the route where it adds least driving within its deadline
  (`onsite` when no route reaches it in time).
"""

from __future__ import annotations

import importlib.util
from datetime import datetime, timedelta

from sqlalchemy import select

from ..config import PRIORITIES
from ..domain.arrival import Travel, project_arrival, queue_key
from ..domain.dispatch import auto_assign, dispatch_settings, rank_candidates
from ..domain.reassignment import reassign_overdue
from ..domain.workflow import apply
from ..models import WorkOrder
from ..scheduler import job_transaction, pass_session, pass_settings

# How often `onsite+plan` plans the jobs that came in since its last plan.
REPLAN_EVERY = timedelta(minutes=30)


class PolicyUnavailable(RuntimeError):
    """The policy needs a part of OnSite this build does not have."""


class Baseline:
    name = "baseline"
    runs_pass = False

    def __init__(self, sim):
        self.sim = sim
        self.waiting: list[int] = []  # jobs that came in while nobody was on shift

    def on_new(self, wo: WorkOrder, now: datetime) -> None:
        if not self._dispatch(wo, now):
            self.waiting.append(wo.id)

    def on_roster(self, now: datetime) -> None:
        waiting, self.waiting = self.waiting, []
        for job_id in waiting:
            self.on_new(self.sim.session.get(WorkOrder, job_id), now)

    def on_tick(self, now: datetime) -> None:
        pass

    def _dispatch(self, wo: WorkOrder, now: datetime) -> bool:
        choice = earliest_arrival(self.sim.crew, wo, now, self.sim.travel)
        if choice is None:
            return False
        apply(self.sim.session, wo, "assign", self.sim.dispatcher, now, technician_id=choice)
        self.sim.crew.react(now)  # accepted at once, so the next job sees it in their queue
        return True


def earliest_arrival(crew, wo: WorkOrder, now: datetime, travel: Travel) -> int | None:
    """The technician on duty with every skill the job needs who can arrive first, preferring those
    who arrive before their shift ends (ties: the lower id). None when nobody on duty qualifies."""
    required = set(wo.required_skills or ())
    snapshot = crew.snapshot()
    target = queue_key(wo.priority, wo.response_due_at, wo.id)
    best = None
    for tech in crew.members.values():
        if not tech.on_duty or not required <= set(tech.member.skills):
            continue
        held = snapshot.held.get(tech.technician_id, [])
        projection = project_arrival(now, tech.where(now), held, (wo.lat, wo.lon), target, travel)
        late_for_shift = tech.shift_ends_at is not None and projection.arrival_at > tech.shift_ends_at
        key = (late_for_shift, projection.arrival_at, tech.technician_id)
        if best is None or key < best:
            best = key
    return None if best is None else best[2]


class OnSite:
    name = "onsite"
    runs_pass = True
    dispatched_at_once = PRIORITIES  # what the dispatcher assigns as soon as it comes in

    def __init__(self, sim):
        self.sim = sim

    def _settings(self):
        return dispatch_settings(self.sim.app.config, self.sim.session)

    def on_new(self, wo: WorkOrder, now: datetime) -> None:
        """Auto-assignment at intake (AUTO_ASSIGN), as the API does; what it leaves, the dispatcher
        gives to the top of the candidates list."""
        auto_assign(self.sim.session, wo, now, self._settings(), self.sim.app.config["AUTO_ASSIGN"])
        if wo.status == "new" and wo.priority in self.dispatched_at_once:
            self._assign_top(wo, now)

    def on_roster(self, now: datetime) -> None:
        self._assign_unassigned(now)

    def on_tick(self, now: datetime) -> None:
        self.sim.session.commit()  # the pass works in transactions of its own
        reassign_overdue(lambda: pass_session(self.sim.engine), now, pass_settings(self.sim.app), job_transaction)
        self.sim.session.expire_all()
        self._assign_unassigned(now)

    def _assign_unassigned(self, now: datetime) -> None:
        """The dispatcher at the board: jobs nobody holds go to the top of the candidates list."""
        waiting = select(WorkOrder).where(WorkOrder.status == "new", WorkOrder.priority.in_(self.dispatched_at_once))
        for wo in list(self.sim.session.scalars(waiting.order_by(WorkOrder.id))):
            self._assign_top(wo, now)

    def _assign_top(self, wo: WorkOrder, now: datetime) -> None:
        ranked = rank_candidates(self.sim.session, wo, now, self._settings(), limit=5)
        top = next((c for c in ranked if c.qualified), None)
        if top is None:
            return  # nobody can take it now: the pass escalates it when it is due
        apply(self.sim.session, wo, "assign", self.sim.dispatcher, now, technician_id=top.technician_id, candidate=top)


class OnSitePlan(OnSite):
    """The day plan drives: one for the whole day when the shifts begin (the plan may reorder and
    move jobs not yet under way), then every `REPLAN_EVERY` the jobs that came in since, planned
    around what everyone holds. An urgent job does not wait: as it comes in it is planned alone,
    into the route where it adds least driving and is still reached before its response deadline
    (the solver's time window); only when no route reaches it in time does it go as `onsite` sends
    it, to whoever arrives first. Urgent means within its deadline, not first: sending each one to
    the earliest arrival drove 0.86-0.94 x the baseline's km over three seeds, planning it 0.75-0.86 x,
    with every urgent job still in time."""

    name = "onsite+plan"
    dispatched_at_once = ("urgent",)

    def __init__(self, sim):
        super().__init__(sim)
        self.next_plan_at: datetime | None = None

    def on_roster(self, now: datetime) -> None:
        self._plan(now, None)
        super().on_roster(now)

    def on_new(self, wo: WorkOrder, now: datetime) -> None:
        if wo.priority == "urgent" and self.next_plan_at is not None:  # the day's plan is running
            self._plan(now, [wo.id], replan=False)
            if wo.status != "new":
                return
        super().on_new(wo, now)

    def on_tick(self, now: datetime) -> None:
        super().on_tick(now)
        if self.next_plan_at is not None and now >= self.next_plan_at:
            waiting = select(WorkOrder.id).where(WorkOrder.status == "new", WorkOrder.priority != "urgent")
            job_ids = list(self.sim.session.scalars(waiting.order_by(WorkOrder.id)))
            if job_ids:
                self._plan(now, job_ids)
            self.next_plan_at = now + REPLAN_EVERY

    def _plan(self, now: datetime, job_ids: list[int] | None, replan: bool = True) -> None:
        """Propose and apply a plan; `replan`: the next plan of what came in is due a while from now."""
        from ..domain.planning import apply_plan, propose_plan

        day = now.astimezone(self.sim.tz).date()
        dispatcher = self.sim.dispatcher
        plan = propose_plan(self.sim.session, day, None, job_ids, now, self.sim.app.config, dispatcher.user_id)
        apply_plan(self.sim.session, plan, dispatcher, now)
        if replan:
            self.next_plan_at = now + REPLAN_EVERY


def make_policy(name: str, sim):
    why = policy_unavailable(name)
    if why:
        raise PolicyUnavailable(f"{name}: {why}")
    return {"baseline": Baseline, "onsite": OnSite, "onsite+plan": OnSitePlan}[name](sim)


def policy_unavailable(name: str) -> str | None:
    """Why the policy cannot run in this build, or None when it can."""
    if name == "onsite+plan" and importlib.util.find_spec("backend.domain.planning") is None:
        return "needs the day plan (backend/domain/planning.py), which this build does not have"
    return None
