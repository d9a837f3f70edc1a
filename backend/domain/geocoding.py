"""Addresses to coordinates: suggestions from a configurable geocoder (geopy), kept in a shared cache.

`GEOCODER` names one of geopy's geocoders (`nominatim`, `baiduv3`, `photon`, `pelias`, `opencage` ...),
`GEOCODER_URL` where it answers (a self-hosted Nominatim, or a test's stub), `GEOCODER_KEY` its key.
Answers are cached in the `geocode_cache` table (every app server shares it) for
`GEOCODER_CACHE_DAYS`; a failed call is not cached. Timeouts are short: a person is waiting at a
form, and the map pick is always there when the geocoder is slow, down or not configured, so a
failure is an empty list with the reason (`Suggestions.reason`), never an error.

Used by the console's intake (`GET /api/v1/geocode`) and meant for the customer portal too: callers
give their session, the settings and `now`, and say where the cache write goes (`suggest`).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlsplit

from geopy.adapters import URLLibAdapter
from geopy.exc import GeocoderTimedOut, GeopyError
from geopy.geocoders import get_geocoder_for_service
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import GeocodeCacheEntry

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 5
QUERY_MAX = 200
# Geocoders whose coordinates are Baidu's BD-09 rather than WGS84 (what maps, dispatch and the
# contract use): converted before anything else sees them.
BD09_GEOCODERS = frozenset({"baidu", "baiduv3"})


@dataclass(frozen=True)
class GeocoderSettings:
    name: str | None = None  # None: no geocoder (the map pick only)
    url: str | None = None
    key: str | None = None
    timeout_seconds: float = 3
    cache_days: float = 30
    countries: str | None = None  # e.g. "cn": Nominatim searches only there
    user_agent: str = "OnSite field service"
    language: str | None = None


@dataclass
class Suggestions:
    """What to offer: `items` [{label, lat, lon}]; `available` false with a `reason`
    (`not_configured`, `unavailable`, `timeout`) when the geocoder could not be asked."""

    items: list[dict] = field(default_factory=list)
    geocoder: str | None = None
    available: bool = True
    cached: bool = False
    reason: str | None = None


def settings_from_config(config) -> GeocoderSettings:
    """The geocoder from the app's settings (GEOCODER, GEOCODER_URL, GEOCODER_KEY, ...)."""
    name = (config.get("GEOCODER") or "").strip().lower() or None
    return GeocoderSettings(
        name=name,
        url=config.get("GEOCODER_URL") or None,
        key=config.get("GEOCODER_KEY") or None,
        timeout_seconds=float(config.get("GEOCODER_TIMEOUT_SECONDS") or 3),
        cache_days=float(config.get("GEOCODER_CACHE_DAYS") or 30),
        countries=config.get("GEOCODER_COUNTRIES") or None,
        user_agent=_user_agent(config.get("COMPANY_NAME") or "OnSite"),
    )


def _user_agent(company: str) -> str:
    """Who asks, as geocoders' usage policies want it; headers are Latin-1, so a company named in
    Chinese is percent-encoded (as it was, every lookup failed with an encoding error)."""
    name = company if company.isascii() else quote(company)
    return f"{name} (OnSite field service)"


def normal_query(text: str) -> str:
    """One form per query for the cache: compatibility forms folded, spaces collapsed, lower case."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()[:QUERY_MAX]


def cache_key(settings: GeocoderSettings, query: str) -> str:
    """Per geocoder, its URL and the query: a change of geocoder never serves another's answers."""
    basis = "\x1f".join((settings.name or "", settings.url or "", settings.countries or "", normal_query(query)))
    return hashlib.sha256(basis.encode()).hexdigest()


def cached(session: Session, settings: GeocoderSettings, query: str, now: datetime) -> list[dict] | None:
    """The cached suggestions for `query`, or None when there are none still fresh."""
    entry = session.get(GeocodeCacheEntry, cache_key(settings, query))
    if entry is None or entry.expires_at <= now:
        return None
    return list(entry.results)


def remember(session: Session, settings: GeocoderSettings, query: str, items: list[dict], now: datetime) -> None:
    """Keep the geocoder's answer until `cache_days` from now (replacing a stale one). A second
    server that asked at the same moment leaves the first's row (a savepoint keeps the rest)."""
    key = cache_key(settings, query)
    expires = now + timedelta(days=settings.cache_days)
    try:
        with session.begin_nested():
            session.execute(delete(GeocodeCacheEntry).where(GeocodeCacheEntry.key == key))
            session.add(
                GeocodeCacheEntry(key=key, query=normal_query(query), results=items, fetched_at=now, expires_at=expires)
            )
            session.flush()
    except IntegrityError:
        pass


def forget_expired(session: Session, now: datetime) -> int:
    """Drop cache entries past their time (an indexed range delete); returns how many."""
    return session.execute(delete(GeocodeCacheEntry).where(GeocodeCacheEntry.expires_at <= now)).rowcount or 0


def _geocoder(settings: GeocoderSettings):
    """geopy's geocoder for the settings: its URL split into scheme and domain where it takes one."""
    cls = get_geocoder_for_service(settings.name)
    kwargs: dict = {
        "timeout": settings.timeout_seconds,
        "user_agent": settings.user_agent,
        # The standard library's HTTP, asked once: geopy's default (requests, when installed) retries
        # twice, three timeouts while a person waits at the form.
        "adapter_factory": URLLibAdapter,
    }
    parameters = inspect.signature(cls.__init__).parameters
    if settings.key and "api_key" in parameters:
        kwargs["api_key"] = settings.key
    url = urlsplit(settings.url) if settings.url else None
    if url and "domain" in parameters:
        kwargs["domain"] = (url.netloc + url.path).rstrip("/")
    if url and "scheme" in parameters:
        kwargs["scheme"] = url.scheme or "https"
    geocoder = cls(**kwargs)
    if url and "domain" not in parameters and hasattr(geocoder, "api_path"):
        # Baidu has no `domain`: its endpoint is the URL's host with its own path.
        geocoder.api = f"{url.scheme or 'https'}://{url.netloc}{geocoder.api_path}"
    return geocoder


def _query_options(settings: GeocoderSettings, geocoder) -> dict:
    parameters = inspect.signature(type(geocoder).geocode).parameters
    options: dict = {"exactly_one": False}
    if "limit" in parameters:
        options["limit"] = MAX_SUGGESTIONS
    if settings.countries and "country_codes" in parameters:
        options["country_codes"] = settings.countries
    if settings.language and "language" in parameters:
        options["language"] = settings.language
    return options


def fetch(settings: GeocoderSettings, query: str) -> list[dict]:
    """Ask the geocoder (no database): [{label, lat, lon}] in WGS84, at most MAX_SUGGESTIONS.
    Raises geopy's errors (GeocoderTimedOut, GeocoderUnavailable ...) when it cannot answer."""
    geocoder = _geocoder(settings)
    found = geocoder.geocode(query, **_query_options(settings, geocoder)) or []
    items = []
    for location in found[:MAX_SUGGESTIONS]:
        lat, lon = location.latitude, location.longitude
        if settings.name in BD09_GEOCODERS:
            lat, lon = bd09_to_wgs84(lat, lon)
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            items.append({"label": location.address or query, "lat": round(lat, 6), "lon": round(lon, 6)})
    return items


def suggest(
    session: Session,
    settings: GeocoderSettings,
    query: str,
    now: datetime,
    keep: Callable[[Callable[[Session], None]], None] | None = None,
) -> Suggestions:
    """Suggestions for an address typed by a person: from the cache when fresh, else from the
    geocoder (then cached). `keep(write)` runs the cache write in a transaction of the caller's
    choosing (a read-only request has none to commit); without it the write joins `session`.
    A failure is an empty, unavailable answer, logged, and not cached."""
    if not settings.name:
        return Suggestions(available=False, reason="not_configured")
    hit = cached(session, settings, query, now)
    if hit is not None:
        return Suggestions(items=hit, geocoder=settings.name, cached=True)
    try:
        items = fetch(settings, query)
    except GeocoderTimedOut:
        log.warning("geocoder %s timed out after %ss", settings.name, settings.timeout_seconds)
        return Suggestions(geocoder=settings.name, available=False, reason="timeout")
    except (GeopyError, OSError, ValueError) as error:
        log.warning("geocoder %s failed: %s", settings.name, error)
        return Suggestions(geocoder=settings.name, available=False, reason="unavailable")

    def write(target: Session) -> None:
        remember(target, settings, query, items, now)
        forget_expired(target, now)  # the cache cleans itself as it fills: no job needed

    if keep is None:
        write(session)
    else:
        keep(write)
    return Suggestions(items=items, geocoder=settings.name)


# ---- Baidu's BD-09 to WGS84 ------------------------------------------------------------------
# BD-09 is GCJ-02 (China's obfuscated datum) shifted again; the published inverse formulas are
# exact to about a metre for BD-09 to GCJ-02, and GCJ-02 to WGS84 is solved by a few iterations.

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0


def _in_china(lat: float, lon: float) -> bool:
    return 0.8293 <= lat <= 55.8271 and 72.004 <= lon <= 137.8347


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    if not _in_china(lat, lon):
        return lat, lon
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """The WGS84 point whose GCJ-02 is (lat, lon), by fixed-point iteration (under a centimetre)."""
    if not _in_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(10):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        wlat, wlon = wlat + (lat - glat), wlon + (lon - glon)
    return wlat, wlon


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    x, y = lon - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return gcj02_to_wgs84(z * math.sin(theta), z * math.cos(theta))
