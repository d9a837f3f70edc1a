"""An insider's shortcuts, closed: a dispatcher taking over an admin through a technician profile
the admin once had, an old confirmation link closing a later visit, names nobody can read, and
hours or parts nobody could have used."""

from __future__ import annotations

from sqlalchemy import select

from backend.extensions import db
from backend.models import AuditEntry
from tests.helpers import signature_data_url


def _promote_technician_to_admin(client_for, world) -> int:
    admin = client_for(world.admin_email)
    users = admin.get("/api/v1/users?per_page=200").json["items"]
    tech_user = next(u for u in users if u["email"] == world.tech_email)
    promoted = admin.patch(f"/api/v1/users/{tech_user['id']}", json={"role": "admin"})
    assert promoted.status_code == 200, promoted.json
    return tech_user["id"]


def test_a_dispatcher_cannot_reach_an_admin_through_their_old_technician_profile(client_for, dispatcher, world):
    _promote_technician_to_admin(client_for, world)
    takeover = {"email": "mine@example.com", "password": "taken-over-1"}
    answer = dispatcher.patch(f"/api/v1/technicians/{world.technician_id}", json=takeover)
    assert answer.status_code == 404 and answer.json["error"]["code"] == "not_found"
    assert dispatcher.get(f"/api/v1/technicians/{world.technician_id}").status_code == 404
    listed = [t["id"] for t in dispatcher.get("/api/v1/technicians").json["items"]]
    assert world.technician_id not in listed
    assert client_for().login("mine@example.com", "taken-over-1").status_code == 401
    assert client_for().login(world.tech_email).status_code == 200  # the admin's own login still works


def test_a_promoted_technician_is_offered_no_more_jobs(client_for, dispatcher, world, new_work_order):
    _promote_technician_to_admin(client_for, world)
    wo = new_work_order(required_skills=[])
    offered = [
        c["technician"]["id"] for c in dispatcher.get(f"/api/v1/work-orders/{wo['id']}/candidates").json["items"]
    ]
    assert world.technician_id not in offered


def test_a_technician_holding_jobs_keeps_the_role_until_the_jobs_move(client_for, dispatcher, world, new_work_order):
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    admin = client_for(world.admin_email)
    tech_user = next(u for u in admin.get("/api/v1/users").json["items"] if u["email"] == world.tech_email)
    refused = admin.patch(f"/api/v1/users/{tech_user['id']}", json={"role": "dispatcher"})
    assert refused.status_code == 409 and "holds 1 open jobs" in refused.json["error"]["message"]
    me = client_for(world.tech_email).get("/api/v1/auth/me").json["user"]
    assert me["role"] == "technician"


def test_resetting_someone_elses_password_is_recorded_with_who_did_it(app, client_for, dispatcher, world):
    changed = dispatcher.patch(
        f"/api/v1/technicians/{world.technician_id}", json={"password": "new-password-1", "email": "t2@example.com"}
    )
    assert changed.status_code == 200, changed.json
    admin = client_for(world.admin_email)
    tech_user = next(u for u in admin.get("/api/v1/users").json["items"] if u["email"] == "t2@example.com")
    audit = admin.get(f"/api/v1/users/{tech_user['id']}/audit").json["items"]
    assert [(e["action"], e["actor"]["email"]) for e in audit] == [
        ("password_reset", world.dispatcher_email),
        ("email_changed", world.dispatcher_email),
    ]
    assert audit[1]["details"] == {"from": world.tech_email, "to": "t2@example.com"}
    assert dispatcher.get(f"/api/v1/users/{tech_user['id']}/audit").status_code == 403
    with app.app_context():
        assert len(db.session.scalars(select(AuditEntry)).all()) == 2


def _completed_by(dispatcher, tech_client, technician_id, wo_id):
    url = f"/api/v1/work-orders/{wo_id}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert tech_client.post(f"{url}/actions/{action}", json={}).status_code == 200
    done = tech_client.post(f"{url}/actions/complete", json={"resolution": "Done", "first_time_fix": True})
    assert done.status_code == 200, done.json


def test_an_old_confirmation_link_does_not_answer_a_later_completion(
    client_for, dispatcher, technician, world, new_work_order, clock
):
    wo = new_work_order(required_skills=[])
    _completed_by(dispatcher, technician, world.technician_id, wo["id"])
    old = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json["url"].rsplit("/", 1)[1]
    clock.advance(minutes=5)
    reopened = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/actions/reopen", json={"reason": "Came back"})
    assert reopened.status_code == 200
    clock.advance(minutes=5)
    _completed_by(dispatcher, client_for(world.other_tech_email), world.other_technician_id, wo["id"])

    customer = client_for().http
    assert customer.get(f"/api/v1/confirm/{old}").status_code == 410
    answer = customer.post(f"/api/v1/confirm/{old}", json={"accepted": True, "signer_name": "Li", "rating": 5})
    assert answer.status_code == 410 and answer.json["error"]["reason"] == "moot"
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "completed"
    new = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json["url"].rsplit("/", 1)[1]
    assert customer.post(f"/api/v1/confirm/{new}", json={"accepted": True, "signer_name": "Li"}).status_code == 200


INVISIBLE = "   \u200b \u2060\ufeff "


def test_names_nobody_can_read_are_refused(dispatcher, technician, world, new_work_order):
    refused = dispatcher.post("/api/v1/customers", json={"name": INVISIBLE})
    assert refused.status_code == 422 and refused.json["error"]["fields"] == {
        "name": ["must contain visible characters"]
    }
    wo = new_work_order()
    assert dispatcher.post(f"/api/v1/work-orders/{wo['id']}/actions/cancel", json={"reason": "x"}).status_code == 200
    wo = new_work_order()
    _completed_by(dispatcher, technician, world.technician_id, wo["id"])
    signed = technician.post(
        f"/api/v1/work-orders/{wo['id']}/signoff", json={"signer_name": INVISIBLE, "signature": signature_data_url()}
    )
    assert signed.status_code == 422 and "signer_name" in signed.json["error"]["fields"]
    assert dispatcher.post("/api/v1/customers", json={"name": "王 \u200b"}).status_code == 201


def test_hours_and_parts_nobody_could_have_used_are_refused(dispatcher, technician, world, new_work_order, clock):
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    padded = technician.post(f"{url}/logs", json={"kind": "fix", "text": "Fixed", "minutes": 480 * 60})
    assert padded.status_code == 422 and "minutes" in padded.json["error"]["fields"]
    crowd = technician.post(
        f"{url}/logs", json={"kind": "part", "parts": [{"sku": "F1", "name": "Fuse", "qty": 100_000}]}
    )
    assert crowd.status_code == 422
    assert technician.post(f"{url}/logs", json={"kind": "fix", "text": "Fixed", "minutes": 90}).status_code == 201
    assert technician.post(f"{url}/logs", json={"kind": "fix", "text": "More", "minutes": 90}).status_code == 422
    clock.advance(hours=3)
    assert technician.post(f"{url}/logs", json={"kind": "fix", "text": "More", "minutes": 90}).status_code == 201
    detail = dispatcher.get(url).json
    assert [log["minutes"] for log in detail["logs"]] == [90, 90]


def test_no_job_can_be_given_to_a_former_technicians_profile(client_for, dispatcher, world, new_work_order):
    _promote_technician_to_admin(client_for, world)
    wo = new_work_order(required_skills=[])
    refused = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    assert refused.status_code == 422 and "technician_id" in refused.json["error"]["fields"]
