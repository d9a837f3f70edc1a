"""The status machine, as data.

`ACTIONS` is the one table of status changes: who may do each, from which statuses, to which, and
what it records. `ACTIVITIES` says who may record things on a job (logs, photos, sign-offs ...)
and in which statuses. The API's endpoints and the PWA's buttons are both derived from these
tables; nothing else in the code decides what may happen to a work order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from ..models import STATUSES, Event, Notification, Technician, WorkOrder
from .actors import Actor
from .assignment import DISPATCHER, Assignment, assignment_columns  # noqa: F401 (re-exported)
from .calendar import sla_calendar
from .charges import freeze as freeze_charges
from .errors import Conflict, InvalidTransition, NotFound, NotPermitted, StaleVersion, ValidationFailed
from .plausibility import arrival_flags, time_flags
from .sla import due_times
from .timing import deed_time, utc_text

# A technician holds the job in these statuses: they count towards the technician's open jobs.
HELD = ("assigned", "accepted", "en_route", "on_site", "on_hold")
ASSIGNABLE = ("new", "assigned", "accepted", "on_hold")
# The work is done (and perhaps signed): what follows from it, below in ACTIVITIES.
DONE = ("completed", "closed")
STAFF = frozenset({"dispatcher", "admin"})
TECHNICIAN = frozenset({"technician"})
CUSTOMER = frozenset({"customer"})

Effect = Callable[[Session, WorkOrder, dict, datetime], dict]


@dataclass(frozen=True)
class Action:
    name: str
    who: frozenset[str]  # roles; "technician" means the technician assigned to the job
    sources: tuple[str, ...]
    target: str
    required: tuple[str, ...] = ()
    effect: Effect | None = None  # changes beyond the status; returns the event's details
    # The job starts over (a reopen): new response and resolve due times from its priority's policy,
    # counted from the deed, so it is not overdue the moment it comes back.
    restarts_sla: bool = False
    # What the customer is told, in the same transaction (messages.announce: the template's name).
    announces: str | None = None


def _assign(session: Session, wo: WorkOrder, params: dict, at: datetime) -> dict:
    """Give the job to `technician_id` (assignment.py writes what every assignment writes).
    `decided_by` (default the dispatcher) and a ranked `candidate` come from auto-assignment."""
    technician = session.get(Technician, params["technician_id"])
    if technician is None or technician.user.role != "technician":  # a former technician's profile is no one's
        raise ValidationFailed({"technician_id": ["no technician with this id"]})
    if not technician.user.active:
        raise ValidationFailed({"technician_id": ["this technician's account is disabled"]})
    if wo.technician_id == technician.id and wo.status == "assigned":
        raise Conflict("The work order is already assigned to this technician.")
    decided_by, reason = params.get("decided_by") or DISPATCHER, params.get("reason")
    if params.get("candidate") is not None:
        assignment = Assignment.of_candidate(params["candidate"], wo.technician_id, decided_by, reason)
    else:
        assignment = Assignment(technician.id, wo.technician_id, decided_by, reason, params.get("distance_km"))
    previous = wo.technician
    for column, value in assignment.columns(at).items():
        setattr(wo, column, value)
    wo.technician = technician
    from_user = previous.user_id if previous is not None else None
    for row in assignment.notifications(wo.id, wo.title, technician.user_id, from_user):
        session.add(Notification(**row, created_at=at))
    return assignment.details()


def _accept(session, wo, params, at):
    wo.accepted_at = at
    return {}


def _unassign(wo: WorkOrder) -> int | None:
    previous = wo.technician_id
    wo.technician_id = None
    wo.technician = None
    wo.assigned_at = None
    wo.accepted_at = None
    wo.plan_id = wo.planned_order = wo.planned_at = None  # out of the route it was planned in
    return previous


def _decline(session, wo, params, at):
    return {"reason": params["reason"], "technician_id": _unassign(wo)}


def _depart(session, wo, params, at):
    wo.departed_at = at
    return {}


def _arrive(session, wo, params, at):
    first = wo.arrived_at is None
    if first:
        wo.arrived_at = at  # the response SLA is measured on the first arrival
    return {"first_arrival": first}


def _with_reason(session, wo, params, at):
    return {"reason": params["reason"]}


# What completing a complaint must record (its closed loop): why it happened, what was done about
# it, and when the customer was told. Required in the body of `complete` and `resolve_remotely`.
COMPLAINT_LOOP = ("root_cause", "corrective_action", "customer_contacted_at")


def _close_complaint_loop(wo: WorkOrder, params: dict, at: datetime) -> dict:
    """Store a complaint's closed loop on the job; returns it for the event (apply checked it is there).
    The customer was contacted before the job is completed, not after (`at`, the completion)."""
    if wo.type != "complaint":
        return {}
    if params["customer_contacted_at"] > at:
        raise ValidationFailed({"customer_contacted_at": ["must not be later than the completion"]})
    wo.root_cause, wo.corrective_action = params["root_cause"], params["corrective_action"]
    wo.customer_contacted_at = params["customer_contacted_at"]
    return {
        "root_cause": wo.root_cause,
        "corrective_action": wo.corrective_action,
        "customer_contacted_at": utc_text(wo.customer_contacted_at),
    }


def record_completion(wo: WorkOrder, params: dict, at: datetime) -> dict:
    """What completing writes on the job itself (no other table): the resolution, the first-time
    fix, the time and a complaint's closed loop; returns them for the event. The demo seeding writes
    its completed jobs with it (it freezes no charges: its rows are not in the database yet)."""
    wo.resolution = params["resolution"]
    # A job that came back (reopened) was not fixed the first time, whatever this visit achieved.
    wo.first_time_fix = bool(params["first_time_fix"]) and wo.reopen_count == 0
    wo.completed_at = at
    loop = _close_complaint_loop(wo, params, at)
    return {"resolution": wo.resolution, "first_time_fix": wo.first_time_fix, **loop}


def _complete(session, wo, params, at):
    details = record_completion(wo, params, at)
    # A chargeable job's charges freeze now: the customer signs for them (charges.py).
    return {**details, **freeze_charges(session, wo, at)}


def _resolve_remotely(session, wo, params, at):
    """Solved by phone or remote help: completed without a visit (`remote: true`, which the KPIs read)."""
    wo.resolution = params["resolution"]
    wo.resolved_remotely = True
    wo.first_time_fix = wo.reopen_count == 0
    wo.completed_at = at
    loop = _close_complaint_loop(wo, params, at)
    charges = freeze_charges(session, wo, at)
    return {"resolution": wo.resolution, "remote": True, "first_time_fix": wo.first_time_fix, **loop, **charges}


def _close(session, wo, params, at):
    wo.closed_at = at
    return {k: v for k, v in params.items() if v is not None}


def _reopen(session, wo, params, at):
    """The earlier visit did not fix it: it stops counting as a first-time fix, and its resolution
    moves into the timeline (this event and the `complete` before it) until the job is completed again."""
    details = {k: v for k, v in params.items() if v is not None}
    details.update(technician_id=_unassign(wo), previous_resolution=wo.resolution)
    wo.resolution = None
    wo.resolved_remotely = False
    wo.first_time_fix = False
    wo.completed_at = None
    wo.closed_at = None
    wo.reopen_count += 1
    return details


def _cancel(session, wo, params, at):
    wo.cancelled_at = at
    return {"reason": params["reason"]}


_ACTION_LIST = [
    Action("assign", STAFF | {"scheduler"}, ASSIGNABLE, "assigned", ("technician_id",), _assign, announces="assigned"),
    # The scheduler takes back a late job whose technician departed long ago and never arrived
    # (sla.EN_ROUTE_SHIELD); nobody else moves a job that is on its way.
    Action(
        "reclaim",
        frozenset({"scheduler"}),
        ("en_route",),
        "assigned",
        ("technician_id",),
        _assign,
        announces="assigned",
    ),
    Action("accept", TECHNICIAN, ("assigned",), "accepted", (), _accept),
    Action("decline", TECHNICIAN, ("assigned", "accepted"), "new", ("reason",), _decline),
    Action("depart", TECHNICIAN, ("accepted",), "en_route", (), _depart, announces="departed"),
    Action("arrive", TECHNICIAN, ("accepted", "en_route"), "on_site", (), _arrive),
    Action("pause", TECHNICIAN, ("on_site",), "on_hold", ("reason",), _with_reason),
    Action("resume", TECHNICIAN, ("on_hold",), "on_site"),
    Action(
        "complete",
        TECHNICIAN,
        ("on_site",),
        "completed",
        ("resolution", "first_time_fix"),
        _complete,
        announces="completed",
    ),
    # Solved by phone or remote help before anyone drove: the dispatcher, or the assigned technician.
    Action(
        "resolve_remotely",
        STAFF | TECHNICIAN,
        ("new", "assigned", "accepted"),
        "completed",
        ("resolution",),
        _resolve_remotely,
        announces="completed",
    ),
    Action("close", frozenset({"system"}), ("completed",), "closed", (), _close),
    Action("reopen", STAFF | CUSTOMER, DONE, "new", ("reason",), _reopen, restarts_sla=True),
    Action(
        "cancel",
        STAFF,
        tuple(s for s in STATUSES if s not in ("closed", "cancelled")),
        "cancelled",
        ("reason",),
        _cancel,
    ),
]
ACTIONS: dict[str, Action] = {action.name: action for action in _ACTION_LIST}


@dataclass(frozen=True)
class Activity:
    """Something recorded on a job without changing its status."""

    who: frozenset[str]
    statuses: tuple[str, ...]


ACTIVITIES: dict[str, Activity] = {
    "log": Activity(TECHNICIAN, HELD),
    "attach": Activity(TECHNICIAN | STAFF, (*HELD, "completed")),
    # The customer's photos of the problem, through the portal, until the technician is there.
    "customer_photo": Activity(CUSTOMER, ("new", "assigned", "accepted", "en_route")),
    "signoff": Activity(TECHNICIAN, ("completed",)),
    "confirmation_link": Activity(TECHNICIAN | STAFF, ("completed",)),
    "update": Activity(STAFF, tuple(s for s in STATUSES if s not in ("closed", "cancelled"))),
    "candidates": Activity(STAFF, ASSIGNABLE),
    # Once the work is done: its payment (payments.record_payment), a draft article from what the
    # job taught (knowledge.draft_from_work_order) and the customer's service report through the
    # tracking link (staff may read a report of where an open job stands; the customer's is final).
    "pay": Activity(TECHNICIAN | STAFF, DONE),
    "draft_article": Activity(STAFF, DONE),
    "customer_report": Activity(CUSTOMER, DONE),
}


def _may(who: frozenset[str], wo: WorkOrder, actor: Actor) -> bool:
    if actor.role not in who:
        return False
    if actor.role == "technician":
        return wo.technician is not None and wo.technician.user_id == actor.user_id
    return True


def allowed_actions(wo: WorkOrder, actor: Actor) -> list[str]:
    """The actions this actor may take on the work order now, in table order (for the PWA's buttons)."""
    return [a.name for a in _ACTION_LIST if wo.status in a.sources and _may(a.who, wo, actor)]


def check_activity(name: str, wo: WorkOrder, actor: Actor) -> None:
    """Raise unless the actor may do activity `name` on the work order in its current status."""
    activity = ACTIVITIES[name]
    if not _may(activity.who, wo, actor):
        raise NotPermitted(f"Your role may not do this ({name}) on this work order.")
    if wo.status not in activity.statuses:
        raise InvalidTransition(f"Not possible while the work order is {wo.status}.")


def check_transition(name: str, status: str, actor: Actor) -> Action:
    """The action `name`, if a non-technician `actor` may take it from `status` (the scheduler's
    SQL path, which has no loaded work order, asks the table this way)."""
    action = ACTIONS[name]
    if actor.role not in action.who:
        raise NotPermitted(f"{actor.role} may not {name} a work order.")
    if status not in action.sources:
        raise InvalidTransition(f"Cannot {name} a work order that is {status}.")
    return action


def check_version(wo: WorkOrder, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != wo.version:
        raise StaleVersion(f"The work order has changed (version {wo.version}, yours {expected_version}); reload it.")


# A customer's message being delivered is no deed on the job: a phone replaying its offline work
# after the sender ran must not be refused as earlier than the job's previous event.
DELIVERY_EVENTS = ("message_sent", "message_failed")


def last_event_at(session: Session, wo: WorkOrder) -> datetime | None:
    deeds = (Event.work_order_id == wo.id, Event.action.notin_(DELIVERY_EVENTS))
    return session.scalar(select(func.max(Event.occurred_at)).where(*deeds))


def record_event(
    session: Session,
    wo: WorkOrder,
    action: str,
    actor: Actor,
    *,
    at: datetime,
    now: datetime,
    details: dict | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    bump_version: bool = True,
    offline_since: datetime | None = None,
    deed_flags: list[dict] | None = None,
) -> Event:
    """Append an event to the timeline and bump the work order's version (every change does both).

    A deed dated well before `now` is checked against the offline window its device claims
    (`offline_since`); what looks doubtful is kept in `deed_flags`, with any flags the caller found."""
    if bump_version:
        wo.version += 1
    flags = [*(deed_flags or []), *time_flags(session, actor.user_id, at, now, offline_since)]
    event = Event(
        work_order_id=wo.id,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor_kind=actor.kind,
        actor_user_id=actor.user_id,
        details=details or {},
        occurred_at=at,
        recorded_at=now,
        deed_flags=flags or None,
    )
    session.add(event)
    return event


def _restart_sla(wo: WorkOrder, at: datetime, sla_policy: dict | None) -> dict:
    if sla_policy is None:
        raise TypeError("this action restarts the SLA clock: pass sla_policy")
    wo.first_response_due_at = wo.first_response_due_at or wo.response_due_at
    wo.first_resolve_due_at = wo.first_resolve_due_at or wo.resolve_due_at
    calendar = sla_calendar(object_session(wo), sla_policy)  # company days, for a business-hours clock
    wo.response_due_at, wo.resolve_due_at = due_times(wo.priority, at, sla_policy, calendar, wo.type)
    wo.escalated_at = None  # a new round: the scheduler may escalate it again if nobody can take it
    return {"response_due_at": utc_text(wo.response_due_at), "resolve_due_at": utc_text(wo.resolve_due_at)}


def _required(action: Action, wo: WorkOrder) -> tuple[str, ...]:
    """The body fields the action needs on this job: its own, and a complaint's closed loop to complete it."""
    if wo.type == "complaint" and action.target == "completed":
        return (*action.required, *COMPLAINT_LOOP)
    return action.required


def apply(
    session: Session,
    wo: WorkOrder,
    name: str,
    actor: Actor,
    now: datetime,
    *,
    occurred_at: datetime | None = None,
    expected_version: int | None = None,
    event_name: str | None = None,
    sla_policy: dict | None = None,
    offline_since: datetime | None = None,
    position: dict | None = None,
    **params,
) -> Event:
    """Apply action `name` to the work order as `actor` and append its event (called `event_name`
    when the timeline should tell more than the action, as the scheduler's `auto_reassigned`).
    `sla_policy` (the configured policy) is needed by the actions that restart the SLA clock.
    `offline_since` (when the device lost the network) and `position` (where it was, for an arrival)
    are what the device says about the deed: they decide the event's `deed_flags` (plausibility.py).

    Checks, in order: the action exists, the actor may take it, the version is current, the status
    allows it, the required parameters are there, and the time of the deed is plausible.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(f"There is no action called {name!r}.")
    if not _may(action.who, wo, actor):
        raise NotPermitted(f"Your role may not {name} this work order.")
    check_version(wo, expected_version)
    if wo.status not in action.sources:
        raise InvalidTransition(f"Cannot {name} a work order that is {wo.status}.")
    missing = {field: ["is required"] for field in _required(action, wo) if params.get(field) in (None, "")}
    if missing:
        raise ValidationFailed(missing)
    at = deed_time(occurred_at, now, last_event_at(session, wo))
    flags = arrival_flags(wo, position, at) if name == "arrive" else []
    details = action.effect(session, wo, params, at) if action.effect else {}
    if action.restarts_sla:
        details.update(_restart_sla(wo, at, sla_policy))
    from_status, wo.status = wo.status, action.target
    event = record_event(
        session,
        wo,
        event_name or name,
        actor,
        at=at,
        now=now,
        details=details,
        from_status=from_status,
        to_status=wo.status,
        offline_since=offline_since,
        deed_flags=flags,
    )
    if action.announces:
        # Imported here: messages records its own events through this module.
        from .messages import announce

        announce(session, wo, event, action.announces, actor, now)
    return event
