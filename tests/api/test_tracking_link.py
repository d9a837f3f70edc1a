"""The customer's tracking link through the API, on SQLite and PostgreSQL: what it shows at each
step (the technician's first name once assigned, the ETA only while they are on the way, the
confirmation link once done), what it never shows (the technician's phone, position, full name),
an altered token (404), an expired one (410), and the link in the staff view."""

from __future__ import annotations

import pytest

from backend.domain.tracking import first_name

SECRET = "tracking-test-secret"


@pytest.fixture
def app(make_app):
    return make_app(SECRET_KEY=SECRET)


def _token(dispatcher, wo: dict) -> str:
    detail = dispatcher.get(f"/api/v1/work-orders/{wo['id']}").json
    assert detail["tracking_url"].startswith("http://localhost/t/")
    return detail["tracking_url"].rsplit("/t/", 1)[1]


def _track(client_for, token: str):
    return client_for().http.get(f"/api/v1/track/{token}")


def test_the_page_follows_the_job_and_shows_only_the_first_name(
    dispatcher, technician, world, new_work_order, client_for, clock
):
    wo = new_work_order()
    token = _token(dispatcher, wo)
    url = f"/api/v1/work-orders/{wo['id']}"

    view = _track(client_for, token).json
    assert view["number"] == wo["number"] and view["status"] == "new" and view["type"] == "repair"
    assert view["technician"] is None and view["eta_minutes"] is None and view["confirmation_url"] is None
    assert [s["status"] for s in view["steps"]] == ["new"]

    assert dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id}).status_code == 200
    assert technician.post(f"{url}/actions/accept", json={}).status_code == 200
    view = _track(client_for, token).json
    assert view["technician"] == {"first_name": "Tom"}
    assert view["eta_minutes"] is None  # accepted, not yet on the way

    # On the way, 6 km north of the site at the default 30 km/h and detour 1.3: 6 x 1.3 / 30 h.
    clock.advance(minutes=5)
    ping = technician.post("/api/v1/me/location", json={"lat": 31.2304 + 6 / 111.2, "lon": 121.4737})
    assert ping.status_code == 204, ping.json
    assert technician.post(f"{url}/actions/depart", json={}).status_code == 200
    view = _track(client_for, token).json
    assert view["status"] == "en_route"
    assert 15 <= view["eta_minutes"] <= 17
    assert set(view) == {
        "number", "type", "status", "title", "created_at", "technician", "eta_minutes", "window", "steps",
        "confirmation_url",
    }  # fmt: skip
    assert set(view["technician"]) == {"first_name"}
    assert "Tech" not in str(view) and "tech@example.com" not in str(view)

    clock.advance(minutes=16)
    assert technician.post(f"{url}/actions/arrive", json={}).status_code == 200
    view = _track(client_for, token).json
    assert view["eta_minutes"] is None
    done = technician.post(f"{url}/actions/complete", json={"resolution": "Relay replaced", "first_time_fix": True})
    assert done.status_code == 200
    link = dispatcher.post(f"{url}/confirmation-link").json  # the newest link open is the one shown
    view = _track(client_for, token).json
    assert view["confirmation_url"] == link["url"]
    assert [s["status"] for s in view["steps"]] == ["new", "assigned", "accepted", "en_route", "on_site", "completed"]


def test_a_stale_position_gives_no_eta(dispatcher, technician, world, new_work_order, client_for, clock):
    wo = new_work_order()
    url = f"/api/v1/work-orders/{wo['id']}"
    technician.post("/api/v1/me/location", json={"lat": 31.3, "lon": 121.4737})
    dispatcher.post(f"{url}/assign", json={"technician_id": world.technician_id})
    technician.post(f"{url}/actions/accept", json={})
    technician.post(f"{url}/actions/depart", json={})
    clock.advance(minutes=31)  # LOCATION_FRESH_MINUTES is 30
    assert _track(client_for, _token(dispatcher, wo)).json["eta_minutes"] is None


def test_an_altered_token_is_404_and_an_expired_one_410(dispatcher, new_work_order, client_for, clock):
    wo = new_work_order()
    token = _token(dispatcher, wo)
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = _track(client_for, altered)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"

    cancel = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/actions/cancel", json={"reason": "Customer fixed it"})
    assert cancel.status_code == 200, cancel.json
    clock.advance(days=29)
    assert _track(client_for, token).status_code == 200
    clock.advance(days=1, seconds=1)
    response = _track(client_for, token)
    assert response.status_code == 410 and response.json["error"]["code"] == "gone"


def test_the_page_is_html_and_says_when_the_link_is_altered(dispatcher, new_work_order, client_for):
    wo = new_work_order()
    token = _token(dispatcher, wo)
    page = client_for().http.get(f"/t/{token}")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "no-store" in page.headers["Cache-Control"]
    bad = client_for().http.get(f"/t/{token[:-3]}xyz")
    assert bad.status_code == 404 and bad.mimetype == "text/html"
    assert "链接无效" in bad.get_data(as_text=True) and "not valid" in bad.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "first"), [("Tom Tech", "Tom"), ("王伟", "王"), ("欧阳娜娜", "欧"), ("  Li  Wei ", "Li"), ("", None)]
)
def test_first_names(name, first):
    assert first_name(name) == first
