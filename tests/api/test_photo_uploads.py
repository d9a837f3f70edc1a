"""Photos are checked by their bytes, stored under generated names, and shown only to who may see the job."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Attachment
from tests.helpers import image_bytes


def _on_site(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        technician.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json={})
    return wo


def _upload(client, wo_id, data: bytes, filename: str):
    return client.post(
        f"/api/v1/work-orders/{wo_id}/attachments",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _attachments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Attachment))


def test_the_bytes_decide_not_the_name(app, dispatcher, technician, world, new_work_order, client_for):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    png = image_bytes("PNG")
    stored = _upload(technician, wo["id"], png, "notes.txt")
    assert stored.status_code == 201, stored.json
    assert (stored.json["content_type"], stored.json["size"]) == ("image/png", len(png))
    files = list(Path(app.config["UPLOAD_FOLDER"]).iterdir())
    assert [f.suffix for f in files] == [".png"] and "notes" not in files[0].name
    assert files[0].read_bytes() == png

    webp = _upload(technician, wo["id"], image_bytes("WEBP"), "x.bin")
    assert webp.status_code == 201 and webp.json["content_type"] == "image/webp"

    for data, name in ((b"just some text", "photo.jpg"), (image_bytes("GIF"), "anim.gif"), (b"", "empty.png")):
        refused = _upload(technician, wo["id"], data, name)
        assert refused.status_code == 422, name
        assert "file" in refused.json["error"]["fields"]
    assert _attachments(app) == 2

    shown = dispatcher.get(stored.json["url"])
    assert shown.status_code == 200 and shown.data == png
    assert shown.headers["Content-Type"] == "image/png" and shown.headers["X-Content-Type-Options"] == "nosniff"
    assert client_for(world.other_tech_email).get(stored.json["url"]).status_code == 404


def test_size_limits(app, dispatcher, technician, world, new_work_order):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    just_over = _upload(technician, wo["id"], b"\x89PNG" + b"0" * (10 * 1024 * 1024), "big.png")
    assert just_over.status_code == 422 and "10 MB" in just_over.json["error"]["fields"]["file"][0]
    far_over = _upload(technician, wo["id"], b"0" * (11 * 1024 * 1024), "huge.png")
    assert far_over.status_code == 413 and far_over.json["error"]["code"] == "payload_too_large"
    assert _attachments(app) == 0


def test_an_unwritable_store_is_503_and_leaves_nothing(app, dispatcher, technician, world, new_work_order, tmp_path):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app.config["UPLOAD_FOLDER"] = str(blocker / "uploads")
    before = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    response = _upload(technician, wo["id"], image_bytes("JPEG"), "photo.jpg")
    assert response.status_code == 503 and response.json["error"]["code"] == "unavailable"
    after = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert (after["version"], len(after["events"])) == (before["version"], len(before["events"]))
    assert _attachments(app) == 0


def test_photos_only_on_jobs_in_progress(app, dispatcher, technician, world, new_work_order):
    unassigned = new_work_order()
    assert _upload(technician, unassigned["id"], image_bytes(), "a.png").status_code == 404
    assert _upload(dispatcher, unassigned["id"], image_bytes(), "a.png").status_code == 409
    assert _attachments(app) == 0
