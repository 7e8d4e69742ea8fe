"""A report's content as a PDF: HTML from a Jinja2 template (templates/report.html), drawn by WeasyPrint
with the Noto CJK fonts installed on the machine, so Chinese names render.

Nothing is fetched while drawing: the template holds its own styles, and the URL fetcher refuses every
URL that is not a data: URL, so a stray link to a font or an image fails the rendering instead of reaching
the network.

The report is drawn in the language its content records (the one it was issued in): titles, headings,
labels and explanations from the message catalogs (the `reports` area), names and codes as the registry
holds them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from credence import i18n
from credence.i18n import N_
from credence.identity.kinds import KIND_NAMES
from credence.measures.catalog import DOMAINS

TEMPLATES = Path(__file__).parent / "templates"
Cite = Callable[[str], str]
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True),
    extensions=["jinja2.ext.i18n"],
)
_env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda s: i18n.translations(i18n.current()).gettext(s),
    lambda s, p, n: i18n.translations(i18n.current()).ngettext(s, p, n),
    newstyle=True,
)
_env.filters.update(num=i18n.format_number, day=i18n.format_date)

# The codes a report shows, as its reader reads them (translated where shown).
LABELS = {
    "domain": {
        "public_procurement": N_("public procurement"),
        "subsidies": N_("subsidies and public funds"),
        "licensing": N_("licensing"),
        "awards": N_("awards and honours"),
        "pilot_programmes": N_("pilot programmes"),
        "inspection": N_("inspection frequency"),
        "mdb_financed_procurement": N_("procurement financed by a development bank"),
    },
    "result": {
        "eligible": N_("eligible"),
        "restricted": N_("restricted"),
        "fast_track": N_("fast track"),
        "undisclosed": N_("undisclosed"),
    },
    "effect": {
        "fast_track": N_("fast track"),
        "scrutiny": N_("closer scrutiny"),
        "restriction": N_("restriction"),
        "exclusion": N_("exclusion"),
    },
    "list": {
        "serious_dishonesty": N_("serious-dishonesty"),
        "abnormal_operation": N_("abnormal-operation"),
        "honour": N_("honour"),
    },
    "severity": {"minor": N_("minor"), "general": N_("general"), "serious": N_("serious")},
    # An organisation's kind (credence.identity.kinds.OrgKind), named as the pages name it.
    "kind": KIND_NAMES,
}


def label(code: object, kind: str, fallback: str | None = None) -> str:
    """A code as the report's reader reads it: its label in the current language, else `fallback`, else the
    code with its underscores as spaces."""
    text = str(code)
    if text in LABELS.get(kind, {}):
        return i18n.gettext(LABELS[kind][text])
    return fallback if fallback is not None else text.replace("_", " ")


def offline_fetcher() -> URLFetcher:
    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)


def to_pdf(html: str) -> bytes:
    """HTML to PDF bytes, with no URL fetched from anywhere."""
    pdf: bytes = HTML(string=html, url_fetcher=offline_fetcher()).write_pdf()
    return pdf


def render_html(
    content: dict[str, Any], sha256: str, verify_url: str | None = None, cite: Cite | None = None
) -> str:
    """The report's HTML, in the language its content records (English for a content without one).
    `cite` gives a legal basis of the registry's own files (a list criterion's, a measure's), stored in
    English in the content, in that language (credence.catalog.Citations); without it, it is shown as
    stored. A record's own legal basis is shown as its department wrote it."""
    lang = content.get("language") or "en"
    with i18n.language(lang):
        return _env.get_template("report.html").render(
            c=content,
            sha256=sha256,
            verify_url=verify_url,
            domains=DOMAINS,
            label=label,
            lang=lang,
            html_lang=i18n.HTML_LANG.get(lang, lang),
            zh=lang == "zh",
            cite=cite or _as_stored,
        )


def _as_stored(citation: str) -> str:
    return citation


def render(
    content: dict[str, Any], sha256: str, verify_url: str | None = None, cite: Cite | None = None
) -> bytes:
    return to_pdf(render_html(content, sha256, verify_url, cite))
