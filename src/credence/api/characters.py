"""No NUL character reaches a route: PostgreSQL refuses text with one in it (a 500 where SQLite would store
it), and no name, code, search or free text of the registry has one. A NUL in the path, in a query
parameter's name or value, or in a JSON or form body is answered 400 invalid_character saying where,
before any route reads or writes. JSON writes a NUL as the escape \\u0000. A file (a CSV or XLSX file of
bidders, as a body or in a multipart form) is left to its reader, which knows its encodings: a UTF-16 file
is full of NUL bytes, and the reader says what it is. The API answers in its error shape; a page
(any path outside /api/) answers with a short page saying the same."""

from __future__ import annotations

import html
import json
import re
from typing import Any, cast
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, QueryParams
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from credence import i18n
from credence.api.shapes import ErrorBody, error_response
from credence.i18n import N_, _

NUL = "\x00"
# \u0000 after an even number of backslashes (a backslash itself escaped is no escape), or a raw NUL byte.
JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*(\\u0000|\x00)")
FORM_NUL = re.compile(rb"%00|\x00")
TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")


class Where:
    """Where a NUL is, in words: the message says it in the reader's language, the details (for a
    program) in English, as they always did."""

    def __init__(self, text: str, **variables: object) -> None:
        self.text, self.variables = text, variables

    @property
    def english(self) -> str:
        inner = {k: v.english if isinstance(v, Where) else v for k, v in self.variables.items()}
        return self.text % inner if inner else self.text

    @property
    def words(self) -> str:
        inner = {k: v.words if isinstance(v, Where) else v for k, v in self.variables.items()}
        return _(self.text, **inner)


# `at` is a number (the path, a query parameter, a field) or "character N" (a body that is not JSON); the
# Chinese catalog says both as a position ("the Nth character of ..."), so it turns "character N" into N.
def _refused(where: Where, at: Where) -> ErrorBody:
    return ErrorBody(
        status=400,
        code="invalid_character",
        message=_(
            "%(where)s: a NUL character (U+0000) at %(at)s; no text in the registry has one",
            where=where.words,
            at=at.words,
        ),
        details=[{"where": where.english, "message": f"NUL character at {at.english}"}],
    )


def _number(n: int) -> Where:
    return Where("%(n)s", n=n)


def url_nul(scope: Scope) -> ErrorBody | None:
    """Where the first NUL of the path or the query is, if there is one."""
    path = scope.get("path", "")
    if NUL in path:
        return _refused(Where(N_("the path")), _number(path.index(NUL) + 1))
    raw = scope.get("query_string", b"")
    if b"%00" not in raw and b"\x00" not in raw:  # the fast path: every request without one
        return None
    for number, (name, value) in enumerate(QueryParams(raw).multi_items(), start=1):
        if NUL in name:
            return _refused(
                Where(N_("the name of query parameter %(number)s"), number=number),
                _number(name.index(NUL) + 1),
            )
        if NUL in value:
            return _refused(Where(N_("query parameter %(name)s"), name=name), _number(value.index(NUL) + 1))
    return None


def body_nul(body: bytes, content_type: str) -> ErrorBody | None:
    """Where the first NUL of a text body is: in JSON, the field and the character in its text; else (or
    when the body is not JSON) the character in the body."""
    pattern = JSON_NUL if content_type == "application/json" else FORM_NUL
    found = pattern.search(body)
    if found is None:
        return None
    field = None
    if content_type == "application/json":
        try:
            field = _nul_field(json.loads(body), "")
        except ValueError:
            pass
    elif content_type == "application/x-www-form-urlencoded":
        field = _nul_field(
            dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)), ""
        )
    if field is not None:
        return _refused(Where(N_("the body, %(field)s"), field=field[0]), _number(field[1]))
    start = found.start(1) if found.lastindex else found.start()
    character = len(body[:start].decode("utf-8", errors="replace")) + 1
    return _refused(Where(N_("the body")), Where(N_("character %(n)s"), n=character))


def _nul_field(value: Any, where: str) -> tuple[Where, int] | None:
    """The first field (as a path such as [0].summary) whose name or text holds a NUL, and where in it."""
    if isinstance(value, str):
        return (Where(N_("field %(path)s"), path=where), value.index(NUL) + 1) if NUL in value else None
    items: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            path = f"{where}.{key}" if where else key
            if NUL in key:
                return Where(N_("the name of field %(path)s"), path=path), key.index(NUL) + 1
            items.append((path, inner))
    elif isinstance(value, list):
        items = [(f"{where}[{number}]", inner) for number, inner in enumerate(value)]
    for path, inner in items:
        found = _nul_field(inner, path)
        if found is not None:
            return found
    return None


def answer(scope: Scope, refused: ErrorBody) -> Response:
    """The API's error shape, or a page for a path outside /api/: the site's error page when the pages are
    served (they set `refusal_page` on the app's state, credence.web.errors), else a bare one."""
    if scope.get("path", "").startswith("/api/"):
        return error_response(refused)
    app = scope.get("app")
    page_for = getattr(getattr(app, "state", None), "refusal_page", None)
    if page_for is not None:
        return cast(Response, page_for(scope, refused))
    title, sorry, search = _("Bad request"), _("Sorry"), _("Search the registry")
    page = (
        f'<!doctype html><html lang="{i18n.HTML_LANG[i18n.current()]}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        f'<link rel="stylesheet" href="/static/app.css"></head><body><main><h1>{html.escape(sorry)}</h1>'
        f'<p role="alert">{html.escape(refused.message)}</p>'
        f'<p><a href="/">{html.escape(search)}</a></p>'
        "</main></body></html>"
    )
    return HTMLResponse(page, status_code=refused.status)


class NoNul:
    """Refuses a NUL in the URL or a text body with 400 invalid_character (see the module's text). Inside
    BodyLimit, so the body it holds to read is never larger than the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = url_nul(scope)
        if refused is not None:
            await answer(scope, refused)(scope, receive, send)
            return
        content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        if not content_type.startswith(TEXT_BODIES):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:  # the whole body, then handed on as it came
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        refused = body_nul(body, content_type)
        if refused is not None:
            await answer(scope, refused)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
