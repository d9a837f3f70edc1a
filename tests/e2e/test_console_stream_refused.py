"""The console when the server has no live-update stream to spare (503 with Retry-After) or the
dispatcher's newer console takes the stream over: it polls instead, and the board stays live."""

from __future__ import annotations

from playwright.sync_api import expect

from backend.api.live import worker_stream_cap
from tests.e2e.conftest import log_in_to_console


def test_a_refused_stream_leaves_the_board_live_by_polling(app, live_server, desk, world, new_work_order):
    slots = app.extensions["onsite_stream_slots"]
    while slots.take(worker_stream_cap(app.config)):  # every stream slot of the server taken
        pass
    first_poll = lambda response: "/api/v1/events" in response.url and "/stream" not in response.url  # noqa: E731
    with desk.expect_response(first_poll):  # polling has learnt the latest event: what follows is news
        log_in_to_console(desk, live_server, world.dispatcher_email)
    expect(desk.get_by_text("● Polling")).to_be_visible()

    number = new_work_order(title="Made while the console polls")["number"]
    expect(desk.get_by_role("list", name="New")).to_contain_text(number, timeout=10_000)
