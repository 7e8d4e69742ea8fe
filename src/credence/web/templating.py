"""The pages' templates and their language: one Jinja environment for every page, with gettext from
`credence.i18n`, and the middleware that picks each request's language.

The language comes from the switch on every page (`?lang=zh`, remembered in a cookie), then the cookie,
then the browser's `Accept-Language`; a browser that asks for Chinese gets Chinese. Responses say which
language they are in (`Content-Language`) and what chose it (`Vary`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.runtime import Context
from starlette.background import BackgroundTask
from starlette.templating import _TemplateResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credence import i18n
from credence.catalog.model import Citations
from credence.i18n import N_
from credence.identity import fold, person_refusal
from credence.web import labels

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600
TABLE_LABEL = N_("Table: scroll sideways to see all of it")
TABLE_START = re.compile(r"<table\b")
TABLE_END = re.compile(r"</table>")


class TablesScroll(Extension):
    """Every table of the pages scrolls sideways inside a box of its own, never the page: the templates
    write plain `<table>`s, and this puts each in `<div class="table-wrap" role="region" tabindex="0">`
    (named for screen readers, reachable by keyboard, so its hidden columns can be scrolled into view
    with the arrow keys) when the template is compiled. A template that wraps its tables itself (it says
    `table-wrap`) is left as it is."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if not (name or "").endswith(".html") or "table-wrap" in source:
            return source
        wrap = '<div class="table-wrap" role="region" tabindex="0" aria-label="{{ table_label() }}"><table'
        opened = TABLE_START.sub(wrap, source)
        return TABLE_END.sub("</table></div>", opened)


class Templates(Jinja2Templates):
    """Jinja2Templates whose pages know their HTTP status (`status_code`), so that one error page can say
    what happened whichever route answers with it."""

    def TemplateResponse(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> _TemplateResponse:
        context = dict(context or {})
        context.setdefault("status_code", status_code)
        return super().TemplateResponse(request, name, context, status_code, headers, media_type, background)


@cache
def templates() -> Templates:
    """The one template environment of the pages (built once)."""
    t = Templates(directory=str(TEMPLATES))
    env = t.env
    env.add_extension("jinja2.ext.i18n")
    env.add_extension(TablesScroll)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda s: i18n.translations(i18n.current()).gettext(s),
        lambda s, p, n: i18n.translations(i18n.current()).ngettext(s, p, n),
        newstyle=True,
    )
    env.globals.update(
        current_lang=i18n.current,
        html_lang=lambda: i18n.HTML_LANG[i18n.current()],
        languages=i18n.NAMES,
        lang_url=lang_url,
        table_label=lambda: i18n.gettext(TABLE_LABEL),
    )
    env.filters.update(num=i18n.format_number, day=i18n.format_date, label=label, basis=basis)
    return t


@pass_context
def label(context: Context, code: object, kind: str | None = None) -> str:
    """`{{ code|label }}` or `{{ code|label("kind") }}`: a code as a reader reads it, in the request's
    language, named by the app's catalog and measures, else by the message catalogs
    (credence.web.labels)."""
    request = context.get("request")
    registry = getattr(getattr(getattr(request, "app", None), "state", None), "registry", None)
    return labels.label(code, kind, registry)


@pass_context
def basis(context: Context, citation: object) -> str:
    """`{{ x.legal_basis|basis }}`: a legal basis of the catalog, a list criterion or a measure (the object,
    or its English citation as stored) in the request's language, e.g.
    《市场监督管理严重违法失信名单管理办法》第十条 in Chinese. Any other text (a record's own legal basis,
    as its department wrote it) is shown as it is."""
    request = context.get("request")
    registry = getattr(getattr(getattr(request, "app", None), "state", None), "registry", None)
    checks = getattr(registry, "checks", None)
    if checks is not None:
        return checks.citations(citation)  # type: ignore[no-any-return]
    return Citations(())(citation)  # type: ignore[arg-type]


def lang_url(request: Request, lang: str) -> str:
    """This page in `lang`: the same path and query, with `lang` set. An address that holds a person's
    identity number (a page that refused it) is never repeated, not even in the switch: the switch leads
    to the home page in `lang`."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    if person_refusal(fold(" ".join([unquote(request.url.path), *(v for _k, v in query)]))) is not None:
        return f"/?{urlencode([('lang', lang)])}"
    query.append(("lang", lang))
    return f"{request.url.path}?{urlencode(query)}"


def chosen_language(request: Request) -> tuple[str, bool]:
    """The request's language, and whether the switch chose it just now (so it is remembered)."""
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES:
        return asked, True
    cookie = request.cookies.get(COOKIE)
    if cookie in i18n.LANGUAGES:
        return cookie, False
    return i18n.negotiate(request.headers.get("accept-language")) or i18n.DEFAULT, False


class LanguageMiddleware:
    """Sets the language of each HTTP request for everything below it (a context variable, which the
    thread pool that runs the routes copies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        lang, switched = chosen_language(Request(scope))

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _v in headers}
                if b"content-language" not in names:
                    headers.append((b"content-language", i18n.HTML_LANG[lang].encode()))
                headers.append((b"vary", b"Accept-Language, Cookie"))
                if switched:
                    cookie = f"{COOKIE}={lang}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax"
                    headers.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": headers}
            await send(message)

        token = i18n.set_language(lang)
        try:
            await self.app(scope, receive, send_with_language)
        finally:
            i18n.reset_language(token)
