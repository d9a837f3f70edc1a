"""The status machine, exhaustively: every action, from every status, by every role, through the API.

The expected table is written here from shared/API.md, independently of backend/domain/workflow.py.
"""

from __future__ import annotations

import pytest

from tests.helpers import action_events, signature_data_url

STATUSES = ("new", "assigned", "accepted", "en_route", "on_site", "on_hold", "completed", "closed", "cancelled")
STAFF = {"dispatcher", "admin"}
TECH = {"assigned_technician"}
ROLES = ("dispatcher", "admin", "assigned_technician", "other_technician")

# action: (who may, from which statuses, to which status) — the contract's table.
EXPECTED = {
    "assign": (STAFF, {"new", "assigned", "accepted", "on_hold"}, "assigned"),
    "accept": (TECH, {"assigned"}, "accepted"),
    "decline": (TECH, {"assigned", "accepted"}, "new"),
    "depart": (TECH, {"accepted"}, "en_route"),
    "arrive": (TECH, {"accepted", "en_route"}, "on_site"),
    "pause": (TECH, {"on_site"}, "on_hold"),
    "resume": (TECH, {"on_hold"}, "on_site"),
    "complete": (TECH, {"on_site"}, "completed"),
    "close": (set(), {"completed"}, "closed"),  # the system's, on a sign-off: no user may call it
    "reopen": (STAFF, {"completed", "closed"}, "new"),
    # Solved by phone or remote help (Kinds of case): the dispatcher (an admin too), or the assigned technician.
    "resolve_remotely": (STAFF | TECH, {"new", "assigned", "accepted"}, "completed"),
    # "any but closed": cancelling a cancelled job would change nothing, so it is refused too.
    "cancel": (STAFF, set(STATUSES) - {"closed", "cancelled"}, "cancelled"),
}

# The road to each status, as (actor, action, body) steps after creation.
ROADS = {
    "new": [],
    "assigned": [("dispatcher", "assign", "tech")],
    "accepted": [("dispatcher", "assign", "tech"), ("tech", "accept", {})],
    "en_route": [("dispatcher", "assign", "tech"), ("tech", "accept", {}), ("tech", "depart", {})],
    "on_site": [("dispatcher", "assign", "tech"), ("tech", "accept", {}), ("tech", "arrive", {})],
}
ROADS["on_hold"] = ROADS["on_site"] + [("tech", "pause", {"reason": "Waiting for parts"})]
ROADS["completed"] = ROADS["on_site"] + [("tech", "complete", {"resolution": "Fixed", "first_time_fix": True})]
ROADS["closed"] = ROADS["completed"] + [("tech", "signoff", None)]
ROADS["cancelled"] = ROADS["assigned"] + [("dispatcher", "cancel", {"reason": "Duplicate request"})]


@pytest.fixture
def actors(dispatcher, technician, client_for, world):
    return {
        "dispatcher": dispatcher,
        "admin": client_for(world.admin_email),
        "assigned_technician": technician,
        "other_technician": client_for(world.other_tech_email),
    }


def _body(action: str, world) -> dict:
    return {
        "assign": {"technician_id": world.other_technician_id},
        "decline": {"reason": "Not my trade"},
        "pause": {"reason": "Customer absent"},
        "complete": {"resolution": "Fixed", "first_time_fix": True},
        "resolve_remotely": {"resolution": "Talked through a reset"},
        "reopen": {"reason": "Fault returned"},
        "cancel": {"reason": "Customer withdrew"},
    }.get(action, {})


def _drive_to(status, new_work_order, actors, world) -> dict:
    wo = new_work_order()
    for who, action, body in ROADS[status]:
        client = actors["dispatcher" if who == "dispatcher" else "assigned_technician"]
        if action == "signoff":
            response = client.post(
                f"/api/v1/work-orders/{wo['id']}/signoff", json={"signer_name": "Li", "signature": signature_data_url()}
            )
        else:
            payload = {"technician_id": world.technician_id} if body == "tech" else body
            response = client.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json=payload)
        assert response.status_code in (200, 201), (status, action, response.json)
    detail = actors["dispatcher"].get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["status"] == status
    return detail


def _expected_outcome(action: str, status: str, role: str) -> int:
    who, sources, _ = EXPECTED[action]
    visible = role in STAFF or (role == "assigned_technician" and status not in ("new",))
    if not visible:
        return 404
    if role not in who:
        return 403
    return 200 if status in sources else 409


@pytest.mark.parametrize("status", STATUSES)
def test_every_action_by_every_role_from(status, new_work_order, actors, world):
    shared = _drive_to(status, new_work_order, actors, world)
    for action in EXPECTED:
        for role in ROLES:
            expected = _expected_outcome(action, status, role)
            wo = _drive_to(status, new_work_order, actors, world) if expected == 200 else shared
            url = f"/api/v1/work-orders/{wo['id']}"
            response = actors[role].post(f"{url}/actions/{action}", json=_body(action, world))
            case = f"{action} from {status} by {role}"
            assert response.status_code == expected, (case, response.json)
            after = actors["dispatcher"].get(url).json
            if expected == 200:
                assert after["status"] == EXPECTED[action][2], case
                assert after["version"] > wo["version"], case
                last = action_events(after["events"])[-1]
                assert last["action"] == action and last["from_status"] == status, case
            else:
                code = {403: "forbidden", 404: "not_found", 409: "conflict"}[expected]
                assert response.json["error"]["code"] == code, case
                assert (after["status"], after["version"], len(after["events"])) == (
                    status,
                    shared["version"],
                    len(shared["events"]),
                ), f"{case} changed the work order"


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_actions_offer_exactly_the_table(status, new_work_order, actors, world):
    wo = _drive_to(status, new_work_order, actors, world)
    for role in ROLES:
        response = actors[role].get(f"/api/v1/work-orders/{wo['id']}")
        offered = {a for a in EXPECTED if _expected_outcome(a, status, role) == 200}
        if response.status_code == 404:
            assert _expected_outcome("accept", status, role) == 404, (status, role)
            continue
        assert set(response.json["allowed_actions"]) == offered, (status, role)


def test_unknown_action_and_missing_parameters(new_work_order, actors, world):
    wo = _drive_to("assigned", new_work_order, actors, world)
    url = f"/api/v1/work-orders/{wo['id']}/actions"
    unknown = actors["dispatcher"].post(f"{url}/teleport", json={})
    assert unknown.status_code == 404
    for role, action in (("dispatcher", "assign"), ("dispatcher", "cancel"), ("assigned_technician", "decline")):
        missing = actors[role].post(f"{url}/{action}", json={})
        assert missing.status_code == 422, (action, missing.json)
        assert missing.json["error"]["fields"], action
    assert actors["dispatcher"].get(f"/api/v1/work-orders/{wo['id']}").json["version"] == wo["version"]
