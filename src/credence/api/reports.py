"""The API's report verification: GET /api/v1/reports/{code}, public like the profile it vouches for.

The answer says whether the report with that verification code is genuine and still current, and if not,
what changed at the level of its lines; it never returns the stored report itself."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from credence.api.shapes import ApiError, VerificationCode
from credence.i18n import _
from credence.reports.service import MalformedCode, ReportService, Verification

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()


class OrganisationRef(BaseModel):
    identifier: str | None
    name: str | None
    key: str | None


class VerificationOut(BaseModel):
    code: str = Field(description="The verification code, in its printed form (XXXX-XXXX-XXXX-XXXX).")
    genuine: bool = Field(description="The stored report still hashes to the fingerprint it was issued with.")
    current: bool = Field(description="A report issued today would say the same, apart from its dates.")
    issued_at: datetime
    as_of: date | None = Field(description="The day the report speaks of; null when it is not genuine.")
    organisation: OrganisationRef
    content_sha256: str = Field(description="The fingerprint printed on the report.")
    differences: list[str] = Field(description="What changed since, one line each; empty when current.")


def report_service(reg: Registry) -> ReportService:
    """A report service over the registry's own services (it holds references only: cheap to make)."""
    return ReportService(reg.engine, reg.catalog, reg.rating, reg.checks, reg.clock, reg.settings)


def verify(reg: Registry, code: str) -> Verification:
    """The verification of a code, or ApiError 422 (malformed) / 404 (no such report)."""
    try:
        found = report_service(reg).verify(code)
    except MalformedCode as exc:
        raise ApiError(422, "invalid_verification_code", str(exc)) from None
    if not found.found:
        raise ApiError(404, "not_found", _("no report with verification code %(code)s", code=found.code))
    return found


@router.get("/api/v1/reports/{code}", response_model=VerificationOut, tags=["reports"])
def verification(
    request: Request,
    code: Annotated[
        str,
        Path(
            max_length=64,
            description="A report's verification code, as printed (K7QF-2M9X-4D8R-T1VW) or typed: any case, "
            "with or without dashes; I, L and O are read as 1, 1 and 0.",
        ),
        VerificationCode,
    ],
) -> VerificationOut:
    """Is the credit report with this verification code genuine, and still current? When it is not
    current, what changed since it was issued (records, list entries, measures, grade)."""
    found = verify(request.app.state.registry, code)
    assert found.issued_at is not None and found.organisation is not None and found.content_sha256
    return VerificationOut(
        code=found.code,
        genuine=found.genuine,
        current=found.current,
        issued_at=found.issued_at,
        as_of=found.as_of,
        organisation=OrganisationRef(**found.organisation),
        content_sha256=found.content_sha256,
        differences=found.differences,
    )
