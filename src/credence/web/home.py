"""The home page ("/") and the statistics page ("/statistics"): what the registry is, when it last changed,
a search form, and the registry in figures (credence.statistics), drawn as charts with their tables
beneath (credence.web.charts). Their JSON twin is /api/v1/statistics, each chart's its own part of it.

The figures are kept until the transparency log moves on (credence.statistics.figures.kept_statistics),
so a page shown again is not counted again; the charts' drawings are kept too.

A search sent to "/" (`/?q=...`, as bookmarks and forms made before /search had a page of its own do) is
redirected to /search with the same query (`search_redirect`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credence import i18n
from credence.api.app import Registry
from credence.api.statistics import statistics_json
from credence.i18n import _
from credence.statistics.figures import Statistics, kept_statistics
from credence.statistics.regions import region_names
from credence.web.charts import Chart, Column, bar_chart, time_chart
from credence.web.labels import label
from credence.web.templating import templates as shared_templates

TWIN = "/api/v1/statistics"
HOME_REGIONS = 10
"""How many regions the home page names (the statistics page names them all)."""


def search_redirect(request: Request) -> Response | None:
    """A search sent to "/" goes on to /search with its query (and any other parameters), 303."""
    if "q" not in request.query_params:
        return None
    return RedirectResponse(f"/search?{urlencode(list(request.query_params.multi_items()))}", status_code=303)


def add_home_pages(app: FastAPI, registry: Registry) -> None:
    templates = shared_templates()

    def page(request: Request, name: str, **context: Any) -> HTMLResponse:
        return templates.TemplateResponse(request, name, context)

    def figures(detail: bool) -> tuple[Statistics, dict[str, Any]]:
        return registry_figures(registry, detail)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home_page(request: Request) -> Response:
        redirect = search_redirect(request)
        if redirect is not None:
            return redirect
        s, body = figures(detail=False)
        named = Names(registry)
        return page(
            request,
            "home.html",
            s=s,
            body=body,
            names=named,
            regions=s.by_region[:HOME_REGIONS],
            more_regions=max(len(s.by_region) - HOME_REGIONS, 0),
            grades=grades_chart(body, named),
            json_twin=TWIN,
        )

    @app.get("/statistics", response_class=HTMLResponse, include_in_schema=False)
    def statistics_page(request: Request) -> HTMLResponse:
        s, body = figures(detail=True)
        named = Names(registry)
        return page(
            request,
            "statistics.html",
            s=s,
            body=body,
            names=named,
            counts=count_charts(body, named),
            over_time=time_charts(body, named),
            json_twin=TWIN,
        )


def registry_figures(registry: Registry, detail: bool) -> tuple[Statistics, dict[str, Any]]:
    """The figures as kept (counted again only when the log moved on), and their JSON."""
    s = kept_statistics(registry.engine, registry.catalog, registry.today(), detail=detail)
    return s, statistics_json(s, registry.catalog)


def predraw(registry: Registry) -> int:
    """Draw the charts of the home and statistics pages in each language ahead of their readers, and return
    how many there are. Drawing a chart takes a second or more (vl-convert lays out every label), so a
    reader who came first after a change would wait for ten of them; `credence serve` calls this in the
    background every minute, and a drawing already kept (same figures, same language) is not drawn again."""
    drawn = 0
    for lang in i18n.LANGUAGES:
        with i18n.language(lang):
            named = Names(registry)
            _s, body = registry_figures(registry, detail=True)
            drawn += len(count_charts(body, named)) + len(time_charts(body, named))
            _s, body = registry_figures(registry, detail=False)
            grades_chart(body, named)
            drawn += 1
    return drawn


class Names:
    """Codes as the reader reads them, in the request's language."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def __call__(self, code: Any, kind: str) -> str:
        if kind == "region":
            en, zh = region_names(str(code))
            return zh if i18n.current() == "zh" else en
        if kind == "kind" and not code:
            return _("Kind not known")
        return label(code, kind, self.registry)


def part(name: str) -> str:
    return f"{TWIN}?part={name}"


def grades_chart(body: dict[str, Any], names: Names) -> Chart:
    return bar_chart(
        "grades",
        title=_("Organisations by grade"),
        description=_("How many organisations hold each grade today, from A (best) to D."),
        rows=[
            {"grade": names(g["grade"], "grade"), "organisations": g["organisations"]} for g in body["grades"]
        ],
        category=Column("grade", _("Grade")),
        value=Column("organisations", _("Organisations"), "number"),
        horizontal=False,
    )


def count_charts(body: dict[str, Any], names: Names) -> list[tuple[Chart, str]]:
    """The counts, each a chart with its twin (a part of /api/v1/statistics)."""
    organisations = Column("organisations", _("Organisations"), "number")
    records = Column("records", _("Public records"), "number")
    charts = [
        (
            bar_chart(
                "by-kind",
                title=_("Organisations by kind"),
                description=_("Organisations anyone may look up, by their kind (from their identifier)."),
                rows=[
                    {"kind": names(k["kind"], "kind"), "organisations": k["organisations"]}
                    for k in body["organisations_by_kind"]
                ],
                category=Column("kind", _("Kind")),
                value=organisations,
            ),
            "organisations_by_kind",
        ),
        (
            bar_chart(
                "by-region",
                title=_("Organisations by region"),
                description=_(
                    "Organisations anyone may look up, by the province of their registration "
                    "(positions 3-4 of the unified social credit code), or their country."
                ),
                rows=[
                    {"region": names(r["region"], "region"), "organisations": r["organisations"]}
                    for r in body["organisations_by_region"]
                ],
                category=Column("region", _("Region")),
                value=organisations,
            ),
            "organisations_by_region",
        ),
        (
            bar_chart(
                "by-department",
                title=_("Public records by department"),
                description=_("The records anyone may read today, by the department that decided them."),
                rows=[
                    {"department": names(d["department"], "department"), "records": d["records"]}
                    for d in body["records_by_department"]
                ],
                category=Column("department", _("Department")),
                value=records,
            ),
            "records_by_department",
        ),
        (
            bar_chart(
                "by-category",
                title=_("Public records by category"),
                description=_("The records anyone may read today, by their category in the catalog."),
                rows=[
                    {"category": names(c["category"], "category"), "records": c["records"]}
                    for c in body["records_by_category"]
                ],
                category=Column("category", _("Category")),
                value=records,
            ),
            "records_by_category",
        ),
        (grades_chart(body, names), "grades"),
        (
            bar_chart(
                "lists",
                title=_("Entries on the lists in force"),
                description=_("The entries on each public list today."),
                rows=[{"list": names(x["list"], "list"), "entries": x["entries"]} for x in body["lists"]],
                category=Column("list", _("List")),
                value=Column("entries", _("Entries"), "number"),
            ),
            "lists",
        ),
    ]
    return [(c, part(p)) for c, p in charts]


# Each measure over time: (key in departments_by_month, chart id, title, description, value heading, kind).
MEASURES: tuple[tuple[str, str, Callable[[], str], Callable[[], str], Callable[[], str]], ...] = (
    (
        "records_decided",
        "records-per-month",
        lambda: _("Public records by month of decision"),
        lambda: _("The records anyone may read today, by the month their department decided them."),
        lambda: _("Records"),
    ),
    (
        "objections_received",
        "objections-per-month",
        lambda: _("Objections received per month"),
        lambda: _("Objections filed against published records, by the month they were filed."),
        lambda: _("Objections"),
    ),
    (
        "objection_answer_days",
        "answer-days-per-month",
        lambda: _("Days taken to answer an objection"),
        lambda: _(
            "The mean number of days from an objection's filing to its answer, by the month it was answered."
        ),
        lambda: _("Days"),
    ),
    (
        "repairs_decided",
        "repairs-per-month",
        lambda: _("Repair applications decided per month"),
        lambda: _("Repair applications approved or refused, by the month of the decision."),
        lambda: _("Decisions"),
    ),
)


def time_charts(body: dict[str, Any], names: Names) -> list[tuple[Chart, str]]:
    """Each department's figures over the last twelve months: a line per department that did something."""
    charts = []
    by_month = body["departments_by_month"]
    for key, chart_id, title, description, heading in MEASURES:
        active = {m["department"] for m in by_month if m[key]}
        rows = [
            {
                "month": f"{m['month']}-01",
                "department": names(m["department"], "department"),
                "value": m[key],
            }
            for m in by_month
            if m["department"] in active and (m[key] is not None or key != "objection_answer_days")
        ]
        chart = time_chart(
            chart_id,
            title=title(),
            description=description(),
            rows=rows,
            month=Column("month", _("Month"), "month"),
            value=Column("value", heading(), "number"),
            series=Column("department", _("Department")),
        )
        charts.append((chart, part("departments_by_month")))
    return charts
