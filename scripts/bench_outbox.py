"""Benchmark the customer messages' outbox against sending directly, in one run.

A fresh, migrated database (a temporary SQLite file, or a new database on the given PostgreSQL
server) and an SMS provider on loopback (an HTTP server that checks nothing and answers 200), used
by both sides:

- **direct (baseline)**: what a request would do without the outbox: send the SMS itself (one POST)
  and then commit its change (here: the same message row, written as sent). Messages per second,
  one after another.
- **outbox, queueing**: `messages.queue_to_contact` in its own transaction, as a change does.
- **outbox, delivery**: the sender's rounds (`messaging.send_round`, batches of 100) until the
  outbox is empty: claim, send, record each result. Messages per second.
- **commit to send**: a producer commits one message every `--gap-ms` while the sender runs as it
  does in the scheduler (a round, then a pause of `--interval` seconds when there was nothing to do);
  the time from each message's commit to the provider receiving it (p50, p95, max).

    .venv/bin/python scripts/bench_outbox.py                                  # SQLite
    .venv/bin/python scripts/bench_outbox.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from bench_reassign import Database  # (the same fresh-database helper)
from sqlalchemy import func, select

from backend import create_app
from backend.domain.messages import queue_to_contact
from backend.extensions import db
from backend.messaging import send_round
from backend.models import Message, utcnow


class Gateway:
    """An SMS provider on loopback: answers 200 and notes when each message (by key) arrived."""

    def __init__(self):
        self.arrived: dict[str, float] = {}
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                gateway.arrived[self.headers.get("Idempotency-Key", "")] = time.perf_counter()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _queue_one(i: int, key: str | None = None, commit: bool = True) -> Message:
    message = queue_to_contact(
        db.session,
        channel="sms",
        to=f"+86 139 {i:08d}",
        language="zh-CN",
        template="portal_code",
        params={"code": f"{i % 1_000_000:06d}", "minutes": 10},
        now=utcnow(),
        key=key,
    )
    if commit:
        db.session.commit()
    return message


def direct(app, gateway: Gateway, count: int) -> float:
    """Messages per second sending in the request itself: one POST, then the change's commit."""
    started = time.perf_counter()
    with app.app_context():
        for i in range(count):
            body = json.dumps({"to": f"+86 139 {i:08d}", "text": f"code {i:06d}"}).encode()
            request = urllib.request.Request(gateway.url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as answer:
                answer.read()
            message = _queue_one(i, f"direct:{i}", commit=False)
            message.status, message.sent_at, message.provider = "sent", utcnow(), "direct"
            db.session.commit()
    return count / (time.perf_counter() - started)


def outbox_throughput(app, count: int) -> tuple[float, float]:
    """(messages queued per second, messages delivered per second)."""
    started = time.perf_counter()
    with app.app_context():
        for i in range(count):
            _queue_one(i)
    queued = count / (time.perf_counter() - started)
    started = time.perf_counter()
    sent = 0
    while True:
        summary = send_round(app)
        sent += summary.sent
        if summary.claimed == 0:
            break
    delivered = sent / (time.perf_counter() - started)
    assert sent == count, (sent, count)
    return queued, delivered


def commit_to_send(app, gateway: Gateway, count: int, gap_ms: float, interval: float) -> dict:
    """A producer commits a message every gap_ms; the sender loops as the scheduler runs it."""
    committed: dict[str, float] = {}
    done = threading.Event()

    def sender() -> None:
        while not done.is_set():
            if send_round(app).claimed == 0:
                done.wait(interval)

    thread = threading.Thread(target=sender)
    thread.start()
    with app.app_context():
        for i in range(count):
            key = f"bench:{interval}:{i}"
            _queue_one(i, key)
            committed[key] = time.perf_counter()
            time.sleep(gap_ms / 1000)
    deadline = time.perf_counter() + 30 + interval
    while not all(k in gateway.arrived for k in committed) and time.perf_counter() < deadline:
        time.sleep(0.01)
    done.set()
    thread.join()
    latencies = sorted((gateway.arrived[k] - t) * 1000 for k, t in committed.items() if k in gateway.arrived)
    return {
        "interval_s": interval,
        "delivered": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
        "max_ms": round(latencies[-1], 1),
    }


def run(
    server_url: str | None, count: int, latency_count: int, gap_ms: float, intervals: list[float], threads: int
) -> dict:
    from flask_migrate import upgrade

    gateway = Gateway()
    figures = {"database": "postgresql" if server_url else "sqlite", "messages": count}
    figures["sender_threads"] = 1 if server_url is None else threads
    with Database(server_url) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SMS_WEBHOOK_URL": gateway.url,
                "SMS_WEBHOOK_SECRET": "bench",
                "MESSAGE_SENDER_THREADS": threads,
            }
        )
        with app.app_context():
            upgrade()
        figures["direct_per_s"] = round(direct(app, gateway, count))
        queued, delivered = outbox_throughput(app, count)
        figures["outbox_queue_per_s"] = round(queued)
        figures["outbox_delivery_per_s"] = round(delivered)
        figures["commit_to_send"] = [commit_to_send(app, gateway, latency_count, gap_ms, i) for i in intervals]
        with app.app_context():
            sent = select(func.count()).where(Message.status == "sent", Message.provider != "direct")
            figures["sent_through_outbox"] = db.session.scalar(sent)
            db.engine.dispose()
    gateway.server.shutdown()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server (a fresh database is created on it)")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--latency-messages", type=int, default=200)
    parser.add_argument("--gap-ms", type=float, default=20)
    parser.add_argument("--intervals", default="1,5", help="sender pauses to measure, seconds")
    parser.add_argument("--threads", type=int, default=4, help="MESSAGE_SENDER_THREADS (PostgreSQL)")
    args = parser.parse_args()
    intervals = [float(v) for v in args.intervals.split(",")]
    figures = run(args.database_url, args.messages, args.latency_messages, args.gap_ms, intervals, args.threads)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
