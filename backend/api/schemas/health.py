"""Liveness and database reachability."""

from __future__ import annotations

from apiflask import Schema

from .common import String


class HealthOut(Schema):
    status = String()
    database = String()
