"""The public list pages and the eligibility check page (one organisation by its code or, without a code,
by its name and country; or a CSV of bidders uploaded by a procurement officer and returned with a line per
bidder). Each page has a JSON twin in the API.

The page answers as the public sees it: a sole proprietor (USCC prefix 92, never public) is undisclosed,
whoever asks, except to the organisation itself. A department reads a sole proprietor's check for a stated
purpose through the API (GET /api/v1/checks?purpose=...), where each read is logged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from credence.api.app import Registry
from credence.api.hardening import TooManyRequests, charge_bidders
from credence.api.lists import disclosure_for
from credence.api.shapes import ApiError
from credence.catalog.model import ListKind
from credence.checks.bidders import read_bidders
from credence.checks.names import MAX_NAME_LENGTH, NameRefused
from credence.checks.service import UnknownDomain, write_rows
from credence.identity import SubjectError, not_an_identifier
from credence.lists import exports
from credence.lists.config import FIELDS
from credence.lists.service import TITLE
from credence.measures.catalog import DOMAINS
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

    @app.get("/checks", response_class=HTMLResponse, include_in_schema=False)
    def checks_page(
        request: Request,
        subject: Annotated[str, Query(max_length=100)] = "",
        domain: Annotated[str, Query(max_length=64)] = "public_procurement",
        name: Annotated[str, Query(max_length=MAX_NAME_LENGTH)] = "",
        country: Annotated[str, Query(max_length=8)] = "",
    ) -> HTMLResponse:
        found, by_name, error, twin = None, None, None, None
        if name.strip() and not subject.strip():
            # A bidder without a code: its candidates, and its file's check when one matches.
            try:
                by_name = registry.checks.check_name(name.strip(), country.strip() or None, domain).to_json()
                query = {"name": name.strip(), "domain": domain} | (
                    {"country": country.strip()} if country.strip() else {}
                )
                twin = f"/api/v1/checks/by-name?{urlencode(query)}"
            except UnknownDomain as exc:
                error = str(exc)
            except NameRefused as exc:
                error = str(exc)
                name = ""  # a refused name (a person's, perhaps) is not put back in the form
        elif subject.strip():
            try:
                own, _ = disclosure_for(request, None)  # the organisation itself sees its own
                found = registry.checks.check(subject.strip(), domain, own).to_json()
                twin = f"/api/v1/checks?subject={quote(subject.strip())}&domain={quote(domain)}"
            except UnknownDomain as exc:
                error = str(exc)
            except SubjectError as exc:
                error = f"subject: {not_an_identifier(exc)}"
                subject = ""  # not put back in the form: it may be a person's number or telephone
        return page(
            request,
            "checks.html",
            status=422 if error else 200,
            subject=subject,
            domain=domain,
            domains=DOMAINS,
            found=found,
            by_name=by_name,
            bidder_name=name,
            country=country,
            error=error,
            json_twin=twin,
        )

    @app.post("/checks/file", include_in_schema=False)
    async def checks_file(
        request: Request,
        bidders: Annotated[UploadFile, File()],
        domain: Annotated[str, Form(max_length=64)] = "public_procurement",
    ) -> Response:
        data = await bidders.read(MAX_UPLOAD_BYTES + 1)
        try:
            if len(data) > MAX_UPLOAD_BYTES:
                raise ValueError(f"the file is larger than {MAX_UPLOAD_BYTES:,} bytes")
            rows = read_bidders(data)  # CSV as ingest reads it, or an XLSX workbook
            charge_bidders(request, len(rows))  # the cost limit: 413 or 429 before any is checked
            own, _ = disclosure_for(request, None)
            # Off the event loop, which a thousand bidders would hold for a second.
            body = await run_in_threadpool(lambda: write_rows(registry.checks.check_rows(rows, domain, own)))
        except ApiError as exc:  # over the cost limit
            refused = page(
                request,
                "checks.html",
                exc.body.status,
                subject="",
                domain=domain,
                domains=DOMAINS,
                found=None,
                error=f"{bidders.filename or 'the file'}: {exc.body.message}",
                json_twin=None,
            )
            if isinstance(exc, TooManyRequests):
                refused.headers["Retry-After"] = str(exc.retry_after)
            return refused
        except (UnknownDomain, ValueError) as exc:
            return page(
                request,
                "checks.html",
                422,
                subject="",
                domain=domain,
                domains=DOMAINS,
                found=None,
                error=f"{bidders.filename or 'the file'}: {exc}",
                json_twin=None,
            )
        name = f"checks-{domain}.csv"
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
