"""Sessions that end on the server, login limits shared by every worker, a lock that lets the
owner's known device through, and the customer's link in a browser holding a staff session
(issue 13, points 5, 12, 13 and 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models.sessions import LoginFailure, UserSession
from tests.api.test_customer_confirmation import _completed, _token
from tests.conftest import ApiClient
from tests.factories import PASSWORD, make_world

ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"
COOKIE = "onsite_session"


def copy_of(app, client: ApiClient) -> ApiClient:
    """Another browser holding a copy of `client`'s session cookie (stolen, or kept from before)."""
    other = ApiClient(app.test_client())
    other.http.set_cookie(COOKIE, client.http.get_cookie(COOKIE).value)
    other.csrf = client.csrf
    return other


def sessions_of(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)))


def assert_logged_out(client: ApiClient) -> None:
    response = client.get(ME)
    assert response.status_code == 401, response.json
    assert response.json["error"]["code"] == "unauthorized"


# ---- 5: sessions end on the server ------------------------------------------------------------


def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, client_for, world):
    phone = client_for(world.tech_email)
    copy = copy_of(app, phone)
    assert copy.get(ME).status_code == 200  # the copy works while the session lives

    assert phone.post(LOGOUT).status_code == 204
    assert_logged_out(copy)
    assert copy.get("/api/v1/work-orders").status_code == 401
    assert copy.post("/api/v1/me/location", json={"lat": 31.2, "lon": 121.4}).status_code == 401


def test_a_session_is_a_row_with_its_device_and_times_and_logout_ends_it(app, client_for, world, clock):
    client = ApiClient(app.test_client())
    response = client.http.post(
        "/api/v1/auth/login",
        json={"email": world.dispatcher_email, "password": PASSWORD},
        headers={"User-Agent": "Desk browser/1.0"},
    )
    assert response.status_code == 200
    client.csrf = response.json["csrf_token"]
    cookie = client.http.get_cookie(COOKIE).value

    [row] = sessions_of(app, response.json["user"]["id"])
    assert (row.created_at, row.last_seen_at) == (clock.now, clock.now)
    assert row.expires_at == clock.now + timedelta(days=14)
    assert row.revoked_at is None
    assert row.user_agent == "Desk browser/1.0" and row.address == "127.0.0.1"
    assert row.id not in cookie  # the table holds a hash of the token, not the token

    clock.advance(minutes=5)
    assert client.post(LOGOUT).status_code == 204
    [row] = sessions_of(app, response.json["user"]["id"])
    assert row.revoked_at == clock.now


def test_each_login_is_its_own_session_and_logout_ends_only_that_one(app, client_for, world):
    phone, tablet = client_for(world.tech_email), client_for(world.tech_email)
    assert phone.csrf != tablet.csrf
    assert phone.post(LOGOUT).status_code == 204
    assert_logged_out(phone)
    assert tablet.get(ME).status_code == 200


def test_changing_a_role_ends_the_users_sessions(app, client_for, world):
    admin = client_for(world.admin_email)
    dispatcher = client_for(world.dispatcher_email)
    promoted = admin.patch(f"/api/v1/users/{dispatcher.user['id']}", json={"role": "admin"})
    assert promoted.status_code == 200, promoted.json
    assert_logged_out(dispatcher)
    assert admin.get(ME).status_code == 200
    relogged = client_for(world.dispatcher_email)
    assert relogged.get(ME).json["user"]["role"] == "admin"


def test_the_same_role_again_ends_nothing(app, client_for, world):
    admin = client_for(world.admin_email)
    dispatcher = client_for(world.dispatcher_email)
    same = admin.patch(f"/api/v1/users/{dispatcher.user['id']}", json={"role": "dispatcher", "name": "Dana D."})
    assert same.status_code == 200, same.json
    assert dispatcher.get(ME).status_code == 200


def test_a_password_set_by_a_dispatcher_for_a_technician_ends_the_technicians_sessions(app, client_for, world):
    dispatcher = client_for(world.dispatcher_email)
    phone = client_for(world.tech_email)
    copy = copy_of(app, phone)
    changed = dispatcher.patch(f"/api/v1/technicians/{world.technician_id}", json={"password": "new-pass-word-5"})
    assert changed.status_code == 200, changed.json
    assert_logged_out(phone)
    assert_logged_out(copy)
    assert client_for(world.tech_email, "new-pass-word-5").get(ME).status_code == 200


def test_your_own_new_password_keeps_this_session_and_ends_the_others(app, client_for, world):
    here, elsewhere = client_for(world.admin_email), client_for(world.admin_email)
    changed = here.patch(f"/api/v1/users/{here.user['id']}", json={"password": "rotated-admin-3"})
    assert changed.status_code == 200, changed.json
    assert here.get(ME).status_code == 200
    assert here.get(ME).json["csrf_token"] == here.csrf  # the same session goes on
    assert_logged_out(elsewhere)
    live = [row for row in sessions_of(app, here.user["id"]) if row.revoked_at is None]
    assert len(live) == 1


def test_an_admin_ends_every_session_of_a_user(app, client_for, world, clock):
    admin = client_for(world.admin_email)
    phone, tablet = client_for(world.tech_email), client_for(world.tech_email)
    dispatcher = client_for(world.dispatcher_email)
    revoked = admin.post(f"/api/v1/users/{phone.user['id']}/sessions/revoke")
    assert revoked.status_code == 200, revoked.json
    assert revoked.json == {"revoked": 2}
    for device in (phone, tablet):
        assert_logged_out(device)
    assert dispatcher.get(ME).status_code == 200  # other people's sessions go on
    assert all(row.revoked_at == clock.now for row in sessions_of(app, phone.user["id"]))
    assert client_for(world.tech_email).get(ME).status_code == 200  # the password still works

    again = admin.post(f"/api/v1/users/{phone.user['id']}/sessions/revoke")
    assert again.json == {"revoked": 1}  # the new login only


def test_only_admins_end_sessions_and_the_user_must_exist(app, client_for, world):
    dispatcher = client_for(world.dispatcher_email)
    tech = client_for(world.tech_email)
    refused = dispatcher.post(f"/api/v1/users/{tech.user['id']}/sessions/revoke")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    assert tech.get(ME).status_code == 200
    missing = client_for(world.admin_email).post("/api/v1/users/9999/sessions/revoke")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_a_session_unused_for_14_days_expires_and_use_keeps_it(app, client_for, world, clock):
    used, idle = client_for(world.tech_email), client_for(world.tech_email)
    for _ in range(3):
        clock.advance(days=6)
        assert used.get(ME).status_code == 200
    assert_logged_out(idle)  # 18 days without a request
    assert used.get(ME).status_code == 200


def test_last_seen_is_written_at_most_once_a_minute(app, client_for, world, clock):
    tech = client_for(world.tech_email)
    started = clock.now
    for seconds in (10, 20, 30, 59):
        clock.now = started + timedelta(seconds=seconds)
        assert tech.get("/api/v1/work-orders").status_code == 200
    [row] = sessions_of(app, tech.user["id"])
    assert row.last_seen_at == started  # polling every few seconds writes nothing

    clock.now = started + timedelta(seconds=61)
    assert tech.get("/api/v1/work-orders").status_code == 200
    [row] = sessions_of(app, tech.user["id"])
    assert row.last_seen_at == clock.now
    assert row.expires_at == clock.now + timedelta(days=14)


def test_a_session_opened_on_one_server_ends_on_every_server(make_app, clock):
    host_a, host_b = make_app(), make_app()
    world = make_world(host_a)
    phone = ApiClient(host_a.test_client())
    assert phone.login(world.tech_email).status_code == 200
    on_b = copy_of(host_b, phone)  # the load balancer sends the next request to host B
    assert on_b.get(ME).status_code == 200
    assert on_b.post(LOGOUT).status_code == 204
    assert_logged_out(phone)


def test_a_cookie_from_before_server_side_sessions_opens_nothing(app, client_for, world):
    tech = client_for(world.tech_email)
    with app.test_request_context():
        from flask import session

        session["_user_id"] = f"{tech.user['id']}:0123456789abcdef01234567"
        forged = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    old = ApiClient(app.test_client())
    old.http.set_cookie(COOKIE, forged)
    assert_logged_out(old)


# ---- 12: the login limit is shared by every worker ------------------------------------------


def test_the_sixth_failure_is_refused_whichever_worker_gets_it(make_app):
    workers = [make_app(), make_app()]  # two gunicorn workers: memory storage, one database
    world = make_world(workers[0])
    clients = [ApiClient(worker.test_client()) for worker in workers]
    for attempt in range(5):
        answer = clients[attempt % 2].login(world.tech_email, "wrong-password")
        assert answer.status_code == 401, (attempt, answer.json)
    for client in clients:
        refused = client.login(world.tech_email, "wrong-password")
        assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
        assert client.login(world.tech_email).status_code == 429  # a new device waits too
    with workers[0].app_context():
        assert db.session.query(LoginFailure).count() == 5  # refused attempts are not failures


def test_the_address_limit_is_shared_by_every_worker(make_app):
    workers = [
        make_app(LOGIN_LIMIT_PER_ADDRESS="4 per 15 minutes"),
        make_app(LOGIN_LIMIT_PER_ADDRESS="4 per 15 minutes"),
    ]
    world = make_world(workers[0])
    clients = [ApiClient(worker.test_client()) for worker in workers]
    for attempt in range(4):
        assert clients[attempt % 2].login(f"guess{attempt}@example.com", "nope").status_code == 401
    for client in clients:
        assert client.login(world.dispatcher_email).status_code == 429


def test_failures_age_out_of_the_window(make_app, clock):
    app = make_app()
    world = make_world(app)
    client = ApiClient(app.test_client())
    for _ in range(5):
        assert client.login(world.tech_email, "wrong-password").status_code == 401
    assert client.login(world.tech_email).status_code == 429
    clock.advance(minutes=15, seconds=1)
    assert client.login(world.tech_email).status_code == 200


# ---- 13: a stranger's guesses do not lock the owner out -------------------------------------------


def test_the_right_password_from_a_known_device_passes_a_locked_account(make_app):
    app = make_app()
    world = make_world(app)
    owners_phone = ApiClient(app.test_client())
    assert owners_phone.login(world.admin_email).status_code == 200
    assert owners_phone.post(LOGOUT).status_code == 204

    stranger = ApiClient(app.test_client())
    for _ in range(5):
        assert stranger.login(world.admin_email, "guess").status_code == 401
    assert stranger.login(world.admin_email, "guess").status_code == 429
    assert stranger.login(world.admin_email).status_code == 429  # even the right password, from here

    assert owners_phone.login(world.admin_email).status_code == 200
    assert owners_phone.get("/api/v1/users").status_code == 200


def test_a_known_device_has_its_own_allowance_of_wrong_passwords(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    world = make_world(app)
    phone = ApiClient(app.test_client())
    assert phone.login(world.tech_email).status_code == 200
    for _ in range(3):
        assert phone.login(world.tech_email, "typo").status_code == 401
    assert phone.login(world.tech_email, "typo").status_code == 429
    assert phone.login(world.tech_email).status_code == 429  # a stolen device cookie guesses no further


def test_a_device_known_to_one_account_is_a_stranger_to_another(make_app):
    app = make_app()
    world = make_world(app)
    phone = ApiClient(app.test_client())
    assert phone.login(world.tech_email).status_code == 200  # the technician's own phone
    for _ in range(5):
        assert phone.login(world.admin_email, "guess").status_code == 401
    assert phone.login(world.admin_email, "guess").status_code == 429
    assert phone.login(world.admin_email).status_code == 429


def test_a_forged_device_cookie_is_no_known_device(make_app):
    app = make_app()
    world = make_world(app)
    stranger = ApiClient(app.test_client())
    for _ in range(5):
        assert stranger.login(world.admin_email, "guess").status_code == 401
    stranger.http.set_cookie("onsite_device", '{"d": "x", "u": [1, 2, 3]}', path="/api/v1/auth")
    assert stranger.login(world.admin_email).status_code == 429


@pytest.mark.sqlite_only
def test_the_device_cookie_is_httponly_strict_and_only_sent_to_login(make_app, monkeypatch):
    monkeypatch.delenv("ONSITE_ENV", raising=False)
    app = make_app()
    world = make_world(app)
    response = ApiClient(app.test_client()).login(world.tech_email)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("onsite_device=")]
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert {"httponly", "secure", "samesite=strict", "path=/api/v1/auth"} <= set(attributes)


# ---- 14: the customer's link in a browser holding a staff session ------------------------------


def test_a_staff_session_in_the_browser_does_not_make_the_customers_link_demand_a_csrf_token(
    app, dispatcher, technician, world, new_work_order
):
    """The technician opens the link on their own phone for the customer: the browser sends the
    technician's session cookie along, but the signed token is the only credential there."""
    wo = _completed(dispatcher, technician, world, new_work_order)
    token = _token(technician.post(f"/api/v1/work-orders/{wo['id']}/confirmation-link").json)
    assert technician.get(f"/api/v1/confirm/{token}").status_code == 200
    answer = {"accepted": True, "signer_name": "Mr Wang", "rating": 5}
    confirmed = technician.http.post(f"/api/v1/confirm/{token}", json=answer)  # no X-CSRF-Token
    assert confirmed.status_code == 200, confirmed.json
    assert dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json["status"] == "closed"


def test_staff_endpoints_still_demand_the_csrf_token(app, technician, world):
    refused = technician.http.post("/api/v1/me/location", json={"lat": 31.2, "lon": 121.4})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "csrf_failed"
