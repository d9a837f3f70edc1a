"""The console shows a doubtful deed on the job's timeline with both its times (issue 13, point 4),
and the KPI page reads the figures by the time received and shows each technician's late deeds."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from tests.e2e.conftest import log_in_to_console


def utc_text(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_a_late_arrival_dated_early_shows_on_the_timeline_with_both_times(
    live_server, desk, dispatcher, technician, world, new_work_order, clock
):
    job = new_work_order(title="Chiller trips")
    url = f"/api/v1/work-orders/{job['id']}"
    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    accepted = technician.post(f"{url}/actions/accept", json={}).json["accepted_at"]
    dated = clock() + timedelta(minutes=1)
    received = clock.advance(hours=2)  # on site two hours later, dated a minute after accepting
    arrive = technician.post(f"{url}/actions/arrive", json={"occurred_at": utc_text(dated)})
    assert arrive.status_code == 200, arrive.json
    assert arrive.json["arrived_at"] > accepted

    log_in_to_console(desk, live_server, world.dispatcher_email)
    desk.goto(f"{live_server}/dispatch#/jobs/{job['id']}")
    timeline = desk.get_by_role("list", name="Timeline")
    arrival = timeline.get_by_role("listitem").filter(has_text="arrived on site")
    expect(arrival).to_contain_text("⚠ Doubtful: sent long after it was done, with no offline time")
    expect(arrival).to_contain_text("(1 h 59 min later)")
    times = arrival.locator(".doubt time")
    expect(times).to_have_count(2)
    done, got = (times.nth(i).get_attribute("datetime") for i in range(2))
    assert (done[:16], got[:16]) == (utc_text(dated)[:16], utc_text(received)[:16])
    accepted_item = timeline.get_by_role("listitem").filter(has_text="Accepted by")
    expect(accepted_item).not_to_contain_text("Doubtful")  # done live: nothing to doubt

    desk.get_by_role("link", name="KPIs").click()
    technicians = desk.get_by_role("table", name="Technician")
    header = technicians.get_by_role("columnheader")
    expect(header.filter(has_text="Doubtful deeds")).to_have_count(1)
    row = technicians.get_by_role("row").filter(has_text="Tom Tech")
    cells = row.get_by_role("cell")
    labels = [text.strip() for text in header.all_inner_texts()][1:]
    values = dict(zip(labels, cells.all_inner_texts(), strict=True))
    assert (values["Doubtful deeds"], values["Mean delay of late deeds"]) == ("1", "119 min")

    desk.get_by_label("Times").select_option("received")
    desk.get_by_role("button", name="Show").click()
    expect(desk.get_by_label("Times")).to_have_value("received")
    assert desk.errors == []
