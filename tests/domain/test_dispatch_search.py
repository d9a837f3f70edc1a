"""The widening search finds exactly who a brute-force comparison of every technician would find:
the earliest projected arrival (idle technicians here, so the nearest one)."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest

from backend.database import bulk_insert
from backend.domain.arrival import Travel
from backend.domain.dispatch import DatabasePool, DispatchSettings, GridPool, search
from backend.domain.geo import approximate_km, bounding_box, distance_km
from backend.extensions import db
from backend.models import Technician, User
from backend.seed.city import SKILLS, scatter
from tests.conftest import START

SPEED = 30.0
SETTINGS = DispatchSettings(Travel(SPEED, 1.3), 45, 30)


def _job(site, skills, job_id=10**6):
    return SimpleNamespace(id=job_id, lat=site[0], lon=site[1], priority="high", status="new",
                           response_due_at=START + timedelta(hours=4), required_skills=skills)  # fmt: skip


def _city(app, count: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    users, technicians = [], []
    for i in range(1, count + 1):
        users.append(
            {"id": i, "email": f"t{i}@x.test", "name": f"T{i}", "role": "technician", "password_hash": "!",
             "active": i % 17 != 0, "created_at": START}
        )  # fmt: skip
        home, ping = scatter(rng), scatter(rng)
        fresh = rng.random() < 0.5
        technicians.append(
            {"id": i, "user_id": i, "skills": sorted(rng.sample(SKILLS, rng.randint(1, 3))), "home_lat": home[0],
             "home_lon": home[1], "last_lat": ping[0], "last_lon": ping[1],
             "last_location_at": START - timedelta(minutes=10 if fresh else 45), "on_shift": rng.random() < 0.8,
             "max_open_jobs": 4, "created_at": START}
        )  # fmt: skip
    with app.app_context():
        bulk_insert(db.session, User.__table__, users)
        bulk_insert(db.session, Technician.__table__, technicians)
        db.session.commit()
    return [t | {"active": u["active"]} for t, u in zip(technicians, users, strict=True)]


def _brute_force_nearest(technicians, site, skill, exclude):
    best = None
    for t in technicians:
        if not (t["on_shift"] and t["active"]) or skill not in t["skills"] or t["id"] in exclude:
            continue
        fresh = t["last_location_at"] >= START - timedelta(minutes=30)
        position = (t["last_lat"], t["last_lon"]) if fresh else (t["home_lat"], t["home_lon"])
        km = distance_km(position, site)
        if best is None or km < best[0]:
            best = (km, t["id"])
    return best


def test_grid_and_database_searches_agree_with_brute_force(app):
    technicians = _city(app, 400)
    rng = random.Random(11)
    with app.app_context():
        pools = [GridPool(db.session, START, SETTINGS), DatabasePool(db.session, START, SETTINGS)]
        for _ in range(40):
            site, skill = scatter(rng), rng.choice(SKILLS)
            exclude = {rng.randint(1, 400) for _ in range(5)}
            expected = _brute_force_nearest(technicians, site, skill, exclude)
            for pool in pools:
                [found] = search(pool, _job(site, [skill]), START, SETTINGS, wanted=1, only_qualified=True,
                                 exclude=exclude)  # fmt: skip
                assert (found.technician_id, found.distance_km) == (expected[1], pytest.approx(expected[0], abs=1e-3))


def test_nobody_with_the_skill_means_an_empty_answer(app):
    _city(app, 50)
    with app.app_context():
        for pool in (GridPool(db.session, START, SETTINGS), DatabasePool(db.session, START, SETTINGS)):
            assert search(pool, _job((31.2, 121.4), ["submarines"]), START, SETTINGS, wanted=1,
                          only_qualified=True) == []  # fmt: skip


@pytest.mark.sqlite_only
def test_bounding_box_holds_the_whole_circle_and_approximation_is_close():
    rng = random.Random(5)
    for _ in range(500):
        centre = (rng.uniform(-80, 80), rng.uniform(-179, 179))
        radius = rng.choice([1, 5, 25, 100])
        box = bounding_box(centre, radius)
        for bearing in range(0, 360, 15):
            from geopy.distance import geodesic

            edge = geodesic(kilometers=radius * 0.999).destination(centre, bearing)
            assert box.contains(edge.latitude, edge.longitude), (centre, radius, bearing)
        other = (centre[0] + rng.uniform(-0.3, 0.3), centre[1] + rng.uniform(-0.3, 0.3))
        if abs(centre[0]) < 70:
            assert approximate_km(centre, other) == pytest.approx(distance_km(centre, other), rel=0.006)
