"""The public list pages (the eligibility check page is credence.web.checks). Each page has a JSON twin in
the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from credence.api.app import Registry
from credence.catalog.model import ListKind
from credence.lists import exports
from credence.lists.config import FIELDS
from credence.lists.service import TITLE
from credence.web.templating import templates as shared_templates

HERE = Path(__file__).parent
MAX_UPLOAD_BYTES = 2_000_000
INTRO = {
    ListKind.serious_dishonesty: "Organisations listed for serious dishonesty in one of four fields only, "
    "after notice and at least 30 days to answer. Each entry ends by itself; a repair removes it early.",
    ListKind.abnormal_operation: "Organisations listed for a missed annual report, false information or "
    "being unreachable at their registered address, until the cause is cured. Still listed after 3 years, "
    "an entry moves to the serious-dishonesty list, with a warning at least 60 days before.",
    ListKind.honour: "Commendations by public bodies, each with its legal basis and an end date.",
}


def add_list_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()
    bidder_limits = app.state.bidders.describe()  # the cost limit, in words

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("bidder_limits", bidder_limits)
        return templates.TemplateResponse(request, name, context, status_code=status)

    def current(kind: ListKind) -> list[dict[str, Any]]:
        with registry.engine.connect() as conn:
            return exports.public_rows(conn, registry.catalog, kind.value, registry.today())

    @app.get("/lists", response_class=HTMLResponse, include_in_schema=False)
    def lists_page(request: Request) -> HTMLResponse:
        lists = [(kind, TITLE[kind], INTRO[kind], len(current(kind))) for kind in ListKind]
        return page(request, "lists.html", lists=lists, today=registry.today())

    @app.get("/lists/{kind}", response_class=HTMLResponse, include_in_schema=False)
    def list_page(request: Request, kind: str) -> HTMLResponse:
        if kind not in ListKind.__members__:
            known = ", ".join(ListKind)
            return page(request, "error.html", 404, message=f"no such list; the lists are {known}")
        chosen = ListKind(kind)
        criteria = registry.lists.lists.criteria[chosen]
        return page(
            request,
            "list.html",
            kind=chosen,
            title=TITLE[chosen],
            intro=INTRO[chosen],
            entries=current(chosen),
            criteria=criteria,
            fields=FIELDS,
            today=registry.today(),
            json_twin=f"/api/v1/lists/{chosen.value}",
        )
