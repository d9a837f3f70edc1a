"""Follow-up calls (回访): who gets a call after their job, when it is due, and what it found.

A job gets one follow-up when its customer answers the sign-off: every complaint, every rating of
3 or less, every dispute, and a share of the rest (`sample_pct`). The share is decided by an HMAC of
the work order's id with the server's secret, not by a random draw: every server (and every retry of
the request) decides the same, and nobody who knows only the id can predict which jobs are called.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import FollowUp, Signoff, WorkOrder
from .actors import Actor
from .errors import Conflict, ValidationFailed
from .workflow import apply, record_event

LOW_RATING = 3  # a rating of this or less is always followed up
QUEUE_STATUSES = ("due", "overdue", "done")
REOPEN_REASON = "On the follow-up call the customer reported that the problem is not solved."


@dataclass(frozen=True)
class FollowUpPolicy:
    sample_pct: float = 20
    days: float = 3
    secret: str = ""


def policy_from_config(config) -> FollowUpPolicy:
    """The policy from the app's settings (FOLLOW_UP_SAMPLE_PCT, FOLLOW_UP_DAYS, SECRET_KEY)."""
    return FollowUpPolicy(
        sample_pct=float(config.get("FOLLOW_UP_SAMPLE_PCT", 20)),
        days=float(config.get("FOLLOW_UP_DAYS", 3)),
        secret=str(config["SECRET_KEY"]),
    )


def in_sample(work_order_id: int, policy: FollowUpPolicy) -> bool:
    """Whether an ordinary job falls in the share called back (deterministic per id and secret)."""
    digest = hmac.new(policy.secret.encode(), f"follow-up:{work_order_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < policy.sample_pct * 100


def reason_for(wo: WorkOrder, rating: int | None, dispute: bool, policy: FollowUpPolicy) -> str | None:
    """Why this job is called back, the strongest reason first; None when it is not."""
    if getattr(wo, "type", None) == "complaint":
        return "complaint"
    if dispute:
        return "dispute"
    if rating is not None and rating <= LOW_RATING:
        return "low_rating"
    if in_sample(wo.id, policy):
        return "sample"
    return None


def after_customer_answer(session: Session, signoff: Signoff, policy: FollowUpPolicy, now: datetime) -> FollowUp | None:
    """Open the job's follow-up once the customer has answered (signed, or disputed by link).
    A job keeps its first follow-up: one that comes back and closes again is not called twice."""
    wo = signoff.work_order
    reason = reason_for(wo, signoff.rating, not signoff.accepted, policy)
    if reason is None or session.scalar(select(FollowUp.id).where(FollowUp.work_order_id == wo.id)):
        return None
    follow_up = FollowUp(work_order_id=wo.id, reason=reason, created_at=now, due_at=now + timedelta(days=policy.days))
    session.add(follow_up)
    session.flush()
    return follow_up


def queue_query(status: str | None, now: datetime, start: datetime | None, end: datetime | None) -> Select:
    """The follow-ups of one queue: `due` (open, not yet late), `overdue` (open, past due_at) or
    `done`; all without a status. `start`/`end` bound done_at for done calls, due_at otherwise."""
    query = select(FollowUp)
    moment = FollowUp.done_at if status == "done" else FollowUp.due_at
    if status == "done":
        query = query.where(FollowUp.done_at.is_not(None)).order_by(FollowUp.done_at.desc(), FollowUp.id.desc())
    else:
        if status == "due":
            query = query.where(FollowUp.done_at.is_(None), FollowUp.due_at >= now)
        elif status == "overdue":
            query = query.where(FollowUp.done_at.is_(None), FollowUp.due_at < now)
        query = query.order_by(FollowUp.due_at, FollowUp.id)
    if start is not None:
        query = query.where(moment >= start)
    if end is not None:
        query = query.where(moment < end)
    return query


def _checked_outcome(data: dict) -> dict:
    reached = data["reached"]
    if not reached:
        wrong = {f: ["needs reached: true"] for f in ("satisfaction", "reopen") if data.get(f) not in (None, False)}
        if wrong:
            raise ValidationFailed(wrong)
    comment = (data.get("comment") or "").strip() or None
    return {
        "reached": reached,
        "satisfaction": data.get("satisfaction"),
        "comment": comment,
        "reopened": bool(data.get("reopen")),
    }


def record_outcome(
    session: Session, follow_up: FollowUp, actor: Actor, now: datetime, data: dict, sla_policy: dict
) -> FollowUp:
    """Record what the call found, once (a second time: 409). `reopen` reopens the job as a repeat
    visit, as a dispatcher's reopen does (the workflow refuses it unless the job is completed or closed)."""
    if follow_up.done_at is not None:
        raise Conflict("This follow-up call has already been recorded.")
    outcome = _checked_outcome(data)
    wo = follow_up.work_order
    if outcome["reopened"]:
        reason = outcome["comment"] or REOPEN_REASON
        apply(session, wo, "reopen", actor, now, reason=reason, follow_up_id=follow_up.id, sla_policy=sla_policy)
    follow_up.outcome = outcome
    follow_up.done_at = now
    follow_up.done_by_id = actor.user_id
    details = {"follow_up_id": follow_up.id, "reason": follow_up.reason, **outcome}
    record_event(session, wo, "follow_up_done", actor, at=now, now=now, details=details)
    return follow_up
