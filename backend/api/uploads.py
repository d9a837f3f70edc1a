"""Photos: checked by their bytes (Pillow), never by their name, and stored under generated names."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import uuid
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from ..domain.errors import ValidationFailed
from ..domain.work_orders import CheckedImage
from .errors import ApiError
from .transaction import remove_file_on_rollback

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}


def _refuse(message: str):
    raise ValidationFailed({"file": [message]})


def _printable(name: str | None) -> str:
    """The file's name as the phone gave it, without control characters (a NUL cannot be stored
    by PostgreSQL, and none of them belongs in a name shown on a screen)."""
    return "".join(ch for ch in (name or "") if ch.isprintable())


def inspect_image(data: bytes) -> tuple[str, str, int, int]:
    """(content_type, extension, width, height) of a JPEG, PNG or WebP image; 422 for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
            image.verify()
    except Image.DecompressionBombError:
        _refuse("the image has too many pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        _refuse("is not a readable image")
    if fmt not in FORMATS:
        _refuse("must be a JPEG, PNG or WebP image")
    content_type, extension = FORMATS[fmt]
    return content_type, extension, width, height


def store_image(upload: FileStorage) -> CheckedImage:
    """Check the upload's bytes, then write it under a generated name in the upload folder."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        _refuse("is empty")
    if len(data) > limit:
        _refuse(f"must be at most {limit // (1024 * 1024)} MB")
    content_type, extension, width, height = inspect_image(data)
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    path = Path(current_app.config["UPLOAD_FOLDER"]) / stored_name
    temporary = path.with_suffix(".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError as error:
        # A full disk fails halfway through the write: the part written must not stay behind.
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        current_app.logger.error("cannot store upload: %s", error)
        raise ApiError(503, "unavailable", "Photos cannot be stored right now; nothing was saved.") from None
    remove_file_on_rollback(str(path))
    return CheckedImage(
        stored_name=stored_name,
        original_name=_printable(upload.filename)[:255] or None,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        sha256=hashlib.sha256(data).hexdigest(),
    )
