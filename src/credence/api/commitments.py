"""The API's credit commitments: the published templates (public); making one (the organisation itself),
marking it kept or broken (the department it was made to), and an organisation's own commitments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from credence.api import auth
from credence.api.process import refusals
from credence.api.shapes import Page, Short, StrictIn, Text, enum_of
from credence.commitments import service as repo
from credence.process.machine import COMMITMENT

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()


class TemplateOut(BaseModel):
    code: str
    text: str
    text_zh: str | None
    legal_basis: str
    departments: list[str]
    breach_severity: str = Field(description="The severity of the record of breach if it is broken.")


class CommitmentIn(StrictIn):
    organisation: Short = Field(description="The organisation's USCC or LEI.")
    template: Short
    department: Short = Field(description="The department the commitment is made to.")
    made_by: Short = Field(description="organisation:CODE: the organisation makes it itself.")
    due_on: date | None = Field(default=None, description="By when it is to be shown kept.")


class OutcomeIn(StrictIn):
    department: Short
    kept: bool
    actor: Short
    reason: Text


class CommitmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    department: str
    template: str
    text: str
    state: str = Field(description="made, kept or broken.", json_schema_extra=enum_of(COMMITMENT.states))
    made_at: datetime
    made_by: str
    due_on: date | None
    decided_by: str | None
    decision_reason: str | None
    record_id: int | None = Field(description="The record of the commitment (COMMIT-<id>).")
    breach_record_id: int | None = Field(description="The record of breach (BREACH-<id>), when broken.")


def _registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


def _service(request: Request) -> Any:
    return _registry(request).process.commitments


@router.get("/api/v1/commitment-templates", response_model=list[TemplateOut], tags=["commitments"])
def templates(request: Request) -> list[TemplateOut]:
    """The published templates an organisation may commit in."""
    return [
        TemplateOut(**t.model_dump(mode="json") | {"legal_basis": str(t.legal_basis)})
        for t in _registry(request).process.commitments.templates.templates.values()
    ]


@router.post("/api/v1/commitments", response_model=CommitmentOut, status_code=201, tags=["commitments"])
def make(request: Request, body: CommitmentIn) -> CommitmentOut:
    """The organisation commits in a template; the approval it goes with proceeds at once."""
    service = _service(request)
    auth.filer(request, "made_by", body.made_by)
    with refusals():
        row = service.make(
            body.organisation,
            body.template,
            department=body.department,
            made_by=body.made_by,
            due_on=body.due_on,
        )
    return CommitmentOut.model_validate(row)


@router.post(
    "/api/v1/commitments/{commitment_id}/outcome", response_model=CommitmentOut, tags=["commitments"]
)
def outcome(
    request: Request, commitment_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: OutcomeIn
) -> CommitmentOut:
    """The department marks it kept, or broken: a record of breach follows, noticed like any record."""
    service = _service(request)
    auth.own_department(request, "department", body.department)
    actor = auth.actor(request, "actor", body.actor)
    with refusals():
        marked = service.mark(
            commitment_id, department=body.department, kept=body.kept, actor=actor, reason=body.reason
        )
    return CommitmentOut.model_validate(marked.commitment)


@router.get(
    "/api/v1/organisations/{code}/commitments", response_model=Page[CommitmentOut], tags=["commitments"]
)
def own(
    request: Request,
    code: Annotated[str, Path(max_length=100)],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[CommitmentOut]:
    """Every commitment of the organisation, newest first (for the organisation itself)."""
    reg = _registry(request)
    org = reg.own_file(request, code)
    with reg.engine.connect() as conn:
        rows = repo.of_organisation(conn, org.id)
    return Page.of(rows, page, per_page, CommitmentOut.model_validate)
