"""Logging in and out, the session cookie, stored passwords and the login rate limits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.extensions import db
from backend.models import User
from tests.conftest import ApiClient
from tests.factories import PASSWORD, make_world

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
LOGOUT = "/api/v1/auth/logout"


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]


def session_cookie_header(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("onsite_session=")]
    assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
    return cookies[0]


# ---- logging in -------------------------------------------------------------------------------


def test_login_answers_the_user_and_a_csrf_token(client_for, world):
    client = client_for()
    response = client.login(world.dispatcher_email)
    assert response.status_code == 200, response.json
    body = response.json
    assert set(body) >= {"user", "csrf_token"}
    user = body["user"]
    assert {k: user[k] for k in ("email", "name", "role")} == {
        "email": world.dispatcher_email,
        "name": "Dana Dispatcher",
        "role": "dispatcher",
    }
    assert isinstance(user["id"], int)
    assert "password" not in user and "password_hash" not in user
    assert isinstance(body["csrf_token"], str) and len(body["csrf_token"]) >= 20


def test_login_ignores_case_and_spaces_in_the_email(client_for, world):
    response = client_for().login("  Dispatcher@Example.COM ")
    assert response.status_code == 200, response.json
    assert response.json["user"]["email"] == world.dispatcher_email


@pytest.mark.sqlite_only
def test_session_cookie_is_httponly_lax_and_secure_outside_development(make_app, monkeypatch):
    monkeypatch.delenv("ONSITE_ENV", raising=False)
    app = make_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    world = make_world(app)
    response = ApiClient(app.test_client()).login(world.tech_email)
    assert response.status_code == 200
    attributes = [part.strip().lower() for part in session_cookie_header(response).split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "secure" in attributes


@pytest.mark.sqlite_only
def test_session_cookie_is_not_secure_in_development(make_app, monkeypatch):
    monkeypatch.setenv("ONSITE_ENV", "development")
    app = make_app()
    assert app.config["SESSION_COOKIE_SECURE"] is False
    world = make_world(app)
    response = ApiClient(app.test_client()).login(world.tech_email)
    assert response.status_code == 200
    attributes = [part.strip().lower() for part in session_cookie_header(response).split(";")]
    assert "secure" not in attributes
    assert "httponly" in attributes and "samesite=lax" in attributes


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("tech@example.com", "wrong-password"),
        ("nobody@example.com", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_credentials_are_401_without_a_session(client_for, world, email, password):
    client = client_for()
    response = client.login(email, password)
    assert_error(response, 401, "unauthorized")
    assert "csrf_token" not in response.json
    assert_error(client.get(ME), 401, "unauthorized")


def test_wrong_password_and_unknown_email_answer_alike(client_for, world):
    wrong = client_for().login(world.tech_email, "wrong-password")
    unknown = client_for().login("nobody@example.com", "wrong-password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json  # no hint whether the account exists


def test_login_with_missing_fields_is_422(client_for, world):
    response = client_for().http.post(LOGIN, json={"email": world.tech_email})
    assert_error(response, 422, "validation_error")
    assert "password" in response.json["error"]["fields"]


def test_a_disabled_user_cannot_log_in_and_loses_their_session(client_for, world):
    admin = client_for(world.admin_email)
    tech = client_for(world.tech_email)
    assert tech.get(ME).status_code == 200
    user_id = tech.user["id"]

    disabled = admin.patch(f"/api/v1/users/{user_id}", json={"active": False})
    assert disabled.status_code == 200, disabled.json
    assert disabled.json["active"] is False

    assert_error(client_for().login(world.tech_email), 401, "unauthorized")
    assert_error(tech.get(ME), 401, "unauthorized")  # the live session ends too

    enabled = admin.patch(f"/api/v1/users/{user_id}", json={"active": True})
    assert enabled.status_code == 200, enabled.json
    assert client_for().login(world.tech_email).status_code == 200


# ---- me and logout ----------------------------------------------------------------------------


def test_me_answers_the_user_and_the_same_csrf_token(client_for, world):
    client = client_for(world.tech_email)
    response = client.get(ME)
    assert response.status_code == 200, response.json
    assert response.json["user"] == client.user
    assert response.json["user"]["role"] == "technician"
    assert response.json["csrf_token"] == client.csrf


def test_me_is_401_when_logged_out(client_for, world):
    assert_error(client_for().get(ME), 401, "unauthorized")


def test_logout_ends_the_session(client_for, world):
    client = client_for(world.dispatcher_email)
    response = client.post(LOGOUT)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_error(client.get(ME), 401, "unauthorized")
    assert_error(client.get("/api/v1/work-orders"), 401, "unauthorized")


def test_logout_when_logged_out_is_401(client_for, world):
    assert_error(client_for().post(LOGOUT), 401, "unauthorized")


def test_logging_in_again_gives_a_new_csrf_token(client_for, world):
    client = client_for(world.dispatcher_email)
    first = client.csrf
    again = client.login(world.dispatcher_email)
    assert again.status_code == 200
    assert again.json["csrf_token"] != first
    assert client.get(ME).json["csrf_token"] == again.json["csrf_token"]


# ---- stored passwords -------------------------------------------------------------------------


def test_passwords_are_stored_hashed(app, client_for, world):
    admin = client_for(world.admin_email)
    created = admin.post(
        "/api/v1/users",
        json={"email": "new@example.com", "name": "New Person", "role": "dispatcher", "password": "s3cret-pass"},
    )
    assert created.status_code == 201, created.json
    assert "password" not in created.json and "password_hash" not in created.json

    with app.app_context():
        stored = {u.email: u.password_hash for u in db.session.scalars(select(User))}
    assert stored["new@example.com"] != "s3cret-pass"
    assert "s3cret-pass" not in stored["new@example.com"]
    assert stored["new@example.com"].startswith("pbkdf2:sha256:")  # the configured method
    assert stored[world.tech_email] != PASSWORD and PASSWORD not in stored[world.tech_email]
    assert client_for().login("new@example.com", "s3cret-pass").status_code == 200


def test_changing_a_password_through_the_api_stores_a_new_hash(app, client_for, world):
    admin = client_for(world.admin_email)
    tech_id = client_for(world.tech_email).user["id"]
    changed = admin.patch(f"/api/v1/users/{tech_id}", json={"password": "another-pass-9"})
    assert changed.status_code == 200, changed.json
    with app.app_context():
        stored = db.session.get(User, tech_id).password_hash
    assert "another-pass-9" not in stored
    assert_error(client_for().login(world.tech_email), 401, "unauthorized")
    assert client_for().login(world.tech_email, "another-pass-9").status_code == 200


def test_a_new_password_ends_every_session_opened_with_the_old_one(client_for, world):
    """A lost phone or a shared password: once the admin sets a new one, the sessions opened with
    the old password end, on every device; logging in with the new one works."""
    admin = client_for(world.admin_email)
    phone, tablet = client_for(world.tech_email), client_for(world.tech_email)
    dispatcher = client_for(world.dispatcher_email)
    changed = admin.patch(f"/api/v1/users/{phone.user['id']}", json={"password": "after-the-loss-7"})
    assert changed.status_code == 200, changed.json
    for device in (phone, tablet):
        assert_error(device.get(ME), 401, "unauthorized")
    assert dispatcher.get(ME).status_code == 200  # other people's sessions go on
    assert client_for(world.tech_email, "after-the-loss-7").get(ME).status_code == 200


def test_an_admin_setting_their_own_password_stays_logged_in_there_only(client_for, world):
    here, elsewhere = client_for(world.admin_email), client_for(world.admin_email)
    changed = here.patch(f"/api/v1/users/{here.user['id']}", json={"password": "rotated-admin-3"})
    assert changed.status_code == 200, changed.json
    assert here.get(ME).status_code == 200
    assert here.get("/api/v1/users").status_code == 200
    assert_error(elsewhere.get(ME), 401, "unauthorized")


def test_the_last_active_admin_cannot_be_disabled_or_demoted(client_for, world):
    admin = client_for(world.admin_email)
    me = f"/api/v1/users/{admin.user['id']}"
    for change in ({"active": False}, {"role": "dispatcher"}):
        assert_error(admin.patch(me, json=change), 409, "conflict")
    assert admin.get(ME).json["user"]["role"] == "admin"
    assert admin.get("/api/v1/users").status_code == 200

    second = admin.post(
        "/api/v1/users",
        json={"email": "second-admin@example.com", "password": "password123", "role": "admin", "name": "Second"},
    )
    assert second.status_code == 201, second.json
    assert admin.patch(me, json={"role": "dispatcher"}).status_code == 200  # someone else can manage users now
    assert_error(
        client_for("second-admin@example.com").patch(f"/api/v1/users/{second.json['id']}", json={"active": False}),
        409,
        "conflict",
    )


# ---- rate limiting (kept in the limiter's storage, not the database) ---------------------------------------


@pytest.mark.sqlite_only
def test_repeated_failures_for_one_account_are_429(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="100 per 15 minutes")
    world = make_world(app)
    client = ApiClient(app.test_client())
    for _ in range(3):
        assert_error(client.login(world.tech_email, "wrong-password"), 401, "unauthorized")
    limited = client.login(world.tech_email, "wrong-password")
    assert_error(limited, 429, "rate_limited")
    # Even the right password waits: the account is locked for the window.
    assert_error(client.login(world.tech_email), 429, "rate_limited")
    # The email's case and spaces do not make it another account.
    assert_error(client.login(" TECH@example.com", "wrong-password"), 429, "rate_limited")
    # Other accounts from the same address are not affected by this account's limit.
    assert client.login(world.dispatcher_email).status_code == 200


@pytest.mark.sqlite_only
def test_repeated_failures_from_one_address_across_accounts_are_429(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="100 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="4 per 15 minutes")
    world = make_world(app)
    client = ApiClient(app.test_client())
    for number in range(4):
        assert_error(client.login(f"guess{number}@example.com", "wrong-password"), 401, "unauthorized")
    assert_error(client.login("guess-next@example.com", "wrong-password"), 429, "rate_limited")
    assert_error(client.login(world.tech_email), 429, "rate_limited")

    # Another address is not limited.
    other = ApiClient(app.test_client())
    response = other.http.post(
        LOGIN, json={"email": world.tech_email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert response.status_code == 200, response.json


@pytest.mark.sqlite_only
def test_successful_logins_do_not_count_as_failures(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    world = make_world(app)
    client = ApiClient(app.test_client())
    for _ in range(2):
        assert_error(client.login(world.tech_email, "wrong-password"), 401, "unauthorized")
    for _ in range(6):
        assert client.login(world.tech_email).status_code == 200
    # Two failures so far: a third is still answered, only the fourth is refused, except from this
    # browser: it logged in to the account before, so the account's lock does not hold it.
    assert_error(client.login(world.tech_email, "wrong-password"), 401, "unauthorized")
    assert_error(ApiClient(app.test_client()).login(world.tech_email), 429, "rate_limited")
    assert client.login(world.tech_email).status_code == 200


@pytest.mark.sqlite_only
def test_malformed_login_requests_do_not_count_as_failures(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="2 per 15 minutes")
    world = make_world(app)
    client = ApiClient(app.test_client())
    for _ in range(4):
        assert client.http.post(LOGIN, json={"email": world.tech_email}).status_code == 422
    assert client.login(world.tech_email).status_code == 200


@pytest.mark.sqlite_only
@pytest.mark.parametrize("trusted_proxies", [0, 1])
def test_the_login_limit_counts_the_address_the_trusted_proxy_forwards(make_app, trusted_proxies):
    """Behind a load balancer every request comes from the balancer's address. Trusting it
    (TRUSTED_PROXIES=1) the limit counts the client's address it forwards; trusting nobody (the
    default), a forwarded address is ignored, so a client cannot pick a fresh one per attempt."""
    app = make_app(
        TRUSTED_PROXIES=trusted_proxies,
        LOGIN_LIMIT_PER_ACCOUNT="100 per 15 minutes",
        LOGIN_LIMIT_PER_ADDRESS="2 per 15 minutes",
    )
    world = make_world(app)
    http = app.test_client()

    def attempt(address: str, password: str = "wrong-password"):
        body = {"email": world.tech_email, "password": password}
        return http.post(LOGIN, json=body, headers={"X-Forwarded-For": address})

    assert [attempt("203.0.113.5").status_code for _ in range(2)] == [401, 401]
    assert attempt("203.0.113.5").status_code == 429
    other_client = attempt("198.51.100.7", PASSWORD).status_code
    assert other_client == (200 if trusted_proxies else 429)


@pytest.mark.sqlite_only
def test_on_sqlite_logging_in_and_out_wait_for_a_change_in_progress_then_succeed(app, client_for, world, database_url):
    """Logging in writes the session's row and logging out ends it (issue 13: sessions end on the
    server), so on SQLite both wait for a change in progress in another worker, then succeed; the
    lock is taken only after the password hash (the view is marked writes_nothing)."""
    import sqlite3
    import threading
    import time

    tech = client_for(world.tech_email)
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")  # another worker's change, in progress
    release = threading.Timer(0.5, lambda: writer.execute("ROLLBACK"))
    started = time.monotonic()
    release.start()
    try:
        assert client_for().login(world.dispatcher_email).status_code == 200
        assert tech.post("/api/v1/auth/logout").status_code == 204
        assert 0.4 < time.monotonic() - started < 5  # waited for the writer, not the 10 s busy timeout
    finally:
        release.join()
        writer.close()
