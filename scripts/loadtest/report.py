"""Print the load test's figures from locust's CSV statistics (used by scripts/loadtest/run.sh)."""

from __future__ import annotations

import csv
import json
import os
import sys

TARGET_P95_MS = 150


def rows(path: str) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def server_side_ms(access_log: str) -> tuple[int, int]:
    """p50 and p95 of the time gunicorn itself measured per request, /healthz and the logins
    excluded: beside the client's figures, it tells server time from client time. (It also covers
    the minute while everyone logs in, which locust's figures leave out.)"""
    times = []
    with open(access_log) as handle:
        for line in handle:
            millis, _method, path = line.split()[:3]
            if path not in ("/healthz", "/api/v1/auth/login"):
                times.append(int(millis))
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.95)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def where_the_time_went(timing_json: str) -> None:
    """Mean and p95 of each part of the server's time per request (its Server-Timing headers):
    `other` is asleep outside the database, i.e. waiting for the GIL or a lock."""
    if not os.path.exists(timing_json):
        return
    with open(timing_json) as handle:
        recorded = json.load(handle)
    timings, cores = recorded["requests"], recorded["cores"]
    waiting = cores.pop("waiting for a CPU", 0.0)
    print("CPU used during the day (cores of 2): " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(cores.items())))
    print(f"CPU pressure: some runnable task was waiting for a CPU {waiting:.0%} of the day")
    slow = recorded["slow"]
    if slow:
        by_second: dict[int, int] = {}
        for at, _name, _ms in slow:
            by_second[int(at)] = by_second.get(int(at), 0) + 1
        worst = sorted(by_second.items(), key=lambda item: -item[1])[:8]
        print(
            f"answers over 500 ms: {len(slow)}, in {len(by_second)} distinct seconds; the worst seconds: "
            + ", ".join(f"{second} s ({n})" for second, n in sorted(worst))
        )
    print("inside the app, per request (ms, mean / p95): total = cpu + runq + db + other")
    print(f"{'request':16} {'total':>13} {'cpu':>11} {'runq':>11} {'db':>11} {'other':>11} {'n':>6}")
    for name, samples in sorted(timings.items()):
        for s in samples:
            s["other"] = max(0.0, s["total"] - s["cpu"] - s["runq"] - s["db"])
        parts = [
            f"{sum(s[k] for s in samples) / len(samples):5.1f} / {percentile([s[k] for s in samples], 0.95):5.1f}"
            for k in ("total", "cpu", "runq", "db", "other")
        ]
        print(f"{name[:16]:16} {parts[0]:>13} " + " ".join(f"{p:>11}" for p in parts[1:]) + f" {len(samples):>6}")


def main() -> int:
    backend, hosts, health_csv, day_csv, access_log, timing_json = sys.argv[1:]
    workers, threads = os.environ.get("WORKERS", "?"), os.environ.get("THREADS", "?")
    health = next(r for r in rows(health_csv) if r["Name"] == "Aggregated")
    day = rows(day_csv)
    total = next(r for r in day if r["Name"] == "Aggregated")
    ceiling = float(health["Requests/s"])
    print(f"{backend}, {hosts} host(s), each gunicorn {workers} workers x {threads} threads")
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
    where_the_time_went(timing_json)
    met = p95 < TARGET_P95_MS and fails == 0
    print(f"target (p95 under {TARGET_P95_MS} ms, zero errors): {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
