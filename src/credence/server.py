"""The server's app: the API (credence.api) with the web pages (credence.web) added to it. The one module
that imports both, so the API never imports the pages that are an edge over it."""

from __future__ import annotations

from fastapi import FastAPI

from credence.api.app import Registry, create_api
from credence.clock import Clock
from credence.settings import Settings
from credence.web.checks import add_check_pages
from credence.web.consumers import add_consumer_pages
from credence.web.errors import add_error_pages
from credence.web.home import add_home_pages
from credence.web.lists import add_list_pages
from credence.web.reports import add_report_pages
from credence.web.routes import add_pages
from credence.web.selfservice import add_selfservice_pages
from credence.web.templating import LanguageMiddleware

__all__ = ["create_app"]


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The API's app with every page added, over the same Registry, each request in its reader's language."""
    app = create_api(settings, clock)
    registry: Registry = app.state.registry
    add_home_pages(app, registry)  # first: "/" is the home page (a search sent there goes to /search)
    add_pages(app, registry)
    add_report_pages(app, registry)
    add_list_pages(app, registry)
    add_check_pages(app, registry)
    add_selfservice_pages(app, registry)
    add_consumer_pages(app, registry)
    add_error_pages(app)  # a browser's 404, 422 and 500 as pages; API clients keep the JSON
    app.add_middleware(LanguageMiddleware)  # outermost: every page and message in the reader's language
    return app
