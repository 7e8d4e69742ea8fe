"""The API's public figures: each department measured as a decision-maker (credence.process.figures).

Public, unlike the due-process routes: they count a department's answers and deadlines, and say nothing
about any organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from credence.api.shapes import Page
from credence.process.figures import department_figures

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()


class DepartmentFiguresOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # straight from a DepartmentFigures

    code: str
    name: str
    name_zh: str | None
    records_published: int = Field(description="Records whose notice reached the organisation.")
    objections_received: int
    objections_pending: int = Field(description="Open and not yet due: not measured yet.")
    objections_measured: int = Field(description="Answered, lapsed, or open past their due day.")
    objections_answered: int = Field(description="Answered corrected, upheld or withdrawn.")
    objections_answered_in_time: int = Field(description="Answered on or before their due day.")
    objections_corrected_or_withdrawn: int
    objections_lapsed: int = Field(description="Not answered in time: the record was withdrawn.")
    objections_overdue: int = Field(description="Open past their due day (the next tick lapses them).")
    objections_in_time_rate: float | None = Field(
        description="objections_answered_in_time / objections_measured; null when nothing is measured."
    )
    correction_rate: float | None = Field(
        description="objections_corrected_or_withdrawn / objections_answered; null when none is answered."
    )
    repairs_received: int
    repairs_pending: int = Field(description="Undecided and not yet due: not measured yet.")
    repairs_measured: int = Field(description="Decided, or undecided past their decision day.")
    repairs_decided: int
    repairs_decided_in_time: int = Field(description="Decided on or before their decision day.")
    repairs_overdue: int = Field(description="Undecided past their decision day.")
    repairs_in_time_rate: float | None = Field(
        description="repairs_decided_in_time / repairs_measured; null when nothing is measured."
    )
    refused_prohibited_ground: int = Field(
        description="Submissions refused on a prohibited ground, each logged as refusal.prohibited_ground."
    )


@router.get("/api/v1/departments/figures", response_model=Page[DepartmentFiguresOut], tags=["departments"])
def figures(
    request: Request,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 100,
) -> Page[DepartmentFiguresOut]:
    """Every department of the catalog, also with nothing to count, measured as a decision-maker: its
    objections answered in time, its correction rate, its repair decisions in time (as of today)."""
    reg: Registry = request.app.state.registry
    with reg.engine.connect() as conn:
        rows = department_figures(conn, reg.catalog, reg.today())
    return Page.of(rows, page, per_page, DepartmentFiguresOut.model_validate)
