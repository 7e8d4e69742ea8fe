"""The report pages: a profile's credit report as a PDF, and /verify, where anyone types a report's
verification code and sees whether it is genuine and still current. JSON twin: /api/v1/reports/{code}.

A report is issued (stored with its verification code) by a POST, the profile page's button, which answers
with the PDF; no GET writes. Issuing renders a PDF and stores a row, so it has a rate limit of its own
(CREDENCE_REPORT_RATE_LIMIT) per token, account or address."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credence.api import auth
from credence.api.app import Registry
from credence.api.hardening import RateLimit
from credence.api.reports import report_service, verify
from credence.api.shapes import ApiError
from credence.i18n import N_, _, format_number
from credence.identity import SubjectError, not_an_identifier
from credence.reports.service import MalformedCode, ReportNotFound, normalise_code
from credence.web.templating import templates as shared_templates

HERE = Path(__file__).parent
UNITS = {"second": N_("second"), "minute": N_("minute"), "hour": N_("hour"), "day": N_("day")}


def limit_words(limit: RateLimit) -> str:
    """The reports' rate limit in the reader's words: "2 credit reports a minute" / "每分钟 2 份信用报告"."""
    unit = limit.item.GRANULARITY.name
    amount = format_number(limit.amount)
    if limit.item.multiples == 1:
        return _("%(amount)s credit reports a %(unit)s", amount=amount, unit=_(UNITS.get(unit, unit)))
    return _(
        "%(amount)s credit reports per %(n)s %(unit)ss",
        amount=amount,
        n=limit.item.multiples,
        unit=_(UNITS.get(unit, unit)),
    )


def add_report_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()

    issuing = RateLimit(registry.settings.report_rate_limit)

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    @app.post("/organisations/{code}/report.pdf", include_in_schema=False)
    def report_pdf(request: Request, code: str) -> Response:
        key, whom = request.app.state.access.rate_key(request, auth.principal_of(request))
        wait = issuing.hit(key)
        if wait is not None:
            message = _(
                "at most %(limit)s are issued %(whom)s (CREDENCE_REPORT_RATE_LIMIT); try again in %(wait)s s",
                limit=limit_words(issuing),
                whom=_(whom),
                wait=wait,
            )
            response = page(request, "error.html", 429, message=message)
            response.headers["Retry-After"] = str(wait)
            return response
        service = report_service(registry)
        try:
            org = service.organisation(code)
        except SubjectError as exc:  # what was typed is never repeated (a person's number or telephone)
            return page(request, "error.html", 422, message=not_an_identifier(exc))
        except ReportNotFound as exc:
            return page(request, "error.html", 404, message=str(exc))
        issued = service.issue_for(org, verify_url=f"{request.base_url}verify")
        return Response(
            issued.pdf_bytes,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="credit-report-{org.code}.pdf"',
                "Cache-Control": "no-store",  # each download is a new report with its own code
                "X-Verification-Code": issued.code,
            },
        )

    @app.get("/verify", response_class=HTMLResponse, include_in_schema=False)
    def verify_form(request: Request, code: Annotated[str, Query(max_length=200)] = "") -> Response:
        if not code.strip():
            return page(request, "verify.html", code="", error=None, v=None)
        try:
            normal = normalise_code(code)
        except MalformedCode as exc:
            return page(request, "verify.html", 422, code=code, error=str(exc), v=None)
        return RedirectResponse(f"/verify/{normal}", status_code=303)

    @app.get("/verify/{code}", response_class=HTMLResponse, include_in_schema=False)
    def verify_page(request: Request, code: str) -> HTMLResponse:
        try:
            found = verify(registry, code)
        except ApiError as exc:
            return page(request, "verify.html", exc.body.status, code=code, error=exc.body.message, v=None)
        return page(
            request,
            "verify.html",
            code=found.code,
            error=None,
            v=found,
            json_twin=f"/api/v1/reports/{found.code}",
        )
