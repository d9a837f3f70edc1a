"""Print the load test's figures from locust's CSV statistics (used by scripts/loadtest/run.sh)."""

from __future__ import annotations

import csv
import sys

TARGET_P95_MS = 150


def rows(path: str) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def server_side_ms(access_log: str) -> tuple[int, int]:
    """p50 and p95 of the time gunicorn itself measured per request (from accept to last byte),
    /healthz excluded: beside the client's figures, it tells server time from client time."""
    times = []
    with open(access_log) as handle:
        for line in handle:
            millis, _method, path = line.split()[:3]
            if path != "/healthz":
                times.append(int(millis))
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


def main() -> int:
    backend, workers, threads, health_csv, day_csv, access_log = sys.argv[1:]
    health = next(r for r in rows(health_csv) if r["Name"] == "Aggregated")
    day = rows(day_csv)
    total = next(r for r in day if r["Name"] == "Aggregated")
    ceiling = float(health["Requests/s"])
    print(f"{backend}, gunicorn {workers} workers x {threads} threads")
    print(f"/healthz ceiling: {ceiling:.0f} req/s, p50 {health['50%']} ms, p95 {health['95%']} ms")
    print(f"{'request':16} {'count':>7} {'fails':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    for r in day:
        print(
            f"{r['Name'][:16]:16} {r['Request Count']:>7} {r['Failure Count']:>6} {float(r['Requests/s']):7.1f} "
            f"{r['50%']:>6} {r['95%']:>6} {r['99%']:>6}"
        )
    rps, p95, fails = float(total["Requests/s"]), float(total["95%"]), int(total["Failure Count"])
    print(f"throughput {rps:.1f} req/s = {rps / ceiling:.1%} of the /healthz ceiling; errors {fails}")
    server = server_side_ms(access_log)
    print(f"server side (gunicorn's own request time, day's requests): p50 {server[0]} ms, p95 {server[1]} ms")
    met = p95 < TARGET_P95_MS and fails == 0
    print(f"target (p95 under {TARGET_P95_MS} ms, zero errors): {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
