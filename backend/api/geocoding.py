"""Address suggestions for intake: a typed address to places with coordinates (domain/geocoding.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from apiflask import APIBlueprint
from flask import current_app
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ..domain.geocoding import settings_from_config, suggest
from ..extensions import db
from .common import now
from .schemas.geocoding import GeocodeQuery, SuggestionsOut
from .security import STAFF, roles_required

log = logging.getLogger(__name__)

bp = APIBlueprint("geocoding", __name__, url_prefix="/api/v1/geocode", tag="Geocoding")


def in_own_transaction(write: Callable[[Session], None]) -> None:
    """Run a bookkeeping write (the geocoder's cache) in its own short transaction: a GET's
    transaction is never committed. A failed write only costs the next caller a geocoder call."""
    try:
        with Session(db.engine) as session, session.begin():
            write(session)
    except (IntegrityError, OperationalError) as error:
        log.warning("geocoder cache not written: %s", error)


@bp.get("")
@roles_required(*STAFF)
@bp.input(GeocodeQuery, location="query")
@bp.output(SuggestionsOut)
@bp.doc(
    description="Places for an address as typed, from the configured geocoder (GEOCODER, GEOCODER_URL, "
    "GEOCODER_KEY), cached for GEOCODER_CACHE_DAYS across servers. Without a geocoder, or when it is down "
    "or slow (GEOCODER_TIMEOUT_SECONDS), the answer is still 200: no items, `available: false` and the "
    "reason; the console then offers the map pick alone."
)
def suggestions(query_data):
    """Address suggestions `[{label, lat, lon}]`, best first."""
    found = suggest(db.session, settings_from_config(current_app.config), query_data["q"], now(), in_own_transaction)
    return {
        "items": found.items,
        "available": found.available,
        "reason": found.reason,
        "geocoder": found.geocoder,
        "cached": found.cached,
    }
