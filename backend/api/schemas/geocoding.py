"""Schemas of address suggestions (`/api/v1/geocode`)."""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Float, List, Nested
from apiflask.validators import Length

from .common import String, _visible


class GeocodeQuery(Schema):
    q = String(
        required=True,
        validate=[Length(min=2, max=200), _visible],
        metadata={"description": "an address as typed, in any language"},
    )


class Suggestion(Schema):
    label = String(metadata={"description": "the address as the geocoder writes it"})
    lat = Float(metadata={"description": "WGS84 latitude"})
    lon = Float(metadata={"description": "WGS84 longitude"})


class SuggestionsOut(Schema):
    items = List(Nested(Suggestion), metadata={"description": "best first, at most 5; empty when none or unavailable"})
    available = Boolean(
        metadata={"description": "false: no geocoder is configured, or it failed: pick the place on the map"}
    )
    reason = String(
        allow_none=True,
        metadata={"description": "why it is unavailable: not_configured, unavailable (down or refused), timeout"},
    )
    geocoder = String(allow_none=True, metadata={"description": "the configured geocoder (GEOCODER), or null"})
    cached = Boolean(metadata={"description": "answered from the shared cache"})
