"""A department's inbox (/inbox: objections, repairs and proposed listings by deadline, each with its
decision form). Its outbox (/outbox) is credence.web.selfservice.outbox."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from credence.api.process import awaiting
from credence.dueprocess.service import CORRECTABLE, interchange_row
from credence.i18n import _
from credence.lists import repository as lists_repo
from credence.process import repository as process_repo
from credence.web.selfservice.common import (
    REFUSALS,
    FormInvalid,
    Id,
    Pages,
    Problem,
    Stop,
    Visit,
    refusal,
    texts,
)
from credence.web.selfservice.forms import AnswerForm, DecisionForm


def add_department_routes(app: FastAPI, pages: Pages) -> None:
    registry, catalog, engine, service = pages.registry, pages.catalog, pages.engine, pages.service

    def addressed_or_stop(request: Request, visit: Visit, kind: str, item_id: int) -> None:
        """A department sees and decides only what is addressed to it; anything else is not found."""
        with engine.connect() as conn:
            if kind == "listing":
                found = lists_repo.find(conn, item_id)
            else:
                table = process_repo.objections if kind == "objection" else process_repo.repairs
                found = process_repo.find(conn, table, item_id)
        if found is None or found.department != visit.session.code:
            if kind == "listing":
                message = _("no list entry %(id)s for you", id=item_id)
            elif kind == "objection":
                message = _("no objection %(id)s for you", id=item_id)
            else:
                message = _("no repair application %(id)s for you", id=item_id)
            raise Stop(pages.problem_page(request, visit, 404, message))

    @app.get("/inbox", response_class=HTMLResponse, include_in_schema=False)
    def inbox(request: Request) -> Response:
        visit = pages.need(request, "department")
        items = awaiting(service, visit.session.code)
        return pages.page(request, visit, "selfservice_inbox.html", items=items)

    def objection_page(
        request: Request, visit: Visit, objection_id: int, problem: Problem | None = None, form: Any = None
    ) -> Response:
        with engine.connect() as conn:
            o = process_repo.find(conn, process_repo.objections, objection_id)
            if o is None or o.department != visit.session.code:
                return pages.problem_page(
                    request, visit, 404, _("no objection %(id)s for you", id=objection_id)
                )
            r = process_repo.record(conn, o.record_id)
            org = process_repo.organisation(conn, r.organisation_id)
        current = interchange_row(r, org)
        values = {k: "" if current[k] is None else str(current[k]) for k in CORRECTABLE}
        if form is not None:
            values.update({k: getattr(form, k) for k in CORRECTABLE if getattr(form, k) is not None})
        return pages.page(
            request,
            visit,
            "selfservice_objection.html",
            problem=problem,
            o=o,
            r=r,
            org=org,
            title=catalog.categories[r.category].title,
            values=values,
            fields=CORRECTABLE,
            outcome=form.outcome if form is not None else "",
            reason=form.reason if form is not None else "",
        )

    @app.get("/inbox/objections/{objection_id}", response_class=HTMLResponse, include_in_schema=False)
    def objection(request: Request, objection_id: Id) -> Response:
        return objection_page(request, pages.need(request, "department"), objection_id)

    @app.post("/inbox/objections/{objection_id}/answer", include_in_schema=False)
    def answer(request: Request, objection_id: Id, form: Annotated[AnswerForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        addressed_or_stop(request, visit, "objection", objection_id)
        try:
            texts(reason=form.reason, **{k: getattr(form, k) for k in CORRECTABLE})
            corrections = None
            if form.outcome == "corrected":
                corrections = corrected(objection_id, form)
            row = service.answer_objection(
                objection_id,
                department=visit.session.code,
                outcome=form.outcome,
                actor=visit.session.actor,
                reason=form.reason,
                corrections=corrections,
            )
        except REFUSALS as exc:
            return objection_page(request, visit, objection_id, refusal(exc), form)
        return pages.redirect(
            visit,
            "/inbox",
            _("Objection %(id)s answered: %(state)s. The organisation is told.", id=row.id, state=row.state),
        )

    def corrected(objection_id: int, form: AnswerForm) -> dict[str, Any] | None:
        """The fields the department changed (a correction is a new version of those only); none for an
        objection to a repair refusal, where "corrected" approves the repair."""
        with engine.connect() as conn:
            o = process_repo.find(conn, process_repo.objections, objection_id)
            if o is None:
                return None  # the service says so
            r = process_repo.record(conn, o.record_id)
            current = interchange_row(r, process_repo.organisation(conn, r.organisation_id))
        if o.ground == "repair_decision":
            return None
        changed: dict[str, Any] = {}
        for name in CORRECTABLE:
            value = getattr(form, name)
            if value is not None and value.strip() != ("" if current[name] is None else str(current[name])):
                changed[name] = value.strip() or None
        return changed

    def repair_page(
        request: Request, visit: Visit, repair_id: int, problem: Problem | None = None, form: Any = None
    ) -> Response:
        with engine.connect() as conn:
            x = process_repo.find(conn, process_repo.repairs, repair_id)
            if x is None or x.department != visit.session.code:
                return pages.problem_page(
                    request, visit, 404, _("no repair application %(id)s for you", id=repair_id)
                )
            r = process_repo.record(conn, x.record_id)
            org = process_repo.organisation(conn, r.organisation_id)
        return pages.page(
            request,
            visit,
            "selfservice_repair.html",
            problem=problem,
            x=x,
            r=r,
            org=org,
            title=catalog.categories[r.category].title,
            form=form or DecisionForm(),
        )

    @app.get("/inbox/repairs/{repair_id}", response_class=HTMLResponse, include_in_schema=False)
    def repair_application(request: Request, repair_id: Id) -> Response:
        return repair_page(request, pages.need(request, "department"), repair_id)

    @app.post("/inbox/repairs/{repair_id}/decision", include_in_schema=False)
    def decide_repair(request: Request, repair_id: Id, form: Annotated[DecisionForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        addressed_or_stop(request, visit, "repair", repair_id)
        try:
            texts(reason=form.reason)
            if form.outcome not in ("approve", "refuse"):
                raise FormInvalid(_("outcome: choose approve or refuse"))
            row = service.decide_repair(
                repair_id,
                department=visit.session.code,
                approve=form.outcome == "approve",
                actor=visit.session.actor,
                reason=form.reason,
            )
        except REFUSALS as exc:
            return repair_page(request, visit, repair_id, refusal(exc), form)
        return pages.redirect(
            visit,
            "/inbox",
            _("Repair application %(id)s %(state)s. The organisation is told.", id=row.id, state=row.state),
        )

    def listing_page(
        request: Request, visit: Visit, entry_id: int, problem: Problem | None = None, form: Any = None
    ) -> Response:
        with engine.connect() as conn:
            entry = lists_repo.find(conn, entry_id)
            if entry is None or entry.department != visit.session.code:
                return pages.problem_page(request, visit, 404, _("no list entry %(id)s for you", id=entry_id))
            org = process_repo.organisation(conn, entry.organisation_id)
        return pages.page(
            request,
            visit,
            "selfservice_listing.html",
            problem=problem,
            e=entry,
            org=org,
            form=form or DecisionForm(),
        )

    @app.get("/inbox/listings/{entry_id}", response_class=HTMLResponse, include_in_schema=False)
    def listing(request: Request, entry_id: Id) -> Response:
        return listing_page(request, pages.need(request, "department"), entry_id)

    @app.post("/inbox/listings/{entry_id}/decision", include_in_schema=False)
    def decide_listing(request: Request, entry_id: Id, form: Annotated[DecisionForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "department")
        addressed_or_stop(request, visit, "listing", entry_id)
        try:
            texts(reason=form.reason, hearing=form.hearing)
            if form.outcome not in ("list", "drop"):
                raise FormInvalid(_("outcome: choose list or drop"))
            row = registry.lists.decide(
                entry_id,
                department=visit.session.code,
                listed=form.outcome == "list",
                actor=visit.session.actor,
                reason=form.reason,
                hearing=form.hearing or None,
            )
        except REFUSALS as exc:
            return listing_page(request, visit, entry_id, refusal(exc), form)
        said = _("List entry %(id)s: %(state)s. The organisation is told.", id=row.id, state=row.state)
        return pages.redirect(visit, "/inbox", said)
