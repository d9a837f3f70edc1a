"""What clients need to know about this server's rules: the status machine as data, and travel.

The PWA derives its buttons from this table when it is offline (online, each work order's
`allowed_actions` says the same for that job), so the app and the API never disagree on a move.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app

from ..domain.sla import BEFORE_SITE
from ..domain.workflow import ACTIONS, ACTIVITIES, HELD
from ..models import ROLES
from .schemas.meta import MetaOut
from .security import roles_required

bp = APIBlueprint("meta", __name__, url_prefix="/api/v1/meta", tag="Meta")


@bp.get("")
@roles_required(*ROLES)
@bp.output(MetaOut)
def client_settings():
    """The status machine (actions: who, from, to, required fields; activities: who, in which
    statuses), the average travel speed used for ETAs, the accept timeouts, the SLA policy
    (minutes to respond and to resolve per priority) and the map tiles the console shows."""
    return {
        "actions": [
            {
                "name": action.name,
                "roles": sorted(action.who),
                "from_statuses": list(action.sources),
                "to_status": action.target,
                "required": list(action.required),
            }
            for action in ACTIONS.values()
        ],
        "activities": [
            {"name": name, "roles": sorted(activity.who), "statuses": list(activity.statuses)}
            for name, activity in ACTIVITIES.items()
        ],
        "average_speed_kmh": current_app.config["AVERAGE_SPEED_KMH"],
        "sla_policy": current_app.config["SLA_POLICY"],
        # The SLA timer the app and the console show: the response due time until the technician is
        # on site, then the resolve due time while they still hold the job; none once it is done.
        "sla_countdown": {"respond": list(BEFORE_SITE), "resolve": [s for s in HELD if s not in BEFORE_SITE]},
        "map_tile_url": current_app.config["MAP_TILE_URL"],
        "map_attribution": current_app.config["MAP_ATTRIBUTION"],
        "accept_timeout_minutes": current_app.config["ACCEPT_TIMEOUT_MINUTES"],
        "location_fresh_minutes": current_app.config["LOCATION_FRESH_MINUTES"],
    }
