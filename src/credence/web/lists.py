"""The public list pages (the eligibility check page is credence.web.checks). Each page has a JSON twin in
the API.

A list page shows the entries in force and public today (`lists.exports.public_row`, what the CSV and the
JSON show), a page at a time, newest entry first unless asked otherwise; it can be searched by name or
code (with the search's typo tolerance and pinyin, credence.subjects.search) and filtered by department,
criterion and region. The CSV and JSON downloads stay the whole list, as before."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from credence import i18n
from credence.api import search as search_service
from credence.api.app import REGIONS, Registry
from credence.catalog.model import ListKind
from credence.i18n import N_, _
from credence.identity import fold
from credence.lists import repository as lists_repo
from credence.lists.config import FIELDS
from credence.lists.exports import public_row
from credence.subjects import search as terms
from credence.web.search import page_links
from credence.web.templating import templates as shared_templates

HERE = Path(__file__).parent
PER_PAGE = 50
CLOSE_TO_BEST = 0.25  # a list searched by name shows the entries whose match is this close to the best
INTRO = {
    ListKind.serious_dishonesty: N_(
        "Organisations listed for serious dishonesty in one of four fields only, after notice and at least "
        "30 days to answer. Each entry ends by itself; a repair removes it early."
    ),
    ListKind.abnormal_operation: N_(
        "Organisations listed for a missed annual report, false information or being unreachable at their "
        "registered address, until the cause is cured. Still listed after 3 years, an entry moves to the "
        "serious-dishonesty list, with a warning at least 60 days before."
    ),
    ListKind.honour: N_("Commendations by public bodies, each with its legal basis and an end date."),
}
SORTS = {
    "newest": N_("Newest entry first"),
    "oldest": N_("Oldest entry first"),
    "name": N_("Name"),
}
Choice = Annotated[str, Query(max_length=64)]


def add_list_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()

    def page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context, status_code=status)

    def current(conn: Connection, kind: ListKind) -> list[dict[str, Any]]:
        """The list's public entries (as its CSV shows them), each with its organisation's id and region."""
        rows = []
        for e in lists_repo.current(conn, kind.value, registry.today()):
            if e.never_public:
                continue
            code = e.organisation_code or ""
            division = code[2:8] if len(code) == 18 else None
            rows.append(
                {
                    **public_row(e, registry.catalog),
                    "organisation_id": e.organisation_id,
                    "region": division,
                    "from_day": e.starts_on,
                    "until_day": e.ends_on,
                }
            )
        return rows

    def matching(conn: Connection, rows: list[dict[str, Any]], q: str) -> list[dict[str, Any]]:
        """The entries whose organisation's name matches the text as search matches it, or whose code
        starts with it."""
        code = fold(q).strip().upper()
        by_code = {i for i, r in enumerate(rows) if r["identifier"] and r["identifier"].startswith(code)}
        registry.vocabulary.refresh(conn)
        expansions = registry.vocabulary.expansions(q)
        scored = terms.coverage_query(expansions) if expansions else None
        ids: set[int] = set()
        if scored is not None:
            wanted = {r["organisation_id"] for r in rows}
            sub = scored.subquery()
            found = conn.execute(sub.select().where(sub.c.coverage >= search_service.MIN_COVERAGE))
            coverage = {r.id: r.coverage for r in found if r.id in wanted}
            # The list is not ordered by relevance, so only the close matches: those near the best one.
            best = max(coverage.values(), default=0.0)
            ids = {i for i, c in coverage.items() if c >= best - CLOSE_TO_BEST}
        text = q.strip().casefold()
        return [
            r
            for i, r in enumerate(rows)
            if i in by_code or r["organisation_id"] in ids or text in (r["organisation"] or "").casefold()
        ]

    @app.get("/lists", response_class=HTMLResponse, include_in_schema=False)
    def lists_page(request: Request) -> HTMLResponse:
        with registry.engine.connect() as conn:
            lists = [(kind, _(INTRO[kind]), len(current(conn, kind))) for kind in ListKind]
        return page(request, "lists.html", lists=lists, today=registry.today())

    @app.get("/lists/{kind}", response_class=HTMLResponse, include_in_schema=False)
    def list_page(
        request: Request,
        kind: str,
        q: Annotated[str, Query(max_length=200)] = "",
        department: Choice = "",
        criterion: Choice = "",
        region: Choice = "",
        sort: Choice = "",
        page_no: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
    ) -> HTMLResponse:
        if kind not in ListKind.__members__:
            known = ", ".join(ListKind)
            return page(
                request, "error.html", 404, message=_("no such list; the lists are %(known)s", known=known)
            )
        chosen = ListKind(kind)
        criteria = registry.lists.lists.criteria[chosen]
        q, sort = q.strip(), sort.strip() or "newest"
        errors = []
        if sort not in SORTS:
            errors.append(_("sort: one of %(values)s", values=", ".join(SORTS)))
        if criterion and criterion not in criteria:
            errors.append(_("criterion: one of %(values)s", values=", ".join(criteria)))
        if department and department not in registry.catalog.departments:
            errors.append(
                _("department: one of %(values)s", values=", ".join(sorted(registry.catalog.departments)))
            )
        if region and region not in REGIONS:
            errors.append(_("region: not a known division code (such as 330100 for Hangzhou)"))
        with registry.engine.connect() as conn:
            every = current(conn, chosen)
            shown = every if not q or errors else matching(conn, every, q)
        if not errors:
            shown = [
                r
                for r in shown
                if (not department or r["department"] == department)
                and (not criterion or r["criterion"] == criterion)
                and (not region or r["region"] == region)
            ]
        if sort == "name":
            shown.sort(key=lambda r: (r["organisation"] or "", r["entry"]))
        else:  # by the day entered, then the order of entry: a defined order whatever the day
            shown.sort(key=lambda r: (r["listed_from"], r["entry"]), reverse=sort == "newest")
        total = len(shown)
        pages = max(1, -(-total // PER_PAGE))
        first = (page_no - 1) * PER_PAGE
        params = [
            (k, v)
            for k, v in (("q", q), ("department", department), ("criterion", criterion), ("region", region))
            if v
        ]
        if sort != "newest":
            params.append(("sort", sort))
        zh = i18n.current() == "zh"
        departments = sorted({r["department"] for r in every})
        regions = sorted({r["region"] for r in every if r["region"] in REGIONS})
        return page(
            request,
            "list.html",
            422 if errors else 200,
            kind=chosen,
            intro=_(INTRO[chosen]),
            entries=[] if errors else shown[first : first + PER_PAGE],
            in_force=len(every),
            total=total,
            first=first + 1,
            last=min(first + PER_PAGE, total),
            page=page_no,
            pages=pages,
            page_links=page_links(page_no, pages),
            query=urlencode(params),
            errors=errors,
            q=q,
            chosen={"department": department, "criterion": criterion, "region": region},
            sort=sort,
            sorts=SORTS,
            departments=departments,
            regions=[(code, REGIONS[code][0] if zh else REGIONS[code][1]) for code in regions],
            region_names={code: (zh_name if zh else en) for code, (zh_name, en) in REGIONS.items()},
            criteria=criteria,
            fields=FIELDS,
            today=registry.today(),
            json_twin=f"/api/v1/lists/{chosen.value}",
        )
