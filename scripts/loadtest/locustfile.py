"""A day's traffic shape for OnSite (locust): 500 technicians and 20 dispatchers.

Technicians (each on a 30 s cycle): the job list, a position every 60 s, and their visits moving on
(accept, depart, arrive, a note, now and then a photo, complete), every change with an
Idempotency-Key as the app sends it. Dispatchers (5 s cycle): the board, live updates by ETag
polling, candidates for a new job and sometimes an assignment. `HealthUser` alone measures the
`/healthz` ceiling (run with `--tags` none and that class only; see run.sh).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import random
import threading
import time
import uuid

import gevent
import psutil
from locust import FastHttpUser, between, constant_pacing, events, task
from PIL import Image

PASSWORD = "onsite-demo"
OPEN = "assigned,accepted,en_route,on_site,on_hold"
NEXT_ACTION = {"assigned": "accept", "accepted": "depart", "en_route": "arrive"}
_emails: list[str] = []
_lock = threading.Lock()
_next_email = itertools.count()
_next_host = itertools.count()
_signed_in = itertools.count(1)
SIGNED_IN_USERS = 520  # TechnicianUser + DispatcherUser fixed counts


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((640, 480), 64).convert("RGB").save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


PHOTO = _photo()  # about 100 KB, like a photo scaled on the phone
BOUNDARY = "onsite-load-boundary"
PHOTO_FORM = (
    (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    + PHOTO
    + f"\r\n--{BOUNDARY}--\r\n".encode()
)


@events.test_start.add_listener
def technicians_to_play(environment, **_):
    """The demo technicians' logins, read once through the API (the admin can list them)."""
    import requests

    session = requests.Session()
    session.post(environment.host + "/api/v1/auth/login", json={"email": "admin@onsite.demo", "password": PASSWORD})
    page = 1
    while True:
        items = session.get(environment.host + f"/api/v1/technicians?per_page=200&page={page}").json()["items"]
        _emails.extend(t["email"] for t in items)
        if len(items) < 200:
            break
        page += 1


_timings: dict[str, list[dict[str, float]]] = {}
_cpu_at_start: dict[str, float] = {}
PROCESS_KINDS = (("locust", "load generator"), ("gunicorn", "app (gunicorn)"), ("scheduler", "scheduler"))


def cpu_seconds_by_kind() -> dict[str, float]:
    """CPU seconds used so far by the app, the database, the scheduler and locust itself: the load
    generator shares the 2 cores, and the figures mean little without knowing how much it took."""
    seconds: dict[str, float] = {"time": time.monotonic()}
    for process in psutil.process_iter(["name", "cmdline", "cpu_times"]):
        command = " ".join(process.info["cmdline"] or [])
        if process.info["name"] in ("postgres", "postgresql"):
            kind = "PostgreSQL"
        else:
            kind = next((label for marker, label in PROCESS_KINDS if marker in command), None)
        times = process.info["cpu_times"]
        if kind and times:
            seconds[kind] = seconds.get(kind, 0.0) + times.user + times.system
            if kind == "PostgreSQL" and "-D" in command:  # the postmaster: its backends that have exited
                seconds[kind] += times.children_user + times.children_system
    seconds["waiting for a CPU"] = cpu_pressure_seconds()
    return seconds


def cpu_pressure_seconds() -> float:
    """The kernel's CPU pressure (PSI): seconds during which some runnable task had no CPU. Taken
    over the day, it tells how contended the machine was in this run (runs on a shared host vary)."""
    try:
        with open("/proc/pressure/cpu") as handle:
            some = handle.readline().split()
        return int(dict(field.split("=") for field in some[1:])["total"]) / 1e6
    except OSError:
        return 0.0


_slow: list[tuple[float, str, float]] = []  # (seconds into the day, request, ms) of answers over 500 ms
SLOW_MS = 500


@events.request.add_listener
def keep_server_timing(name, response, response_time, **_):
    """The server's own account of each request (its Server-Timing header, on in run.sh), and when
    the slow answers came: spread over the day, or bunched in a few stalls."""
    if response_time > SLOW_MS and _cpu_at_start:
        _slow.append((round(time.monotonic() - _cpu_at_start["time"], 1), name, response_time))
    header = response.headers.get("Server-Timing") if response is not None and response.headers else None
    if header:
        figures = {}
        for metric in header.split(","):
            metric_name, _, rest = metric.strip().partition(";dur=")
            figures[metric_name] = float(rest.split(";")[0])
        _timings.setdefault(name, []).append(figures)


@events.quitting.add_listener
def save_server_timing(environment, **_):
    if os.environ.get("SERVER_TIMING_OUT"):
        end, start = cpu_seconds_by_kind(), _cpu_at_start or {"time": 0.0}
        elapsed = end.pop("time") - start["time"]
        cores = {kind: (used - start.get(kind, 0.0)) / elapsed for kind, used in end.items()}
        with open(os.environ["SERVER_TIMING_OUT"], "w") as handle:
            json.dump({"requests": _timings, "cores": cores, "slow": _slow}, handle)


SETTLE_SECONDS = 10


def start_the_day(environment):
    """The day's figures start once everyone is in and the server has worked off the logins.

    Logging in is once a day per person and costs a deliberately slow password hash (scrypt): 520
    of them queue up on 2 cores, and the requests caught behind that queue belong to the morning's
    logins, not to the day. They are measured (the login row, and run.sh's server-side figures),
    but not mixed into the day's."""
    environment.stats.reset_all()
    _timings.clear()
    _slow.clear()
    _cpu_at_start.update(cpu_seconds_by_kind())


class Signed(FastHttpUser):
    """FastHttpUser (geventhttpclient): with the `requests` client, 520 users in one locust process
    added ~80 ms of client-side time to every answer (curl saw 6-10 ms for the same job list
    during the same run)."""

    abstract = True
    email = None

    def __init__(self, environment):
        # Several app servers (run.sh HOSTS=n): each user keeps to one, as behind a load balancer.
        hosts = os.environ.get("LOAD_HOSTS", "").split(",")
        if hosts[0]:
            self.host = hosts[next(_next_host) % len(hosts)]
        super().__init__(environment)

    def log_in(self, email):
        """Log in (again, after a refusal: as the person would, at the next step of their day)."""
        self.email = email
        response = self.client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}, name="login")
        self.csrf = {"X-CSRF-Token": response.json()["csrf_token"]} if response.ok else {}
        if not getattr(self, "counted", False):
            self.counted = True
            if next(_signed_in) == SIGNED_IN_USERS:
                gevent.spawn_later(SETTLE_SECONDS, start_the_day, self.environment)

    def signed_in(self) -> bool:
        if not self.csrf:
            self.log_in(self.email)
        return bool(self.csrf)

    def change(self, method, path, name, extra_headers=None, **kwargs):
        """A change as the app sends it. A 409 is the contract's answer when someone else moved the
        job first (the scheduler, a dispatcher): counted as answered, not as an error."""
        headers = {**self.csrf, "Idempotency-Key": str(uuid.uuid4()), **(extra_headers or {})}
        with self.client.request(method, path, headers=headers, name=name, catch_response=True, **kwargs) as r:
            if r.status_code == 409:
                r.success()
            return r


class TechnicianUser(Signed):
    fixed_count = 500
    wait_time = constant_pacing(30)

    def on_start(self):
        with _lock:
            email = _emails[next(_next_email) % len(_emails)]
        self.log_in(email)
        self.cycle = random.randrange(2)
        self.position = (31.2304 + random.uniform(-0.2, 0.2), 121.4737 + random.uniform(-0.2, 0.2))

    @task
    def a_half_minute_of_work(self):
        if not self.signed_in():
            return
        jobs = self.client.get(f"/api/v1/work-orders?status={OPEN}&per_page=200", name="job list").json()["items"]
        self.cycle += 1
        if self.cycle % 2 == 0:
            lat, lon = self.position
            self.position = (lat + random.uniform(-0.002, 0.002), lon + random.uniform(-0.002, 0.002))
            self.change("POST", "/api/v1/me/location", "location", json={"lat": lat, "lon": lon, "accuracy_m": 12})
        if jobs and random.random() < 0.5:
            self.move_a_visit_on(random.choice(jobs))

    def move_a_visit_on(self, job):
        url = f"/api/v1/work-orders/{job['id']}"
        if job["status"] in NEXT_ACTION:
            self.change("POST", f"{url}/actions/{NEXT_ACTION[job['status']]}", "action", json={})
        elif job["status"] == "on_site":
            note = {"kind": "note", "text": "Checked the unit", "minutes": 10}
            self.change("POST", f"{url}/logs", "log", json=note)
            if random.random() < 0.3:
                form = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
                self.change("POST", f"{url}/attachments", "photo upload", data=PHOTO_FORM, extra_headers=form)
            if random.random() < 0.3:
                body = {"resolution": "Fixed", "first_time_fix": True}
                self.change("POST", f"{url}/actions/complete", "action", json=body)


class DispatcherUser(Signed):
    fixed_count = 20
    wait_time = constant_pacing(5)

    def on_start(self):
        self.log_in("dispatcher@onsite.demo")
        self.last_event = self.client.get("/api/v1/events", name="live updates").json()["last_id"]
        self.etag = None

    @task
    def watch_the_board(self):
        if not self.signed_in():
            return
        self.client.get(
            "/api/v1/work-orders?status=new,assigned,accepted,en_route,on_site,on_hold&per_page=200", name="board"
        )
        headers = {"If-None-Match": self.etag} if self.etag else {}
        with self.client.get(
            f"/api/v1/events?after={self.last_event}", headers=headers, name="live updates", catch_response=True
        ) as r:
            if r.status_code == 304:
                r.success()
            elif r.ok:
                self.etag, self.last_event = r.headers.get("ETag"), r.json()["last_id"]
        if random.random() < 0.2:
            self.assign_a_new_job()

    def assign_a_new_job(self):
        new = self.client.get("/api/v1/work-orders?status=new&per_page=20", name="new jobs").json()["items"]
        if not new:
            return
        job = random.choice(new)
        ranked = self.client.get(f"/api/v1/work-orders/{job['id']}/candidates", name="candidates").json()["items"]
        qualified = [c for c in ranked if c["qualified"]]
        if qualified and random.random() < 0.5:
            body = {"technician_id": qualified[0]["technician"]["id"]}
            with self.change(
                "POST", f"/api/v1/work-orders/{job['id']}/assign", "assign", json=body, catch_response=True
            ) as r:
                if r.status_code == 409:
                    r.success()  # another dispatcher (or the scheduler) got there first: the contract's answer


class HealthUser(FastHttpUser):
    """The ceiling of the stack itself: gunicorn, Flask and one `SELECT 1`."""

    fixed_count = 0
    wait_time = between(0, 0)

    @task
    def health(self):
        self.client.get("/healthz", name="healthz")
