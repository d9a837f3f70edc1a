"""The machine-readable contract (OpenAPI 3) and its Swagger UI page, served without any CDN."""

from __future__ import annotations

import json
import re

import pytest

from backend import create_app

CONTRACT_OPERATIONS = [
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/me"),
    ("post", "/api/v1/technicians"),
    ("get", "/api/v1/technicians"),
    ("patch", "/api/v1/technicians/{technician_id}"),
    ("post", "/api/v1/me/location"),
    ("post", "/api/v1/me/shift"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers"),
    ("get", "/api/v1/customers/{customer_id}"),
    ("post", "/api/v1/work-orders"),
    ("get", "/api/v1/work-orders"),
    ("get", "/api/v1/work-orders/{work_order_id}"),
    ("patch", "/api/v1/work-orders/{work_order_id}"),
    ("post", "/api/v1/work-orders/{work_order_id}/actions/{action}"),
    ("post", "/api/v1/work-orders/{work_order_id}/assign"),
    ("get", "/api/v1/work-orders/{work_order_id}/candidates"),
    ("post", "/api/v1/work-orders/{work_order_id}/logs"),
    ("post", "/api/v1/work-orders/{work_order_id}/attachments"),
    ("post", "/api/v1/work-orders/{work_order_id}/signoff"),
    ("post", "/api/v1/work-orders/{work_order_id}/confirmation-link"),
    ("get", "/api/v1/confirm/{token}"),
    ("post", "/api/v1/confirm/{token}"),
    ("get", "/api/v1/reports/kpis"),
    ("get", "/healthz"),
]


@pytest.fixture(scope="module")
def client():
    """The spec and the docs need no database: one in-memory app serves the whole module."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_STORAGE_URI": "memory://"})
    return app.test_client()


@pytest.fixture(scope="module")
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def test_spec_is_openapi_3_0_3(spec):
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"] == "OnSite API"
    assert spec["info"]["version"] == "1"


def test_spec_has_every_operation_of_the_contract(spec):
    missing = [f"{m.upper()} {p}" for m, p in CONTRACT_OPERATIONS if m not in spec["paths"].get(p, {})]
    assert not missing, missing


def test_spec_references_resolve(spec):
    refs = set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(spec)))
    assert refs
    assert refs <= set(spec["components"]["schemas"])


def test_spec_documents_the_contract_enums_and_kpi_definitions(spec):
    body = spec["paths"]["/api/v1/work-orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert schema["properties"]["priority"]["enum"] == ["urgent", "high", "normal", "low"]
    assert schema["properties"]["customer_id"]["type"] == "integer"
    assert schema["properties"]["title"]["type"] == "string"
    assert set(schema["properties"]["channel"]["enum"]) == {
        "phone",
        "web",
        "app",
        "email",
        "wechat",
        "walk_in",
        "portal",
    }
    kpis = spec["paths"]["/api/v1/reports/kpis"]["get"]
    for name in ("first_time_fix_rate", "repeat_visit_rate", "csat_avg", "response_sla_met_pct"):
        assert name in kpis["description"]


def test_spec_error_responses_have_the_contract_shape(spec):
    error = spec["components"]["schemas"]["ValidationError"]
    assert error["required"] == ["error"]
    assert set(error["properties"]["error"]["properties"]) == {"code", "message", "fields"}


def test_docs_page_loads_its_scripts_locally(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    sources = re.findall(r'<script[^>]*\bsrc="([^"]+)"', html)
    styles = re.findall(r'<link[^>]*\bhref="([^"]+)"', html)
    assert sources, html[:500]
    for url in sources + styles:
        assert url.startswith("/api/docs/assets/"), url
    assert "//cdn" not in html and "unpkg.com" not in html and "jsdelivr" not in html
    assert '"/api/v1/openapi.json"' in html
    for url in sources + styles:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert asset.content_length and asset.content_length > 100, url
    assert client.get(sources[0]).mimetype in ("text/javascript", "application/javascript")


def test_docs_assets_do_not_serve_other_files(client):
    assert client.get("/api/docs/assets/../../../etc/passwd").status_code == 404
    assert client.get("/api/docs/assets/%2e%2e/%2e%2e/backend/config.py").status_code == 404
    assert client.get("/api/docs/assets/no-such-file.js").status_code == 404


def test_every_operation_states_the_answers_the_request_walk_can_give(spec):
    login = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"200", "400", "413", "422", "429", "503"} <= set(login) and "401" in login  # wrong credentials
    create = spec["paths"]["/api/v1/work-orders"]["post"]["responses"]
    assert {"201", "400", "401", "403", "409", "413", "422", "503"} <= set(create)
    detail = spec["paths"]["/api/v1/work-orders/{work_order_id}"]["get"]["responses"]
    assert {"200", "401", "403", "404", "503"} <= set(detail)
    confirm = spec["paths"]["/api/v1/confirm/{token}"]["post"]["responses"]
    assert "403" not in confirm or "csrf" not in confirm["403"]["description"]  # public: no login, no CSRF
    assert {"400", "404", "410", "422"} <= set(confirm)
    assert set(spec["paths"]["/healthz"]["get"]["responses"]) == {"200", "503"}


def test_integers_carry_their_bounds(spec):
    schemas = spec["components"]["schemas"]
    assert schemas["SignoffIn"]["properties"]["rating"] | {"nullable": True} == {
        "type": "integer", "minimum": 1, "maximum": 5, "nullable": True,
    }  # fmt: skip
    customer_id = schemas["WorkOrderIn"]["properties"]["customer_id"]
    assert (customer_id["minimum"], customer_id["maximum"]) == (-(2**31), 2**31 - 1)


def test_the_event_stream_is_documented_as_server_sent_events(spec):
    ok = spec["paths"]["/api/v1/events/stream"]["get"]["responses"]["200"]
    assert list(ok["content"]) == ["text/event-stream"]
