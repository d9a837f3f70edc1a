"""Who may call what: a role matrix generated from the app's routes, and a technician's privacy.

Every API view carries `allowed_roles` (set by `roles_required`, or "public" by `public`), so that
a new endpoint without an explicit rule fails here instead of being open by accident.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from backend.api.security import ANY_ROLE
from tests.helpers import image_bytes, signature_data_url

ROLES = ("anonymous", "technician", "dispatcher", "admin")
# Served by APIFlask itself (the spec and Swagger UI's page); everything else needs a rule.
EXEMPT_ENDPOINTS = {"static", "openapi.spec", "openapi.docs", "openapi.swagger_ui_oauth_redirect"}
STAFF = {"dispatcher", "admin"}


@dataclass(frozen=True)
class Route:
    rule: str
    method: str
    endpoint: str
    allowed: frozenset[str] | str | None


def api_routes(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT_ENDPOINTS:
            continue
        if not (rule.rule.startswith("/api/") or rule.rule == "/healthz"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append(Route(rule.rule, method, rule.endpoint, getattr(view, "allowed_roles", None)))
    return routes


def test_every_api_endpoint_has_an_explicit_role_rule(app):
    routes = api_routes(app)
    assert len(routes) >= 30
    assert any(r.rule.startswith("/api/v1/") for r in routes)
    missing = sorted(f"{r.method} {r.rule} ({r.endpoint})" for r in routes if r.allowed is None)
    assert not missing, "endpoints without @roles_required or @public: " + ", ".join(missing)
    for route in routes:
        if route.allowed == "customer":  # the portal's customer session (api/portal.py), never a staff one
            assert route.rule.startswith("/api/v1/portal/"), route
        elif route.allowed != "public":
            assert isinstance(route.allowed, frozenset) and route.allowed, route
            assert route.allowed <= set(ANY_ROLE), route


def test_the_exempt_endpoints_are_only_the_spec_and_the_docs(app):
    exempt = {r.rule for r in app.url_map.iter_rules() if r.endpoint in EXEMPT_ENDPOINTS}
    assert "/api/v1/openapi.json" in exempt and "/api/docs" in exempt
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "openapi.spec":
            assert rule.endpoint not in EXEMPT_ENDPOINTS, rule


# The contract's rules for the endpoints it names (the matrix below checks they are enforced).
CONTRACT_ROLES = {
    "auth.login": "public",
    "auth.me": set(ANY_ROLE),
    "auth.logout": set(ANY_ROLE),
    "users.list_users": {"admin"},
    "users.create": {"admin"},
    "users.update": {"admin"},
    "users.revoke_sessions": {"admin"},
    "technicians.create": STAFF,
    "technicians.list_technicians": STAFF,
    "technicians.update": STAFF,
    "me.my_location": {"technician"},
    "me.my_shift": {"technician"},
    "customers.create": STAFF,
    "customers.list_customers": STAFF,
    "customers.get": STAFF,
    "work_orders.create": STAFF,
    "work_orders.update": STAFF,
    "work_orders.assign": STAFF,
    "work_orders.candidates": STAFF,
    "work_orders.list_work_orders": set(ANY_ROLE),
    "work_orders.get": set(ANY_ROLE),
    "work_orders.create_log": {"technician"},
    "work_orders.sign_off": {"technician"},
    "confirm.show": "public",
    "confirm.answer": "public",
    "service_report.staff_report": set(ANY_ROLE),
    "service_report.customer_report": "public",
    "charges.put_price_list": {"admin"},
    "charges.get_charges": set(ANY_ROLE),
    "charges.post_payment": set(ANY_ROLE),
    "reports.kpis": STAFF,
    "plans.propose": STAFF,
    "plans.get": STAFF,
    "plans.apply": STAFF,
    "knowledge.list_articles": set(ANY_ROLE),
    "knowledge.create": STAFF,
    "knowledge.update": STAFF,
    "knowledge.suggestions": set(ANY_ROLE),
    "knowledge.draft_from_job": STAFF,
    "follow_ups.list_follow_ups": STAFF,
    "skills.list_skills": set(ANY_ROLE),
    "skills.create": STAFF,
    "skills.update": STAFF,
    "skills.changes": STAFF,
    "geocoding.suggestions": STAFF,
    "board.counts": STAFF,
    "follow_ups.outcome": STAFF,
    "quality.sample": STAFF,
    "quality.list_reviews": STAFF,
    "quality.score": STAFF,
    "health.healthz": "public",
    "track.show": "public",
    "portal.request_code": "public",
    "portal.sign_in": "public",
    "portal.logout": "customer",
    "portal.me": "customer",
    "portal.update_me": "customer",
    "portal.create_request": "customer",
    "portal.list_requests": "customer",
    "portal.get_request": "customer",
    "portal.add_photo": "customer",
    "portal.articles": "public",
    "portal.geocode": "customer",
    "portal.asset_by_label": "customer",
    "notifications.list_notifications": set(ANY_ROLE),
    "notifications.mark_read": set(ANY_ROLE),
    "messages.list_messages": STAFF,
    "customers.patch": STAFF,
    "push.key": {"technician"},
    "push.add_subscription": {"technician"},
    "push.remove_subscription": {"technician"},
}


def test_role_rules_follow_the_contract(app):
    for endpoint, expected in CONTRACT_ROLES.items():
        actual = app.view_functions[endpoint].allowed_roles
        assert (actual if actual in ("public", "customer") else set(actual)) == expected, endpoint


# ---- the matrix -------------------------------------------------------------------------------


@pytest.fixture
def assigned_to_me(dispatcher, world, new_work_order):
    """A work order assigned to the logged-in technician of `world`."""
    wo = new_work_order()
    response = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    assert response.status_code == 200, response.json
    return response.json


def _path_values(world, work_order_id: int, admin_user_id: int) -> dict[str, str]:
    return {
        "work_order_id": str(work_order_id),
        "customer_id": str(world.customer_id),
        "technician_id": str(world.technician_id),
        "user_id": str(admin_user_id),
        "attachment_id": "999999",
        "signoff_id": "999999",
        "notification_id": "999999",
        "plan_id": "999999",
        "company_day_id": "999999",
        "article_id": "999999",
        "follow_up_id": "999999",
        "skill_id": "999999",
        "review_id": "999999",
        "subscription_id": "999999",
        "request_id": "999999",
        "asset_id": "999999",
        "part_id": "999999",
        "stock_location_id": "999999",
        "stock_request_id": "999999",
        "action": "no-such-action",  # a role check that passes reaches the action lookup: 404
        "token": "not-a-valid-token",
        "filename": "swagger-ui.css",
    }


def _fill(rule: str, values: dict[str, str]) -> str:
    def value(match):
        name = match.group(1).split(":")[-1]
        assert name in values, f"give the role matrix a value for <{name}> in {rule}"
        return values[name]

    return re.sub(r"<([^>]+)>", value, rule)


def _call(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    send = {"POST": client.post, "PUT": client.put, "PATCH": client.patch, "DELETE": client.delete}.get(method)
    assert send is not None, f"teach the role matrix to send {method}"
    return send(path, json={}) if method != "DELETE" else send(path)


def test_role_matrix(app, client_for, world, assigned_to_me):
    emails = {"technician": world.tech_email, "dispatcher": world.dispatcher_email, "admin": world.admin_email}
    clients = {role: client_for(emails.get(role)) for role in ROLES}
    values = _path_values(world, assigned_to_me["id"], clients["admin"].user["id"])
    problems = []
    for route in api_routes(app):
        path = _fill(route.rule, values)
        for role in ROLES:
            # Logging out ends the session the other calls use: do it in a session of its own.
            client = client_for(emails.get(role)) if route.endpoint == "auth.logout" else clients[role]
            response = _call(client, route.method, path)
            status, code = response.status_code, (response.get_json(silent=True) or {}).get("error", {}).get("code")
            response.close()  # a streamed answer (SSE) keeps its request's context until closed
            if route.endpoint == "users.revoke_sessions":
                clients[role] = client_for(emails.get(role))  # the admin ended every session of theirs
            where = f"{role:10} {route.method:5} {path} -> {status} {code}"
            if status >= 500:
                problems.append(f"{where}: server error")
            elif route.allowed == "customer":  # no staff session is a customer session
                if (status, code) != (401, "unauthorized"):
                    problems.append(f"{where}: expected 401 unauthorized (customers only)")
            elif route.allowed == "public" or role in route.allowed:
                if status in (401, 403):
                    problems.append(f"{where}: allowed, yet refused")
            elif role == "anonymous":
                if (status, code) != (401, "unauthorized"):
                    problems.append(f"{where}: expected 401 unauthorized")
            elif (status, code) != (403, "forbidden"):
                problems.append(f"{where}: expected 403 forbidden")
    assert not problems, "\n" + "\n".join(problems)


# ---- a technician never sees another technician's job ----------------------------------------


@pytest.fixture
def others_jobs(dispatcher, client_for, world, new_work_order):
    """Two work orders of the OTHER technician: one just assigned, one closed with a photo and a signature."""
    other = client_for(world.other_tech_email)
    jobs = {}
    for name in ("open", "closed"):
        wo = new_work_order(title=f"Other's {name} job", required_skills=[])
        url = f"/api/v1/work-orders/{wo['id']}"
        response = dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
        assert response.status_code == 200, response.json
        jobs[name] = wo["id"]
    url = f"/api/v1/work-orders/{jobs['closed']}"
    for action in ("accept", "arrive"):
        assert other.post(f"{url}/actions/{action}", json={}).status_code == 200
    photo = other.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(image_bytes("PNG")), "photo.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.json
    done = other.post(f"{url}/actions/complete", json={"resolution": "Fixed", "first_time_fix": True})
    assert done.status_code == 200, done.json
    signed = other.post(f"{url}/signoff", json={"signer_name": "Mr Wu", "signature": signature_data_url()})
    assert signed.status_code == 201, signed.json
    detail = dispatcher.get(url).json
    assert detail["status"] == "closed"
    jobs["attachment_url"] = detail["attachments"][0]["url"]
    jobs["attachment_id"] = detail["attachments"][0]["id"]
    jobs["signature_url"] = detail["signoff"]["signature_url"]
    jobs["signoff_id"] = detail["signoff"]["id"]
    jobs["number"] = detail["number"]
    return jobs


ACTION_BODIES = {
    "assign": {"technician_id": 1},
    "accept": {},
    "decline": {"reason": "busy"},
    "depart": {},
    "arrive": {},
    "pause": {"reason": "parts"},
    "resume": {},
    "complete": {"resolution": "Done", "first_time_fix": True},
    "close": {},
    "reopen": {"reason": "again"},
    "cancel": {"reason": "no"},
}


def _assert_404(response, what: str) -> None:
    assert response.status_code == 404, f"{what}: {response.status_code} {response.get_data(as_text=True)[:200]}"
    assert response.json["error"]["code"] == "not_found", what


def test_a_technician_gets_404_for_every_part_of_another_technicians_job(app, dispatcher, technician, others_jobs):
    jobs = ("open", "closed")
    before = {name: dispatcher.get(f"/api/v1/work-orders/{others_jobs[name]}").json for name in jobs}
    for name in jobs:
        url = f"/api/v1/work-orders/{others_jobs[name]}"
        _assert_404(technician.get(url), f"GET {name}")
        for action, body in ACTION_BODIES.items():
            _assert_404(technician.post(f"{url}/actions/{action}", json=body), f"{action} {name}")
        _assert_404(technician.post(f"{url}/logs", json={"kind": "note", "text": "peek"}), f"log {name}")
        photo = technician.post(
            f"{url}/attachments",
            data={"file": (io.BytesIO(image_bytes("PNG")), "peek.png")},
            content_type="multipart/form-data",
        )
        _assert_404(photo, f"attachment {name}")
        signoff = {"signer_name": "Mallory", "signature": signature_data_url()}
        _assert_404(technician.post(f"{url}/signoff", json=signoff), f"signoff {name}")
        _assert_404(technician.post(f"{url}/confirmation-link"), f"confirmation link {name}")
        # Staff-only endpoints answer by role first: no hint either way.
        assert technician.post(f"{url}/assign", json={"technician_id": 1}).status_code == 403
        assert technician.get(f"{url}/candidates").status_code == 403
        assert technician.patch(url, json={"title": "Mine now", "version": 1}).status_code == 403
    _assert_404(technician.get(others_jobs["attachment_url"]), "attachment file")
    _assert_404(technician.get(others_jobs["signature_url"]), "signature image")

    for name in jobs:  # and none of the attempts changed anything
        after = dispatcher.get(f"/api/v1/work-orders/{others_jobs[name]}").json
        assert after["version"] == before[name]["version"]
        assert after["status"] == before[name]["status"]
        assert after["technician"] == before[name]["technician"]
        assert len(after["events"]) == len(before[name]["events"])
        assert len(after["logs"]) == len(before[name]["logs"])
        assert len(after["attachments"]) == len(before[name]["attachments"])
    assert len(list(Path(app.config["UPLOAD_FOLDER"]).iterdir())) == 1  # only the other technician's photo


def test_a_technician_cannot_reach_anothers_files_through_their_own_job(technician, others_jobs, assigned_to_me):
    own = f"/api/v1/work-orders/{assigned_to_me['id']}"
    _assert_404(technician.get(f"{own}/attachments/{others_jobs['attachment_id']}"), "attachment via own job")
    _assert_404(technician.get(f"{own}/signoffs/{others_jobs['signoff_id']}/signature"), "signature via own job")


def test_a_technicians_list_shows_only_their_own_jobs(technician, world, others_jobs, assigned_to_me):
    queries = [
        "",
        f"?technician_id={world.other_technician_id}",
        "?status=assigned,closed",
        f"?q={others_jobs['number']}",
        "?q=Other",
        "?per_page=200",
    ]
    for query in queries:
        page = technician.get(f"/api/v1/work-orders{query}").json
        ids = {item["id"] for item in page["items"]}
        assert not ids & {others_jobs["open"], others_jobs["closed"]}, query
        assert page["total"] == len(page["items"]), query
    assert {i["id"] for i in technician.get("/api/v1/work-orders").json["items"]} == {assigned_to_me["id"]}


def test_a_technician_loses_sight_of_a_job_reassigned_away(dispatcher, technician, world, assigned_to_me):
    url = f"/api/v1/work-orders/{assigned_to_me['id']}"
    assert technician.get(url).status_code == 200
    moved = dispatcher.post(f"{url}/assign", json={"technician_id": world.other_technician_id})
    assert moved.status_code == 200, moved.json
    _assert_404(technician.get(url), "after reassignment")
    _assert_404(technician.post(f"{url}/actions/accept", json={}), "accept after reassignment")
    assert technician.get("/api/v1/work-orders").json["total"] == 0


STAFF_RESOURCES = [
    ("GET", "/api/v1/customers"),
    ("POST", "/api/v1/customers"),
    ("GET", "/api/v1/customers/{customer_id}"),
    ("GET", "/api/v1/technicians"),
    ("POST", "/api/v1/technicians"),
    ("GET", "/api/v1/technicians/{technician_id}"),
    ("PATCH", "/api/v1/technicians/{technician_id}"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/reports/kpis"),
    ("POST", "/api/v1/work-orders"),
]


def test_technicians_are_forbidden_staff_resources(technician, world):
    for method, path in STAFF_RESOURCES:
        path = path.format(customer_id=world.customer_id, technician_id=world.technician_id)
        response = _call(technician, method, path)
        assert response.status_code == 403, (method, path, response.json)
        assert response.json["error"]["code"] == "forbidden"


def test_only_admins_manage_users(client_for, world):
    dispatcher = client_for(world.dispatcher_email)
    admin = client_for(world.admin_email)
    new_user = {"email": "new@example.com", "name": "New", "role": "admin", "password": "password123"}
    tech_user_id = client_for(world.tech_email).user["id"]

    assert dispatcher.get("/api/v1/users").status_code == 403
    assert dispatcher.post("/api/v1/users", json=new_user).status_code == 403
    demote = dispatcher.patch(f"/api/v1/users/{tech_user_id}", json={"role": "admin"})
    assert demote.status_code == 403
    assert demote.json["error"]["code"] == "forbidden"
    assert client_for(world.tech_email).user["role"] == "technician"
    assert client_for().login("new@example.com").status_code == 401

    assert admin.get("/api/v1/users").status_code == 200
    assert admin.post("/api/v1/users", json=new_user).status_code == 201
    assert client_for("new@example.com").user["role"] == "admin"
