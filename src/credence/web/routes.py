"""The web pages, added to the API's app: the same registry, the same queries, each page with a JSON twin.

Search results come as you type from a small script that fetches the server-rendered results fragment
(static/search.js); the page works the same without it. That is all the interaction the pages need, so
no front-end library is shipped or fetched.
"""

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from credence import i18n
from credence.access.principal import PURPOSES, Role
from credence.api import auth
from credence.api.app import Registry, organisation_profile, public_record
from credence.api.shapes import ApiError
from credence.i18n import _
from credence.process.figures import department_figures, percent
from credence.rating.policy import translation
from credence.web.profile import profile_context as profile_context  # also the purpose pages'
from credence.web.search import add_search_pages
from credence.web.templating import templates as shared_templates

HERE = Path(__file__).parent


def add_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    add_search_pages(app, registry)  # /search and its results as you type (credence.web.search)

    @app.get("/organisations/{code}", response_class=HTMLResponse, include_in_schema=False)
    def profile_page(request: Request, code: str) -> HTMLResponse:
        try:
            profile, org = organisation_profile(registry, code)
        except ApiError as exc:
            return page(request, "error.html", exc.body.status, message=exc.body.message)
        context = profile_context(registry, profile, org)
        if auth.principal_of(request).role is Role.DEPARTMENT:  # it may read shared records for a purpose
            context.update(purposes=PURPOSES, csrf=auth.csrf_token(request))
        return page(request, "profile.html", **context)

    @app.get("/records/{department}/{source_record_id}", response_class=HTMLResponse, include_in_schema=False)
    def record_page(request: Request, department: str, source_record_id: str) -> HTMLResponse:
        try:
            record, org, provenance = public_record(registry, department, source_record_id)
        except ApiError as exc:
            return page(request, "error.html", exc.body.status, message=exc.body.message)
        dept = registry.catalog.departments.get(department)
        name = dept and (dept.name_zh if i18n.current() == "zh" and dept.name_zh else dept.name)
        return page(
            request,
            "record.html",
            r=record,
            org=org,
            department=f"{name} ({department})" if name else department,
            provenance=provenance,
            json_twin=f"/api/v1/records/{quote(department)}/{quote(source_record_id)}",
        )

    @app.get("/catalog", response_class=HTMLResponse, include_in_schema=False)
    def catalog_page(request: Request) -> HTMLResponse:
        categories = []
        for c in registry.catalog.categories.values():
            pub = c.publication
            # (severity, days) pairs, read out by the page in its language: "serious 1095" / "严重 1,095"
            periods: list[tuple[str | None, int]] = []
            if c.severity_applies:
                periods = [(s, p.max_days) for s in ("minor", "general", "serious") if (p := getattr(pub, s))]
            elif pub.any:
                periods = [(None, pub.any.max_days)]
            categories.append(
                {
                    "title": c.title,
                    "title_zh": c.title_zh,
                    "polarity": c.polarity.value,
                    "legal_basis": str(c.legal_basis),
                    "bases": [str(b) for b in c.bases],
                    "departments": ", ".join(c.departments),
                    "publicity": c.publicity.value,
                    "periods": periods,
                }
            )
        return page(
            request,
            "catalog.html",
            catalog=registry.catalog,
            categories=categories,
            json_twin="/api/v1/catalog",
        )

    @app.get("/policy", response_class=HTMLResponse, include_in_schema=False)
    def policy_page(request: Request) -> HTMLResponse:
        return page(
            request,
            "policy.html",
            doc=registry.policy.doc,
            sha256=registry.policy.sha256,
            translated=translation(registry.policy, i18n.current()),
            json_twin="/api/v1/policy",
        )

    @app.get("/how-ratings-work", response_class=HTMLResponse, include_in_schema=False)
    def how_page(request: Request) -> HTMLResponse:
        doc = registry.policy.doc
        bands, low = [], 0
        for band in doc.decay:
            if band.until_days is None:
                bands.append(_("%(percent)s%% from %(low)s days old", percent=band.percent, low=low))
            else:
                bands.append(
                    _(
                        "%(percent)s%% from %(low)s to %(high)s days old",
                        percent=band.percent,
                        low=low,
                        high=band.until_days,
                    )
                )
                low = band.until_days
        limits = [r for r in doc.rules if r.grade_at_most]
        return page(request, "how.html", doc=doc, bands=bands, limits=limits, json_twin="/api/v1/policy")

    @app.get("/departments", response_class=HTMLResponse, include_in_schema=False)
    def departments_page(request: Request) -> HTMLResponse:
        today = registry.today()
        with registry.engine.connect() as conn:
            figures = department_figures(conn, registry.catalog, today)
        return page(
            request,
            "departments.html",
            figures=figures,
            today=today,
            answer_days=registry.settings.objection_answer_days,
            extension_days=registry.settings.objection_extension_days,
            repair_days=registry.settings.repair_decision_working_days,
            percent=percent,
            json_twin="/api/v1/departments/figures",
        )
