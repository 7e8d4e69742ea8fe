"""The operator's page of change-feed consumers: who follows the feed and how far behind the log each is.

A consumer that lags has not applied the latest corrections, withdrawals and repairs, so the registry's
decisions have not reached everyone who copied them. JSON twin: GET /api/v1/changes/consumers. For the
operator (the rules: credence.api.rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from credence.api.app import Registry
from credence.log import feed, store
from credence.web.templating import templates as shared_templates

HERE = Path(__file__).parent


def add_consumer_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()

    @app.get("/operator/consumers", response_class=HTMLResponse, include_in_schema=False)
    def consumers_page(request: Request) -> HTMLResponse:
        with registry.engine.connect() as conn:
            found = feed.consumers(conn)
            size = store.head(conn).size
        context: dict[str, Any] = {
            "lagging": [c for c in found if c.behind],
            "current": [c for c in found if not c.behind],
            "size": size,
            "json_twin": "/api/v1/changes/consumers",
        }
        return templates.TemplateResponse(request, "operator_consumers.html", context)
