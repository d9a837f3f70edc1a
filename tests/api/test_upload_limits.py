"""Uploads are bounded: pixels (read from the header, before decoding), photos and bytes per job,
bytes per person per day, a rate per person; a large photo is shown through a downscaled copy."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Attachment, Event
from tests.helpers import image_bytes


@cache
def png_bomb(side: int = 13_000) -> bytes:
    """A real, valid grey PNG of side x side pixels, all black: ~170 KB that decodes to 169 MB."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + one byte per pixel
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _on_site(dispatcher, technician, world, new_work_order) -> dict:
    wo = new_work_order()
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    for action in ("accept", "arrive"):
        technician.post(f"/api/v1/work-orders/{wo['id']}/actions/{action}", json={})
    return wo


def _upload(client, wo_id, data: bytes, filename: str = "photo.jpg"):
    return client.post(
        f"/api/v1/work-orders/{wo_id}/attachments",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _stored(app) -> tuple[int, int, list[str]]:
    """(attachment rows, attachment_added events, files in the upload folder)."""
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Attachment))
        events = db.session.scalar(select(func.count()).where(Event.action == "attachment_added"))
    folder = Path(app.config["UPLOAD_FOLDER"])
    return rows, events, sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_pixel_bomb_is_refused_before_decoding_and_nothing_is_stored(
    app, dispatcher, technician, world, new_work_order
):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    bomb = png_bomb()
    assert len(bomb) < 250_000
    refused = _upload(technician, wo["id"], bomb, "site.png")
    assert refused.status_code == 422, refused.json
    assert "13000 x 13000" in refused.json["error"]["fields"]["file"][0]
    assert "40 megapixels" in refused.json["error"]["fields"]["file"][0]

    app.config["UPLOAD_MAX_MEGAPIXELS"] = 500  # set too high: Pillow's own guard still holds
    again = _upload(technician, wo["id"], bomb, "site.png")
    assert again.status_code == 422 and "at most 100 megapixels" in again.json["error"]["fields"]["file"][0]
    worse = _upload(technician, wo["id"], png_bomb(15_000), "site.png")  # past twice the guard
    assert worse.status_code == 422 and "too many pixels" in worse.json["error"]["fields"]["file"][0]
    assert _stored(app) == (0, 0, [])


def test_a_large_photo_is_shown_downscaled_and_the_original_on_request(
    app, dispatcher, technician, world, new_work_order, client_for
):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    original = image_bytes("JPEG", size=(4000, 3000), color=(20, 120, 200))
    stored = _upload(technician, wo["id"], original)
    assert stored.status_code == 201, stored.json
    assert (stored.json["width"], stored.json["height"], stored.json["size"]) == (4000, 3000, len(original))

    shown = dispatcher.get(stored.json["url"])
    assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(shown.data)) as display:
        assert (display.format, display.size) == ("WEBP", (1600, 1200))
    assert len(shown.data) < len(original)

    as_uploaded = dispatcher.get(stored.json["url"] + "?original=true")
    assert as_uploaded.status_code == 200 and as_uploaded.headers["Content-Type"] == "image/jpeg"
    assert as_uploaded.data == original
    assert technician.get(stored.json["url"] + "?original=true").data == original
    assert client_for(world.other_tech_email).get(stored.json["url"] + "?original=true").status_code == 404
    assert len(_stored(app)[2]) == 2  # the original and its display copy

    small = _upload(technician, wo["id"], image_bytes("PNG", size=(800, 600)), "small.png")
    assert dispatcher.get(small.json["url"]).headers["Content-Type"] == "image/png"  # no copy needed
    assert len(_stored(app)[2]) == 3


def test_a_job_holds_a_bounded_number_and_size_of_photos(app, dispatcher, technician, world, new_work_order):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    app.config["UPLOAD_JOB_MAX_PHOTOS"] = 2
    for _ in range(2):
        assert _upload(technician, wo["id"], image_bytes("JPEG")).status_code == 201
    third = _upload(technician, wo["id"], image_bytes("JPEG"))
    assert third.status_code == 422 and "2 photos" in third.json["error"]["fields"]["file"][0]
    assert _stored(app)[:2] == (2, 2)

    other = _on_site(dispatcher, technician, world, new_work_order)
    photo = image_bytes("PNG", size=(300, 300))
    app.config["UPLOAD_JOB_MAX_BYTES"] = len(photo) + 10
    assert _upload(technician, other["id"], photo).status_code == 201
    over = _upload(technician, other["id"], photo)
    assert over.status_code == 422 and "MB" in over.json["error"]["fields"]["file"][0]
    assert _stored(app)[:2] == (3, 3)


def test_one_person_uploads_a_bounded_number_of_bytes_a_day(app, dispatcher, technician, world, new_work_order, clock):
    first, second = (_on_site(dispatcher, technician, world, new_work_order) for _ in range(2))
    photo = image_bytes("JPEG", size=(400, 300))
    app.config["UPLOAD_USER_DAILY_BYTES"] = 2 * len(photo)
    assert _upload(technician, first["id"], photo).status_code == 201
    assert _upload(technician, second["id"], photo).status_code == 201
    refused = _upload(technician, second["id"], photo)  # across jobs: the quota is the person's
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    assert "24 hours" in refused.json["error"]["message"]
    rows, events, files = _stored(app)
    assert (rows, events, len(files)) == (2, 2, 2)

    clock.advance(hours=24, minutes=1)
    assert _upload(technician, second["id"], photo).status_code == 201


def test_uploads_are_rate_limited_per_person(app, dispatcher, technician, world, new_work_order, client_for):
    wo = _on_site(dispatcher, technician, world, new_work_order)
    app.config["UPLOAD_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert _upload(technician, wo["id"], image_bytes("JPEG")).status_code == 201
    limited = _upload(technician, wo["id"], image_bytes("JPEG"))
    assert limited.status_code == 429 and limited.json["error"]["code"] == "rate_limited"
    assert _stored(app)[:2] == (3, 3)
    # Another person is counted apart (the dispatcher may attach photos too).
    assert _upload(dispatcher, wo["id"], image_bytes("JPEG")).status_code == 201
