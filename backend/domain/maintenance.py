"""Preventive maintenance (保养): plans with an RFC 5545 rule, made into `maintenance` work orders
`lead_days` before each occurrence, exactly once per occurrence.

Exactly once is the database's doing, not the scheduler's: an occurrence is a row with UNIQUE
(plan_id, occurs_on), inserted with ON CONFLICT DO NOTHING in the same transaction as its work
order. A second scheduler (another server, a retry after a crash) that reaches the same occurrence
inserts nothing and so creates nothing. The plan's `next_occurs_on`/`next_create_on` only spare
the pass from looking at plans with nothing due: one indexed range read, whatever the number of plans.

The work order goes through `work_orders.create_work_order`, the intake's own path: the event on
its timeline, the asset's warranty, the customer's address. It is due on the occurrence's day (the
end of that day in the company's time zone), so the overdue pass leaves it alone until then.
"""

from __future__ import annotations

import time as timer
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, rrulestr
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from ..models import Asset, MaintenanceOccurrence, MaintenancePlan
from .actors import Actor
from .assets import local_day
from .errors import ValidationFailed
from .work_orders import create_work_order

DEFAULT_LEAD_DAYS = 7
# A rule whose first occurrence is further away than this never occurs, as far as a plan goes
# (and the search for it stays bounded: an impossible rule is not iterated to the year 9999).
HORIZON = timedelta(days=5 * 366)
# The occurrences checked for two on one day (a rule that occurs more than daily).
SAME_DAY_PROBE = 400
CHANNEL = "app"  # made by OnSite itself; the event's details name the plan
EDITABLE = ("title", "description", "required_skills", "priority", "lead_days")


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _bounded(rule, end: datetime):
    """The rule with no occurrence after `end`: iterating it stops there, even for a rule that
    never occurs (dateutil would search to the year 9999). COUNT, when the rule has one, still counts
    from the rule's start."""
    if rule._count is not None:
        return rule  # COUNT ends it; checked to occur within the horizon when the plan was saved
    return rule.replace(until=min(rule._until, end) if rule._until else end)


def parse_rule(text: str, starts_on: date):
    """The rule as dateutil reads it, from `starts_on`; 422 (field `rrule`) when it cannot be read,
    never occurs within five years, or occurs more than once on some day."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if not text or "DTSTART" in text.upper() or "\n" in text:
        raise ValidationFailed({"rrule": ["give one RRULE, e.g. FREQ=MONTHLY;INTERVAL=3 (the start is starts_on)"]})
    try:
        rule = rrulestr(text, dtstart=_midnight(starts_on))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        raise ValidationFailed({"rrule": [f"is not an RFC 5545 rule: {error}"]}) from None
    if rule._freq > DAILY:  # HOURLY, MINUTELY, SECONDLY
        raise ValidationFailed({"rrule": ["occurs more than daily: a plan occurs at most once a day"]})
    start = _midnight(starts_on)
    try:
        probe = rule.replace(count=None, until=min(rule._until, start + HORIZON) if rule._until else start + HORIZON)
        first = list(islice(probe, SAME_DAY_PROBE))
    except (ValueError, OverflowError):
        first = []
    if not first or rule._count == 0:
        raise ValidationFailed({"rrule": ["never occurs (not within five years of starts_on)"]})
    days = [moment.date() for moment in first[: rule._count or SAME_DAY_PROBE]]
    if len(set(days)) != len(days):
        raise ValidationFailed({"rrule": ["occurs more than daily: a plan occurs at most once a day"]})
    return rule


def occurrence_on_or_after(rule, day: date) -> date | None:
    """The first occurrence on or after `day`, or None when there is none left (COUNT, UNTIL), or
    none within five years of `day`."""
    start = _midnight(day)
    for moment in _bounded(rule, start + HORIZON):
        if moment >= start:
            return moment.date()
    return None


def _schedule(plan: MaintenancePlan, rule, from_day: date) -> None:
    """Point the plan at its first occurrence on or after `from_day`."""
    plan.next_occurs_on = occurrence_on_or_after(rule, max(from_day, plan.starts_on))
    plan.next_create_on = (
        plan.next_occurs_on - timedelta(days=plan.lead_days) if plan.next_occurs_on is not None else None
    )


def _check_asset(session: Session, asset_id: int) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise ValidationFailed({"asset_id": ["no asset with this id"]})
    if asset.lat is None and asset.customer.lat is None:
        raise ValidationFailed({"asset_id": ["neither the asset nor its customer has a location for the visit"]})
    return asset


def create_plan(session: Session, actor: Actor, now: datetime, data: dict, timezone: str) -> MaintenancePlan:
    """A new plan. Its first job is made by the scheduler's next pass once the first occurrence is
    within `lead_days` (an occurrence already past is skipped: the plan starts from today)."""
    _check_asset(session, data["asset_id"])
    rule = parse_rule(data["rrule"], data["starts_on"])
    plan = MaintenancePlan(
        asset_id=data["asset_id"],
        title=data["title"].strip(),
        description=(data.get("description") or "").strip() or None,
        rrule=data["rrule"].strip(),
        starts_on=data["starts_on"],
        required_skills=sorted(set(data.get("required_skills") or [])),
        priority=data.get("priority") or "normal",
        lead_days=DEFAULT_LEAD_DAYS if data.get("lead_days") is None else data["lead_days"],
        active=data.get("active", True),
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    _schedule(plan, rule, local_day(now, timezone))
    session.add(plan)
    session.flush()
    return plan


def update_plan(
    session: Session, plan: MaintenancePlan, changes: dict, now: datetime, timezone: str
) -> MaintenancePlan:
    """Change a plan. `active: false` pauses it: no job for occurrences from now on; the jobs already
    made stay. Resumed (or given a new rule or start), it goes on from today's first occurrence:
    occurrences missed while paused are not made up."""
    for name in EDITABLE:
        if name in changes and changes[name] is not None:
            value = changes[name]
            if name == "required_skills":
                value = sorted(set(value))
            elif name in ("title", "description"):
                value = value.strip() or None
            setattr(plan, name, value)
    if "description" in changes and changes["description"] is None:
        plan.description = None
    if not plan.title:
        raise ValidationFailed({"title": ["must not be blank"]})
    reschedule = any(name in changes for name in ("rrule", "starts_on", "lead_days")) or (
        changes.get("active") is True and not plan.active
    )
    if "rrule" in changes:
        plan.rrule = changes["rrule"].strip()
    if "starts_on" in changes:
        plan.starts_on = changes["starts_on"]
    if "active" in changes:
        plan.active = changes["active"]
    rule = parse_rule(plan.rrule, plan.starts_on)
    if reschedule:
        _schedule(plan, rule, local_day(now, timezone))
    plan.updated_at = now
    session.flush()
    return plan


def _day_end(day: date, timezone: str) -> datetime:
    """The end of `day` in the company's time zone (midnight after it), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _claim(session: Session, plan_id: int, day: date, now: datetime) -> int | None:
    """Insert the occurrence row; its id, or None when another pass has it already (the UNIQUE key)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(MaintenanceOccurrence)
        .values(plan_id=plan_id, occurs_on=day, created_at=now)
        .on_conflict_do_nothing(index_elements=["plan_id", "occurs_on"])
        .returning(MaintenanceOccurrence.id)
    )
    return session.execute(statement).scalar()


def make_occurrence(
    session: Session, plan: MaintenancePlan, day: date, now: datetime, sla_policy: dict, timezone: str
) -> int | None:
    """The occurrence's row and its `maintenance` work order, through intake's own path: the
    occurrence's id, or None (and nothing written) when the occurrence exists already."""
    occurrence_id = _claim(session, plan.id, day, now)
    if occurrence_id is None:
        return None
    asset = plan.asset
    customer = asset.customer
    lat, lon = (asset.lat, asset.lon) if asset.lat is not None else (customer.lat, customer.lon)
    due = _day_end(day, timezone)
    data = {
        "customer_id": customer.id,
        "title": plan.title,
        "description": plan.description or f"Preventive maintenance of {asset.model}, S/N {asset.serial}.",
        "priority": plan.priority,
        "channel": CHANNEL,
        "type": "maintenance",
        "required_skills": plan.required_skills,
        "location": {"lat": lat, "lon": lon},
        "asset_id": asset.id,
        "response_due_at": due,
        "resolve_due_at": due,
        "origin": {"maintenance_plan_id": plan.id, "occurs_on": day.isoformat()},  # on the creation event
    }
    wo = create_work_order(session, Actor.scheduler(), now, data, sla_policy, timezone)
    session.execute(
        update(MaintenanceOccurrence).where(MaintenanceOccurrence.id == occurrence_id).values(work_order_id=wo.id)
    )
    return occurrence_id


def advance(
    session: Session, plan: MaintenancePlan, today: date, now: datetime, sla_policy: dict, timezone: str
) -> int:
    """Make every occurrence of the plan that is due by `today` (its day minus lead_days), then
    point the plan at the next one. Returns the number of work orders made."""
    made = 0
    while plan.active and plan.next_occurs_on is not None and plan.next_create_on <= today:
        day = plan.next_occurs_on  # a day already past (the scheduler was down) is still made: late beats never
        if make_occurrence(session, plan, day, now, sla_policy, timezone) is not None:
            made += 1
        _schedule(plan, rule_from(plan.rrule, plan.starts_on, day), day + timedelta(days=1))
    return made


def rule_from(text: str, starts_on: date, occurrence: date):
    """The rule (already checked when the plan was saved) restarted at one of its own occurrences:
    the same occurrences from there on, found without iterating from `starts_on` again (two years
    of a weekly plan are a hundred steps per pass). Not for a rule with COUNT, which counts from
    its start: that one is read from `starts_on`."""
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    rule = rrulestr(text, dtstart=_midnight(starts_on))
    return rule if rule._count is not None else rule.replace(dtstart=_midnight(occurrence))


@dataclass
class MaintenanceSummary:
    checked: int = 0
    created: int = 0
    failed: int = 0
    milliseconds: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"checked": self.checked, "created": self.created, "failed": self.failed, "ms": self.milliseconds}


# Plans per transaction, each in a savepoint. Under 64: PostgreSQL keeps at most 64 subtransactions
# per backend in shared memory, and past that every snapshot taken anywhere looks them up in
# pg_subtrans (the 10,000-plan benchmark with 200 was slower on PostgreSQL than the naive pass).
BATCH = 50


def due_plan_ids(session: Session, today: date, limit: int) -> list[int]:
    """Active plans with an occurrence to make by `today`, by the index on (active, next_create_on)."""
    return list(
        session.scalars(
            select(MaintenancePlan.id)
            .where(MaintenancePlan.active.is_(True), MaintenancePlan.next_create_on <= today)
            .order_by(MaintenancePlan.next_create_on, MaintenancePlan.id)
            .limit(limit)
        )
    )


def create_maintenance_orders(
    new_session: Callable[[], AbstractContextManager[Session]],
    transaction: Callable[[Session], AbstractContextManager],
    now: datetime,
    sla_policy: dict,
    timezone: str,
) -> MaintenanceSummary:
    """One pass: the work orders of every occurrence due by today, BATCH plans per transaction
    (each plan in a savepoint, so one plan that fails leaves the others made). Several passes may
    run at once: the plans are locked (PostgreSQL: SKIP LOCKED, another pass takes others), and an
    occurrence another pass made is not made again (UNIQUE (plan_id, occurs_on))."""
    summary = MaintenanceSummary()
    started = timer.perf_counter()
    today = local_day(now, timezone)
    seen: set[int] = set()  # made, failed, or locked by another pass: not asked for again
    with new_session() as session:
        while True:
            with transaction(session):
                ids = [i for i in due_plan_ids(session, today, BATCH + len(seen)) if i not in seen][:BATCH]
                if not ids:
                    break
                seen.update(ids)
                query = (
                    select(MaintenancePlan)
                    .where(MaintenancePlan.id.in_(ids))
                    .options(joinedload(MaintenancePlan.asset).joinedload(Asset.customer))
                    .order_by(MaintenancePlan.id)
                )
                if session.get_bind().dialect.name == "postgresql":
                    query = query.with_for_update(skip_locked=True, of=MaintenancePlan)
                for plan in session.scalars(query).all():
                    summary.checked += 1
                    try:
                        with session.begin_nested():
                            summary.created += advance(session, plan, today, now, sla_policy, timezone)
                    except Exception as error:  # one broken plan must not stop the others
                        summary.failed += 1
                        summary.errors.append(f"plan {plan.id}: {error}")
    summary.milliseconds = round((timer.perf_counter() - started) * 1000)
    return summary
