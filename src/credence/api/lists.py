"""The API's lists and eligibility checks.

Public: the current entries of each list (JSON pages and whole CSV/JSON exports) and the checks, which say
only what the public lists and grades already say. A sole proprietor's file (USCC prefix 92) is never
public: its check is `undisclosed`, the same whether the registry holds it or not, except to a department
that states a purpose (each read kept and logged before the answer leaves, and shown to the organisation)
and to the organisation itself. For departments, as themselves: the list procedures; for the organisation
itself: answering a proposal, and its own entries, proposals included."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from credence.access.principal import Role
from credence.access.reads import Read, record_reads
from credence.api import auth, reads
from credence.api.hardening import charge_bidders
from credence.api.process import refusals
from credence.api.shapes import (
    CSV_ANSWER,
    SUBJECT_DESCRIPTION,
    ApiError,
    OrganisationCode,
    Page,
    Short,
    StrictIn,
    Text,
    enum_of,
    one_of,
)
from credence.catalog.model import ListKind
from credence.checks.bidders import read_bidders
from credence.checks.service import Disclosure, UnknownDomain, write_rows
from credence.i18n import _, format_number
from credence.identity import SubjectError, not_an_identifier
from credence.lists import exports
from credence.lists import repository as repo
from credence.measures.catalog import DOMAINS
from credence.process.machine import ABNORMAL_ENTRY, HONOUR_ENTRY, SERIOUS_ENTRY

if TYPE_CHECKING:
    from credence.api.app import Registry

router = APIRouter()
Kind = Annotated[ListKind, Path(description="serious_dishonesty, abnormal_operation or honour.")]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_BIDDERS_BYTES = 2_000_000
BIDDERS_FILE = (
    "A file of bidders with a subject_id column: CSV (UTF-8 with or without a byte-order mark, GB18030 or "
    "GBK) or an XLSX workbook (its first sheet)."
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BIDDERS_BODY = {
    "required": True,
    "description": BIDDERS_FILE,
    "content": {
        "text/csv": {"schema": {"type": "string", "format": "binary", "maxLength": MAX_BIDDERS_BYTES}},
        XLSX: {"schema": {"type": "string", "format": "binary", "maxLength": MAX_BIDDERS_BYTES}},
    },
}
Domain = Annotated[str, Query(min_length=1, max_length=64, description=", ".join(DOMAINS)), one_of(DOMAINS)]
ENTRY_STATES = list(dict.fromkeys(s for m in (SERIOUS_ENTRY, ABNORMAL_ENTRY, HONOUR_ENTRY) for s in m.states))
Subject = Annotated[
    str, Query(min_length=1, max_length=100, description=SUBJECT_DESCRIPTION), OrganisationCode
]


class EntryOut(BaseModel):
    """A list entry in force, as published."""

    entry: int
    list: str
    identifier: str
    organisation: str
    criterion: str
    field: str | None = Field(description="For the serious-dishonesty list: one of its four fields.")
    department: str
    legal_basis: str
    listed_from: date
    ends_on: date | None = Field(description="It ends by itself after this day; none: when cured.")


class OwnEntryOut(BaseModel):
    """Any entry of an organisation, in procedure or ended (self-service)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    list: str
    department: str
    criterion: str
    field: str | None
    legal_basis: str
    facts: str
    decision_ref: str | None
    state: str = Field(json_schema_extra=enum_of(ENTRY_STATES))
    answer_due: date | None
    answer: str | None
    hearing_requested: bool
    starts_on: date | None
    ends_on: date | None
    ended_on: date | None
    warned_on: date | None
    record_id: int | None


class EntryIn(StrictIn):
    department: Short
    subject: Short = Field(description="The organisation's USCC or LEI.")
    criterion: Short
    facts: Text
    decision_ref: Annotated[str, Field(max_length=200)] = Field(
        default="", description="The legally effective decision (serious and abnormal-operation lists)."
    )
    actor: Short
    ends_on: date | None = Field(default=None, description="Honours: the end date (default the longest).")


class ListAnswerIn(StrictIn):
    statement: Text
    hearing: bool = Field(default=False, description="Ask for a hearing: the facts are disputed.")
    filed_by: Short = Field(description="organisation:CODE, the organisation proposed for listing.")


class ListDecisionIn(StrictIn):
    department: Short
    outcome: Literal["list", "drop"]
    actor: Short
    reason: Text
    hearing: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None, description="The hearing's record, when the organisation asked for one."
    )


class EndIn(StrictIn):
    department: Short
    actor: Short
    reason: Text = Field(description="Why: the evidence of the cure, or why an honour is revoked.")


class AppliedOut(BaseModel):
    code: str
    title: str
    title_zh: str | None
    effect: str
    domain: str
    department: str
    legal_basis: str
    because: str
    since: date
    until: date
    remedy: str
    list: str | None = Field(
        default=None, description="For a decision published abroad: the list it is on; else null."
    )
    decision: str | None = Field(
        default=None, description="That decision: department/id of its day, and its own legal basis."
    )
    contest: str | None = Field(
        default=None, description="Where that decision is contested: with its maker, never with Credence."
    )


class CheckOut(BaseModel):
    subject: str
    domain: str
    as_of: date
    result: Literal["eligible", "restricted", "fast_track", "undisclosed"] = Field(
        description="undisclosed: a sole proprietor (USCC prefix 92), whose file is never public, checked "
        "by someone who may not see it; the same whether the registry holds it or not."
    )
    organisation: dict[str, str] | None
    known: bool | None = Field(
        description="False when the registry holds nothing on this organisation; null when undisclosed."
    )
    measures: list[AppliedOut]


def _registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


def disclosure_for(request: Request, purpose: str | None) -> tuple[Disclosure, bool]:
    """Whose sole proprietors' checks (never public) the caller sees, and whether each one it sees is a
    read to log: a department stating a purpose sees every one (logged); the organisation itself sees its
    own (not logged); anyone else none. A purpose from anyone but a department is refused, as for records."""
    principal = auth.principal_of(request)
    if reads.records_view(principal, None, purpose) == reads.SHARED:
        return Disclosure(lambda code: True), True
    own = principal.organisation_code if principal.role is Role.ORGANISATION else None
    return Disclosure(lambda code: own is not None and code == own), False


def _log_reads(reg: Registry, request: Request, shown: list[Any], purpose: str | None, what: str) -> None:
    """Keep and log a department's reads of sole proprietors' checks (one per organisation), committed
    before the answer leaves. `what` is said of each, after its key: "eligibility check of uscc:92… in …"."""
    principal = auth.principal_of(request)
    once = {org.id: org for org in shown}.values()
    batch = [Read(principal, org.id, str(purpose), f"eligibility check of {org.key} {what}") for org in once]
    if len(batch) == 1:
        reg.reads.record(principal, batch[0].organisation_id, batch[0].purpose, batch[0].what)
    elif batch:
        with reg.engine.begin() as conn:
            record_reads(conn, batch, reg.clock.now())


def _public_rows(reg: Registry, kind: ListKind) -> list[Any]:
    with reg.engine.connect() as conn:
        return exports.public_rows(conn, reg.catalog, kind.value, reg.today())


@router.get("/api/v1/lists/{kind}", response_model=Page[EntryOut], tags=["lists"])
def current(
    request: Request,
    kind: Kind,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[EntryOut]:
    """The entries in force and public today, oldest first, with their legal basis and end date."""
    rows = _public_rows(_registry(request), kind)
    return Page.of(rows, page, per_page, lambda r: EntryOut(**r))


@router.get(
    "/api/v1/lists/{kind}/export",
    tags=["lists"],
    responses={
        200: {
            "description": "The list as a file: CSV (format=csv, the default) or JSON (format=json).",
            "content": {"text/csv": CSV_ANSWER, "application/json": {"schema": {"type": "array"}}},
        }
    },
)
def export(
    request: Request, kind: Kind, format: Annotated[Literal["csv", "json"], Query()] = "csv"
) -> Response:
    """The whole current list as a file, CSV (one line per entry) or JSON."""
    rows = _public_rows(_registry(request), kind)
    name = f"{kind.value.replace('_', '-')}-list"
    if format == "json":
        body, media = json.dumps(rows, ensure_ascii=False, default=str), "application/json"
    else:
        body, media = exports.to_csv_download(rows), "text/csv; charset=utf-8"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    return Response(body, media_type=media, headers=headers)


@router.get("/api/v1/checks", response_model=CheckOut, tags=["checks"])
def check(
    request: Request,
    subject: Subject,
    domain: Domain,
    purpose: reads.Purpose = None,
) -> CheckOut:
    """Is the organisation eligible in this domain? eligible, restricted or fast_track, with every measure
    in force, its legal basis, until when and how to remedy it. Only the organisation named counts. A sole
    proprietor (USCC prefix 92) is `undisclosed`, except to a department that gives a `purpose` (the read
    is logged and the organisation sees it) and to the organisation itself."""
    reg = _registry(request)
    disclosure, logged = disclosure_for(request, purpose)
    try:
        found = reg.checks.check(subject, domain, disclosure)
    except UnknownDomain as exc:
        raise ApiError(422, "unknown_domain", str(exc)) from None
    except SubjectError as exc:
        raise ApiError(422, exc.reason, f"subject: {not_an_identifier(exc)}") from None  # never repeated
    if logged:
        _log_reads(reg, request, disclosure.shown, purpose, f"in {domain}")
    return CheckOut(**found.to_json())


@router.post(
    "/api/v1/checks",
    tags=["checks"],
    response_class=Response,  # CSV only
    responses={200: {"content": {"text/csv": CSV_ANSWER}, "description": "One line per bidder."}},
    openapi_extra={"requestBody": BIDDERS_BODY},
)
def check_bidders(
    request: Request,
    domain: Domain,
    bidders: Annotated[bytes, Body(media_type="text/csv", description=BIDDERS_FILE)],
    purpose: reads.Purpose = None,
) -> Response:
    """A procurement officer's list of bidders (CSV or an XLSX workbook, with a subject_id column): one line
    per bidder with its result, the measures in force, until when, their legal basis and the remedy. The
    file is read as ingest reads files: UTF-8 with or without a byte-order mark, GB18030 or GBK, CRLF or LF.
    Sole proprietors are `undisclosed` unless a department gives a `purpose` (each one's read logged), as
    for one check."""
    reg = _registry(request)
    if len(bidders) > MAX_BIDDERS_BYTES:
        raise ApiError(
            413, "too_large", _("at most %(n)s bytes of bidders", n=format_number(MAX_BIDDERS_BYTES))
        )
    disclosure, logged = disclosure_for(request, purpose)
    try:
        rows = read_bidders(bidders)
        charge_bidders(request, len(rows))  # the cost limit: 413 or 429 before any is checked
        body = write_rows(reg.checks.check_rows(rows, domain, disclosure))
    except UnknownDomain as exc:
        raise ApiError(422, "unknown_domain", str(exc)) from None
    except ValueError as exc:
        raise ApiError(422, "bad_file", str(exc)) from None
    if logged:
        _log_reads(reg, request, disclosure.shown, purpose, f"in {domain} (a file of bidders)")
    headers = {"Content-Disposition": f'attachment; filename="checks-{domain}.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


# -- the list procedures (departments; an organisation answers) ----------------------------------------


def _lists(request: Request) -> Any:
    return _registry(request).lists


def _department(request: Request, body: EntryIn | ListDecisionIn | EndIn) -> str:
    """The body's department is the principal's; the actor who records it, with its credential."""
    auth.own_department(request, "department", body.department)
    return auth.actor(request, "actor", body.actor)


@router.post("/api/v1/lists/{kind}/entries", response_model=OwnEntryOut, status_code=201, tags=["lists"])
def create(request: Request, kind: Kind, body: EntryIn) -> OwnEntryOut:
    """Propose a serious-dishonesty entry, enter an abnormal-operation one, or grant an honour."""
    lists = _lists(request)
    actor = _department(request, body)
    with refusals():
        if kind is ListKind.serious_dishonesty:
            row = lists.propose(
                body.department,
                body.subject,
                body.criterion,
                facts=body.facts,
                decision_ref=body.decision_ref,
                actor=actor,
            )
        elif kind is ListKind.abnormal_operation:
            row = lists.enter(
                body.department,
                body.subject,
                body.criterion,
                facts=body.facts,
                decision_ref=body.decision_ref,
                actor=actor,
            )
        else:
            row = lists.grant(
                body.department,
                body.subject,
                body.criterion,
                facts=body.facts,
                actor=actor,
                ends_on=body.ends_on,
            )
    return OwnEntryOut.model_validate(row)


@router.post("/api/v1/list-entries/{entry_id}/answer", response_model=OwnEntryOut, tags=["lists"])
def answer(request: Request, entry_id: Id, body: ListAnswerIn) -> OwnEntryOut:
    """The organisation answers a proposed serious-dishonesty listing, within the answer period."""
    lists = _lists(request)
    auth.filer(request, "filed_by", body.filed_by)
    with refusals():
        row = lists.answer(entry_id, statement=body.statement, hearing=body.hearing, filed_by=body.filed_by)
    return OwnEntryOut.model_validate(row)


@router.post("/api/v1/list-entries/{entry_id}/decision", response_model=OwnEntryOut, tags=["lists"])
def decide(request: Request, entry_id: Id, body: ListDecisionIn) -> OwnEntryOut:
    """List (after the answer period, and a hearing if asked for) or drop a proposed entry."""
    lists = _lists(request)
    actor = _department(request, body)
    with refusals():
        row = lists.decide(
            entry_id,
            department=body.department,
            listed=body.outcome == "list",
            actor=actor,
            reason=body.reason,
            hearing=body.hearing,
        )
    return OwnEntryOut.model_validate(row)


@router.post("/api/v1/list-entries/{entry_id}/cure", response_model=OwnEntryOut, tags=["lists"])
def cure(request: Request, entry_id: Id, body: EndIn) -> OwnEntryOut:
    """The department finds an abnormal-operation cause cured: the entry and its measures end now."""
    lists = _lists(request)
    actor = _department(request, body)
    with refusals():
        row = lists.cure(entry_id, department=body.department, actor=actor, evidence=body.reason)
    return OwnEntryOut.model_validate(row)


@router.post("/api/v1/list-entries/{entry_id}/revocation", response_model=OwnEntryOut, tags=["lists"])
def revoke(request: Request, entry_id: Id, body: EndIn) -> OwnEntryOut:
    """Revoke an honour."""
    lists = _lists(request)
    actor = _department(request, body)
    with refusals():
        row = lists.revoke(entry_id, department=body.department, actor=actor, reason=body.reason)
    return OwnEntryOut.model_validate(row)


@router.get("/api/v1/organisations/{code}/list-entries", response_model=Page[OwnEntryOut], tags=["lists"])
def own_entries(
    request: Request,
    code: Annotated[str, Path(max_length=100)],
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[OwnEntryOut]:
    """Every list entry of the organisation, proposals and ended ones included, newest first (for the
    organisation itself)."""
    reg = _registry(request)
    org = reg.own_file(request, code)
    with reg.engine.connect() as conn:
        rows = repo.of_organisation(conn, org.id)
    return Page.of(rows, page, per_page, OwnEntryOut.model_validate)
