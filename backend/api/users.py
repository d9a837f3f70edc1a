"""User management: admins only."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select

from ..domain.directory import create_user, update_user
from ..domain.errors import NotFound
from ..domain.sessions import end_sessions_of
from ..extensions import db
from ..models import AuditEntry, User
from .common import actor, now, paginate
from .schemas.lists import PageQuery
from .schemas.users import AuditPage, SessionsRevokedOut, UserIn, UserOut, UserPage, UserPatch
from .security import roles_required

bp = APIBlueprint("users", __name__, url_prefix="/api/v1/users", tag="Users")


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


@bp.get("")
@roles_required("admin")
@bp.input(PageQuery, location="query")
@bp.output(UserPage)
def list_users(query_data):
    """Every user, by email."""
    page = paginate(select(User).order_by(User.email), query_data["page"], query_data["per_page"])
    return page


@bp.post("")
@roles_required("admin")
@bp.input(UserIn)
@bp.output(UserOut, status_code=201)
def create(json_data):
    """Create a login. A technician made here has no profile yet: use POST /technicians for one."""
    user = create_user(db.session, hash_method=current_app.config["PASSWORD_HASH_METHOD"], **json_data)
    db.session.flush()
    return user


@bp.patch("/<int:user_id>")
@roles_required("admin")
@bp.input(UserPatch)
@bp.output(UserOut)
def update(user_id, json_data):
    """Change a user's name, email, role, password, or disable them (`active: false`)."""
    user = update_user(
        db.session,
        _get_user(user_id),
        json_data,
        current_app.config["PASSWORD_HASH_METHOD"],
        actor=actor(),
        now=now(),
    )
    db.session.flush()  # a new password, role or disabling ends the user's sessions (security.py)
    return user


@bp.get("/<int:user_id>/audit")
@roles_required("admin")
@bp.input(PageQuery, location="query")
@bp.output(AuditPage)
def audit(user_id, query_data):
    """Changes to this user's login, newest first: passwords set by someone else, email, role,
    disabling, each with who made it and when."""
    _get_user(user_id)
    query = select(AuditEntry).where(AuditEntry.target_user_id == user_id).order_by(AuditEntry.id.desc())
    page = paginate(query, query_data["page"], query_data["per_page"])
    actors = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_({e.actor_user_id for e in page["items"]})))
    }
    page["items"] = [
        {
            "id": entry.id,
            "at": entry.at,
            "actor": actors.get(entry.actor_user_id),
            "action": entry.action,
            "details": entry.details,
        }
        for entry in page["items"]
    ]
    return page


@bp.post("/<int:user_id>/sessions/revoke")
@roles_required("admin")
@bp.output(SessionsRevokedOut)
@bp.doc(responses={404: "No such user"})
def revoke_sessions(user_id):
    """End every session of this user on every device (a lost phone, a departing employee); they
    log in again with their password. Answers how many sessions were live. Ending your own logs you out."""
    user = _get_user(user_id)
    return {"revoked": end_sessions_of(db.session, user.id, now())}
