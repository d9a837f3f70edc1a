"""User management: admins only."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy import select

from ..domain.directory import create_user, update_user
from ..domain.errors import NotFound
from ..extensions import db
from ..models import User
from .common import paginate
from .schemas import PageQuery, UserIn, UserOut, UserPatch, page_of
from .security import keep_own_session, roles_required
from .serialize import user_dict

bp = APIBlueprint("users", __name__, url_prefix="/api/v1/users", tag="Users")
UserPage = page_of(UserOut, "UserPage")


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
    page["items"] = [user_dict(u) for u in page["items"]]
    return page


@bp.post("")
@roles_required("admin")
@bp.input(UserIn)
@bp.output(UserOut, status_code=201)
def create(json_data):
    """Create a login. A technician made here has no profile yet: use POST /technicians for one."""
    user = create_user(db.session, hash_method=current_app.config["PASSWORD_HASH_METHOD"], **json_data)
    db.session.flush()
    return user_dict(user)


@bp.patch("/<int:user_id>")
@roles_required("admin")
@bp.input(UserPatch)
@bp.output(UserOut)
def update(user_id, json_data):
    """Change a user's name, email, role, password, or disable them (`active: false`)."""
    user = update_user(db.session, _get_user(user_id), json_data, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.flush()
    if json_data.get("password"):
        keep_own_session(user)
    return user_dict(user)
