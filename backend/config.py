"""Settings from the environment, with safe defaults for a single-machine install."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PRIORITIES = ("urgent", "high", "normal", "low")

# Minutes to respond (on site) and to resolve (completed), per priority.
DEFAULT_SLA_POLICY = {
    "urgent": {"respond": 120, "resolve": 480},
    "high": {"respond": 240, "resolve": 1440},
    "normal": {"respond": 1440, "resolve": 4320},
    "low": {"respond": 4320, "resolve": 10080},
}
# Kinds of case whose SLA does not follow their priority (respond/resolve minutes, any priority):
# a complaint is answered within 2 hours and closed within 48 (the complaint's closed loop).
DEFAULT_TYPE_SLA_POLICY = {"complaint": {"respond": 120, "resolve": 2880}}
WORK_ORDER_TYPES = ("repair", "installation", "maintenance", "inspection", "inquiry", "complaint")
# Minutes an assigned job may wait for the technician's acceptance.
DEFAULT_ACCEPT_TIMEOUT = {"urgent": 15, "high": 30, "normal": 30, "low": 30}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def sla_policy_from_env() -> dict[str, dict[str, int]]:
    """Read `SLA_<PRIORITY>=respond/resolve` overrides (minutes), e.g. `SLA_URGENT=60/240`."""
    policy = _respond_resolve_from_env(DEFAULT_SLA_POLICY, PRIORITIES)
    for priority in PRIORITIES:
        policy[priority].update(sla_clock_from_env(priority))
    policy["types"] = type_sla_policy_from_env()
    return policy


def type_sla_policy_from_env() -> dict[str, dict[str, int]]:
    """`SLA_<TYPE>=respond/resolve` (minutes) gives a kind of case one policy whatever its priority,
    e.g. `SLA_COMPLAINT=120/2880` (the default) or `SLA_INSPECTION=2880/10080`; read by sla.due_times."""
    return _respond_resolve_from_env(DEFAULT_TYPE_SLA_POLICY, WORK_ORDER_TYPES)


def _respond_resolve_from_env(defaults: dict, names: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """A copy of `defaults` where `SLA_<NAME>=respond/resolve` (minutes) replaces a name's entry."""
    policy = {name: dict(entry) for name, entry in defaults.items()}
    for name in names:
        raw = os.environ.get(f"SLA_{name.upper()}")
        if raw:
            respond, resolve = (int(part) for part in raw.split("/"))
            policy[name] = {"respond": respond, "resolve": resolve}
    return policy


def sla_clock_from_env(priority: str) -> dict:
    """`SLA_CLOCK_<PRIORITY>=24x7|business` (default 24x7 for every priority): a business clock
    counts only BUSINESS_HOURS (default "mon-fri 09:00-18:00") on working days in TIMEZONE, and the
    policy entry carries those hours and that zone (domain/calendar.py, sla.due_times)."""
    from .domain.calendar import DEFAULT_BUSINESS_HOURS, SLA_CLOCKS, parse_business_hours

    clock = os.environ.get(f"SLA_CLOCK_{priority.upper()}", "24x7").strip().lower()
    if clock not in SLA_CLOCKS:
        raise ValueError(f"SLA_CLOCK_{priority.upper()} must be one of {', '.join(SLA_CLOCKS)}, not {clock!r}")
    if clock == "24x7":
        return {"clock": clock}
    return {
        "clock": clock,
        "business_hours": parse_business_hours(os.environ.get("BUSINESS_HOURS", DEFAULT_BUSINESS_HOURS)),
        "timezone": os.environ.get("TIMEZONE", "Asia/Shanghai"),
    }


def accept_timeout_from_env() -> dict[str, int]:
    """Read `ACCEPT_TIMEOUT_<PRIORITY>=minutes` overrides."""
    return {p: _env_int(f"ACCEPT_TIMEOUT_{p.upper()}", minutes) for p, minutes in DEFAULT_ACCEPT_TIMEOUT.items()}


def secret_key_for(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def settings_from_env(instance_path: str) -> dict:
    """The whole configuration, read from the environment at app creation."""
    env = os.environ.get("ONSITE_ENV", "production")
    development = env == "development"
    upload_max_mb = _env_float("UPLOAD_MAX_MB", 10)
    return {
        "ONSITE_ENV": env,
        "SECRET_KEY": secret_key_for(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'onsite.sqlite'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Database connections kept per process: at least gunicorn's THREADS (5 more may open for
        # a burst). PostgreSQL's max_connections must cover hosts x WORKERS x (this + 5).
        "DATABASE_POOL_SIZE": _env_int("DATABASE_POOL_SIZE", 10),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not development,
        "SESSION_COOKIE_NAME": "onsite_session",
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_DAYS", 14) * 86400,
        "PASSWORD_HASH_METHOD": os.environ.get("PASSWORD_HASH_METHOD", "scrypt"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "LOGIN_LIMIT_PER_ACCOUNT": os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_ADDRESS": os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes"),
        "SLA_POLICY": sla_policy_from_env(),
        "ACCEPT_TIMEOUT_MINUTES": accept_timeout_from_env(),
        "AVERAGE_SPEED_KMH": _env_float("AVERAGE_SPEED_KMH", 30.0),
        # Dispatch (issue 14): travel is great-circle km times DETOUR_FACTOR at AVERAGE_SPEED_KMH; a
        # visit takes VISIT_MINUTES unless the job says; working hours are in TIMEZONE.
        "DETOUR_FACTOR": _env_float("DETOUR_FACTOR", 1.3),
        "VISIT_MINUTES": _env_int("VISIT_MINUTES", 45),
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "REASSIGN_MIN_GAIN_MINUTES": _env_int("REASSIGN_MIN_GAIN_MINUTES", 10),
        "REASSIGN_MIN_DWELL_MINUTES": _env_int("REASSIGN_MIN_DWELL_MINUTES", 30),
        "AUTO_ASSIGN": os.environ.get("AUTO_ASSIGN", "urgent").strip().lower(),
        # Map tiles for the console (OpenStreetMap by default; MAP_TILE_URL= (empty) for none).
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png") or None,
        "MAP_ATTRIBUTION": os.environ.get("MAP_ATTRIBUTION", "© OpenStreetMap contributors"),
        # Address suggestions (domain/geocoding.py): one of geopy's geocoders, or none (the map pick).
        "GEOCODER": (os.environ.get("GEOCODER") or "").strip().lower() or None,
        "GEOCODER_URL": os.environ.get("GEOCODER_URL") or None,
        "GEOCODER_KEY": os.environ.get("GEOCODER_KEY") or None,
        "GEOCODER_COUNTRIES": os.environ.get("GEOCODER_COUNTRIES") or None,
        "GEOCODER_TIMEOUT_SECONDS": _env_float("GEOCODER_TIMEOUT_SECONDS", 3),
        "GEOCODER_CACHE_DAYS": _env_float("GEOCODER_CACHE_DAYS", 30),
        # Server-Timing headers (where each request's time went), for operators and the load test.
        "SERVER_TIMING": os.environ.get("SERVER_TIMING", "").lower() in ("1", "true", "yes", "on"),
        "EVENT_STREAM_SECONDS": _env_float("EVENT_STREAM_SECONDS", 25.0),
        "EVENT_POLL_SECONDS": _env_float("EVENT_POLL_SECONDS", 1.0),
        "LOCATION_FRESH_MINUTES": _env_int("LOCATION_FRESH_MINUTES", 30),
        "SCHEDULER_INTERVAL_SECONDS": _env_float("SCHEDULER_INTERVAL_SECONDS", 60),
        "SCHEDULER_MISFIRE_GRACE_SECONDS": _env_int("SCHEDULER_MISFIRE_GRACE_SECONDS", 30),
        "SCHEDULER_WORKERS": _env_int("SCHEDULER_WORKERS", 4),
        # Proxies in front of the app whose X-Forwarded-For/-Proto/-Host are believed (0: none, so
        # a client cannot claim another address to dodge the login limit).
        "TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        # Where customers reach this server (behind a proxy the request's host may not be it).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL"),
        "CONFIRMATION_LINK_DAYS": _env_int("CONFIRMATION_LINK_DAYS", 7),
        # Who the customer deals with, named on their confirmation page; the phone (shown as a call
        # link) is left empty rather than invented: without it the page offers no number to call.
        "COMPANY_NAME": os.environ.get("COMPANY_NAME") or "OnSite",
        "COMPANY_PHONE": os.environ.get("COMPANY_PHONE", "").strip() or None,
        # Charges: the price list's currency (ISO 4217); amounts are integer minor units (fen for CNY).
        "CURRENCY": (os.environ.get("CURRENCY") or "CNY").strip().upper(),
        # Customer messages through the outbox (domain/messages.py): SMTP when MAIL_URL is set
        # (smtp://[user:password@]host:port[?starttls=1] or smtps://), an SMS webhook when
        # SMS_WEBHOOK_URL is (JSON {to, text}, HMAC-SHA256 of the body under SMS_WEBHOOK_SECRET),
        # else the log. The sender runs every MESSAGE_SEND_SECONDS; a failed attempt waits
        # MESSAGE_RETRY_SECONDS x 2^(attempt-1) (at most MESSAGE_RETRY_CAP_SECONDS), the last of
        # MESSAGE_MAX_ATTEMPTS gives up; a claim lasts MESSAGE_LEASE_SECONDS.
        "DEFAULT_LANGUAGE": os.environ.get("DEFAULT_LANGUAGE") or "zh-CN",
        "MAIL_URL": os.environ.get("MAIL_URL") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "OnSite <noreply@localhost>",
        "SMS_WEBHOOK_URL": os.environ.get("SMS_WEBHOOK_URL") or None,
        "SMS_WEBHOOK_SECRET": os.environ.get("SMS_WEBHOOK_SECRET") or "",
        "MESSAGE_SEND_SECONDS": _env_float("MESSAGE_SEND_SECONDS", 5),
        "MESSAGE_RETRY_SECONDS": _env_float("MESSAGE_RETRY_SECONDS", 30),
        "MESSAGE_RETRY_CAP_SECONDS": _env_float("MESSAGE_RETRY_CAP_SECONDS", 3600),
        "MESSAGE_MAX_ATTEMPTS": _env_int("MESSAGE_MAX_ATTEMPTS", 8),
        "MESSAGE_LEASE_SECONDS": _env_float("MESSAGE_LEASE_SECONDS", 300),
        # Senders sharing a round on PostgreSQL (each result is a commit: one sender is bound by it).
        "MESSAGE_SENDER_THREADS": _env_int("MESSAGE_SENDER_THREADS", 4),
        # Technicians' Web Push (domain/push.py): the VAPID key is generated once into this file
        # (default instance/vapid_private.pem); the subject is who push services may contact.
        "VAPID_PRIVATE_KEY_FILE": os.environ.get("VAPID_PRIVATE_KEY_FILE") or None,
        "VAPID_SUBJECT": os.environ.get("VAPID_SUBJECT") or "mailto:admin@localhost",
        "IDEMPOTENCY_KEEP_DAYS": _env_int("IDEMPOTENCY_KEEP_DAYS", 7),
        # Preventive maintenance: how often the scheduler makes the work orders of plan occurrences
        # that are due (lead_days ahead); one pass reads only the due plans (an index), so often is cheap.
        "MAINTENANCE_INTERVAL_SECONDS": _env_float("MAINTENANCE_INTERVAL_SECONDS", 300),
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        "UPLOAD_MAX_BYTES": int(upload_max_mb * 1024 * 1024),
        # The whole request may carry the file plus multipart framing and a few form fields.
        "MAX_CONTENT_LENGTH": int(upload_max_mb * 1024 * 1024) + 256 * 1024,
        # Photos: a cap on pixels read from the header before anything is decoded (a 20 KB PNG can
        # claim 13,000 x 13,000 and cost a viewer gigabytes), quotas per job and per user, a rate.
        "UPLOAD_MAX_MEGAPIXELS": _env_float("UPLOAD_MAX_MEGAPIXELS", 40),
        "UPLOAD_DISPLAY_EDGE": _env_int("UPLOAD_DISPLAY_EDGE", 1600),
        "UPLOAD_JOB_MAX_PHOTOS": _env_int("UPLOAD_JOB_MAX_PHOTOS", 100),
        "UPLOAD_JOB_MAX_BYTES": int(_env_float("UPLOAD_JOB_MAX_MB", 300) * 1024 * 1024),
        "UPLOAD_USER_DAILY_BYTES": int(_env_float("UPLOAD_USER_DAILY_MB", 500) * 1024 * 1024),
        "UPLOAD_RATE_LIMIT": os.environ.get("UPLOAD_RATE_LIMIT", "30 per minute"),
        # Exports: how many one user may run at once (counted in the database, so across workers
        # and hosts), how long a slot lasts if its worker died mid-export, the KPI range allowed.
        "EXPORTS_PER_USER": _env_int("EXPORTS_PER_USER", 1),
        "EXPORT_SLOT_SECONDS": _env_int("EXPORT_SLOT_SECONDS", 600),
        "KPI_MAX_DAYS": _env_int("KPI_MAX_DAYS", 366),
        "FOLLOW_UP_SAMPLE_PCT": _env_float("FOLLOW_UP_SAMPLE_PCT", 20),
        "FOLLOW_UP_DAYS": _env_float("FOLLOW_UP_DAYS", 3),
        # The customer portal: sign-in codes asked for per contact and per address (counted in the
        # database), how long a customer session lasts, photos per request, address searches.
        "PORTAL_CODE_LIMIT_PER_CONTACT": os.environ.get("PORTAL_CODE_LIMIT_PER_CONTACT", "5 per hour"),
        "PORTAL_CODE_LIMIT_PER_ADDRESS": os.environ.get("PORTAL_CODE_LIMIT_PER_ADDRESS", "20 per hour"),
        "PORTAL_SESSION_DAYS": _env_int("PORTAL_SESSION_DAYS", 30),
        "PORTAL_MAX_PHOTOS": _env_int("PORTAL_MAX_PHOTOS", 10),
        "PORTAL_GEOCODE_LIMIT": os.environ.get("PORTAL_GEOCODE_LIMIT", "30 per minute"),
    }
