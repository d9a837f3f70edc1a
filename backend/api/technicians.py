"""Technicians (managed by dispatchers) and the technician's own position and shift."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app
from flask_login import current_user
from sqlalchemy import func, or_, select, text

from ..domain.directory import create_technician, record_ping, update_technician
from ..domain.dispatch import has_skill, open_jobs_by_technician
from ..domain.errors import NotFound
from ..extensions import db
from ..models import Technician, User
from .common import actor, contains, now, paginate
from .offline import offline_since
from .schemas.technicians import (
    LocationIn,
    ShiftIn,
    TechnicianIn,
    TechnicianOut,
    TechnicianPage,
    TechnicianPatch,
    TechnicianQuery,
    technician_dict,
)
from .security import STAFF, roles_required
from .skills import resolve_skills, skill_code

bp = APIBlueprint("technicians", __name__, url_prefix="/api/v1/technicians", tag="Technicians")
me_bp = APIBlueprint("me", __name__, url_prefix="/api/v1/me", tag="Technicians")


def _hash_method() -> str:
    return current_app.config["PASSWORD_HASH_METHOD"]


def _with_load(technician: Technician) -> dict:
    return technician_dict(technician, open_jobs_by_technician(db.session, [technician.id]).get(technician.id, 0))


def _get_technician(technician_id: int) -> Technician:
    technician = db.session.get(Technician, technician_id)
    if technician is None or technician.user.role != "technician":  # a former technician is not one
        raise NotFound(f"Technician {technician_id} not found.")
    return technician


@bp.post("")
@roles_required(*STAFF)
@bp.input(TechnicianIn)
@bp.output(TechnicianOut, status_code=201)
def create(json_data):
    """Create a technician: a login with the technician role and a profile."""
    resolve_skills(json_data, "skills")
    return technician_dict(create_technician(db.session, json_data, _hash_method()), 0)


@bp.get("")
@roles_required(*STAFF)
@bp.input(TechnicianQuery, location="query")
@bp.output(TechnicianPage)
def list_technicians(query_data):
    """Technicians by name, with their open jobs; filter by `on_shift`, `skill` or `q` (name, email)."""
    query = (
        select(Technician)
        .join(Technician.user)
        .where(User.role == "technician")
        .order_by(func.lower(User.name), Technician.id)
    )
    if "on_shift" in query_data:
        query = query.where(Technician.on_shift.is_(query_data["on_shift"]))
    if query_data.get("q"):
        pattern = contains(query_data["q"])
        query = query.where(
            or_(func.lower(User.name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\"))
        )
    if query_data.get("skill"):
        query = query.where(has_skill(skill_code(query_data["skill"])))
    page = paginate(query, query_data["page"], query_data["per_page"])
    load = open_jobs_by_technician(db.session, [t.id for t in page["items"]])
    page["items"] = [technician_dict(t, load.get(t.id, 0)) for t in page["items"]]
    return page


@bp.get("/<int:technician_id>")
@roles_required(*STAFF)
@bp.output(TechnicianOut)
def get(technician_id):
    """One technician."""
    return _with_load(_get_technician(technician_id))


@bp.patch("/<int:technician_id>")
@roles_required(*STAFF)
@bp.input(TechnicianPatch)
@bp.output(TechnicianOut)
def update(technician_id, json_data):
    """Change a technician's profile, login details or shift."""
    resolve_skills(json_data, "skills")
    technician = update_technician(
        db.session, _get_technician(technician_id), json_data, _hash_method(), actor=actor(), now=now()
    )
    db.session.flush()
    return _with_load(technician)


def _own_technician() -> Technician:
    technician = current_user.technician  # loaded with the user (see `load_user`)
    if technician is None:
        raise NotFound("Your account has no technician profile.")
    return technician


@me_bp.get("/technician")
@roles_required("technician")
@me_bp.output(TechnicianOut)
def my_profile():
    """The logged-in technician's own profile."""
    return _with_load(_own_technician())


@me_bp.post("/location")
@roles_required("technician")
@me_bp.input(LocationIn)
@me_bp.output({}, status_code=204)
def my_location(json_data):
    """Report the device's position; a ping older than the newest known one is ignored."""
    if db.engine.dialect.name == "postgresql":
        # The next ping supersedes this one within a minute, so its commit need not wait for the
        # write-ahead log to reach the disk: a crash may lose the last pings, never a work order's.
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    record_ping(
        db.session,
        _own_technician(),
        now(),
        json_data["lat"],
        json_data["lon"],
        json_data.get("accuracy_m"),
        json_data.get("recorded_at"),
        offline_since(),
    )
    return ""


@me_bp.post("/shift")
@roles_required("technician")
@me_bp.input(ShiftIn)
@me_bp.output(TechnicianOut)
def my_shift(json_data):
    """Go on or off shift; only technicians on shift are offered jobs."""
    technician = _own_technician()
    technician.on_shift = json_data["on_shift"]
    return _with_load(technician)
