"""The API's due-process routes: the notice outbox and delivery, inboxes, objections and repairs.

Every route here reads or changes non-public data: the rules (credence.api.rules) admit organisations to
their own file and steps, departments to theirs, and each route checks that what the body names (the
`department`, `filed_by`, `applied_by`, `actor`) is the principal itself (credence.api.auth).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from credence.api import auth
from credence.api.shapes import ApiError, Page, Short, StrictIn, Text, enum_of
from credence.dueprocess.service import CORRECTABLE, DueProcess
from credence.i18n import _
from credence.lists import repository as lists_repo
from credence.process import notices
from credence.process import repository as repo
from credence.process.errors import NotAllowed, NotFound
from credence.process.machine import OBJECTION, REPAIR, IllegalTransition
from credence.records.service import RecordNotFound, RowsRejected


class DeliveryIn(StrictIn):
    actor: Short = Field(description="Who delivered the notice.")
    channel: Short = Field(description="How: registered mail, in person, electronic service ...")


class ObjectionIn(StrictIn):
    department: Short
    source_record_id: Short
    ground: Literal["content", "period", "repair_decision", "not_us"]
    statement: Text
    filed_by: Short = Field(
        description="organisation:CODE (the record's own organisation) or department:CODE."
    )
    repair_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The refused repair (ground repair_decision)."
    )


class ExtensionIn(StrictIn):
    new_information: Text
    filed_by: Short = Field(description="organisation:CODE, the organisation the record concerns.")


class AnswerIn(StrictIn):
    department: Short = Field(description="The department that submitted the record.")
    outcome: Literal["corrected", "upheld", "withdrawn"]
    actor: Short
    reason: Text
    corrections: dict[str, str | None] | None = Field(
        default=None, description=f"With outcome corrected: new values of {', '.join(CORRECTABLE)}."
    )


class RepairIn(StrictIn):
    department: Short
    source_record_id: Short
    evidence: Text = Field(description="Evidence that the duty the decision imposed is fulfilled.")
    commitment: Annotated[str, Field(max_length=2000)] = Field(
        default="", description="The public commitment (required for general and serious records)."
    )
    applied_by: Short = Field(description="organisation:CODE, the organisation the record concerns.")


class DecisionIn(StrictIn):
    department: Short
    approve: bool
    actor: Short
    reason: Text


class ObjectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    record_id: int
    version: int
    department: str
    ground: str
    repair_id: int | None
    statement: str
    filed_by: str
    filed_on: date
    due_on: date
    new_information: str | None
    state: str = Field(json_schema_extra=enum_of(OBJECTION.states))
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None


class RepairOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    record_id: int
    department: str
    evidence: str
    commitment: str | None
    applied_by: str
    applied_on: date
    decide_by: date
    complete_by: date
    state: str = Field(json_schema_extra=enum_of(REPAIR.states))
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None


class AwaitingOut(BaseModel):
    kind: Literal["objection", "repair", "listing"]
    id: int
    record: str = Field(description="DEPARTMENT/SOURCE_RECORD_ID")
    organisation: str
    organisation_name: str
    due_on: date
    days_left: int = Field(description="Calendar days until the deadline; negative when overdue.")


@contextmanager
def refusals() -> Iterator[None]:
    """A due-process refusal as the one error shape: 404 for what does not exist, 422 for a correction
    that fails the submission checks, 409 for a step the procedure or its rules do not allow."""
    try:
        yield
    except (NotFound, RecordNotFound) as exc:
        raise ApiError(404, "not_found", str(exc)) from None
    except RowsRejected as exc:
        raise ApiError(422, "rejected", str(exc), [r.to_json() for r in exc.rejections]) from None
    except IllegalTransition as exc:
        raise ApiError(409, "illegal_transition", str(exc)) from None
    except (NotAllowed, ValueError) as exc:
        raise ApiError(409, "not_allowed", str(exc)) from None


def add_process_routes(app: FastAPI, get_registry: Callable[[], Any]) -> None:
    """Register the routes on the app; `get_registry` is the app's registry dependency."""

    Reg = Annotated[Any, Depends(get_registry)]
    Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
    PageNo = Annotated[int, Query(ge=1, le=100_000)]
    PerPage = Annotated[int, Query(ge=1, le=100)]

    def process(reg: Any) -> DueProcess:
        return reg.process  # type: ignore[no-any-return]

    @app.get("/api/v1/outbox", response_model=Page[dict[str, Any]], tags=["due process"])
    def outbox(
        reg: Reg,
        request: Request,
        department: Annotated[str | None, Query(max_length=32)] = None,
        after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        per_page: PerPage = 100,
    ) -> Page[dict[str, Any]]:
        """Notices awaiting delivery, oldest first, for a department's system or its mailer (its own
        notices; `department` defaults to the token's); resume with `after` = the last notice id handled."""
        service = process(reg)
        principal = auth.principal_of(request)
        if department is None and principal.department is not None:
            department = principal.department
        auth.own_department(request, "department", department)
        if department is not None and department not in reg.catalog.departments:
            raise ApiError(404, "not_found", no_department(reg))
        with reg.engine.connect() as conn:
            items = [service.notice_body(conn, n) for n in notices.outbox(conn, department, after, per_page)]
        return Page(items=items, total=len(items), page=1, per_page=per_page)

    @app.post("/api/v1/notices/{notice_id}/delivery", tags=["due process"])
    def delivery(reg: Reg, request: Request, notice_id: Id, body: DeliveryIn) -> dict[str, Any]:
        """Log that a notice reached its organisation: a record's notice publishes the record. A department
        logs the delivery of its own notices."""
        service = process(reg)
        with reg.engine.connect() as conn:
            found = notices.find(conn, notice_id)
        if found is not None:
            auth.own_department(request, "notice", found.department)
        actor = auth.actor(request, "actor", body.actor)
        with refusals():
            notice = service.deliver_notice(notice_id, actor=actor, channel=body.channel)
        with reg.engine.connect() as conn:
            return service.notice_body(conn, notice)

    @app.get("/api/v1/organisations/{code}/inbox", response_model=Page[dict[str, Any]], tags=["due process"])
    def organisation_inbox(
        reg: Reg,
        request: Request,
        code: Annotated[str, Path(max_length=100)],
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> Page[dict[str, Any]]:
        """Every notice to the organisation, newest first (for the organisation itself)."""
        service = process(reg)
        org = reg.own_file(request, code)
        with reg.engine.connect() as conn:
            items = [service.notice_body(conn, n) for n in notices.inbox(conn, org.id)]
        return Page.of(items, page, per_page)

    def of_organisation(reg: Any, request: Request, code: str, table: Any) -> list[Any]:
        org = reg.own_file(request, code)
        with reg.engine.connect() as conn:
            return repo.of_organisation(conn, table, org.id)

    @app.get(
        "/api/v1/organisations/{code}/objections", response_model=Page[ObjectionOut], tags=["due process"]
    )
    def organisation_objections(
        reg: Reg,
        request: Request,
        code: Annotated[str, Path(max_length=100)],
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> Page[ObjectionOut]:
        """The organisation's objections, newest first, with their deadlines and outcomes."""
        rows = of_organisation(reg, request, code, repo.objections)
        return Page.of(rows, page, per_page, ObjectionOut.model_validate)

    @app.get("/api/v1/organisations/{code}/repairs", response_model=Page[RepairOut], tags=["due process"])
    def organisation_repairs(
        reg: Reg,
        request: Request,
        code: Annotated[str, Path(max_length=100)],
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> Page[RepairOut]:
        """The organisation's repair applications, newest first."""
        rows = of_organisation(reg, request, code, repo.repairs)
        return Page.of(rows, page, per_page, RepairOut.model_validate)

    @app.get("/api/v1/departments/{department}/inbox", response_model=Page[AwaitingOut], tags=["due process"])
    def department_inbox(
        reg: Reg,
        request: Request,
        department: Annotated[str, Path(max_length=32)],
        page: PageNo = 1,
        per_page: PerPage = 20,
    ) -> Page[AwaitingOut]:
        """Objections and repair applications awaiting the department, soonest deadline first."""
        service = process(reg)
        auth.own_department(request, "department", department)
        if department not in reg.catalog.departments:
            raise ApiError(404, "not_found", no_department(reg))
        return Page.of(awaiting(service, department), page, per_page)

    @app.post("/api/v1/objections", response_model=ObjectionOut, status_code=201, tags=["due process"])
    def object_(reg: Reg, request: Request, body: ObjectionIn) -> ObjectionOut:
        """Object to a record (its content or publication period) or to a repair refusal, free of charge."""
        service = process(reg)
        auth.filer(request, "filed_by", body.filed_by)
        with refusals():
            row = service.object(
                body.department,
                body.source_record_id,
                ground=body.ground,
                statement=body.statement,
                filed_by=body.filed_by,
                repair_id=body.repair_id,
            )
        return ObjectionOut.model_validate(row)

    @app.post(
        "/api/v1/objections/{objection_id}/extension", response_model=ObjectionOut, tags=["due process"]
    )
    def extension(reg: Reg, request: Request, objection_id: Id, body: ExtensionIn) -> ObjectionOut:
        """The organisation brings new information: the deadline moves once."""
        service = process(reg)
        auth.filer(request, "filed_by", body.filed_by)
        with refusals():
            row = service.extend_objection(
                objection_id, new_information=body.new_information, filed_by=body.filed_by
            )
        return ObjectionOut.model_validate(row)

    @app.post("/api/v1/objections/{objection_id}/answer", response_model=ObjectionOut, tags=["due process"])
    def answer(reg: Reg, request: Request, objection_id: Id, body: AnswerIn) -> ObjectionOut:
        """The submitting department answers: corrected (a new version), upheld or withdrawn."""
        service = process(reg)
        auth.own_department(request, "department", body.department)
        actor = auth.actor(request, "actor", body.actor)
        with refusals():
            row = service.answer_objection(
                objection_id,
                department=body.department,
                outcome=body.outcome,
                actor=actor,
                reason=body.reason,
                corrections=dict(body.corrections) if body.corrections else None,
            )
        return ObjectionOut.model_validate(row)

    @app.post("/api/v1/repairs", response_model=RepairOut, status_code=201, tags=["due process"])
    def apply(reg: Reg, request: Request, body: RepairIn) -> RepairOut:
        """Apply to repair credit on a record, free of charge."""
        service = process(reg)
        auth.filer(request, "applied_by", body.applied_by)
        with refusals():
            row = service.apply_repair(
                body.department,
                body.source_record_id,
                evidence=body.evidence,
                commitment=body.commitment,
                applied_by=body.applied_by,
            )
        return RepairOut.model_validate(row)

    @app.post("/api/v1/repairs/{repair_id}/decision", response_model=RepairOut, tags=["due process"])
    def decide(reg: Reg, request: Request, repair_id: Id, body: DecisionIn) -> RepairOut:
        """Approve (publication and every measure end, the grade is recomputed) or refuse with reasons."""
        service = process(reg)
        auth.own_department(request, "department", body.department)
        actor = auth.actor(request, "actor", body.actor)
        with refusals():
            row = service.decide_repair(
                repair_id,
                department=body.department,
                approve=body.approve,
                actor=actor,
                reason=body.reason,
            )
        return RepairOut.model_validate(row)


def awaiting(service: DueProcess, department: str) -> list[AwaitingOut]:
    """What awaits a department, soonest deadline first."""
    today = service.today()
    items = []
    with service.engine.connect() as conn:
        for kind, table, states, due in (
            ("objection", repo.objections, repo.OPEN_OBJECTION, "due_on"),
            ("repair", repo.repairs, ("applied",), "decide_by"),
        ):
            for row in repo.awaiting_department(conn, table, department, states, table.c[due]):
                items.append(
                    AwaitingOut(
                        kind=kind,
                        id=row.id,
                        record=f"{row.department}/{row.source_record_id}",
                        organisation=row.organisation_code or "",
                        organisation_name=row.organisation_name,
                        due_on=getattr(row, due),
                        days_left=(getattr(row, due) - today).days,
                    )
                )
        # Proposed listings whose answer period runs: decidable the day after due_on.
        for entry in lists_repo.awaiting_department(conn, department):
            organisation = repo.organisation(conn, entry.organisation_id)
            items.append(
                AwaitingOut(
                    kind="listing",
                    id=entry.id,
                    record=f"{entry.list} list entry {entry.id}",
                    organisation=organisation.code or "",
                    organisation_name=organisation.name,
                    due_on=entry.answer_due,
                    days_left=(entry.answer_due - today).days,
                )
            )
    return sorted(items, key=lambda a: (a.due_on, a.kind, a.id))


def no_department(reg: Any) -> str:
    """The 404 of a department code the catalog lacks, naming the codes it has, never the one typed."""
    return _(
        "no such department in the catalog: the departments are %(departments)s",
        departments=", ".join(reg.catalog.departments),
    )
