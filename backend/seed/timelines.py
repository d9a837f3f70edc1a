"""The city's jobs, each in its status with the whole history that led there, as the app writes it.

A job's history is a walk through the status machine's own table (`workflow.ACTIONS`): each step
must be allowed from the status the job is in, takes the job to the action's target, is done by the
kind of actor the table names, and writes the columns and event details of the action's own effect
(the assignment's from `assignment.Assignment`, the completion's from `workflow.record_completion`:
their effects reach other tables). A closed job's sign-off hashes `signoff.record_of`, the record
the app recomputes. Only the times are drawn here, and kept within the scheduler's rules.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
from datetime import UTC, datetime, timedelta

from PIL import Image, ImageDraw

from ..database import bulk_insert, move_sequences_past_ids
from ..domain.assignment import DISPATCHER, RESPONSE_OVERDUE, Assignment
from ..domain.errors import InvalidTransition
from ..domain.signoff import record_hash, record_of
from ..domain.sla import BEFORE_SITE, due_times
from ..domain.workflow import ACTIONS, HELD, record_completion
from ..models import Customer, Event, Log, LogPart, Signoff, Technician, User, WorkOrder, format_number
from .city import FIRST, LAST, SKILLS, Batch, Row, pick

PROBLEMS = {
    "hvac": ("Air conditioner blows warm air", "Ventilation fan noisy", "Thermostat unresponsive"),
    "electrical": ("Breaker trips repeatedly", "Lights flicker in hall", "Socket sparks"),
    "plumbing": ("Water leak under sink", "Blocked drain", "Low water pressure"),
    "refrigeration": ("Cold room above 8 °C", "Freezer icing up", "Display fridge not cooling"),
    "elevators": ("Lift stops between floors", "Lift door will not close", "Lift alarm faulty"),
    "boilers": ("No hot water", "Boiler pressure low", "Boiler lockout code E1"),
    "fire_safety": ("Fire alarm panel fault", "Sprinkler inspection due", "Smoke detector chirping"),
    "it_network": ("Network switch down", "Wi-Fi drops on 3rd floor", "Card reader offline"),
}
PRIORITY_WEIGHTS = {"urgent": 8, "high": 22, "normal": 55, "low": 15}
CHANNEL_WEIGHTS = {"phone": 40, "web": 20, "app": 15, "email": 12, "wechat": 8, "walk_in": 2, "portal": 3}
STATUS_WEIGHTS = {
    "new": 6,
    "assigned": 6,
    "accepted": 4,
    "en_route": 3,
    "on_site": 4,
    "on_hold": 2,
    "completed": 8,
    "closed": 62,
    "cancelled": 5,
}
# The usual way through the status machine; a job on hold paused on site, a cancelled one stopped early.
PATH = ("assign", "accept", "depart", "arrive", "complete", "close")
REACHES = {"new": 0} | {ACTIONS[action].target: steps for steps, action in enumerate(PATH, 1)}
REACHES[ACTIONS["pause"].target] = REACHES[ACTIONS["pause"].sources[0]]
STEP_MINUTES = {
    "assign": (2, 45),
    "accept": (1, 20),
    "depart": (3, 40),
    "arrive": (10, 70),
    "complete": (20, 180),
    "close": (1, 30),
    "pause": (5, 30),
    "cancel": (5, 120),
}
TERMINAL = ("completed", "closed", "cancelled")
# Minutes since an open job's last step (`new` and `assigned` depend on their deadlines instead).
SINCE_LAST_MINUTES = {"accepted": (5, 90), "en_route": (2, 25), "on_site": (5, 90), "on_hold": (10, 300)}
# How far ahead an open job's response deadline stays at least (a quarter of a shorter window).
DEADLINE_MARGIN = timedelta(minutes=20)
# Of the accepted and en-route jobs: escalated first (nobody qualified in time), then placed by hand.
ESCALATED_SHARE = 0.15
ESCALATION_WHY = "no on-shift technician with every required skill and room, who has not held it"
# What the person behind each step says (the parameters the action requires).
PARAMS = {"pause": {"reason": "Waiting for parts"}, "cancel": {"reason": "Customer withdrew the request"}}
TABLES = (User, Technician, Customer, WorkOrder, Event, Log, LogPart, Signoff)


def iso_utc(value: datetime | None) -> str | None:
    """How the seeded created events write their due time (`+00:00`, where intake now writes `Z`)."""
    return value.astimezone(UTC).isoformat() if value else None


@functools.cache
def _signature_png() -> bytes:
    """A signed stroke, the same for every seeded sign-off on a device (a device sign-off needs one)."""
    image = Image.new("1", (200, 64), 1)  # black and white: a few hundred bytes
    stroke = [(10 + x, 32 + 18 * math.sin(x / 8) * math.cos(x / 31)) for x in range(0, 180, 3)]
    ImageDraw.Draw(image).line(stroke, fill=0, width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@functools.cache
def _signature() -> tuple[bytes, str]:
    png = _signature_png()
    return png, hashlib.sha256(png).hexdigest()


def _whole_seconds(delta: timedelta) -> timedelta:
    return timedelta(seconds=int(delta.total_seconds()))


def _within_deadline(status, steps, since_last, respond: timedelta):
    """`steps` and `since_last`, shrunk in proportion where needed so that the response clock (until
    now before the technician is on site, until the arrival after) stops short of the deadline by a
    margin: `respond` less DEADLINE_MARGIN, or a quarter of a short window."""
    budget = respond - min(DEADLINE_MARGIN, respond / 4)
    durations = [duration for _, duration in steps] + [since_last]
    clocked = len(durations) if status in BEFORE_SITE else REACHES["on_site"]
    spent = sum(durations[:clocked], timedelta())
    if spent > budget:
        durations[:clocked] = [duration * (budget / spent) for duration in durations[:clocked]]
    durations = [max(_whole_seconds(duration), timedelta(seconds=1)) for duration in durations]
    return [(action, duration) for (action, _), duration in zip(steps, durations, strict=False)], durations[-1]


def _event(batch, wo_id, action, frm, to, at, actor_kind="user", actor_user_id=None, details=None):
    batch.add(
        Event,
        {
            "work_order_id": wo_id,
            "action": action,
            "from_status": frm,
            "to_status": to,
            "actor_kind": actor_kind,
            "actor_user_id": actor_user_id,
            "details": details or {},
            "occurred_at": at,
            "recorded_at": at,
        },
    )


class Timelines:
    """The city's jobs with their histories, as rows in `batch` until `flush`."""

    def __init__(self, session, batch: Batch, rng, now, sla_policy, dispatcher_id, accept_timeout):
        self.session, self.batch, self.rng, self.now, self.sla = session, batch, rng, now, sla_policy
        self.accept_timeout = accept_timeout
        self.dispatcher_id = dispatcher_id
        self.load: dict[int, int] = {}
        self.counts: dict[str, int] = {}

    def _choose_technician(self, technicians, held: bool):
        for _ in range(6):
            tech = self.rng.choice(technicians)
            if not held or self.load.get(tech["id"], 0) < tech["max_open_jobs"]:
                return tech
        return None

    def _logs(self, wo_id, tech, start, end, problem) -> list[Row]:
        """A note and maybe parts, between arrival and `end`, each with its event; returns the logs."""
        rng, batch, logs = self.rng, self.batch, []
        span = max(int((end - start).total_seconds()), 2)
        note_at = start + timedelta(seconds=rng.randint(1, span - 1))
        entries = [("note", f"Checked: {problem.lower()}. Cause found.", rng.randint(10, 60), note_at, [])]
        if rng.random() < 0.5:
            part = (f"SKU-{rng.randint(100, 999)}", rng.choice(("Relay", "Valve", "Fuse", "Sensor", "Gasket")), 1.0)
            entries.append(("part", None, None, note_at, [part]))
        for kind, body, minutes, at, parts in entries:
            log = Row(work_order_id=wo_id, author_id=tech["user_id"], kind=kind, text=body, minutes=minutes)
            log.update(occurred_at=at, recorded_at=at)
            log_id = batch.add(Log, log)
            log.parts = [Row(log_id=log_id, sku=sku, name=name, qty=qty) for sku, name, qty in parts]
            for part in log.parts:
                batch.add(LogPart, part)
            details = {"log_id": log_id, "kind": kind, "minutes": minutes, "parts": len(parts)}
            _event(batch, wo_id, "log_added", None, None, at, actor_user_id=tech["user_id"], details=details)
            logs.append(log)
        return logs

    def work_order(self, technicians, customers):
        """One job of the city, its status drawn by STATUS_WEIGHTS."""
        rng = self.rng
        status = pick(rng, STATUS_WEIGHTS)
        tech = self._choose_technician(technicians, status in HELD) if status != "new" and technicians else None
        if tech is None and status != "cancelled":
            status = "new"
        skill = rng.choice(tech["skills"]) if tech else rng.choice(SKILLS)
        escalated = tech is not None and status in ("accepted", "en_route") and rng.random() < ESCALATED_SHARE
        self.add_work_order(status, pick(rng, PRIORITY_WEIGHTS), skill, rng.choice(customers), tech, escalated)

    def add_work_order(self, status, priority, skill, customer, tech, escalated=False, since=None, signed_on=None):
        """A job in `status` with its whole history; `since`: time since its last step (else drawn),
        `signed_on`: how a closed job was signed (else drawn)."""
        rng, batch = self.rng, self.batch
        # A cancelled job stopped somewhere early, assigned or not.
        reach = REACHES.get(status, rng.randint(0, 2) if tech else 0)
        steps, since_last = self._timeline(status, priority, reach, escalated)
        created = self.now - sum((d for _, d in steps), timedelta()) - (since_last if since is None else since)
        response_due, resolve_due = due_times(priority, created, self.sla)
        problem = rng.choice(PROBLEMS[skill])
        wo = Row(
            customer_id=customer["id"],
            title=problem,
            description=f"Reported by {customer['name']}.",
            priority=priority,
            channel=pick(rng, CHANNEL_WEIGHTS),
            status="new",
            type="repair",
            required_skills=[skill],
            lat=customer["lat"],
            lon=customer["lon"],
            address=customer["address"],
            created_by_id=self.dispatcher_id,
            created_at=created,
            response_due_at=response_due,
            resolve_due_at=resolve_due,
            reopen_count=0,
            version=1,
        )
        wo.number = format_number(batch.add(WorkOrder, wo))
        details = {"channel": wo.channel, "priority": priority, "response_due_at": iso_utc(response_due)}
        _event(batch, wo.id, "created", None, "new", created, actor_user_id=self.dispatcher_id, details=details)
        at = created
        for action, duration in steps:
            at = at + duration
            self._step(wo, action, at, tech, problem, signed_on)
        if tech is not None and status in HELD:
            self.load[tech["id"]] = self.load.get(tech["id"], 0) + 1
        self.counts[status] = self.counts.get(status, 0) + 1

    def _step(self, wo: Row, name: str, at: datetime, tech, problem: str, signed_on) -> None:
        """Take step `name` at `at`: an action of the status machine, or the scheduler's escalation
        (which changes no status)."""
        if name == "escalated":
            wo.escalated_at = at
            details = {"reason": RESPONSE_OVERDUE, "technician_id": None, "why": ESCALATION_WHY}
            _event(self.batch, wo.id, name, wo.status, wo.status, at, "scheduler", None, details)
            wo.version += 1
            return
        action = ACTIONS[name]
        if wo.status not in action.sources:
            raise InvalidTransition(f"The demo cannot {name} a work order that is {wo.status}.")
        if name == "assign":
            assignment = Assignment(tech["id"], None, DISPATCHER)
            wo.update(assignment.columns(at))
            details = assignment.details()
        elif name == "complete":
            logs = self._logs(wo.id, tech, wo.arrived_at, at, problem)
            wo.version += len(logs)
            wo.logs = logs
            params = {"resolution": f"Fixed: {problem.lower()}.", "first_time_fix": self.rng.random() < 0.85}
            details = record_completion(wo, params, at)
        elif name == "close":
            details = action.effect(None, wo, self._signoff(wo, at, signed_on), at)
        else:
            details = action.effect(None, wo, PARAMS.get(name, {}), at) if action.effect else {}
        actor_kind, actor_user_id = self._actor(action, tech, details)
        _event(self.batch, wo.id, name, wo.status, action.target, at, actor_kind, actor_user_id, details)
        wo.status = action.target
        wo.version += 1

    def _actor(self, action, tech, details: dict) -> tuple[str, int | None]:
        """Who the table lets take `action`: the job's technician, the system (on the technician's
        behalf for a sign-off on their device), else a dispatcher."""
        if "technician" in action.who:
            return "user", tech["user_id"]
        if "system" in action.who:
            return "system", tech["user_id"] if details.get("via") == "device" else None
        return "user", self.dispatcher_id

    def _timeline(self, status, priority, reach, escalated):
        """The job's steps as (action, time since the previous one) and the time since its last step.

        An open job is left where the scheduler has no reason to move it (`sla.reassignment_reason`):
        until its technician is on site its response deadline is still ahead, and an assigned job is
        inside its accept timeout. An escalated one passed its deadline unplaced, was escalated a
        minute or two later and only then assigned by a dispatcher: held only after the deadline, it
        is not moved again."""
        rng = self.rng
        actions = [*PATH[:reach], *(["pause"] if status == "on_hold" else [])]
        actions += ["cancel"] if status == "cancelled" else []
        steps = [(action, timedelta(minutes=rng.randint(*STEP_MINUTES[action]))) for action in actions]
        respond = timedelta(minutes=self.sla[priority]["respond"])
        if status in TERMINAL:
            return steps, _whole_seconds(timedelta(minutes=5) + timedelta(days=29) * rng.random())
        if escalated:
            late = ("escalated", respond + timedelta(minutes=rng.randint(1, 2)))
            return [late, *steps], timedelta(minutes=rng.randint(*SINCE_LAST_MINUTES[status]))
        return _within_deadline(status, steps, self._since_last(status, priority, respond), respond)

    def _since_last(self, status, priority, respond: timedelta) -> timedelta:
        if status == "new":
            return respond * self.rng.random()
        if status == "assigned":
            return timedelta(minutes=self.accept_timeout[priority]) * self.rng.uniform(0.1, 0.6)
        return timedelta(minutes=self.rng.randint(*SINCE_LAST_MINUTES[status]))

    def _signoff(self, wo: Row, at: datetime, signed_on=None) -> dict:
        """The customer's sign-off that closed the job, over its completion record; returns the
        close's parameters, as signing writes them (signoff.sign_on_device, confirm_via_link)."""
        rating = self.rng.choices((5, 4, 3, 2, 1), weights=(50, 30, 12, 5, 3))[0]
        method = signed_on or self.rng.choice(("device", "device", "link"))
        signer = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
        png, sha256 = _signature() if method == "device" else (None, None)
        signoff_id = self.batch.add(
            Signoff,
            {
                "work_order_id": wo.id,
                "method": method,
                "accepted": True,
                "signer_name": signer,
                "signature_png": png,
                "signature_sha256": sha256,
                "rating": rating,
                "comment": None,
                "lat": None,
                "lon": None,
                "record_hash": record_hash(record_of(wo, wo.logs or [], [])),
                "signed_at": at,
                "recorded_at": at,
            },
        )
        return {"via": method, "signoff_id": signoff_id, "signer_name": signer, "rating": rating}

    def flush(self) -> None:
        for model in TABLES:
            bulk_insert(self.session, model.__table__, self.batch.rows.get(model, []))
            self.batch.rows[model] = []
        # Ids were given explicitly: later inserts must get fresh ones.
        move_sequences_past_ids(self.session, [model.__table__ for model in TABLES])
