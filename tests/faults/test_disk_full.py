"""A full disk, for real: a small tmpfs filled to its last byte, under the upload folder and under
SQLite's database file. The change in hand is refused with a clear 503, nothing half-written stays
(no row, no event, no partial file), reads go on, and once space is freed the phone's retry (same
Idempotency-Key) is applied exactly once.

Mounting needs root (CI runs as root); elsewhere these tests are skipped with a loud message, and
under CI=true they fail instead.
"""

from __future__ import annotations

import errno
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Attachment, Log, WorkOrder
from tests.conftest import ApiClient
from tests.factories import make_world
from tests.helpers import require


class SmallDisk:
    """A mounted tmpfs of a few megabytes that the test can fill and free."""

    def __init__(self, path: Path):
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        """Write until the filesystem refuses, then the last bytes one at a time: 0 bytes left."""
        with open(self.filler, "wb", buffering=0) as handle:
            for chunk in (64 * 1024, 4096, 1):
                try:
                    while True:
                        handle.write(b"\0" * chunk)
                except OSError as error:
                    assert error.errno == errno.ENOSPC
        assert shutil.disk_usage(self.path).free == 0

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path, request):
    mountpoint = tmp_path / "small-disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "onsite-test", str(mountpoint)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        require(request, "a mountable tmpfs (root)", f"cannot mount one: {mounted.stderr.strip()}")
    yield SmallDisk(mountpoint)
    subprocess.run(["umount", "--lazy", str(mountpoint)], check=True)


def photo_bytes() -> bytes:
    """About 200 KB of JPEG noise: it cannot fit in a page or two left over."""
    buffer = io.BytesIO()
    Image.effect_noise((800, 600), 64).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def on_site_job(dispatcher: ApiClient, technician: ApiClient, technician_id: int) -> str:
    customer = dispatcher.post("/api/v1/customers", json={"name": "Basement Ltd"}).json
    wo = dispatcher.post(
        "/api/v1/work-orders",
        json={
            "customer_id": customer["id"],
            "title": "Pump alarm",
            "priority": "high",
            "channel": "phone",
            "location": {"lat": 31.23, "lon": 121.47},
        },
    ).json
    url = f"/api/v1/work-orders/{wo['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": technician_id}).status_code == 200
    for action in ("accept", "arrive"):
        assert technician.post(f"{url}/actions/{action}", json={}).status_code == 200
    return url


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def upload(client: ApiClient, url: str, data: bytes, key: str):
    return client.post(
        f"{url}/attachments",
        data={"file": (io.BytesIO(data), "pump.jpg")},
        content_type="multipart/form-data",
        headers={"Idempotency-Key": key},
    )


def test_a_photo_on_a_full_disk_is_refused_and_leaves_nothing(app, dispatcher, technician, world, small_disk):
    uploads = small_disk.path / "uploads"
    uploads.mkdir()
    app.config["UPLOAD_FOLDER"] = str(uploads)
    url = on_site_job(dispatcher, technician, world.technician_id)
    before = dispatcher.get(url).json
    photo = photo_bytes()

    small_disk.fill()
    refused = upload(technician, url, photo, "photo-on-a-full-disk")
    assert refused.status_code == 503
    assert refused.json["error"]["code"] == "unavailable"
    assert "nothing was saved" in refused.json["error"]["message"]
    after = dispatcher.get(url).json
    assert (after["version"], after["events"], after["attachments"]) == (
        before["version"],
        before["events"],
        before["attachments"],
    )
    assert count(app, Attachment) == 0
    assert list(uploads.iterdir()) == []  # no partial file left behind

    small_disk.free()
    stored = upload(technician, url, photo, "photo-on-a-full-disk")  # the phone's outbox retries
    assert stored.status_code == 201, stored.json
    assert count(app, Attachment) == 1 and len(list(uploads.iterdir())) == 1
    assert technician.get(stored.json["url"]).data == photo


@pytest.mark.sqlite_only
def test_sqlite_on_a_full_disk_refuses_changes_keeps_serving_and_recovers(
    make_app, database_url, sqlite_template, small_disk
):
    database = small_disk.path / "onsite.sqlite"
    shutil.copy(sqlite_template, database)
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    world = make_world(app)
    dispatcher, technician = ApiClient(app.test_client()), ApiClient(app.test_client())
    dispatcher.login(world.dispatcher_email)
    technician.login(world.tech_email)
    url = on_site_job(dispatcher, technician, world.technician_id)
    before = dispatcher.get(url).json
    note = {"kind": "note", "text": "Impeller worn; replaced the seal. " * 100, "minutes": 40}
    key = {"Idempotency-Key": "note-on-a-full-disk"}

    small_disk.fill()
    refused = technician.post(f"{url}/logs", json=note, headers=key)
    assert refused.status_code == 503
    assert refused.json["error"]["code"] == "unavailable"
    assert "disk is full" in refused.json["error"]["message"]
    assert "nothing was changed" in refused.json["error"]["message"]
    work_orders = count(app, WorkOrder)
    assert dispatcher.post("/api/v1/customers", json={"name": "Nobody"}).status_code == 503
    reading = dispatcher.get(url)  # reads go on
    assert reading.status_code == 200
    assert (reading.json["version"], reading.json["events"], reading.json["logs"]) == (
        before["version"],
        before["events"],
        before["logs"],
    )
    assert dispatcher.get("/healthz").status_code == 200

    small_disk.free()
    applied = technician.post(f"{url}/logs", json=note, headers=key)
    assert applied.status_code == 201, applied.json
    again = technician.post(f"{url}/logs", json=note, headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert count(app, Log) == 1 and count(app, WorkOrder) == work_orders
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close the database before the disk goes away
