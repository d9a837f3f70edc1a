"""The service report PDF's query."""

from __future__ import annotations

from apiflask import Schema

from ...domain.service_report import LANGUAGES
from .common import String, one_of


class ReportQuery(Schema):
    lang = String(
        validate=one_of(LANGUAGES),
        metadata={"description": "the report's language; default the customer's (zh-CN when unknown)"},
    )
