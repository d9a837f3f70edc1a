"""Print the technician app's budget figures (used by scripts/bench_pwa.sh).

usage: pwa_figures.py BASE_URL SCREEN_NAME LIGHTHOUSE_JSON...
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parents[1] / "pwa" / "static"
BUDGET_KB = 150
MINIMUM = {"performance": 90, "accessibility": 95, "best-practices": 95}


def gzip_kb() -> float:
    built = json.loads((STATIC / "dist" / "manifest.json").read_text())
    return sum(len(gzip.compress((STATIC / name).read_bytes(), 9)) for name in built.values()) / 1024


def installability_errors(base: str) -> list:
    """Chromium's own installability check (what its install prompt uses) on the app's page."""
    # A persistent profile: Chromium never offers installation in an incognito context.
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = context.new_page()
        page.goto(base + "/")
        page.evaluate("navigator.serviceWorker.ready")
        errors = context.new_cdp_session(page).send("Page.getInstallabilityErrors")["installabilityErrors"]
        context.close()
    return errors


def main() -> int:
    base, screen, *reports = sys.argv[1:]
    runs = [json.loads(Path(report).read_text()) for report in reports]
    scores = {
        name: statistics.median(round(run["categories"][name]["score"] * 100) for run in runs) for name in MINIMUM
    }
    size = gzip_kb()
    errors = installability_errors(base)
    audits = runs[-1]["audits"]
    print(f"== {screen}")
    print(f"app JS+CSS gzip: {size:.1f} KB (budget {BUDGET_KB} KB)")
    requests = audits["network-requests"]["details"]["items"]
    listed = [r["statusCode"] for r in requests if "/api/v1/work-orders?" in r["url"]]
    print(f"signed in as the demo technician: the job list answered {listed}")
    print(f"installable: {'yes' if not errors else 'no: ' + json.dumps(errors)}")
    for name, score in scores.items():
        print(f"lighthouse {name}: {score:.0f} (at least {MINIMUM[name]}; median of {len(runs)} runs)")
    for metric in (
        "first-contentful-paint",
        "largest-contentful-paint",
        "total-blocking-time",
        "cumulative-layout-shift",
    ):
        print(f"  {metric}: {audits[metric]['displayValue']}")
    failed = [name for name, score in scores.items() if score < MINIMUM[name]]
    for name in failed:
        category = runs[-1]["categories"][name]
        for ref in category["auditRefs"]:
            audit = audits[ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                print(f"  {name} loses on {ref['id']}: {audit['title']}")
    ok = not failed and not errors and size < BUDGET_KB and listed == [200]
    print("budget met" if ok else "budget MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
