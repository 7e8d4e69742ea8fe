"""Purpose-bound reads in the API: which records a principal sees of an organisation, and the access log.

Anyone sees an organisation's public records. A department that states a purpose from the fixed list
(credence.access.principal.PURPOSES) also sees the records the catalog shares with public bodies, and the
read is kept and logged (credence.access.reads). The organisation itself sees all its records, of every
publicity, without a purpose and without a log entry. The organisation sees who read its file and why;
the auditor and the operator see every read.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from credence.access.principal import PURPOSES, Principal, Role
from credence.api import auth, queries
from credence.api.shapes import ApiError, Page, one_of
from credence.i18n import _
from credence.records import publicity

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter(tags=["access"])
SHARED = ("public", "shared")
EVERY = ("public", "shared", "private")
Purpose = Annotated[
    str | None,
    Query(max_length=64, description=f"Why a department reads non-public records: {', '.join(PURPOSES)}."),
    one_of(list(PURPOSES)),
]


class ReadOut(BaseModel):
    at: datetime
    organisation: str | None = Field(description="The code (USCC or LEI) of the organisation read.")
    actor: str = Field(description="Who read, with the credential used (a token's name, an account).")
    role: str
    department: str | None
    purpose: str
    purpose_title: str
    what: str = Field(description="What was read.")


def records_view(principal: Principal, organisation_code: str | None, purpose: str | None) -> tuple[str, ...]:
    """The publicities a principal sees of an organisation's records (refusing what it may not ask)."""
    if purpose is not None and purpose not in PURPOSES:
        raise ApiError(
            422,
            "unknown_purpose",
            _(
                "purpose: '%(purpose)s' is not a purpose; one of %(purposes)s",
                purpose=purpose,
                purposes=", ".join(PURPOSES),
            ),
        )
    if principal.role is Role.ORGANISATION and principal.organisation_code == organisation_code:
        return EVERY  # its own file: no purpose needed, nothing to log
    if purpose is None:
        return publicity.PUBLIC
    if principal.role is Role.DEPARTMENT:
        return SHARED
    if principal.role is Role.PUBLIC:
        raise auth.Denied(
            401, "unauthenticated", _("purpose: reading for a purpose needs a department's token")
        )
    raise auth.Denied(
        403,
        "forbidden",
        _(
            "purpose: only a department reads shared records for a purpose, not %(role)s",
            role=principal.role.value,
        ),
    )


def read_out(row: Any) -> ReadOut:
    return ReadOut(
        at=row.at,
        organisation=row.organisation_code,
        actor=row.actor,
        role=row.role,
        department=row.department,
        purpose=row.purpose,
        purpose_title=PURPOSES.get(row.purpose, row.purpose),
        what=row.what,
    )


def _registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


PageNo = Annotated[int, Query(ge=1, le=100_000)]
PerPage = Annotated[int, Query(ge=1, le=100)]


@router.get("/api/v1/organisations/{code}/reads", response_model=Page[ReadOut])
def organisation_reads(
    request: Request, code: Annotated[str, Path(max_length=100)], page: PageNo = 1, per_page: PerPage = 20
) -> Page[ReadOut]:
    """Who read the organisation's non-public records, for which purpose and when, newest first: for the
    organisation itself, the auditor and the operator."""
    reg = _registry(request)
    org = reg.own_file(request, code)
    with reg.engine.connect() as conn:
        total, rows = queries.reads(conn, org.id, page, per_page)
    return Page(items=[read_out(r) for r in rows], total=total, page=page, per_page=per_page)


@router.get("/api/v1/access/reads", response_model=Page[ReadOut])
def every_read(request: Request, page: PageNo = 1, per_page: PerPage = 20) -> Page[ReadOut]:
    """Every read of non-public data, of every organisation, newest first: for the auditor and the
    operator."""
    with _registry(request).engine.connect() as conn:
        total, rows = queries.reads(conn, None, page, per_page)
    return Page(items=[read_out(r) for r in rows], total=total, page=page, per_page=per_page)
