"""Self-service pages: an organisation's own file (every record, its grade and reasons, notices, objections,
repairs, list entries, and who read its file and why) with its forms, a department's inbox (objections,
repairs and proposed listings by deadline) and outbox (notice delivery), and a department's reading of an
organisation's shared records for a purpose.

Who may open which page is the rules' business (credence.api.rules, enforced before a page runs); who a
page is for comes from the request's principal: a password sign-in, a token, or, in demo mode only, the
demo sign-in. Every form carries a CSRF token keyed on the sign-in's session (or the visit cookie's
nonce), under the server's secret. The pages call the same services as the API and CLI.

Modules: session (the visit cookie and the demo nav middleware), forms, common (Pages and what every page
shares), signin (password and demo sign-in, sign-out), organisation (/me), department (/inbox, /outbox),
purpose (a department's purpose-bound read), queries (the own file's reads).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from credence.api import auth
from credence.api.app import Registry
from credence.web.selfservice.common import Pages, Stop
from credence.web.selfservice.department import add_department_routes
from credence.web.selfservice.organisation import add_organisation_routes
from credence.web.selfservice.outbox import add_outbox_routes
from credence.web.selfservice.purpose import add_purpose_routes
from credence.web.selfservice.review import add_review_routes
from credence.web.selfservice.session import SESSION_COOKIE, DemoNav, Signer
from credence.web.selfservice.signin import add_sign_in_routes

__all__ = ["SESSION_COOKIE", "Signer", "add_selfservice_pages"]


def add_selfservice_pages(app: FastAPI, registry: Registry) -> None:
    access: auth.Access = app.state.access
    pages = Pages(registry, access)
    if registry.settings.demo_mode:
        app.add_middleware(DemoNav, signer=pages.signer)

    @app.exception_handler(Stop)
    async def stopped(_: Request, exc: Stop) -> Response:
        return exc.response

    def denied_page(request: Request, exc: auth.Denied) -> HTMLResponse:
        """A page the rules refuse: 401 asks to sign in, 403 says whose page it is."""
        sign_in = "/sign-in" if registry.settings.demo_mode else "/sign-in/password"
        context = {"status": exc.body.status, "message": exc.body.message, "sign_in": sign_in}
        headers = {"Cache-Control": "no-store"}
        return pages.templates.TemplateResponse(
            request, "denied.html", context, status_code=exc.body.status, headers=headers
        )

    app.state.denied_page = denied_page
    add_sign_in_routes(app, pages, access)
    add_organisation_routes(app, pages)
    add_department_routes(app, pages)
    add_outbox_routes(app, pages)
    add_purpose_routes(app, pages)
    add_review_routes(app, pages)
