"""Schemas of the technicians' Web Push subscriptions (`/api/v1/me/push`)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import URL, Nested
from apiflask.validators import Length, Regexp

from .common import Integer, String, Timestamp

BASE64URL = Regexp(r"^[A-Za-z0-9_-]+=*$", error="must be base64url")


class PushKeyOut(Schema):
    public_key = String(metadata={"description": "the VAPID public key: the applicationServerKey to subscribe with"})


class PushKeysIn(Schema):
    p256dh = String(required=True, validate=[Length(min=80, max=200), BASE64URL])
    auth = String(required=True, validate=[Length(min=16, max=100), BASE64URL])


class PushSubscriptionIn(Schema):
    """What `PushSubscription.toJSON()` gives in the browser (`expirationTime` is ignored)."""

    endpoint = URL(required=True, schemes={"https", "http"}, require_tld=False, validate=Length(max=1000))
    keys = Nested(PushKeysIn, required=True)


class PushSubscriptionOut(Schema):
    id = Integer()
    endpoint = String()
    created_at = Timestamp()
