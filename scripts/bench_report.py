"""Benchmark the service report PDF: render time and size, through the app as a client asks for it.

A fresh, migrated SQLite database in a temporary folder gets a completed, signed job for a Chinese
customer (a fix, parts, a price list so that it is charged) with 0, 4 and 24 photos (camera-like
1600 x 1200 JPEGs: a gradient with noise, which compresses like a photo, not like a flat colour).
For each, `GET /api/v1/work-orders/{id}/report.pdf` is timed: the first request of the process
(fonts loaded, templates compiled) and the median of the next N, wall clock and the process's CPU
time (the test client serves in this process: CPU time is the request's, and says less about how busy
the machine is), with the PDF's size and pages; and the same in English.

    .venv/bin/python scripts/bench_report.py [--runs 5]
"""
# ruff: noqa: RUF001 -- the Chinese text uses Chinese punctuation, as people type it.

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("SECRET_KEY", "benchmark-only")

from flask_migrate import upgrade
from PIL import Image

from backend import create_app
from backend.domain.directory import create_customer, create_technician, create_user
from backend.extensions import db

PASSWORD = "benchmark-password"
HASH = "pbkdf2:sha256:1000"  # a fast hash: the benchmark measures reports, not logins


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    noise = Image.effect_noise((1600, 1200), 40).convert("RGB")
    image = Image.blend(image, noise, 0.35)
    tint = Image.new("RGB", image.size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    out = io.BytesIO()
    Image.blend(image, tint, 0.3).save(out, "JPEG", quality=85)
    return out.getvalue()


def signature() -> str:
    import base64

    image = Image.new("RGB", (600, 240), "white")
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


class Client:
    def __init__(self, app, email: str):
        self.http = app.test_client()
        response = self.http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.json
        self.csrf = response.json["csrf_token"]

    def call(self, method: str, path: str, **kwargs):
        response = self.http.open(path, method=method, headers={"X-CSRF-Token": self.csrf}, **kwargs)
        assert response.status_code < 300, (path, response.status_code, response.get_data(as_text=True)[:300])
        return response


def setup(app) -> tuple[Client, Client, int, int]:
    with app.app_context():
        create_user(db.session, email="admin@bench", password=PASSWORD, role="admin", name="Admin", hash_method=HASH)
        create_user(db.session, email="desk@bench", password=PASSWORD, role="dispatcher", name="Desk", hash_method=HASH)
        data = {"email": "tech@bench", "password": PASSWORD, "name": "王师傅", "skills": ["hvac"]}
        technician = create_technician(
            db.session, data | {"home": {"lat": 31.23, "lon": 121.47}, "on_shift": True}, HASH
        )
        customer = create_customer(
            db.session, {"name": "上海浦东面包坊 李秀英", "phone": "+86 138 0000 0001", "address": "世纪大道 100 号"}
        )
        db.session.commit()
        ids = technician.id, customer.id
    admin, desk = Client(app, "admin@bench"), Client(app, "desk@bench")
    admin.call(
        "PUT",
        "/api/v1/price-list",
        json={
            "callout_fee": 5000,
            "labour_per_hour": 12000,
            "parts": [{"sku": f"P-{n:03d}", "name": f"配件 {n}", "unit_price": 1000 + n} for n in range(50)],
        },
    )
    return admin, desk, *ids


def job(app, desk: Client, technician_id: int, customer_id: int, photos: int) -> int:
    tech = Client(app, "tech@bench")
    body = {
        "customer_id": customer_id,
        "title": "空调不制冷，外机噪音大",
        "priority": "high",
        "channel": "phone",
        "location": {"lat": 31.23, "lon": 121.47},
        "address": "上海市浦东新区世纪大道 100 号",
    }
    wo = desk.call("POST", "/api/v1/work-orders", json=body).json["id"]
    url = f"/api/v1/work-orders/{wo}"
    desk.call("POST", f"{url}/assign", json={"technician_id": technician_id})
    for action in ("accept", "arrive"):
        tech.call("POST", f"{url}/actions/{action}", json={})
    for n in range(3):
        tech.call(
            "POST", f"{url}/logs", json={"kind": "fix", "text": f"第 {n + 1} 步：检查并更换损坏部件", "minutes": 25}
        )
    parts = [{"sku": f"P-{n:03d}", "name": f"配件 {n}", "qty": 1 + n % 3} for n in range(6)]
    tech.call("POST", f"{url}/logs", json={"kind": "part", "parts": parts})
    for n in range(photos):
        files = {"file": (io.BytesIO(photo(n)), f"photo-{n}.jpg")}
        tech.call("POST", f"{url}/attachments", data=files, content_type="multipart/form-data")
    tech.call(
        "POST", f"{url}/actions/complete", json={"resolution": "已更换电容，制冷恢复正常", "first_time_fix": True}
    )
    tech.call("POST", f"{url}/signoff", json={"signer_name": "李秀英", "signature": signature(), "rating": 5})
    return wo


def pages(pdf: bytes) -> int:
    try:
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return 0
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    url = f"sqlite:///{folder / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(folder / "uploads"), "AUTO_ASSIGN": "off"})
    with app.app_context():
        upgrade()
    _, desk, technician_id, customer_id = setup(app)
    jobs = {count: job(app, desk, technician_id, customer_id, count) for count in (0, 4, 24)}

    print(f"service report PDF, {args.runs} runs each after the first (median); SQLite, one process")
    print(f"{'case':<28} {'first ms':>9} {'median ms':>10} {'CPU ms':>7} {'size KB':>8} {'pages':>6}")
    for language in ("zh-CN", "en"):
        for count, wo in jobs.items():
            path = f"/api/v1/work-orders/{wo}/report.pdf?lang={language}"
            started = time.perf_counter()
            pdf = desk.call("GET", path).data
            first = (time.perf_counter() - started) * 1000
            times, cpu = [], []
            for _ in range(args.runs):
                started, started_cpu = time.perf_counter(), time.process_time()
                pdf = desk.call("GET", path).data
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
            label = f"{language}, {count} photos"
            median, median_cpu = statistics.median(times), statistics.median(cpu)
            print(f"{label:<28} {first:9.0f} {median:10.0f} {median_cpu:7.0f} {len(pdf) / 1024:8.0f} {pages(pdf):6}")


if __name__ == "__main__":
    main()
