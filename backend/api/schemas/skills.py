"""Schemas of the skills vocabulary (`/api/v1/skills`)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict
from apiflask.validators import Length

from .common import Integer, String, Timestamp, name_text
from .lists import PageQuery, page_of, search_text


class SkillIn(Schema):
    code = String(
        required=True,
        validate=Length(min=1, max=40),
        metadata={
            "description": "what technicians, work orders and dispatch hold: letters of any script (lower-cased), "
            "digits, - and _, e.g. hvac or 洗衣机维修; never changes"
        },
    )
    name_en = name_text(80, metadata={"description": "English name (default: the code)"})
    name_zh = name_text(80, metadata={"description": "Chinese name (default: the code)"})
    active = Boolean(load_default=True, metadata={"description": "false: left out of the pickers, still valid"})


class SkillPatch(Schema):
    name_en = name_text(80)
    name_zh = name_text(80)
    active = Boolean()


class SkillOut(Schema):
    id = Integer()
    code = String()
    name_en = String()
    name_zh = String()
    active = Boolean()
    created_at = Timestamp()
    updated_at = Timestamp()


class SkillQuery(PageQuery):
    active = Boolean(metadata={"description": "true: only the pickers' skills; false: only retired ones"})
    q = search_text("a part of the code or of either name", max_length=80)


class SkillChangeOut(Schema):
    id = Integer()
    at = Timestamp()
    actor_user_id = Integer(allow_none=True, metadata={"description": "null: the system (demo, command line)"})
    action = String(metadata={"description": "created or updated"})
    details = Dict(metadata={"description": "created: the values; updated: {field: [before, after]}"})


SkillPage = page_of(SkillOut, "SkillPage")
SkillChangePage = page_of(SkillChangeOut, "SkillChangePage")
