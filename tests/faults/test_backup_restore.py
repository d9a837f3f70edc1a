"""Backups as docs/DEPLOYMENT.md writes them: pg_dump of a live database, pg_restore into a new
one, and the app on the copy sees the same work orders, timelines, sign-offs and KPIs."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ApiClient
from tests.helpers import signature_data_url

pytestmark = pytest.mark.postgresql_only
DAY = "from=2026-11-23T00:00:00Z&to=2026-11-24T00:00:00Z"


def libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def restored_url(database_url):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.fail("pg_dump and pg_restore (PostgreSQL client tools) are needed", pytrace=False)
    url = make_url(database_url)
    copy = url.set(database=f"onsite_restore_{uuid.uuid4().hex[:8]}")
    with psycopg.connect(libpq(url.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{copy.database}"')
    yield copy
    with psycopg.connect(libpq(url.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{copy.database}" WITH (FORCE)')


def test_a_dump_restored_into_a_new_database_serves_the_same_records(
    make_app, database_url, restored_url, dispatcher, technician, world, new_work_order, tmp_path
):
    wo = new_work_order(title="Backed up")
    url = f"/api/v1/work-orders/{wo['id']}"
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        technician.post(f"{url}/actions/{action}", json={})
    technician.post(f"{url}/logs", json={"kind": "note", "text": "Before the backup"})
    technician.post(f"{url}/actions/complete", json={"resolution": "Done", "first_time_fix": True})
    technician.post(f"{url}/signoff", json={"signer_name": "Li", "signature": signature_data_url(), "rating": 4})
    original = dispatcher.get(url).json
    kpis = dispatcher.get(f"/api/v1/reports/kpis?{DAY}").json

    dump = tmp_path / "onsite.dump"
    source = libpq(make_url(database_url))
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", source], check=True, timeout=120)
    target = libpq(restored_url)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True, timeout=120)

    copy = make_app(SQLALCHEMY_DATABASE_URI=restored_url.render_as_string(hide_password=False))
    reader = ApiClient(copy.test_client())
    assert reader.login(world.dispatcher_email).status_code == 200
    restored = reader.get(url).json
    assert restored == original  # status, timeline, logs, sign-off, record hash still valid
    assert restored["signoff"]["record_valid"] is True
    assert reader.get(f"/api/v1/reports/kpis?{DAY}").json == kpis
    later = reader.post("/api/v1/customers", json={"name": "After the restore"})
    assert later.status_code == 201 and later.json["id"] > world.customer_id  # sequences restored too
