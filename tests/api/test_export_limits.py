"""Exports are bounded: streamed as they are read (never whole in memory), one at a time per user
across every worker (the count is in the database), and the KPI range at most KPI_MAX_DAYS."""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import select

from backend.extensions import db
from backend.models import ExportSlot
from tests.conftest import START
from tests.factories import new_jobs_in_bulk

EXPORT = "/api/v1/work-orders/export.csv"
KPI_CSV = "/api/v1/reports/kpis.csv?by=priority"


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _slots(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(ExportSlot)).all())


def test_the_work_order_export_streams_in_batches_while_others_write(app, world, dispatcher, client_for):
    new_jobs_in_bulk(app, world.customer_id, 1_200, skill="hvac", title="Leak", first_id=10_001, created_at=START)
    admin = client_for(world.admin_email)
    answers = []  # the app's own response objects (through the test client every answer looks streamed)
    app.after_request_funcs.setdefault(None, []).append(lambda answer: answers.append(answer) or answer)
    response = dispatcher.get(EXPORT)
    assert response.status_code == 200 and answers[-1].is_streamed
    assert response.headers["Content-Type"].startswith("text/csv")
    chunks = iter(response.response)
    header = next(chunks)
    assert header.decode("utf-8").startswith("\ufeffnumber,title,priority")  # the header leaves before any row is read

    # Half-way through the download, another user's change goes through (no write lock is held).
    # In a thread of its own, as a server runs it: this thread holds the export's request context.
    job = {"customer_id": world.customer_id, "title": "Meanwhile", "priority": "low", "channel": "phone"}
    job["location"] = {"lat": 31.23, "lon": 121.47}
    with ThreadPoolExecutor(1) as other_worker:
        created = other_worker.submit(admin.post, "/api/v1/work-orders", json=job).result(timeout=30)
    assert created.status_code == 201, created.json
    body = header + b"".join(chunks)
    response.close()
    rows = _rows(body)
    assert len(body) > 64 * 1024  # several chunks of ~64 KB, from three batches of rows
    # The rows are read after the header has left: the job made meanwhile is in the file.
    assert {row[1] for row in rows[1:]} == {f"Leak {i}" for i in range(1_200)} | {"Meanwhile"}
    assert len(rows) == 1 + 1_201


def test_a_second_export_by_the_same_user_at_once_is_429_until_the_first_is_done(app, world, dispatcher, client_for):
    new_jobs_in_bulk(app, world.customer_id, 10, skill="hvac", title="Leak", first_id=10_001, created_at=START)
    first = dispatcher.get(EXPORT)  # open: nothing read yet, as a slow download would be
    assert first.status_code == 200 and _slots(app) == 1

    same_user_elsewhere = client_for(world.dispatcher_email)  # another tab, worker or host
    for path in (EXPORT, KPI_CSV):
        refused = same_user_elsewhere.get(path)
        assert refused.status_code == 429, path
        assert refused.json["error"]["code"] == "rate_limited" and "running" in refused.json["error"]["message"]
    another_user = client_for(world.admin_email).get(EXPORT)  # counted apart
    assert another_user.status_code == 200
    another_user.close()

    assert len(_rows(first.data)) == 11
    first.close()  # downloaded: the slot is given back
    kpis = same_user_elsewhere.get(KPI_CSV)
    assert kpis.status_code == 200 and _rows(kpis.data)[-1][0] == "total"
    kpis.close()
    assert _slots(app) == 0


def test_a_slot_left_by_a_dead_worker_expires(app, world, dispatcher, clock):
    abandoned = dispatcher.get(EXPORT)  # never closed: as if its worker had been killed
    assert abandoned.status_code == 200
    assert dispatcher.get(EXPORT).status_code == 429
    clock.advance(seconds=app.config["EXPORT_SLOT_SECONDS"])
    again = dispatcher.get(EXPORT)
    assert again.status_code == 200
    again.close()
    abandoned.close()  # its release touches only its own slot, long since taken over and given back
    assert _slots(app) == 0


def test_the_kpi_range_is_at_most_a_year_and_a_day(app, dispatcher):
    start = START - timedelta(days=366)
    ok = dispatcher.get(f"/api/v1/reports/kpis?from={start:%Y-%m-%dT%H:%M:%SZ}&to={START:%Y-%m-%dT%H:%M:%SZ}")
    assert ok.status_code == 200, ok.json
    too_long = start - timedelta(seconds=1)
    for path in ("/api/v1/reports/kpis", "/api/v1/reports/kpis/breakdown", "/api/v1/reports/kpis.csv"):
        refused = dispatcher.get(f"{path}?from={too_long:%Y-%m-%dT%H:%M:%SZ}&to={START:%Y-%m-%dT%H:%M:%SZ}")
        assert refused.status_code == 422, path
        assert refused.json["error"]["fields"] == {"from": ["must be at most 366 days before to"]}
    assert _slots(app) == 0  # a refused range takes no export slot
