"""Web Push to technicians: a new job, or a job taken away, beside the in-app notifications.

The notifications table is the source of truth (every assignment path writes it in its own
transaction: the dispatcher's, auto-assignment, the day plan and the scheduler's SQL pass), and the
sender pushes its new rows after commit. A push is best effort: many phones cannot reach their
browser's push service (Chinese Android phones without Google's above all), so the app reads its
notifications list whatever happens here. Each notification is claimed once (`pushed_at`) and never
pushed again: a sender that dies after claiming loses that push, never doubles it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..models import Notification, PushSubscription, User, WorkOrder, format_number
from .errors import NotFound

# Notifications older than this when the sender first sees them are not pushed (old news).
MAX_AGE = timedelta(hours=1)
BATCH = 200


class SubscriptionGone(Exception):
    """The push service says this subscription no longer exists (404 or 410): forget it."""


class PushFailed(Exception):
    """The push service did not take this push (down, refused)."""


@dataclass(frozen=True)
class Push:
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: dict


@dataclass
class PushSummary:
    notifications: int = 0
    pushed: int = 0
    failed: int = 0
    gone: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def subscribe(session: Session, user: User, endpoint: str, p256dh: str, auth: str, now: datetime) -> PushSubscription:
    """Keep a browser's subscription for this user (the same endpoint again replaces the keys and,
    should another user have signed in on that browser since, the owner)."""
    subscription = session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint, created_at=now)
        session.add(subscription)
    subscription.user_id, subscription.p256dh, subscription.auth = user.id, p256dh, auth
    session.flush()
    return subscription


def unsubscribe(session: Session, user: User, subscription_id: int) -> None:
    """Forget one of the user's subscriptions (another user's: not found)."""
    found = session.execute(
        delete(PushSubscription).where(PushSubscription.id == subscription_id, PushSubscription.user_id == user.id)
    )
    if found.rowcount != 1:
        raise NotFound("No such push subscription.")


def payload_of(notification: Notification, title: str | None) -> dict:
    """What the service worker shows: the kind (it words it in the phone's language), the job's
    number and title, the English sentence, and where a tap leads."""
    number = format_number(notification.work_order_id) if notification.work_order_id else None
    return {
        "kind": notification.kind,
        "number": number,
        "title": title,
        "message": notification.message,
        "url": f"/#/jobs/{notification.work_order_id}" if notification.work_order_id else "/#/notifications",
        "notification_id": notification.id,
    }


def claim_pushes(session: Session, now: datetime, limit: int = BATCH) -> tuple[int, list[Push]]:
    """Take the notifications not yet pushed (marking them pushed now, in the caller's transaction)
    and return the pushes to send to their users' subscriptions. Older than MAX_AGE: marked, not sent."""
    query = select(Notification).where(Notification.pushed_at.is_(None)).order_by(Notification.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    notifications = session.scalars(query).all()
    if not notifications:
        return 0, []
    session.execute(
        update(Notification)
        .where(Notification.id.in_([n.id for n in notifications]))
        .values(pushed_at=now)
        .execution_options(synchronize_session=False)
    )
    fresh = [n for n in notifications if now - n.created_at <= MAX_AGE]
    users = {n.user_id for n in fresh}
    subscriptions = session.scalars(select(PushSubscription).where(PushSubscription.user_id.in_(users))).all()
    jobs = {n.work_order_id for n in fresh if n.work_order_id}
    titles = dict(session.execute(select(WorkOrder.id, WorkOrder.title).where(WorkOrder.id.in_(jobs))).all())
    pushes = [
        Push(s.id, s.endpoint, s.p256dh, s.auth, payload_of(n, titles.get(n.work_order_id)))
        for n in fresh
        for s in subscriptions
        if s.user_id == n.user_id
    ]
    return len(notifications), pushes


def push_due(session: Session, clock, send: Callable[[Push], None], transaction) -> PushSummary:
    """One round: claim (one transaction), send each push, forget the subscriptions that are gone."""
    with transaction(session):
        count, pushes = claim_pushes(session, clock())
    summary = PushSummary(notifications=count)
    gone, delivered = set(), set()
    for push in pushes:
        try:
            send(push)
            summary.pushed += 1
            delivered.add(push.subscription_id)
        except SubscriptionGone:
            summary.gone += 1
            gone.add(push.subscription_id)
        except PushFailed:
            summary.failed += 1
    if gone or delivered:
        with transaction(session):
            if gone:
                session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
            if delivered - gone:
                session.execute(
                    update(PushSubscription)
                    .where(PushSubscription.id.in_(delivered - gone))
                    .values(last_pushed_at=clock())
                    .execution_options(synchronize_session=False)
                )
    return summary


def encode_payload(push: Push) -> str:
    return json.dumps(push.payload, ensure_ascii=False)
