"""Live updates for the console come from the database: polling with an ETag, and an SSE stream."""

from __future__ import annotations

import json


def test_polling_returns_new_events_in_order_and_304_when_nothing_changed(
    dispatcher, technician, world, new_work_order
):
    start = dispatcher.get("/api/v1/events")
    assert start.status_code == 200 and start.json["items"] == []
    last = start.json["last_id"]

    wo = new_work_order(title="Boiler")
    dispatcher.post(f"/api/v1/work-orders/{wo['id']}/assign", json={"technician_id": world.technician_id})
    news = dispatcher.get(f"/api/v1/events?after={last}")
    assert [(e["number"], e["action"], e["to_status"]) for e in news.json["items"]] == [
        (wo["number"], "created", "new"),
        (wo["number"], "assign", "assigned"),
        (wo["number"], "message_queued", None),  # the customer is told who comes (the outbox)
    ]
    etag = news.headers["ETag"]
    unchanged = dispatcher.get(f"/api/v1/events?after={news.json['last_id']}", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304

    assert technician.get("/api/v1/events").status_code == 403
    assert dispatcher.get("/api/v1/events?after=-1").status_code == 422


def test_the_stream_sends_events_after_the_last_event_id(make_app, world, new_work_order, dispatcher):
    new_work_order(title="First")
    second = new_work_order(title="Second")
    last_seen = dispatcher.get("/api/v1/events?after=0").json["items"][0]["id"]  # the first's "created"

    app = make_app()  # a second server: events come from the database, not from a process
    http = app.test_client()
    login = http.post("/api/v1/auth/login", json={"email": world.dispatcher_email, "password": "password123"})
    assert login.status_code == 200
    response = http.get("/api/v1/events/stream", headers={"Last-Event-ID": str(last_seen)})
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    body = response.get_data(as_text=True)
    response.close()
    messages = [json.loads(line[len("data: ") :]) for line in body.splitlines() if line.startswith("data: ")]
    assert [(m["number"], m["action"]) for m in messages] == [(second["number"], "created")]
    assert body.startswith("retry: 50\n")
