"""The pages' templates and their language: one Jinja environment for every page, with gettext from
`credence.i18n`, and the middleware that picks each request's language.

The language comes from the switch on every page (`?lang=zh`, remembered in a cookie), then the cookie,
then the browser's `Accept-Language`; a browser that asks for Chinese gets Chinese. Responses say which
language they are in (`Content-Language`) and what chose it (`Vary`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credence import i18n
from credence.web import labels

TEMPLATES = Path(__file__).parent / "templates"
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


@cache
def templates() -> Jinja2Templates:
    """The one template environment of the pages (built once)."""
    t = Jinja2Templates(directory=str(TEMPLATES))
    env = t.env
    env.add_extension("jinja2.ext.i18n")
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
    )
    env.filters.update(num=i18n.format_number, day=i18n.format_date, label=label)
    return t


@pass_context
def label(context: Context, code: object, kind: str | None = None) -> str:
    """`{{ code|label }}` or `{{ code|label("kind") }}`: a code as a reader reads it, in the request's
    language, named by the app's catalog and measures, else by the message catalogs
    (credence.web.labels)."""
    request = context.get("request")
    registry = getattr(getattr(getattr(request, "app", None), "state", None), "registry", None)
    return labels.label(code, kind, registry)


def lang_url(request: Request, lang: str) -> str:
    """This page in `lang`: the same path and query, with `lang` set."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
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
