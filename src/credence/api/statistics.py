"""The registry in figures (credence.statistics), the JSON twin of the home page and the statistics page.

Public: it counts only what anyone may see (public records after their notice, public list entries, never
a sole proprietor) and names no organisation except in the latest list entries and repairs, which the
list pages and the change feed already show. Each part is also served alone (`?part=grades`), as the
twin of the chart drawn from it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request

from credence.api.shapes import ApiError
from credence.catalog import Catalog
from credence.statistics.figures import Statistics, kept_statistics
from credence.statistics.regions import region_names

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()

PARTS = (
    "organisations_by_kind",
    "organisations_by_region",
    "records_by_department",
    "records_by_category",
    "grades",
    "lists",
    "recent_list_entries",
    "recent_repairs",
    "departments_by_month",
)


def statistics_json(s: Statistics, catalog: Catalog) -> dict[str, Any]:
    """The figures as the API returns them (codes, with names in both languages where the catalog or
    the regions give them; ISO dates)."""

    def department(code: str) -> dict[str, Any]:
        d = catalog.departments.get(code)
        return {"department": code, "name": d.name if d else code, "name_zh": d.name_zh if d else None}

    def category(code: str) -> dict[str, Any]:
        c = catalog.categories.get(code)
        return {"category": code, "title": c.title if c else code, "title_zh": c.title_zh if c else None}

    def region(key: str) -> dict[str, Any]:
        en, zh = region_names(key)
        return {"region": key, "name": en, "name_zh": zh}

    return {
        "as_of": s.as_of.isoformat(),
        "last_updated": s.last_updated.isoformat() if s.last_updated else None,
        "organisations": s.organisations,
        "records": s.records,
        "organisations_by_kind": [{"kind": c.key, "organisations": c.count} for c in s.by_kind],
        "organisations_by_region": [{**region(c.key), "organisations": c.count} for c in s.by_region],
        "records_by_department": [{**department(c.key), "records": c.count} for c in s.by_department],
        "records_by_category": [{**category(c.key), "records": c.count} for c in s.by_category],
        "grades": [{"grade": c.key, "organisations": c.count} for c in s.grades],
        "lists": [{"list": c.key, "entries": c.count} for c in s.lists],
        "recent_list_entries": [
            {
                "entry": e.entry,
                "list": e.list,
                "identifier": e.organisation_code,
                "organisation": e.organisation_name,
                "department": e.department,
                "listed_from": e.listed_from.isoformat(),
            }
            for e in s.recent_entries
        ],
        "recent_repairs": [
            {
                "repair": r.repair,
                "identifier": r.organisation_code,
                "organisation": r.organisation_name,
                "department": r.department,
                "category": r.category,
                "decided_on": r.decided_on.isoformat(),
            }
            for r in s.recent_repairs
        ],
        "departments_by_month": [
            {
                "department": m.department,
                "month": m.month.isoformat()[:7],
                "records_decided": m.records_decided,
                "objections_received": m.objections_received,
                "objections_answered": m.objections_answered,
                "objection_answer_days": m.objection_answer_days,
                "repairs_decided": m.repairs_decided,
                "repairs_approved": m.repairs_approved,
                "repair_decision_days": m.repair_decision_days,
            }
            for m in s.by_month
        ],
    }


@router.get("/api/v1/statistics", tags=["statistics"])
def statistics(
    request: Request,
    part: Annotated[str | None, Query(max_length=40, json_schema_extra={"enum": list(PARTS)})] = None,
) -> dict[str, Any]:
    """The registry in figures as of today: organisations by kind and region, public records by department
    and category, the grades, the lists in force, the latest list entries and repairs, and each
    department's figures month by month over the last twelve months. `part` returns one of them alone."""
    if part is not None and part not in PARTS:
        raise ApiError(
            422,
            "invalid_part",
            f"part: no such part of the statistics; the parts are {', '.join(PARTS)}",
            [{"where": "query.part", "message": "no such part"}],
        )
    reg: Registry = request.app.state.registry
    s = kept_statistics(reg.engine, reg.catalog, reg.today())
    body = statistics_json(s, reg.catalog)
    if part is None:
        return body
    return {"as_of": body["as_of"], "last_updated": body["last_updated"], part: body[part]}
