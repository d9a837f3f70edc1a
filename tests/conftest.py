"""Every test gets its own app and an empty, migrated database, on SQLite and on PostgreSQL.

PostgreSQL: TEST_DATABASE_URL (default the local server as user postgres). The suite creates its
own database, migrates it once, empties it after each test and drops it at the end. With CI=true an
unreachable server fails the run; locally those tests are skipped with a loud message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from backend import create_app
from backend.extensions import db
from tests.helpers import require

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
FAST_HASH = "pbkdf2:sha256:1000"  # tests log in hundreds of times; production uses scrypt
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default=os.environ.get("TEST_DB", "both"),
        help="which database(s) to run the database tests on",
    )


# Tests that measure answers against wall-clock limits under load, or run several servers and
# schedulers of their own: ./scripts/test runs them after the parallel phase, alone on the machine.
SERIAL_PATHS = ("tests/faults/", "tests/scheduler/test_concurrency.py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(part in item.nodeid for part in SERIAL_PATHS):
            item.add_marker(pytest.mark.serial)


def pytest_generate_tests(metafunc):
    if "database_url" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        backends = ["sqlite", "postgresql"] if choice == "both" else [choice]
        if metafunc.definition.get_closest_marker("sqlite_only"):
            backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgresql_only"):
            backends = [b for b in backends if b == "postgresql"]
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture(scope="session")
def backend(request):
    return request.param


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "onsite.sqlite"
    _migrate(f"sqlite:///{path}")
    return str(path)


@pytest.fixture(scope="session")
def postgres_url(request):
    admin_url = make_url(os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    name = f"onsite_test_{uuid.uuid4().hex[:8]}"
    libpq = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(libpq, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        require(request, "PostgreSQL", f"unreachable at {admin_url.render_as_string()}: {error}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    yield url
    drop_database_unwaited(libpq, name)


DROP_DATABASE = """
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
"""


def drop_database_unwaited(libpq: str, name: str) -> None:
    """Drop a test's own PostgreSQL database from a detached process. DROP DATABASE waits for a
    checkpoint (PostgreSQL 15): seconds on a quiet server, over a minute on the loaded one that the
    parallel phase makes, and nothing the suite proves waits on that cleanup."""
    subprocess.Popen(
        [sys.executable, "-c", DROP_DATABASE, libpq, name],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


# What a test's live server or background thread was still doing when the test ended (a browser's
# last request, the outbox sender, a stream) may hold locks that the TRUNCATE deadlocks with; it
# failed one CI run so, and left rows behind for the next test. Nothing of a test outlives it.
OTHER_CONNECTIONS = text(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _empty_postgres(url: str, attempts: int = 3) -> None:
    engine = create_engine(url)
    tables = [t.name for t in db.metadata.sorted_tables]
    try:
        for attempt in range(1, attempts + 1):
            try:
                with engine.begin() as conn:
                    conn.execute(OTHER_CONNECTIONS)
                    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
                return
            except OperationalError:  # deadlock with a connection that began after the terminate
                if attempt == attempts:
                    raise
    finally:
        engine.dispose()


@pytest.fixture
def database_url(backend, request, tmp_path):
    if backend == "sqlite":
        path = tmp_path / "onsite.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("postgres_url")
        yield url
        _empty_postgres(url)


@dataclass
class Clock:
    """The app's notion of now; tests move it instead of sleeping."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_app(database_url, tmp_path, clock):
    """`make_app(**config)` → an app on the test's database, with config overrides (e.g. small
    login limits). Several apps on one database behave like several servers, or a restart."""
    apps = []

    def make(**config):
        settings = {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "PASSWORD_HASH_METHOD": FAST_HASH,
            # Tests of other features dispatch by hand; tests/scheduler/test_auto_assign.py turns it on.
            "AUTO_ASSIGN": "off",
            # No random share of follow-up calls (it hangs on the secret): tests/api/test_follow_ups.py sets one.
            "FOLLOW_UP_SAMPLE_PCT": 0,
            "CLOCK": clock,
            "RATELIMIT_STORAGE_URI": "memory://",
            "EVENT_STREAM_SECONDS": 0.2,  # live-update streams end quickly in tests
            "EVENT_POLL_SECONDS": 0.05,
            "MAP_TILE_URL": None,  # no tile server in tests: the console's map works without tiles
        }
        settings.update(config)
        made = create_app(settings)
        apps.append(made)
        return made

    yield make
    for made in apps:
        with made.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


class ApiClient:
    """A test client that logs in like the PWA does and sends the CSRF token with every change."""

    def __init__(self, flask_client):
        self.http = flask_client
        self.csrf: str | None = None
        self.user: dict | None = None

    def login(self, email: str, password: str = "password123"):
        response = self.http.post("/api/v1/auth/login", json={"email": email, "password": password})
        if response.status_code == 200:
            self.csrf, self.user = response.json["csrf_token"], response.json["user"]
        return response

    def _headers(self, headers):
        merged = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        merged.update(headers or {})
        return merged

    def get(self, path, **kwargs):
        return self.http.get(path, **kwargs)

    def post(self, path, json=None, headers=None, **kwargs):
        return self.http.post(path, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, path, json=None, headers=None, **kwargs):
        return self.http.patch(path, json=json, headers=self._headers(headers), **kwargs)

    def put(self, path, json=None, headers=None, **kwargs):
        return self.http.put(path, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, path, headers=None, **kwargs):
        return self.http.delete(path, headers=self._headers(headers), **kwargs)


@pytest.fixture
def client_for(app):
    """`client_for(email)` → an ApiClient logged in as that user (password `password123`)."""

    def make(email: str | None = None, password: str = "password123") -> ApiClient:
        client = ApiClient(app.test_client())
        if email:
            response = client.login(email, password)
            assert response.status_code == 200, response.json
        return client

    return make


@pytest.fixture
def world(app):
    from tests.factories import make_world

    return make_world(app)


@pytest.fixture
def dispatcher(client_for, world):
    return client_for(world.dispatcher_email)


@pytest.fixture
def technician(client_for, world):
    return client_for(world.tech_email)


@pytest.fixture
def new_work_order(dispatcher, world):
    """`new_work_order(**overrides)` → the created work order's JSON, made by the dispatcher."""

    def make(**overrides):
        body = {
            "customer_id": world.customer_id,
            "title": "Air conditioner blows warm air",
            "description": "Unit in the server room",
            "priority": "high",
            "channel": "phone",
            "required_skills": ["hvac"],
            "location": {"lat": 31.2304, "lon": 121.4737},
            "address": "1 Nanjing Rd, Shanghai",
        }
        body.update(overrides)
        response = dispatcher.post("/api/v1/work-orders", json=body)
        assert response.status_code == 201, response.json
        return response.json

    return make
