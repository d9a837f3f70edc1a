"""Liveness and database reachability, for load balancers and monitors."""

from __future__ import annotations

from apiflask import APIBlueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .schemas.health import HealthOut
from .security import public

bp = APIBlueprint("health", __name__, tag="Health")


@bp.get("/healthz")
@public
@bp.output(HealthOut)
@bp.doc(responses={503: "The database cannot be reached"})
def healthz():
    """200 when the app and its database answer; 503 with `database: down` otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "down"}, 503
    return {"status": "ok", "database": "ok"}
