"""Photos: checked by their bytes (Pillow), never by their name, and stored under generated names.

Before anything is decoded, the pixel count is read from the image's header and refused above
UPLOAD_MAX_MEGAPIXELS: a 20 KB PNG may claim 13,000 x 13,000 pixels and cost whoever shows it a
gigabyte. The job's and the uploader's quotas are checked before a byte is written. A photo larger
than UPLOAD_DISPLAY_EDGE gets a downscaled WebP copy, which the attachment's URL serves by default.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from ..domain.errors import ValidationFailed
from ..domain.uploads import DailyQuotaExceeded, UploadQuota, check_upload_quota
from ..domain.work_orders import CheckedImage
from ..extensions import db, limiter
from ..models import WorkOrder
from .common import now
from .errors import ApiError
from .transaction import on_rollback

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
# Pillow's own guard, for every image this process opens (signatures too): beyond this it warns,
# beyond twice this it refuses. Uploads are held to UPLOAD_MAX_MEGAPIXELS (lower) before it applies.
Image.MAX_IMAGE_PIXELS = 100_000_000
DISPLAY_QUALITY = 80


@dataclass(frozen=True)
class Inspected:
    content_type: str
    extension: str
    width: int
    height: int


def _refuse(message: str):
    raise ValidationFailed({"file": [message]})


def _printable(name: str | None) -> str:
    """The file's name as the phone gave it, without control characters (a NUL cannot be stored
    by PostgreSQL, and none of them belongs in a name shown on a screen)."""
    return "".join(ch for ch in (name or "") if ch.isprintable())


def inspect_image(data: bytes, max_pixels: int | None = None) -> Inspected:
    """What a JPEG, PNG or WebP image is, from its header and structure (nothing is decoded);
    422 for anything else, or for more than `max_pixels` pixels (never more than Pillow's guard)."""
    limit = min(max_pixels or Image.MAX_IMAGE_PIXELS, Image.MAX_IMAGE_PIXELS)
    try:
        with warnings.catch_warnings():
            # Pillow warns past its guard; the size is checked just below, with a clearer message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                fmt, (width, height) = image.format, image.size
                if width * height > limit:
                    _refuse(f"has {width} x {height} pixels; at most {limit / 1_000_000:g} megapixels")
                image.verify()
    except Image.DecompressionBombError:  # past twice Pillow's guard: refused as the header is read
        _refuse(f"has too many pixels; at most {limit / 1_000_000:g} megapixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        _refuse("is not a readable image")
    if fmt not in FORMATS:
        _refuse("must be a JPEG, PNG or WebP image")
    content_type, extension = FORMATS[fmt]
    return Inspected(content_type, extension, width, height)


def display_copy(data: bytes, edge: int) -> bytes:
    """The image scaled to at most `edge` pixels on its long side, upright, as WebP (no metadata:
    the phone's EXIF, its position included, stays in the original)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (edge, edge))  # a JPEG decodes at 1/2 .. 1/8 scale straight away
            upright = ImageOps.exif_transpose(image)
            upright.thumbnail((edge, edge), Image.Resampling.LANCZOS)
            if upright.mode not in ("RGB", "RGBA"):
                upright = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
            out = io.BytesIO()
            upright.save(out, "WEBP", quality=DISPLAY_QUALITY)
    except (OSError, SyntaxError, ValueError):
        _refuse("is not a readable image")  # e.g. a JPEG cut short: its header verifies, its data not
    return out.getvalue()


def upload_quota() -> UploadQuota:
    config = current_app.config
    return UploadQuota(
        job_photos=config["UPLOAD_JOB_MAX_PHOTOS"],
        job_bytes=config["UPLOAD_JOB_MAX_BYTES"],
        user_daily_bytes=config["UPLOAD_USER_DAILY_BYTES"],
    )


def _read(upload: FileStorage) -> bytes:
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        _refuse("is empty")
    if len(data) > limit:
        _refuse(f"must be at most {limit // (1024 * 1024)} MB")
    return data


def _check_quota(wo: WorkOrder, size: int) -> None:
    try:
        check_upload_quota(db.session, wo.id, current_user.id, now(), size, upload_quota())
    except DailyQuotaExceeded as error:
        raise ApiError(429, "rate_limited", error.message, {"file": [error.message]}) from None


def _write(folder: Path, name: str, data: bytes) -> None:
    """Write whole or not at all; the file goes once this request's transaction rolls back."""
    path = folder / name
    temporary = path.with_suffix(".part")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        # A full disk fails halfway through the write: the part written must not stay behind.
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        current_app.logger.error("cannot store upload: %s", error)
        raise ApiError(503, "unavailable", "Photos cannot be stored right now; nothing was saved.") from None
    on_rollback(lambda: _remove(path))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        current_app.logger.warning("could not remove %s after rollback", path)


def store_image(upload: FileStorage, wo: WorkOrder, check_quota=None) -> CheckedImage:
    """Check the upload's bytes and the quotas of `wo` and of the uploader, then write the photo
    (and its display copy, when it is large) under generated names in the upload folder.
    `check_quota(size)`: the uploader's quota check, when the uploader is not the logged-in user
    (a customer in the portal)."""
    config = current_app.config
    data = _read(upload)
    if check_quota is not None:
        check_quota(len(data))
    else:
        _check_quota(wo, len(data))
    image = inspect_image(data, int(config["UPLOAD_MAX_MEGAPIXELS"] * 1_000_000))
    edge = config["UPLOAD_DISPLAY_EDGE"]
    display = display_copy(data, edge) if max(image.width, image.height) > edge else None
    stem = uuid.uuid4().hex
    stored_name = f"{stem}.{image.extension}"
    display_name = f"{stem}-display.webp" if display is not None else None
    folder = Path(config["UPLOAD_FOLDER"])
    _write(folder, stored_name, data)
    if display is not None:
        _write(folder, display_name, display)
    return CheckedImage(
        stored_name=stored_name,
        original_name=_printable(upload.filename)[:255] or None,
        content_type=image.content_type,
        size=len(data),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(data).hexdigest(),
        display_name=display_name,
        display_content_type="image/webp" if display is not None else None,
    )


def _uploader_key() -> str:
    return f"user:{current_user.id}" if current_user.is_authenticated else f"address:{get_remote_address()}"


# One rate for every way a photo arrives (the job's attachments, a forwarded refused photo), per
# person: a phone replaying its outbox after a day offline gets 429 beyond it and retries later.
upload_rate_limit = limiter.shared_limit(
    lambda: current_app.config["UPLOAD_RATE_LIMIT"], scope="uploads", key_func=_uploader_key
)
