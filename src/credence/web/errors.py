"""Errors a browser reads as pages: an unknown address (404), a request that was not accepted (422, 405,
400...) and a failure of the server (500) answer a client that asks for HTML (`Accept: text/html`, outside
/api/) with a page in the site's frame and the reader's language, saying what happened and where to go
next. Every other client (a script, `curl`, anything under /api/) keeps the API's JSON error, unchanged.

No error page repeats what was refused: not the address asked for, not the value of a field (it may be a
person's identity number or telephone); a 422 names the fields and what is wrong with them. The favicon is
served here too (/favicon.ico, the SVG in static/).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from credence import i18n
from credence.api.shapes import ErrorBody, error_response
from credence.web.templating import chosen_language
from credence.web.templating import templates as shared_templates

FAVICON = Path(__file__).parent / "static" / "favicon.svg"


def wants_html(request: Request) -> bool:
    """Whether the client asks for a page: a browser sends `Accept: text/html`; the API's paths never
    answer with one."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_page(
    request: Request,
    status: int,
    details: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    message: str | None = None,
) -> HTMLResponse:
    """The error page for `status`, in the request's language (error.html)."""
    context: dict[str, Any] = {"details": details or []}
    if message:
        context["message"] = message
    pages = shared_templates()
    return pages.TemplateResponse(request, "error.html", context, status_code=status, headers=headers)


async def _answer(
    handler: Callable[[Request, Any], Response | Awaitable[Response]], request: Request, exc: Exception
) -> Response:
    """What the API's own handler answers."""
    answer = handler(request, exc)
    return await answer if inspect.isawaitable(answer) else answer


def add_error_pages(app: FastAPI) -> None:
    """Answer a browser's errors with pages; keep the API's handlers for everyone else. Call after the
    API's handlers are installed (create_api)."""
    api_http = app.exception_handlers[StarletteHTTPException]

    def refusal_page(scope: Scope, refused: ErrorBody) -> Response:
        """A refusal before any route (a NUL in the address or a form, credence.api.characters), as a page:
        its message says where the character is, never what surrounds it."""
        return error_page(Request(scope), refused.status, message=refused.message)

    app.state.refusal_page = refusal_page
    api_invalid = app.exception_handlers[RequestValidationError]

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        answer = await _answer(api_http, request, exc)
        if not wants_html(request):
            return answer
        keep = {k: v for k, v in answer.headers.items() if k.lower() in ("allow", "retry-after")}
        return error_page(request, answer.status_code, headers=keep)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if not wants_html(request):
            return await _answer(api_invalid, request, exc)
        # Where and what, never the value that was sent.
        details = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        return error_page(request, 422, details)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        """A failure nothing else caught (Starlette logs it and re-raises it after the answer). This runs
        outside the language middleware, so the language is chosen here again."""
        lang, _switched = chosen_language(request)
        if not wants_html(request):
            body = ErrorBody(
                status=500,
                code="internal_error",
                message="the server failed to answer this request; the failure is logged",
            )
            return error_response(body)
        with i18n.language(lang):
            page = error_page(request, 500)
        page.headers["Content-Language"] = i18n.HTML_LANG[lang]
        return page
