"""The skills vocabulary: codes that dispatch matches on, with names people read and pick.

Technicians, work orders and articles keep skill *codes*, and dispatch compares codes only. What a
client sends as a skill is resolved to a code (`resolve`): a known code; else a skill's English name
(any case) or Chinese name; else, when it is shaped like a code (letters of any script, digits, `-`
and `_`), a new code that joins the vocabulary named by itself, so that an integration sending
`["hvac"]` never has to register it first, and `洗衣机维修` is a code as good as `hvac`. A dispatcher
or an admin can give it proper names later; every creation and change leaves a `SkillChange`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import Skill, SkillChange
from .actors import Actor
from .errors import ValidationFailed

# Letters and digits of any script, then also `-` and `_`; no spaces, quotes, commas or case.
CODE_PATTERN = re.compile(r"[^\W_][\w\-]{0,39}")
CODE_RULE = "a skill code is letters (any script, lowercase), digits, - and _, at most 40; or a skill's name"
NAMED_FIELDS = ("name_en", "name_zh", "active")

# Names for codes the demo city uses (and early installs used): what `ensure` names them.
STARTER_NAMES = {
    "hvac": ("HVAC", "暖通空调"),
    "electrical": ("Electrical", "电气"),
    "plumbing": ("Plumbing", "水暖管道"),
    "refrigeration": ("Refrigeration", "制冷"),
    "elevators": ("Elevators", "电梯"),
    "boilers": ("Boilers", "锅炉"),
    "fire_safety": ("Fire safety", "消防"),
    "it_network": ("IT and network", "IT 网络"),
}


def _clean(text: str) -> str:
    """Compatibility forms folded (full-width letters and digits to plain ones), spaces at the ends taken off."""
    return unicodedata.normalize("NFKC", text).strip()


def normal_code(text: str) -> str:
    """The code `text` stands for if it is one: cleaned and lower-cased."""
    return _clean(text).lower()


def is_code(code: str) -> bool:
    return CODE_PATTERN.fullmatch(code) is not None and code == code.lower()


def skills_query(*, active: bool | None = None, q: str | None = None) -> Select:
    """The vocabulary by English name; `active` filters, `q` finds a part of a code or either name."""
    query = select(Skill).order_by(func.lower(Skill.name_en), Skill.code)
    if active is not None:
        query = query.where(Skill.active.is_(active))
    if q:
        pattern = "%" + q.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                Skill.code.like(pattern, escape="\\"),
                func.lower(Skill.name_en).like(pattern, escape="\\"),
                Skill.name_zh.like(pattern, escape="\\"),
            )
        )
    return query


def _find(session: Session, text: str) -> Skill | None:
    """The skill `text` names: by code, then by English name (any case), then by Chinese name."""
    code = normal_code(text)
    skill = session.scalar(select(Skill).where(Skill.code == code))
    if skill is None:
        cleaned = _clean(text)
        skill = session.scalar(
            select(Skill)
            .where(or_(func.lower(Skill.name_en) == cleaned.lower(), Skill.name_zh == cleaned))
            .order_by(Skill.id)
            .limit(1)
        )
    return skill


def _log(session: Session, skill: Skill, action: str, details: dict, actor: Actor | None, now: datetime) -> None:
    session.add(
        SkillChange(
            skill_id=skill.id, at=now, actor_user_id=actor.user_id if actor else None, action=action, details=details
        )
    )


def _check_names(session: Session, data: dict, skill: Skill | None = None) -> None:
    """Names are unique across the vocabulary (so a name resolves to one code), and never another
    skill's code (a code is looked up first, so that name could never be picked by typing it)."""
    problems: dict[str, list[str]] = {}
    others = select(Skill.id).where(Skill.id != skill.id) if skill is not None else select(Skill.id)
    for field in ("name_en", "name_zh"):
        if field not in data:
            continue
        name = data[field]
        clash = session.scalar(
            others.where(
                or_(
                    func.lower(Skill.name_en) == name.lower(),
                    Skill.name_zh == name,
                    Skill.code == normal_code(name),
                )
            ).limit(1)
        )
        if clash is not None:
            problems[field] = ["is already the name or code of another skill"]
    if problems:
        raise ValidationFailed(problems)


def create_skill(session: Session, data: dict, actor: Actor, now: datetime) -> Skill:
    """A new vocabulary entry `{code, name_en?, name_zh?, active?}`; names default to the code."""
    code = normal_code(data["code"])
    if not is_code(code):
        raise ValidationFailed({"code": [CODE_RULE.split("; or")[0]]})
    if session.scalar(select(Skill.id).where(Skill.code == code)):
        raise ValidationFailed({"code": ["is already a skill"]})
    names = {
        "name_en": _clean(data.get("name_en") or "") or code,
        "name_zh": _clean(data.get("name_zh") or "") or code,
    }
    _check_names(session, names)
    skill = Skill(code=code, active=data.get("active", True), created_at=now, updated_at=now, **names)
    session.add(skill)
    session.flush()
    _log(session, skill, "created", {"code": code, **names, "active": skill.active}, actor, now)
    return skill


def update_skill(session: Session, skill: Skill, changes: dict, actor: Actor, now: datetime) -> Skill:
    """Rename or (de)activate a skill; its code never changes (it is what everything else holds)."""
    changes = {k: (_clean(v) if isinstance(v, str) else v) for k, v in changes.items() if k in NAMED_FIELDS}
    for field in ("name_en", "name_zh"):
        if field in changes and not changes[field]:
            raise ValidationFailed({field: ["must contain visible characters"]})
    changed = {k: v for k, v in changes.items() if getattr(skill, k) != v}
    _check_names(session, changed, skill)
    if changed:
        details = {k: [getattr(skill, k), v] for k, v in changed.items()}
        for k, v in changed.items():
            setattr(skill, k, v)
        skill.updated_at = now
        _log(session, skill, "updated", details, actor, now)
    return skill


def _add_code(session: Session, code: str, actor: Actor | None, now: datetime, names=None) -> Skill:
    """A vocabulary entry for a code first seen in a request; named by itself (or `names`). Two
    requests adding one code at once: the second finds the first's row (a savepoint keeps the
    rest of its transaction)."""
    name_en, name_zh = names or (code, code)
    try:
        with session.begin_nested():
            skill = Skill(code=code, name_en=name_en, name_zh=name_zh, active=True, created_at=now, updated_at=now)
            session.add(skill)
            session.flush()
    except IntegrityError:
        return session.scalar(select(Skill).where(Skill.code == code))
    _log(
        session, skill, "created", {"code": code, "name_en": name_en, "name_zh": name_zh, "from": "request"}, actor, now
    )
    return skill


def _find_all(session: Session, values: list[str]) -> list[Skill | None]:
    """`_find` for many values in at most two queries: codes first, then names for the rest."""
    codes = {normal_code(v) for v in values}
    by_code = {s.code: s for s in session.scalars(select(Skill).where(Skill.code.in_(codes)))}
    rest = [_clean(v) for v in values if normal_code(v) not in by_code]
    by_en: dict[str, Skill] = {}
    by_zh: dict[str, Skill] = {}
    if rest:
        named = select(Skill).where(
            or_(func.lower(Skill.name_en).in_({r.lower() for r in rest}), Skill.name_zh.in_(set(rest)))
        )
        for skill in session.scalars(named.order_by(Skill.id)):
            by_en.setdefault(skill.name_en.lower(), skill)
            by_zh.setdefault(skill.name_zh, skill)
    return [by_code.get(normal_code(v)) or by_en.get(_clean(v).lower()) or by_zh.get(_clean(v)) for v in values]


def resolve(session: Session, values: Iterable[str], actor: Actor | None, now: datetime, field: str) -> list[str]:
    """The codes `values` stand for (see the module's docstring), in order, without repeats. An
    unknown value that is not shaped like a code is 422 on `field.<index>` (as a list item refused by
    its schema); nothing is added then. Known codes cost one query for the whole list."""
    values = list(values)
    if not values:
        return []
    found = _find_all(session, values)
    bad = {
        f"{field}.{i}": [f"unknown skill {v!r}: {CODE_RULE}"]
        for i, (v, s) in enumerate(zip(values, found, strict=True))
        if s is None and not is_code(normal_code(v))
    }
    if bad:
        raise ValidationFailed(bad)
    codes: list[str] = []
    for value, skill in zip(values, found, strict=True):
        code = skill.code if skill is not None else normal_code(value)
        if code not in codes:
            if skill is None:
                code = _add_code(session, code, actor, now).code
            codes.append(code)
    return codes


def ensure(session: Session, codes: Iterable[str], now: datetime) -> None:
    """Vocabulary entries for `codes` that have none (the demo city, the command line), with the
    starter names where there are some."""
    wanted = sorted({normal_code(c) for c in codes if c})
    known = set(session.scalars(select(Skill.code).where(Skill.code.in_(wanted)))) if wanted else set()
    for code in wanted:
        if code not in known and is_code(code):
            _add_code(session, code, None, now, STARTER_NAMES.get(code))


def names_of(session: Session, codes: Iterable[str]) -> dict[str, dict]:
    """`{code: {name_en, name_zh}}` for the codes that have an entry."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    rows = session.execute(select(Skill.code, Skill.name_en, Skill.name_zh).where(Skill.code.in_(codes)))
    return {code: {"name_en": en, "name_zh": zh} for code, en, zh in rows}


def lookup(session: Session, text: str) -> str:
    """The code `text` names (a code or a name), or `text` as a code if no skill has it; adds nothing."""
    skill = _find(session, text)
    return skill.code if skill is not None else normal_code(text)
