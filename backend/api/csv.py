"""CSV downloads: spreadsheet-safe (a cell that a spreadsheet would run as a formula is quoted as
text), UTF-8 with a byte-order mark so that Excel reads Chinese names correctly.

Streamed: the header leaves at once and rows follow in chunks of about 64 KB as they are read, so
an export of 40,000 work orders never sits whole in memory, and the client sees bytes at once."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from flask import Response, stream_with_context

from ..domain.timing import utc_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_CHARS = 64 * 1024


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text  # CSV injection: never let a customer's text become a formula
    return text


def csv_chunks(header: list, rows: Iterable) -> Iterator[str]:
    """The CSV text in pieces: the byte-order mark and header first, then ~64 KB of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(filename: str, header: list, rows: Iterable, on_close: Callable[[], None] | None = None) -> Response:
    """A streamed CSV download; `rows` is read while the response is sent (inside the request's
    context, so a database query may feed it). `on_close` runs once the response is done or the
    client went away."""
    response = Response(stream_with_context(csv_chunks(header, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy passes the rows on as they come
    if on_close is not None:
        response.call_on_close(on_close)
    return response
