"""Technicians: their profile, working hours, position and shift."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Email, Float, List, Nested
from apiflask.validators import Length, Range
from marshmallow import ValidationError

from ...domain.calendar import hours_problem
from ...models import Technician
from .common import Integer, Point, PointAt, String, Timestamp, name_text, point, skill_text, skills_field, text
from .lists import PageQuery, page_of, search_text


def valid_hours(hours) -> None:
    """Working hours: weekday keys mon..sun, each ["HH:MM", "HH:MM"] with start != end."""
    problem = hours_problem(hours)
    if problem:
        raise ValidationError(problem)


def hours_field() -> Dict:
    return Dict(
        allow_none=True,
        validate=valid_hours,
        metadata={
            "description": 'working hours per weekday in TIMEZONE, e.g. {"mon": ["08:00", "17:00"]}; a day left '
            "out is a day off; an end before the start runs overnight; null: no hours (whenever on shift)"
        },
    )


class TechnicianIn(Schema):
    name = name_text(120, required=True)
    email = Email(required=True, validate=Length(max=254))
    password = String(required=True, validate=Length(min=8, max=1024))
    phone = text(40, allow_none=True)
    skills = skills_field(load_default=list)
    home = Nested(Point, required=True)
    max_open_jobs = Integer(load_default=6, validate=Range(1, 100))
    on_shift = Boolean(load_default=False)
    hours = hours_field()


class TechnicianPatch(Schema):
    name = name_text(120)
    email = Email(validate=Length(max=254))
    password = String(validate=Length(min=8, max=1024))
    phone = text(40, allow_none=True)
    skills = skills_field()
    home = Nested(Point)
    max_open_jobs = Integer(validate=Range(1, 100))
    on_shift = Boolean()
    hours = hours_field()


class TechnicianOut(Schema):
    id = Integer()
    user_id = Integer()
    name = String()
    email = String()
    phone = String(allow_none=True)
    skills = List(String())
    on_shift = Boolean()
    active = Boolean()
    location = Nested(PointAt, allow_none=True, metadata={"description": "last known position"})
    home = Nested(Point)
    open_jobs = Integer()
    max_open_jobs = Integer()
    hours = Dict(allow_none=True, metadata={"description": "working hours per weekday in TIMEZONE, or null"})


class TechnicianQuery(PageQuery):
    on_shift = Boolean()
    skill = skill_text(metadata={"description": "a skill code or name"})
    q = search_text()


class LocationIn(Point):
    accuracy_m = Float(validate=Range(0, 100_000), allow_none=True)
    recorded_at = Timestamp(allow_none=True)


class ShiftIn(Schema):
    on_shift = Boolean(required=True)


class TechnicianBrief(Schema):
    id = Integer()
    name = String()


def technician_dict(technician: Technician, open_jobs: int) -> dict:
    location = point(technician.last_lat, technician.last_lon)
    if location is not None:
        location["at"] = technician.last_location_at
    return {
        "id": technician.id,
        "user_id": technician.user_id,
        "name": technician.user.name,
        "email": technician.user.email,
        "phone": technician.phone,
        "skills": technician.skills or [],
        "on_shift": technician.on_shift,
        "active": technician.user.active,
        "location": location,
        "home": point(technician.home_lat, technician.home_lon),
        "open_jobs": open_jobs,
        "max_open_jobs": technician.max_open_jobs,
        "hours": technician.hours,
    }


TechnicianPage = page_of(TechnicianOut, "TechnicianPage")
