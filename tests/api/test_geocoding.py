"""Address suggestions through the API, on SQLite and PostgreSQL, against a stub geocoder on loopback
that answers as Nominatim's /search does (geopy's own Nominatim client calls it): suggestions
with coordinates, the shared cache (a second ask, even from another server, does not call the
geocoder again; an expired entry does), no geocoder, the geocoder down or slow (200, no items, a
flag saying why), validation and roles."""

from __future__ import annotations

import json
import math
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.domain.geocoding import bd09_to_wgs84, wgs84_to_gcj02
from backend.extensions import db
from backend.models import GeocodeCacheEntry
from tests.conftest import ApiClient

GEOCODE = "/api/v1/geocode"

PLACES = {
    "南京东路1号": [
        {"display_name": "1, 南京东路, 黄浦区, 上海市, 200001, 中国", "lat": "31.2400917", "lon": "121.4868372"},
        {"display_name": "南京东路, 黄浦区, 上海市, 中国", "lat": "31.2383", "lon": "121.4801"},
    ],
    "1 nanjing east road shanghai": [
        {"display_name": "1, Nanjing East Road, Huangpu, Shanghai, China", "lat": "31.2400917", "lon": "121.4868372"}
    ],
}


class StubNominatim:
    """Nominatim's /search on loopback: JSON places for known queries, [] for others; counts calls.
    `hold` makes it accept and never answer (a geocoder too slow for the timeout)."""

    def __init__(self):
        self.queries: list[dict] = []
        self.hold = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                stub.queries.append({"path": url.path, **params, "user_agent": self.headers.get("User-Agent")})
                if stub.hold.is_set():
                    stub.released.wait(5)
                    return
                body = json.dumps(PLACES.get(params.get("q", "").lower(), [])).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.released = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def nominatim():
    with StubNominatim() as stub:
        yield stub


@pytest.fixture
def app(make_app, nominatim):
    return make_app(GEOCODER="nominatim", GEOCODER_URL=nominatim.url, GEOCODER_TIMEOUT_SECONDS=1)


def _dispatcher_on(app, world) -> ApiClient:
    client = ApiClient(app.test_client())
    assert client.login(world.dispatcher_email).status_code == 200
    return client


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the probe is closed


def test_suggestions_come_from_the_geocoder_with_coordinates_best_first(dispatcher, nominatim):
    response = dispatcher.get(f"{GEOCODE}?q=南京东路1号")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["available"] is True and body["geocoder"] == "nominatim" and body["cached"] is False
    assert body["reason"] is None
    assert body["items"] == [
        {"label": "1, 南京东路, 黄浦区, 上海市, 200001, 中国", "lat": 31.240092, "lon": 121.486837},
        {"label": "南京东路, 黄浦区, 上海市, 中国", "lat": 31.2383, "lon": 121.4801},
    ]
    (asked,) = nominatim.queries
    assert asked["path"] == "/search" and asked["q"] == "南京东路1号" and asked["format"] == "json"
    assert asked["limit"] == "5" and "OnSite" in asked["user_agent"]


def test_a_cached_answer_does_not_call_the_geocoder_again_even_from_another_server(
    dispatcher, nominatim, make_app, app, world, clock
):
    first = dispatcher.get(f"{GEOCODE}?q=1 Nanjing East Road Shanghai").json
    # The same query typed differently (case, spaces) is the same entry.
    again = dispatcher.get(f"{GEOCODE}?q=1  nanjing EAST road shanghai").json
    assert again["cached"] is True and again["items"] == first["items"]
    assert len(nominatim.queries) == 1

    other_server = make_app(GEOCODER="nominatim", GEOCODER_URL=nominatim.url)
    colleague = _dispatcher_on(other_server, world)
    assert colleague.get(f"{GEOCODE}?q=1 Nanjing East Road Shanghai").json["cached"] is True
    assert len(nominatim.queries) == 1

    clock.advance(days=31)  # past GEOCODER_CACHE_DAYS (30): asked again, and cached again
    dispatcher = _dispatcher_on(app, world)  # the session ended meanwhile (SESSION_DAYS)
    assert dispatcher.get(f"{GEOCODE}?q=1 Nanjing East Road Shanghai").json["cached"] is False
    assert len(nominatim.queries) == 2
    assert dispatcher.get(f"{GEOCODE}?q=1 Nanjing East Road Shanghai").json["cached"] is True
    assert len(nominatim.queries) == 2


def test_expired_entries_are_dropped_when_new_answers_are_kept(dispatcher, nominatim, app, world, clock):
    dispatcher.get(f"{GEOCODE}?q=nowhere at all")
    clock.advance(days=31)
    dispatcher = _dispatcher_on(app, world)
    dispatcher.get(f"{GEOCODE}?q=南京东路1号")
    with app.app_context():
        assert [e.query for e in db.session.query(GeocodeCacheEntry)] == ["南京东路1号"]


def test_no_place_found_is_an_empty_list_and_is_cached_too(dispatcher, nominatim, app):
    body = dispatcher.get(f"{GEOCODE}?q=nowhere at all").json
    assert body == {"items": [], "available": True, "reason": None, "geocoder": "nominatim", "cached": False}
    assert dispatcher.get(f"{GEOCODE}?q=nowhere at all").json["cached"] is True
    with app.app_context():
        assert db.session.query(GeocodeCacheEntry).count() == 1


def test_without_a_geocoder_the_answer_is_empty_and_says_so(make_app, client_for, world):
    app = make_app(GEOCODER=None)
    dispatcher = _dispatcher_on(app, world)
    response = dispatcher.get(f"{GEOCODE}?q=南京东路1号")
    assert response.status_code == 200
    assert response.json == {
        "items": [],
        "available": False,
        "reason": "not_configured",
        "geocoder": None,
        "cached": False,
    }


def test_a_geocoder_that_is_down_gives_no_suggestions_a_flag_and_nothing_cached(make_app, world):
    app = make_app(GEOCODER="nominatim", GEOCODER_URL=_closed_port_url(), GEOCODER_TIMEOUT_SECONDS=1)
    dispatcher = _dispatcher_on(app, world)
    response = dispatcher.get(f"{GEOCODE}?q=南京东路1号")
    assert response.status_code == 200, response.json
    assert response.json["items"] == [] and response.json["available"] is False
    assert response.json["reason"] == "unavailable" and response.json["geocoder"] == "nominatim"
    with app.app_context():
        assert db.session.query(GeocodeCacheEntry).count() == 0


def test_a_geocoder_slower_than_the_timeout_gives_no_suggestions_and_a_timeout_flag(make_app, world, nominatim):
    app = make_app(GEOCODER="nominatim", GEOCODER_URL=nominatim.url, GEOCODER_TIMEOUT_SECONDS=0.3)
    dispatcher = _dispatcher_on(app, world)
    nominatim.hold.set()
    response = dispatcher.get(f"{GEOCODE}?q=南京东路1号")
    assert response.status_code == 200
    assert (response.json["available"], response.json["reason"], response.json["items"]) == (False, "timeout", [])
    nominatim.hold.clear()  # once it answers again, suggestions come back (the failure was not cached)
    nominatim.released.set()
    assert dispatcher.get(f"{GEOCODE}?q=南京东路1号").json["available"] is True


@pytest.mark.parametrize("query", ["", "q=", "q=a", "q=" + "x" * 201, "q=%E2%80%8B%E2%80%8B"])
def test_a_bad_query_is_422_with_the_field(dispatcher, nominatim, query):
    response = dispatcher.get(f"{GEOCODE}?{query}")
    assert response.status_code == 422, response.json
    assert "q" in response.json["error"]["fields"]
    assert nominatim.queries == []


def test_only_staff_ask_for_suggestions(technician, client_for, nominatim):
    assert technician.get(f"{GEOCODE}?q=南京东路1号").status_code == 403
    assert client_for().get(f"{GEOCODE}?q=南京东路1号").status_code == 401
    assert nominatim.queries == []


def test_baidu_coordinates_are_turned_into_wgs84():
    # The Bund in WGS84, through GCJ-02 and BD-09 and back: within a metre or so.
    lat, lon = 31.2400917, 121.4868372
    glat, glon = wgs84_to_gcj02(lat, lon)
    assert abs(glat - lat) > 0.001 or abs(glon - lon) > 0.001  # the datum shift is hundreds of metres
    z = math.sqrt(glon**2 + glat**2) + 0.00002 * math.sin(glat * math.pi * 3000.0 / 180.0)
    theta = math.atan2(glat, glon) + 0.000003 * math.cos(glon * math.pi * 3000.0 / 180.0)
    blat, blon = z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065
    back = bd09_to_wgs84(blat, blon)
    assert abs(back[0] - lat) < 1e-5 and abs(back[1] - lon) < 1e-5


def test_a_company_named_in_chinese_still_gets_suggestions(make_app, world, nominatim):
    # HTTP headers are Latin-1: the company's name went into the User-Agent as it was, and a name
    # in Chinese made every lookup fail with an encoding error.
    app = make_app(GEOCODER="nominatim", GEOCODER_URL=nominatim.url, COMPANY_NAME="申城暖通维修")
    body = _dispatcher_on(app, world).get(f"{GEOCODE}?q=南京东路1号").json
    assert body["available"] is True and len(body["items"]) == 2
    (asked,) = nominatim.queries
    assert "OnSite" in asked["user_agent"] and asked["user_agent"].isascii()
