"""Live-update streams are capped: per worker (503 with Retry-After beyond, so ordinary requests
keep their threads) and per user across workers and hosts (a newer stream ends the oldest).
Streams open elsewhere are stood in for by their worker slot or their row, since a test client
serves one request at a time; with real concurrent streams: tests/faults/test_stream_limits.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from backend.extensions import db
from backend.models import LiveStream, User


def _open(client):
    return client.get("/api/v1/events/stream", buffered=False)


def _rows(app) -> list[LiveStream]:
    with app.app_context():
        return db.session.scalars(select(LiveStream).order_by(LiveStream.id)).all()


def _user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def _streams_elsewhere(app, user_id: int, count: int, expires_at) -> None:
    with app.app_context():
        db.session.add_all(
            LiveStream(user_id=user_id, opened_at=expires_at, expires_at=expires_at) for _ in range(count)
        )
        db.session.commit()


def test_a_worker_refuses_streams_beyond_its_cap_and_ordinary_requests_go_on(make_app, world):
    app = make_app(EVENT_STREAMS_PER_WORKER=2)
    http = app.test_client()
    assert (
        http.post("/api/v1/auth/login", json={"email": world.dispatcher_email, "password": "password123"}).status_code
        == 200
    )
    slots = app.extensions["onsite_stream_slots"]
    assert slots.take(2) and slots.take(2)  # two streams running on this worker's other threads
    refused = _open(http)
    assert refused.status_code == 503 and refused.json["error"]["code"] == "unavailable"
    assert int(refused.headers["Retry-After"]) > 0
    assert _rows(app) == []  # a refused stream is not counted for the user
    assert http.get("/api/v1/events").status_code == 200  # ordinary requests are not capped
    slots.give_back()
    accepted = _open(http)
    assert accepted.status_code == 200
    accepted.get_data()  # runs its (short, in tests) time out
    accepted.close()
    assert slots.take(2) and not slots.take(2)  # its slot was given back: one free, as before it
    assert _rows(app) == []


def test_a_users_fourth_stream_ends_the_oldest_on_any_host(app, world, clock, dispatcher):
    user_id = _user_id(app, world.dispatcher_email)
    _streams_elsewhere(app, user_id, 3, clock.now + timedelta(minutes=1))  # open on other workers or hosts
    oldest, *others = [row.id for row in _rows(app)]
    stream = _open(dispatcher)
    assert stream.status_code == 200
    assert [row.id for row in _rows(app)][:2] == others and oldest not in [row.id for row in _rows(app)]
    stream.get_data()
    stream.close()

    # The other way round: a newer stream elsewhere deletes this one's row; it says so and ends.
    stream = _open(dispatcher)
    with app.app_context():
        db.session.execute(delete(LiveStream).where(LiveStream.user_id == user_id))
        db.session.commit()
    body = stream.get_data(as_text=True)
    stream.close()
    assert "event: superseded" in body and "keep-alive" not in body


def test_streams_left_by_a_dead_worker_stop_counting_once_expired(app, world, clock, dispatcher):
    _streams_elsewhere(app, _user_id(app, world.dispatcher_email), 3, clock.now - timedelta(seconds=1))
    stream = _open(dispatcher)
    assert stream.status_code == 200
    assert [row.expires_at > clock.now for row in _rows(app)] == [True]  # only its own row
    assert "superseded" not in stream.get_data(as_text=True)
    stream.close()
