#!/usr/bin/env bash
# The technician app's budget, measured: JS+CSS gzip size, installability (Chromium's own check),
# and Lighthouse on mobile emulation (performance, accessibility, best practices) for the signed-in
# "My jobs" and job-detail screens of the demo technician. Serves the app with ./scripts/serve on a fresh SQLite
# database; Lighthouse comes from pwa/bench/ (npm), Chromium from Debian (/usr/bin/chromium).
#   usage: scripts/bench_pwa.sh [runs]   (Lighthouse runs; the median of each score is reported)
set -euo pipefail
source "$(dirname "$0")/lib/setup.sh"
cd "$REPO_ROOT"
RUNS="${1:-3}"

ensure_venv requirements-dev.txt
ensure_frontend
ensure_chromium
npm ci --prefix pwa/bench --no-audit --no-fund --loglevel=error

work="$(mktemp -d)"
port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
DATABASE_URL="sqlite:///$work/bench.sqlite" PORT="$port" SCHEDULER=off UPLOAD_FOLDER="$work/uploads" \
  ./scripts/serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fs "$base/healthz" >/dev/null || { cat "$work/serve.log"; exit 1; }

# The demo technician's session cookie, for Lighthouse's requests.
cookie="$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email": "tech@onsite.demo", "password": "onsite-demo"}' "$base/api/v1/auth/login" |
  sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | head -1)"

job="$(curl -fs -H "Cookie: $cookie" "$base/api/v1/work-orders?per_page=1" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["items"][0]["id"])')"

lighthouse() { # lighthouse URL REPORT
  CHROME_PATH=/usr/bin/chromium pwa/bench/node_modules/.bin/lighthouse "$1" \
    --quiet --output=json --output-path="$2" \
    --only-categories=performance,accessibility,best-practices --form-factor=mobile \
    --extra-headers="{\"Cookie\": \"$cookie\"}" \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking"
}
for run in $(seq 1 "$RUNS"); do
  lighthouse "$base/" "$work/jobs-$run.json"
  lighthouse "$base/#/jobs/$job" "$work/detail-$run.json"
done

"$VENV/bin/python" scripts/pwa_figures.py "$base" "My jobs" "$work"/jobs-*.json
"$VENV/bin/python" scripts/pwa_figures.py "$base" "Job detail" "$work"/detail-*.json
