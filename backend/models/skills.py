"""The skills vocabulary: the codes that technicians hold and jobs require, with a display name in
English and in Chinese, and the trail of changes made to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of

SKILL_CHANGE_ACTIONS = ("created", "updated")


class Skill(db.Model):
    """One skill. Technicians, work orders and articles keep the `code` (JSON lists of codes), and
    dispatch matches by code; the names are what people read and pick. An inactive skill is
    left out of the pickers but stays valid where it is held."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_en: Mapped[str] = mapped_column(String(80))
    name_zh: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SkillChange(db.Model):
    """Who created or changed a skill, and what changed (`{field: [before, after]}`); rows are
    only ever added. A skill created from an unknown code at intake names that request's user."""

    __tablename__ = "skill_changes"
    __table_args__ = (
        CheckConstraint(one_of("action", SKILL_CHANGE_ACTIONS), name="ck_skill_changes_action"),
        Index("ix_skill_changes_skill", "skill_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
