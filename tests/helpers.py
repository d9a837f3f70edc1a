"""Small things several test modules need: a real PNG, a signature data URL, a missing service."""

from __future__ import annotations

import base64
import io
import os

import pytest
from PIL import Image


def require(request, what: str, message: str):
    """A real service or privilege this test needs is missing: under CI=true the run fails (CI must
    not skip these); locally the test is skipped with a message nobody can overlook."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI requires {what}. {message}", pytrace=False)
    request.config.pluginmanager.get_plugin("terminalreporter").write_line(
        "\n" + "!" * 78 + f"\n!! SKIPPING TESTS THAT NEED {what.upper()}: {message}\n" + "!" * 78, red=True, bold=True
    )
    pytest.skip(message)


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def signature_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(image_bytes("PNG", (300, 120), (255, 255, 255))).decode()


# What an action also writes on the timeline when it tells the customer (domain/messages.py): the
# message queued for them, its delivery, and the confirmation link a completion creates for it.
ANNOUNCEMENT_EVENTS = ("message_queued", "message_sent", "message_failed", "confirmation_link_created")


def action_events(events: list[dict]) -> list[dict]:
    """The timeline's events without the customer's messages (and the link a completion sends)."""
    return [e for e in events if e["action"] not in ANNOUNCEMENT_EVENTS]
