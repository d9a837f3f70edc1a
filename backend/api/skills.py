"""The skills vocabulary: codes with English and Chinese names, managed by dispatchers and admins."""

from __future__ import annotations

from apiflask import APIBlueprint
from sqlalchemy import select

from ..domain import skills as vocabulary
from ..domain.errors import NotFound
from ..extensions import db
from ..models import Skill, SkillChange
from .common import actor, now, paginate
from .schemas.lists import PageQuery
from .schemas.skills import SkillChangePage, SkillIn, SkillOut, SkillPage, SkillPatch, SkillQuery
from .security import ANY_ROLE, STAFF, roles_required

bp = APIBlueprint("skills", __name__, url_prefix="/api/v1/skills", tag="Skills")


def resolve_skills(data: dict, field: str) -> None:
    """Replace the skills a client sent in `data[field]` by the codes they stand for (codes, or
    names), adding unknown codes to the vocabulary (domain/skills.py); 422 on `field` otherwise."""
    if data.get(field) is not None:
        data[field] = vocabulary.resolve(db.session, data[field], actor(), now(), field)


def skill_code(text: str) -> str:
    """The code a filter's skill names (a code or a name), without adding anything."""
    return vocabulary.lookup(db.session, text)


def _skill(skill_id: int, lock: bool = False) -> Skill:
    query = select(Skill).where(Skill.id == skill_id)
    skill = db.session.scalar(query.with_for_update() if lock else query)
    if skill is None:
        raise NotFound(f"Skill {skill_id} not found.")
    return skill


@bp.get("")
@roles_required(*ANY_ROLE)
@bp.input(SkillQuery, location="query")
@bp.output(SkillPage)
def list_skills(query_data):
    """The vocabulary by English name (every role reads it: the app shows names, not codes);
    `active=true` for the pickers."""
    query = vocabulary.skills_query(active=query_data.get("active"), q=query_data.get("q"))
    return paginate(query, query_data["page"], query_data["per_page"])


@bp.post("")
@roles_required(*STAFF)
@bp.input(SkillIn)
@bp.output(SkillOut, status_code=201)
def create(json_data):
    """Add a skill. A code in use is 422 (`code`); so is a name another skill has."""
    return vocabulary.create_skill(db.session, json_data, actor(), now())


@bp.get("/<int:skill_id>")
@roles_required(*ANY_ROLE)
@bp.output(SkillOut)
def get(skill_id):
    """One skill."""
    return _skill(skill_id)


@bp.patch("/<int:skill_id>")
@roles_required(*STAFF)
@bp.input(SkillPatch)
@bp.output(SkillOut)
def update(skill_id, json_data):
    """Rename a skill or retire it (`active: false`: out of the pickers; technicians and jobs that
    hold it keep it, and dispatch still matches it). The code never changes."""
    return vocabulary.update_skill(db.session, _skill(skill_id, lock=True), json_data, actor(), now())


@bp.get("/<int:skill_id>/changes")
@roles_required(*STAFF)
@bp.input(PageQuery, location="query")
@bp.output(SkillChangePage)
def changes(skill_id, query_data):
    """Who created and changed the skill, oldest first."""
    skill = _skill(skill_id)
    query = select(SkillChange).where(SkillChange.skill_id == skill.id).order_by(SkillChange.id)
    return paginate(query, query_data["page"], query_data["per_page"])
