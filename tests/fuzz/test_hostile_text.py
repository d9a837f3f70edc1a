"""SQL injection and markup in every text field: stored and returned as the exact text, the
database untouched; and brute force held by the login limit across processes (Redis storage)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.helpers import require, signature_data_url

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = [
    "'; DROP TABLE work_orders; --",
    '" OR 1=1 --',
    "Robert'); DELETE FROM users WHERE ('1'='1",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '=HYPERLINK("http://evil")',
    "%_\\ 100% _wild_ \\%",
    "😀 中文 \u202e RTL",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_and_returned_verbatim(text, dispatcher, technician, world, client_for):
    customer = dispatcher.post("/api/v1/customers", json={"name": text, "address": text, "phone": "+86 21 1"})
    assert customer.status_code == 201, customer.json
    assert (customer.json["name"], customer.json["address"]) == (text, text)
    body = {
        "customer_id": customer.json["id"],
        "title": text,
        "description": text,
        "priority": "high",
        "channel": "phone",
        "required_skills": [],
        "location": {"lat": 31.23, "lon": 121.47},
        "address": text,
    }
    wo = dispatcher.post("/api/v1/work-orders", json=body)
    assert wo.status_code == 201, wo.json
    url = f"/api/v1/work-orders/{wo.json['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    log = technician.post(
        f"{url}/logs", json={"kind": "part", "text": text, "parts": [{"sku": text[:60], "name": text, "qty": 1}]}
    )
    assert log.status_code == 201, log.json
    paused = technician.post(f"{url}/actions/pause", json={"reason": text})
    assert paused.status_code == 200
    technician.post(f"{url}/actions/resume", json={})
    done = technician.post(f"{url}/actions/complete", json={"resolution": text, "first_time_fix": True})
    assert done.status_code == 200
    signed = technician.post(
        f"{url}/signoff", json={"signer_name": text, "signature": signature_data_url(), "comment": text}
    )
    assert signed.status_code == 201, signed.json

    detail = dispatcher.get(url).json
    assert (detail["title"], detail["description"], detail["address"], detail["resolution"]) == (text,) * 4
    assert detail["logs"][0]["text"] == text and detail["logs"][0]["parts"][0]["name"] == text
    assert detail["signoff"]["signer_name"] == text and detail["signoff"]["comment"] == text
    assert next(e for e in detail["events"] if e["action"] == "pause")["details"]["reason"] == text
    found = dispatcher.get("/api/v1/work-orders", query_string={"q": text, "status": "closed"}).json
    assert [item["id"] for item in found["items"]] == [wo.json["id"]]  # searched as text, not as SQL
    assert dispatcher.get("/api/v1/customers", query_string={"q": text}).json["total"] == 1
    assert dispatcher.get("/api/v1/work-orders?per_page=1").json["total"] == 1  # nothing dropped


OTHER_SERVER = """
import json, sys
from backend import create_app
config = json.loads(sys.argv[1])
client = create_app(config).test_client()
wrong = {"email": sys.argv[2], "password": "not-the-password"}
print(json.dumps([client.post("/api/v1/auth/login", json=wrong).status_code for _ in range(3)]))
"""


def test_login_brute_force_is_held_across_processes_by_the_shared_limit(
    make_app, database_url, world, tmp_path, request
):
    """Two app servers in two processes sharing Redis: the per-account limit counts the failures
    made on both together, and holds the account on both."""
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()  # database 15: this test's own
    except redis.exceptions.ConnectionError:
        require(request, "Redis", "127.0.0.1:6379 holds the shared login limit")
    config = {
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_KEY_PREFIX": "onsite-test",  # (Flask-Limiter keeps the first app's prefix per process)
        "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    }
    other = {**config, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "t", "TESTING": True}
    other["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    ran = subprocess.run(
        [sys.executable, "-c", OTHER_SERVER, json.dumps(other), world.tech_email],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert json.loads(ran.stdout.strip().splitlines()[-1]) == [401, 401, 401]

    here = make_app(**config).test_client()
    wrong = {"email": world.tech_email, "password": "not-the-password"}
    assert [here.post("/api/v1/auth/login", json=wrong).status_code for _ in range(3)] == [401, 401, 429]
    right = here.post("/api/v1/auth/login", json={"email": world.tech_email, "password": "password123"})
    assert right.status_code == 429 and right.json["error"]["code"] == "rate_limited"
