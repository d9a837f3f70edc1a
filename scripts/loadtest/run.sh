#!/usr/bin/env bash
# The load test: a seeded city (500 technicians, 5,000 work orders), gunicorn and the scheduler
# as ./scripts/serve runs them, then locust over real HTTP: first the /healthz ceiling, then the
# day's shape (500 technicians, 20 dispatchers). Prints throughput, p50/p95/p99 and errors.
#   usage: scripts/loadtest/run.sh [sqlite|postgresql] [seconds]     (default: postgresql 120)
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
cd "$REPO_ROOT"
BACKEND="${1:-postgresql}"
SECONDS_MEASURED="${2:-120}"
WORKERS="${WORKERS:-4}"
THREADS="${THREADS:-8}"
ensure_venv requirements-dev.txt

work="$(mktemp -d)"
port="$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
if [ "$BACKEND" = postgresql ]; then
  name="onsite_load_$$"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $name"
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1/$name"
  cleanup_db() { psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"; }
else
  export DATABASE_URL="sqlite:///$work/load.sqlite"
  cleanup_db() { :; }
fi
export ONSITE_ENV=development SECRET_KEY=load-test UPLOAD_FOLDER="$work/uploads"
export SERVER_TIMING=on SERVER_TIMING_OUT="$work/server_timing.json"  # where each request's time went
pids=()
finish() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; cleanup_db; rm -rf "$work"; }
trap finish EXIT

flask() { "$VENV/bin/flask" --app wsgi "$@"; }
flask db upgrade >/dev/null 2>&1
flask seed-demo --technicians 500 --work-orders 5000 --seed 1 | tail -1
if [ "${SCHEDULER:-on}" != off ]; then  # SCHEDULER=off: the API alone, to tell the two apart
  "$VENV/bin/flask" --app wsgi scheduler >"$work/scheduler.log" 2>&1 &  # the process itself, so the trap stops it
  pids+=($!)
fi
"$VENV/bin/gunicorn" --workers "$WORKERS" --worker-class "${WORKER_CLASS:-gthread}" --threads "$THREADS" --bind "127.0.0.1:$port" \
  --keep-alive "${KEEPALIVE:-2}" --log-level warning wsgi:app \
  --access-logfile "$work/access.log" --access-logformat '%(M)s %(m)s %(U)s' >"$work/gunicorn.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done

locust() { "$VENV/bin/locust" -f scripts/loadtest/locustfile.py --host "$base" --headless --only-summary "$@"; }
echo "==> /healthz ceiling (40 users, no wait, 20 s)"
locust HealthUser -u 40 -r 40 -t 20s --csv "$work/health" >/dev/null 2>&1 || true
echo "==> the day's shape: 500 technicians, 20 dispatchers (${SECONDS_MEASURED} s after everyone is in)"
# Everyone logs in first (about 40 s: 520 scrypt checks on 2 cores); the figures start 10 s after.
locust TechnicianUser DispatcherUser -u 520 -r 13 -t "$((SECONDS_MEASURED + 70))s" \
  --csv "$work/day" >"$work/locust.log" 2>&1 || true
"$VENV/bin/python" scripts/loadtest/report.py "$BACKEND" "$WORKERS" "$THREADS" "$work/health_stats.csv" "$work/day_stats.csv" \
  "$work/access.log" "$work/server_timing.json"
grep -ciE "error|traceback" "$work/gunicorn.log" | sed 's/^/gunicorn log lines with errors: /'
grep -i "cpu usage" "$work/locust.log" | head -3 || true
