"""A report's content as a PDF: HTML from a Jinja2 template (templates/report.html), drawn by WeasyPrint
with the Noto CJK fonts installed on the machine, so Chinese names render.

Nothing is fetched while drawing: the template holds its own styles, and the URL fetcher refuses every
URL that is not a data: URL, so a stray link to a font or an image fails the rendering instead of reaching
the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from credence.measures.catalog import DOMAINS

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))


def offline_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def to_pdf(html: str) -> bytes:
    """HTML to PDF bytes, with no URL fetched from anywhere."""
    pdf: bytes = HTML(string=html, url_fetcher=offline_fetcher()).write_pdf()
    return pdf


def render_html(content: dict[str, Any], sha256: str, verify_url: str | None = None) -> str:
    return _env.get_template("report.html").render(
        c=content, sha256=sha256, verify_url=verify_url, domains=DOMAINS
    )


def render(content: dict[str, Any], sha256: str, verify_url: str | None = None) -> bytes:
    return to_pdf(render_html(content, sha256, verify_url))
