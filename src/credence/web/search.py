"""The search page, /search: organisations by name or code, with filters (region, kind, grade, department,
category, list), a sort and pages; its JSON twin is GET /api/v1/organisations with the same parameters.
/search/results is the results alone, which static/search.js fetches as you type. Everything goes through
`organisation_search`, the API's: the same answers, the same refusals."""

# Without `from __future__ import annotations`: the routes' parameters name a dependency made inside
# add_search_pages, which FastAPI can only read from annotations evaluated where they are written.
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from credence import i18n
from credence.api import search as search_service
from credence.api.app import REGIONS, Registry, organisation_search
from credence.api.shapes import ApiError
from credence.catalog.model import GRADES, ListKind
from credence.web.templating import templates as shared_templates

PER_PAGE = 20
FILTERS = ("region", "kind", "grade", "department", "category", "list")
Text = Annotated[str, Query(max_length=200)]
Choice = Annotated[str, Query(max_length=64)]
PageNo = Annotated[int, Query(ge=1, le=100_000)]


def page_links(page: int, pages: int) -> list[int | None]:
    """The pages a pager links: the first, the last, and two either side of this one (None: a gap)."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[int | None] = []
    for i, p in enumerate(wanted):
        if i and p != wanted[i - 1] + 1:
            out.append(None)
        out.append(p)
    return out


def add_search_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()

    def options() -> dict[str, Any]:
        zh = i18n.current() == "zh"
        regions = sorted(
            ((code, zh_name if zh else en) for code, (zh_name, en) in REGIONS.items()), key=lambda r: r[0]
        )
        return {
            "regions": regions,
            "kinds": search_service.KINDS,
            "grades": GRADES,
            "departments": sorted(registry.catalog.departments),
            "categories": search_service.public_categories(registry.catalog),
            "lists": list(ListKind.__members__),
            "sorts": search_service.SORTS,
        }

    def context(q: str, chosen: dict[str, str], sort: str, page: int) -> tuple[dict[str, Any], int]:
        q = q.strip()
        filters = search_service.Filters(**{k: v for k, v in chosen.items() if v})
        base: dict[str, Any] = {
            "q": q,
            "chosen": chosen,
            "sort": sort,
            "page": page,
            "items": [],
            "total": 0,
            "error": None,
            "explanation": None,
            "searched": bool(q or filters.given()),
            **options(),
        }
        if not base["searched"]:
            return base, 200
        try:
            found = organisation_search(registry, q, page, PER_PAGE, filters, sort or None)
        except ApiError as exc:
            # A person's identity number is not put back in the search box.
            shown = "" if exc.body.code == "natural_person" else q
            return {**base, "q": shown, "error": exc.body.message}, exc.body.status
        params = [("q", q)] if q else []
        params += [(k, v) for k, v in chosen.items() if v]
        if sort:
            params.append(("sort", sort))
        pages = max(1, -(-found.total // PER_PAGE))
        first = (page - 1) * PER_PAGE + 1
        return {
            **base,
            "items": found.items,
            "total": found.total,
            "explanation": found.explanation.message if found.explanation else None,
            "first": first,
            "last": first + len(found.items) - 1,
            "pages": pages,
            "page_links": page_links(page, pages),
            "query": urlencode(params),
            "json_twin": "/api/v1/organisations?"
            + urlencode([*params, ("page", page), ("per_page", PER_PAGE)]),
        }, 200

    def found(
        q: Text = "",
        region: Choice = "",
        kind: Choice = "",
        grade: Choice = "",
        department: Choice = "",
        category: Choice = "",
        on_list: Annotated[str, Query(alias="list", max_length=64)] = "",
        sort: Choice = "",
        page: PageNo = 1,
    ) -> tuple[dict[str, Any], int]:
        """What the query asks and what it finds: one set of parameters for the page and its fragment."""
        values = (region, kind, grade, department, category, on_list)
        chosen = {name: value.strip() for name, value in zip(FILTERS, values, strict=True)}
        return context(q, chosen, sort.strip(), page)

    Found = Annotated[tuple[dict[str, Any], int], Depends(found)]

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, results: Found) -> HTMLResponse:
        return templates.TemplateResponse(request, "search.html", results[0], status_code=results[1])

    @app.get("/search/results", response_class=HTMLResponse, include_in_schema=False)
    def search_results(request: Request, results: Found) -> HTMLResponse:
        """The results alone, for the page to put in place as the reader types."""
        return templates.TemplateResponse(request, "_results.html", results[0], status_code=results[1])


__all__ = ["add_search_pages", "page_links"]
