"""A technician parked at a site keeps being placed there: the phone, standing still, confirms its
position on a heartbeat well within the server's freshness, instead of going quiet until the
server falls back to the home base (the phone's clock is Playwright's, moved on instead of waiting)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.test_technician_day import technician_row, wait_for_server
from tests.e2e.test_technician_visit import NEAR


def _seen_at(dispatcher, world) -> datetime | None:
    location = technician_row(dispatcher, world.technician_id)["location"]
    return datetime.fromisoformat(location["at"]) if location else None


def test_a_phone_standing_still_confirms_its_position_on_the_heartbeat(live_server, phone, dispatcher, world, clock):
    phone.clock.install(time=datetime.now(UTC))
    phone.context.grant_permissions(["geolocation"], origin=live_server)
    phone.context.set_geolocation(NEAR)
    log_in(phone, live_server, world.tech_email)
    expect(phone.get_by_role("switch", name="On shift")).to_be_checked()
    wait_for_server(lambda: _seen_at(dispatcher, world) is not None)
    first = _seen_at(dispatcher, world)

    clock.advance(minutes=10)  # the server's time and the phone's move on together
    phone.clock.fast_forward("10:00")  # ten minutes without moving a metre
    wait_for_server(lambda: _seen_at(dispatcher, world) >= first + timedelta(minutes=9))
    row = technician_row(dispatcher, world.technician_id)
    assert (row["location"]["lat"], row["location"]["lon"]) == (NEAR["latitude"], NEAR["longitude"])
