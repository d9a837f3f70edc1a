# Shared by scripts/serve and scripts/test: a virtualenv in .venv with the pinned requirements.
# Re-installs only when a requirements file changed since the last install.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$REPO_ROOT/.venv"

pick_python() {
  for candidate in "${PYTHON:-}" python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "OnSite needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
  return 1
}

# ensure_venv REQUIREMENTS_FILE: create .venv if missing and install what the file pins.
ensure_venv() {
  local requirements="$REPO_ROOT/$1"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating virtualenv in .venv"
    "$(pick_python)" -m venv "$VENV"
  fi
  local stamp="$VENV/.installed-$(basename "$requirements")"
  local digest
  digest="$(cat "$REPO_ROOT"/requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> installing $(basename "$requirements")"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -r "$requirements"
    echo "$digest" >"$stamp"
  fi
}

# ensure_frontend: install the PWA's npm packages (when package-lock.json changed) and build it.
ensure_frontend() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "OnSite's app needs Node.js 18+ and npm to build (https://nodejs.org)." >&2
    return 1
  fi
  local pwa="$REPO_ROOT/pwa"
  local stamp="$pwa/node_modules/.installed-lock"
  local digest
  digest="$(sha256sum "$pwa/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
    echo "==> installing front-end packages (npm ci)"
    npm ci --prefix "$pwa" --no-audit --no-fund --loglevel=error
    echo "$digest" >"$stamp"
  fi
  # Build only when a source changed: a rebuild empties static/dist/, which would pull the bundles
  # from under a server already running (a second ./scripts/serve, or browser tests in parallel).
  local built="$pwa/static/dist/.source-digest"
  digest="$(cd "$pwa" && find src build.mjs package-lock.json static/icons static/manifest.webmanifest -type f \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
  if [ -f "$built" ] && [ -f "$pwa/static/dist/manifest.json" ] && [ "$(cat "$built")" = "$digest" ]; then
    return 0
  fi
  echo "==> building the app"
  npm run --prefix "$pwa" --silent build
  echo "$digest" >"$built"
}

# ensure_chromium: the browser tests drive Debian's Chromium; install it when missing and we can.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then
    return 0
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Chromium for the browser tests (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "!! Chromium is missing (apt-get install chromium); the browser tests will be skipped" >&2
  fi
}

# ensure_nginx: the front server of ./scripts/serve-web. Sets NGINX to its path, installing
# Debian's nginx-light when it is missing and we are root; returns 1 when there is none.
# (On a machine with systemd, Debian's package also starts its own default site on port 80.)
ensure_nginx() {
  NGINX="$(command -v nginx || true)"
  if [ -z "$NGINX" ] && [ -x /usr/sbin/nginx ]; then NGINX=/usr/sbin/nginx; fi
  if [ -z "$NGINX" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing nginx, the front server (apt-get)"
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; then
      NGINX=/usr/sbin/nginx
    fi
  fi
  [ -n "$NGINX" ]
}

# ensure_debian_packages PACKAGE...: install the Debian packages that are missing (apt-get, when root).
# Returns 1 when some are missing and cannot be installed here.
ensure_debian_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ "${#missing[@]}" = 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${missing[*]} (apt-get)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null && return 0
  fi
  echo "!! missing Debian packages: ${missing[*]} (apt-get install ${missing[*]})" >&2
  return 1
}

# The service report PDF: WeasyPrint's libraries (Pango, HarfBuzz with subsetting) and Debian's
# Noto CJK fonts for Chinese; `tests` adds poppler-utils (pdftotext reads the PDFs in the tests).
ensure_report_packages() {
  local packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk)
  [ "${1:-}" = tests ] && packages+=(poppler-utils)
  ensure_debian_packages "${packages[@]}" || echo "!! the service report PDF needs them" >&2
}
