"""Swagger UI's files, served from the pinned `swagger-ui-bundle` package (no CDN)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import send_from_directory
from swagger_ui_bundle import swagger_ui_path

from .security import public

bp = APIBlueprint("docs_assets", __name__, url_prefix="/api/docs/assets", enable_openapi=False)
ASSET_CONFIG = {
    "SWAGGER_UI_CSS": "/api/docs/assets/swagger-ui.css",
    "SWAGGER_UI_BUNDLE_JS": "/api/docs/assets/swagger-ui-bundle.js",
    "SWAGGER_UI_STANDALONE_PRESET_JS": "/api/docs/assets/swagger-ui-standalone-preset.js",
    "DOCS_FAVICON": "/api/docs/assets/favicon-32x32.png",
}


@bp.get("/<path:filename>")
@public
def asset(filename):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)
