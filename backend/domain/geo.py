"""Distances and travel times. Every distance in OnSite is measured here."""

from __future__ import annotations

import math

from geopy.distance import geodesic


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Exact distance on the WGS84 ellipsoid between two (lat, lon) points, in km."""
    return geodesic(a, b).km


def eta_minutes(distance: float, average_speed_kmh: float) -> int:
    """Driving time at the configured average speed, rounded up to whole minutes."""
    return math.ceil(distance / average_speed_kmh * 60)
