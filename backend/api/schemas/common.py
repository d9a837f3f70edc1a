"""The field types every schema uses (whole numbers the databases hold, text without NUL, times in
UTC written with `Z`, names with visible characters, skills) and the point on the map."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

from apiflask import Schema
from apiflask.fields import Float, List
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, fields

from ...domain.timing import utc_text


def one_of(choices) -> OneOf:
    return OneOf(choices, error="must be one of " + ", ".join(choices))


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


ASCII_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


class Integer(fields.Integer):
    """A whole number the databases' INTEGER columns can hold: a bigger one is a 422 here, not an
    overflow (SQLite) or a DataError (PostgreSQL) in the middle of a query, answered as a 500."""

    def __init__(self, **kwargs):
        # The bounds in the OpenAPI document too, narrowed by the field's own Range, so that
        # generated clients and fuzzers know them.
        low, high = INT32_MIN, INT32_MAX
        validators = kwargs.get("validate") or []
        for rule in validators if isinstance(validators, list | tuple) else [validators]:
            if isinstance(rule, Range):
                if rule.min is not None:
                    low = max(low, rule.min if rule.min_inclusive else rule.min + 1)
                if rule.max is not None:
                    high = min(high, rule.max if rule.max_inclusive else rule.max - 1)
        metadata = {"minimum": low, "maximum": high, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not ASCII_WHOLE_NUMBER.fullmatch(value):
            raise ValidationError("must be a whole number in the digits 0-9")  # int("٣") is 3
        number = super()._deserialize(value, attr, data, **kwargs)
        if not INT32_MIN <= number <= INT32_MAX:
            raise ValidationError(f"must be between {INT32_MIN} and {INT32_MAX}")
        return number


class String(fields.String):
    """Text without NUL characters, which PostgreSQL cannot store (a 422 here, not a 500 later)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("must not contain NUL characters")
        return text


class Timestamp(fields.AwareDateTime):
    """ISO 8601 with an offset on input; UTC with a `Z` on output."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        return None if value is None else utc_text(value)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # 9999-12-31T23:59:59-01:00 is in year 10000 in UTC
            raise ValidationError("must be between years 1 and 9999 in UTC") from None


def text(max_length: int, required: bool = False, min_length: int = 0, **kwargs) -> String:
    return String(
        required=required, validate=Length(min=min_length or (1 if required else 0), max=max_length), **kwargs
    )


def _visible(value: str) -> None:
    """Something a person can read: not only spaces and invisible format characters (a zero-width
    space, a joiner, a direction mark), which would make a customer or a signer nobody on screen."""
    if not any(ch.isprintable() and not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in value):
        raise ValidationError("must contain visible characters")


def name_text(max_length: int, required: bool = False, **kwargs) -> String:
    """A name or title: text with at least one visible character."""
    return String(required=required, validate=[Length(min=1, max=max_length), _visible], **kwargs)


def skill_text(**kwargs) -> String:
    """A skill as a client names it: a code (`hvac`, `洗衣机维修`) or a skill's English or Chinese
    name; the API resolves it to a code (domain/skills.py), adding an unknown code to the vocabulary."""
    return String(validate=[Length(min=1, max=80), _visible], **kwargs)


def skills_field(**kwargs) -> List:
    metadata = {
        "description": "skill codes (or skills' names, resolved to their codes); an unknown code joins the "
        "skills vocabulary named by itself",
        **kwargs.pop("metadata", {}),
    }
    return List(skill_text(), validate=Length(max=50), metadata=metadata, **kwargs)


class Point(Schema):
    lat = Float(required=True, validate=Range(-90, 90), metadata={"description": "WGS84 latitude"})
    lon = Float(required=True, validate=Range(-180, 180), metadata={"description": "WGS84 longitude"})


class PointAt(Point):
    at = Timestamp(allow_none=True)


def point(lat, lon) -> dict | None:
    return None if lat is None else {"lat": lat, "lon": lon}
