"""Users and sessions: logging in, who am I, user management and its audit trail."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Email, Nested
from apiflask.validators import Length

from ...models import (
    AUDIT_ACTIONS,
    ROLES,
)
from .common import Integer, String, Timestamp, name_text, one_of
from .lists import page_of


class LoginIn(Schema):
    email = String(required=True, validate=Length(min=1, max=254))
    password = String(required=True, validate=Length(min=1, max=1024))


class UserOut(Schema):
    id = Integer()
    email = String()
    name = String()
    role = String()
    active = Boolean()


class AuditEntryOut(Schema):
    id = Integer()
    at = Timestamp()
    actor = Nested(UserOut, allow_none=True, metadata={"description": "who made the change (null: since removed)"})
    action = String(metadata={"description": ", ".join(AUDIT_ACTIONS)})
    details = Dict(metadata={"description": "from and to, for an email or a role"})


class SessionOut(Schema):
    user = Nested(UserOut)
    csrf_token = String()


class UserIn(Schema):
    email = Email(required=True, validate=Length(max=254))
    name = name_text(120, required=True)
    role = String(required=True, validate=one_of(ROLES))
    password = String(required=True, validate=Length(min=8, max=1024))


class UserPatch(Schema):
    email = Email(validate=Length(max=254))
    name = name_text(120)
    role = String(validate=one_of(ROLES))
    password = String(validate=Length(min=8, max=1024))
    active = Boolean()


UserPage = page_of(UserOut, "UserPage")


AuditPage = page_of(AuditEntryOut, "AuditPage")


class SessionsRevokedOut(Schema):
    revoked = Integer(required=True, metadata={"description": "how many live sessions were ended"})
