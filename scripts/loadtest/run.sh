#!/usr/bin/env bash
# The load test: a seeded city (500 technicians, 5,000 work orders), gunicorn and the scheduler
# as ./scripts/serve runs them, then locust over real HTTP: first the /healthz ceiling, then the
# day's shape (500 technicians, 20 dispatchers). Prints throughput, p50/p95/p99 and errors.
#   usage: scripts/loadtest/run.sh [sqlite|postgresql] [seconds]     (default: postgresql 120)
#   HOSTS=n: n app servers on one database, each its own gunicorn and scheduler process, as on n
#   machines; the users are spread over them as a load balancer would. WORKERS, THREADS: per host.
set -euo pipefail
source "$(dirname "$0")/../lib/setup.sh"
cd "$REPO_ROOT"
BACKEND="${1:-postgresql}"
SECONDS_MEASURED="${2:-120}"
HOSTS="${HOSTS:-1}"
export WORKERS="${WORKERS:-4}" THREADS="${THREADS:-8}"
ensure_venv requirements-dev.txt

work="$(mktemp -d)"
free_port() { "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
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

"$VENV/bin/flask" --app wsgi db upgrade >/dev/null 2>&1
"$VENV/bin/flask" --app wsgi seed-demo --technicians 500 --work-orders 5000 --seed 1 | tail -1

bases=()
for host in $(seq 1 "$HOSTS"); do
  port="$(free_port)"
  bases+=("http://127.0.0.1:$port")
  if [ "${SCHEDULER:-on}" != off ]; then  # SCHEDULER=off: the API alone, to tell the two apart
    # The process itself (not a function, which would be a subshell), so the trap stops it.
    "$VENV/bin/flask" --app wsgi scheduler >"$work/scheduler-$host.log" 2>&1 &
    pids+=($!)
  fi
  "$VENV/bin/gunicorn" --config scripts/gunicorn.conf.py --bind "127.0.0.1:$port" \
    --worker-class "${WORKER_CLASS:-gthread}" --keep-alive "${KEEPALIVE:-2}" --log-level warning wsgi:app \
    --access-logfile "$work/access-$host.log" --access-logformat '%(M)s %(m)s %(U)s' >"$work/gunicorn-$host.log" 2>&1 &
  pids+=($!)
done
for base in "${bases[@]}"; do
  for _ in $(seq 1 60); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.5; done
done
LOAD_HOSTS="$(IFS=,; echo "${bases[*]}")"
export LOAD_HOSTS

locust() { "$VENV/bin/locust" -f scripts/loadtest/locustfile.py --host "${bases[0]}" --headless --only-summary "$@"; }
echo "==> /healthz ceiling (40 users, no wait, 20 s, host 1)"
locust HealthUser -u 40 -r 40 -t 20s --csv "$work/health" >/dev/null 2>&1 || true
echo "==> the day's shape: 500 technicians, 20 dispatchers (${SECONDS_MEASURED} s after everyone is in)"
# Everyone logs in first (about 40 s: 520 scrypt checks on 2 cores); the figures start 10 s after.
locust TechnicianUser DispatcherUser -u 520 -r 13 -t "$((SECONDS_MEASURED + 70))s" \
  --csv "$work/day" >"$work/locust.log" 2>&1 || true
cat "$work"/access-*.log >"$work/access.log"
"$VENV/bin/python" scripts/loadtest/report.py "$BACKEND" "$HOSTS" "$work/health_stats.csv" "$work/day_stats.csv" \
  "$work/access.log" "$work/server_timing.json"
cat "$work"/gunicorn-*.log | grep -ciE "error|traceback" | sed 's/^/gunicorn log lines with errors: /' || true
cat "$work"/gunicorn-*.log | grep -E "^[A-Za-z_.]+(Error|Exception)|WARNING|ERROR" | sed -E 's/[0-9]+/N/g' | sort | uniq -c \
  | sort -rn | head -5 || true
if [ -s "$work/day_failures.csv" ]; then echo "failures (locust):"; tail -n +2 "$work/day_failures.csv" | head -5; fi
if [ "${SCHEDULER:-on}" != off ]; then
  for host in $(seq 1 "$HOSTS"); do
    echo "host $host scheduler: $(grep -c 'reassign-overdue pid' "$work/scheduler-$host.log" || true) passes run," \
      "$(grep -c 'standing by' "$work/scheduler-$host.log" || true) times standing by"
  done
fi
if [ "$BACKEND" = postgresql ]; then  # many more than workers x pool size would mean connection churn
  echo "PostgreSQL sessions opened in all: $(psql -h 127.0.0.1 -U postgres -Atc "SELECT sessions FROM pg_stat_database WHERE datname = '$name'")"
fi
grep -i "cpu usage" "$work/locust.log" | head -3 || true
