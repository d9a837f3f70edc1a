"""PostgreSQL goes away while the app serves: quick 503s (no hanging request), nothing half
written, and recovery by itself when the database returns, with every acknowledged change kept."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ApiClient
from tests.factories import make_world
from tests.faults.proxy import CuttableProxy

QUICK_S = 5  # a request during the outage must answer within this (connect timeout: 3 s)
pytestmark = pytest.mark.postgresql_only


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.fixture
def proxy(database_url):
    proxy = CuttableProxy(make_url(database_url).port or 5432)
    yield proxy
    proxy.cut()


def test_an_outage_answers_503_quickly_and_recovers_keeping_what_was_acknowledged(make_app, database_url, proxy):
    through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    app = make_app(SQLALCHEMY_DATABASE_URI=through_proxy.render_as_string(hide_password=False))
    world = make_world(app)
    dispatcher = ApiClient(app.test_client())
    assert dispatcher.login(world.dispatcher_email).status_code == 200

    def new_job(title):
        body = {
            "customer_id": world.customer_id,
            "title": title,
            "priority": "normal",
            "channel": "phone",
            "location": {"lat": 31.23, "lon": 121.47},
        }
        return dispatcher.post("/api/v1/work-orders", json=body, headers={"Idempotency-Key": title})

    before = new_job("acknowledged before")
    assert before.status_code == 201

    proxy.cut()
    health, seconds = timed(lambda: app.test_client().get("/healthz"))
    assert (health.status_code, health.json["database"], seconds < QUICK_S) == (503, "down", True)
    listed, seconds = timed(lambda: dispatcher.get("/api/v1/work-orders"))
    assert (listed.status_code, listed.json["error"]["code"], seconds < QUICK_S) == (503, "unavailable", True)
    refused, seconds = timed(lambda: new_job("during the outage"))
    assert (refused.status_code, refused.json["error"]["code"], seconds < QUICK_S) == (503, "unavailable", True)

    proxy.restore()
    assert app.test_client().get("/healthz").status_code == 200  # no restart: the pool reconnects
    retried = new_job("during the outage")  # the client retries the refused change with its key
    assert retried.status_code == 201
    after = new_job("acknowledged after")
    assert after.status_code == 201
    titles = sorted(item["title"] for item in dispatcher.get("/api/v1/work-orders").json["items"])
    assert titles == ["acknowledged after", "acknowledged before", "during the outage"]
