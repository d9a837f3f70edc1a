"""The service report as a PDF: domain/service_report.py's content through a Jinja template
(HTML and CSS) and WeasyPrint, with Debian's Noto CJK fonts for Chinese (fonts-noto-cjk).

The page fetches nothing from outside: photos and the signature are handed to WeasyPrint from
memory under `onsite-image:<n>` URLs (not as base64 data: URLs, which its HTML parser reads a
character at a time: 0.8 s for 24 photos), and the URL fetcher refuses every other URL, so no text
on a job can make the renderer read a file or call a host.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from .strings import CODES, STRINGS

TEMPLATES = Path(__file__).parent / "templates"
IMAGE_SCHEME = "onsite-image"
CURRENCY_SIGNS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "¥", "GBP": "£"}
# Currencies without minor units (ISO 4217 exponent 0): amounts are whole units already.
NO_MINOR_UNITS = {"JPY", "KRW", "VND"}

_environment: Environment | None = None


def _css_string(text: str) -> Markup:
    """A CSS string literal for text inside <style> (which HTML never unescapes)."""
    escaped = "".join(ch if ch.isalnum() or ch in " -_.·:/()" else f"\\{ord(ch):x} " for ch in text)
    return Markup(f'"{escaped}"')


def _environment_for() -> Environment:
    global _environment
    if _environment is None:
        _environment = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True
        )
    return _environment


def _filters(content: dict, images: list[tuple[bytes, str]]) -> dict:
    language = content["language"]
    strings, codes = STRINGS[language], CODES[language]
    currency = content["charges"]["currency"] or ""

    def when(value: datetime | date | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat()

    def money(amount: int | None) -> str:
        if amount is None:
            return ""
        sign = CURRENCY_SIGNS.get(currency, f"{currency} ")
        if currency in NO_MINOR_UNITS:
            return f"{sign}{amount:,}"
        return f"{sign}{Decimal(amount) / 100:,.2f}"

    def code(value: str | None) -> str:
        return codes.get(value or "", value or "")

    def line_name(line: dict) -> str:
        if line["kind"] in ("callout", "labour"):
            return strings[line["kind"]]
        return f"{line['description']} ({line['sku']})"

    def line_qty(line: dict) -> str:
        if line["unit"] == "minute":
            return f"{line['quantity']} {strings['minutes']}"
        return str(line["quantity"])

    def image_url(data: bytes, mimetype: str) -> str:
        images.append((data, mimetype))
        return f"{IMAGE_SCHEME}:{len(images) - 1}"

    return {
        "when": when,
        "money": money,
        "code": code,
        "line_name": line_name,
        "line_qty": line_qty,
        "image_url": image_url,
    }


def render_html(content: dict, images: list[tuple[bytes, str]] | None = None) -> str:
    """The report's HTML; its images are appended to `images` and named `onsite-image:<index>`."""
    environment = _environment_for().overlay()
    environment.filters.update(_filters(content, images if images is not None else []))
    strings = STRINGS[content["language"]]
    wo = content["work_order"]
    page = strings["page"].split("{page}")
    footer_right = Markup(f"{_css_string(page[0])} counter(page) {_css_string(page[1])}")
    return environment.get_template("service_report.html").render(
        c=content,
        s=strings,
        wo=wo,
        footer_left=_css_string(f"{content['company']['name']} · {strings['title']} {wo['number']}"),
        footer_right=footer_right,
    )


def render_pdf(content: dict) -> bytes:
    """The report as PDF bytes (WeasyPrint is imported here: only rendering needs it and its libraries)."""
    from weasyprint import HTML

    images: list[tuple[bytes, str]] = []
    html = render_html(content, images)
    return HTML(string=html, url_fetcher=_in_memory_fetcher(images)).write_pdf()


def _in_memory_fetcher(images: list[tuple[bytes, str]]):
    """A URL fetcher that serves the report's own images and nothing else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class InMemory(URLFetcher):
        def fetch(self, url, headers=None):
            scheme, _, index = url.partition(":")
            if scheme != IMAGE_SCHEME or not index.isdigit() or int(index) >= len(images):
                raise ValueError(f"the service report fetches nothing: {url[:80]}")
            data, mimetype = images[int(index)]
            return URLFetcherResponse(url, body=data, headers={"Content-Type": mimetype})

    return InMemory()
