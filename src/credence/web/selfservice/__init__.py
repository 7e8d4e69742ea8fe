"""Self-service pages behind a demo sign-in, until access control lands: an organisation's own file (every
record, its grade and reasons, notices, objections, repairs, list entries) with its forms, and a
department's inbox (objections, repairs and proposed listings by deadline) and outbox (notice delivery).

Open only in demo mode and only from 127.0.0.1 (Registry.demo_only). The sign-in is a cookie signed with
HMAC-SHA256 under a key made when the app starts, so nobody can edit it to become someone else, and every
form carries a CSRF token derived from the session. The pages call the same services as the API and CLI.

Modules: session (the signed cookie and the nav middleware), forms, common (Pages and what every page
shares), signin, organisation (/me), department (/inbox, /outbox), queries (the own file's reads).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from credence.api.app import Registry
from credence.web.selfservice.common import Pages, Stop
from credence.web.selfservice.department import add_department_routes
from credence.web.selfservice.organisation import add_organisation_routes
from credence.web.selfservice.session import SESSION_COOKIE, DemoNav, Signer
from credence.web.selfservice.signin import add_sign_in_routes

__all__ = ["SESSION_COOKIE", "Signer", "add_selfservice_pages"]


def add_selfservice_pages(app: FastAPI, registry: Registry) -> None:
    pages = Pages(registry)
    if registry.settings.demo_mode:
        app.add_middleware(DemoNav, signer=pages.signer)

    @app.exception_handler(Stop)
    async def stopped(_: Request, exc: Stop) -> Response:
        return exc.response

    add_sign_in_routes(app, pages)
    add_organisation_routes(app, pages)
    add_department_routes(app, pages)
