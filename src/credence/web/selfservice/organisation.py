"""An organisation's own file (/me): every record with its grade and reasons, notices, objections, repairs,
list entries and who read its file and why, and the forms that object, apply to repair, add information or
answer a proposed listing."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response

from credence.access.principal import PURPOSES
from credence.access.reads import reads_of
from credence.api import queries
from credence.catalog.model import Polarity, Severity
from credence.i18n import N_, _, format_date
from credence.lists import repository as lists_repo
from credence.process import notices
from credence.process import repository as process_repo
from credence.rating.service import describe, describe_change
from credence.records import publicity
from credence.records import repository as records_repo
from credence.web.selfservice import queries as own
from credence.web.selfservice.common import (
    NOTICE_KINDS,
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
from credence.web.selfservice.forms import ObjectionForm, RepairForm, TextForm

# The department and record id of the path are not repeated: they may hold anything typed.
NO_RECORD = N_("no record with this id from this department in your file")


def add_organisation_routes(app: FastAPI, pages: Pages) -> None:
    registry, catalog, engine, service = pages.registry, pages.catalog, pages.engine, pages.service

    def organisation(request: Request, visit: Visit) -> Any:
        with engine.connect() as conn:
            org = queries.by_code(conn, visit.session.code)
        if org is None:
            raise Stop(
                pages.problem_page(
                    request, visit, 404, _("no organisation %(code)s any more", code=visit.session.code)
                )
            )
        return org

    def me_page(request: Request, visit: Visit, problem: Problem | None = None) -> Response:
        org = organisation(request, visit)
        today = registry.today()
        with engine.connect() as conn:
            rows = own.own_records(conn, org.id)
            contested = process_repo.under_objection(conn, [r.id for r in rows])
            inbox = notices.inbox(conn, org.id)
            objections = process_repo.of_organisation(conn, process_repo.objections, org.id)
            repairs = process_repo.of_organisation(conn, process_repo.repairs, org.id)
            entries = lists_repo.of_organisation(conn, org.id)
            read = reads_of(conn, org.id)
        explained = registry.rating.explain_row(org, today, with_history=False)
        names = {r.id: f"{r.department}/{r.source_record_id}" for r in rows}
        records = [
            {
                "r": r,
                "title": catalog.categories[r.category].title,
                "state": own.record_state(catalog, r, r.id in contested, today),
                "audience": own.audience(catalog, r, org.never_public),
                "until": publicity.published_until(catalog, r),
            }
            for r in rows
        ]
        return pages.page(
            request,
            visit,
            "selfservice_me.html",
            problem=problem,
            org=org,
            rating=explained.rating,
            reasons=[describe(catalog, c) for c in explained.rating.contributions],
            changes=[describe_change(catalog, c) for c in explained.changes],
            records=records,
            inbox=inbox,
            kinds=NOTICE_KINDS,
            names=names,
            objections=objections,
            repairs=repairs,
            entries=entries,
            reads=read,
            purposes=PURPOSES,
        )

    @app.get("/me", response_class=HTMLResponse, include_in_schema=False)
    def me(request: Request) -> Response:
        return me_page(request, pages.need(request, "organisation"))

    @app.get("/me/notices/{notice_id}", response_class=HTMLResponse, include_in_schema=False)
    def my_notice(request: Request, notice_id: Id) -> Response:
        visit = pages.need(request, "organisation")
        org = organisation(request, visit)
        with engine.connect() as conn:
            notice = notices.find(conn, notice_id)
            if notice is None or notice.organisation_id != org.id:
                return pages.problem_page(request, visit, 404, _("no notice %(id)s to you", id=notice_id))
            body = service.notice_body(conn, notice)
        return pages.page(request, visit, "selfservice_notice.html", n=body, kinds=NOTICE_KINDS)

    def record_page(
        request: Request,
        visit: Visit,
        department: str,
        source_record_id: str,
        problem: Problem | None = None,
        form: dict[str, str] | None = None,
    ) -> Response:
        org = organisation(request, visit)
        today = registry.today()
        with engine.connect() as conn:
            r = own.own_record(conn, org.id, department, source_record_id)
            if r is None:
                return pages.problem_page(request, visit, 404, _(NO_RECORD))
            versions = records_repo.record_versions(conn, r.id)
            events = records_repo.record_events(conn, r.id)
            objections = process_repo.of_organisation(conn, process_repo.objections, org.id)
            repairs = process_repo.of_organisation(conn, process_repo.repairs, org.id)
            entry = lists_repo.of_record(conn, r.id)
            inbox = [n for n in notices.inbox(conn, org.id) if n.record_id == r.id]
        objections = [o for o in objections if o.record_id == r.id]
        repairs = [x for x in repairs if x.record_id == r.id]
        category = catalog.categories[r.category]
        severity = Severity(r.severity) if category.severity_applies and r.severity else None
        open_objection = next((o for o in objections if o.state in process_repo.OPEN_OBJECTION), None)
        return pages.page(
            request,
            visit,
            "selfservice_record.html",
            problem=problem,
            org=org,
            r=r,
            title=category.title,
            state=own.record_state(catalog, r, open_objection is not None, today),
            ended=ended_text(own.ended_because(catalog, r, today)),
            audience=own.audience(catalog, r, org.never_public),
            until=publicity.published_until(catalog, r),
            adverse=category.polarity is Polarity.adverse and not r.linked,  # a linked listing: not us
            repair_from=r.decided_on + timedelta(days=category.period(severity).min_days),
            needs_commitment=severity is not Severity.minor,
            versions=versions,
            events=events,
            objections=objections,
            open_objection=open_objection,
            repairs=repairs,
            open_repair=next((x for x in repairs if x.state == "applied"), None),
            refused=[x for x in repairs if x.state == "refused"],
            entry=entry,
            inbox=inbox,
            kinds=NOTICE_KINDS,
            form=form or {},
        )

    @app.get(
        "/me/records/{department}/{source_record_id}", response_class=HTMLResponse, include_in_schema=False
    )
    def my_record(request: Request, department: str, source_record_id: str) -> Response:
        return record_page(request, pages.need(request, "organisation"), department, source_record_id)

    def own_or_stop(request: Request, visit: Visit, department: str, source_record_id: str) -> Any:
        org = organisation(request, visit)
        with engine.connect() as conn:
            found = own.own_record(conn, org.id, department, source_record_id)
        if found is None:
            raise Stop(pages.problem_page(request, visit, 404, _(NO_RECORD)))
        return found

    def in_force_or_refuse(found: Any, step: str) -> None:
        """An ended record offers no action, and a form posted for one all the same (`step`: "object" or
        "repair") is refused, saying why."""
        why = own.ended_because(catalog, found, registry.today())
        if why is None:
            return
        if step == "object":
            raise Ended(_("The record has ended (%(why)s): there is nothing to object to.", why=why))
        raise Ended(_("The record has ended (%(why)s): there is nothing to repair.", why=why))

    @app.post("/me/records/{department}/{source_record_id}/objection", include_in_schema=False)
    def object_(
        request: Request, department: str, source_record_id: str, form: Annotated[ObjectionForm, Form()]
    ) -> Response:
        visit = pages.posted(request, form.csrf, "organisation")
        found = own_or_stop(request, visit, department, source_record_id)
        try:
            in_force_or_refuse(found, "object")
            texts(statement=form.statement)
            chosen = form.repair_id.strip() if form.ground == "repair_decision" else ""
            if chosen and not (chosen.isascii() and chosen.isdigit() and len(chosen) <= 9):
                raise FormInvalid(_("repair_id: give the repair's number (digits only)"))  # not repeated
            repair_id = int(chosen) if chosen else None
            row = service.object(
                department,
                source_record_id,
                ground=form.ground,
                statement=form.statement,
                filed_by=visit.session.actor,
                repair_id=repair_id,
            )
        except REFUSALS as exc:
            kept = {"ground": form.ground, "statement": form.statement}
            return record_page(request, visit, department, source_record_id, refusal(exc), kept)
        flash = _(
            "Objection %(id)s filed, free of charge. %(department)s must answer by %(day)s; meanwhile the "
            "record shows 'under objection'.",
            id=row.id,
            department=row.department,
            day=format_date(row.due_on),
        )
        return pages.redirect(visit, f"/me/records/{department}/{source_record_id}", flash)

    @app.post("/me/records/{department}/{source_record_id}/repair", include_in_schema=False)
    def repair(
        request: Request, department: str, source_record_id: str, form: Annotated[RepairForm, Form()]
    ) -> Response:
        visit = pages.posted(request, form.csrf, "organisation")
        found = own_or_stop(request, visit, department, source_record_id)
        try:
            in_force_or_refuse(found, "repair")
            texts(evidence=form.evidence, commitment=form.commitment)
            row = service.apply_repair(
                department,
                source_record_id,
                evidence=form.evidence,
                commitment=form.commitment,
                applied_by=visit.session.actor,
            )
        except REFUSALS as exc:
            kept = {"evidence": form.evidence, "commitment": form.commitment}
            return record_page(request, visit, department, source_record_id, refusal(exc), kept)
        flash = _(
            "Repair application %(id)s received, free of charge. %(department)s decides by %(decide)s; the "
            "repair is complete by %(complete)s.",
            id=row.id,
            department=row.department,
            decide=format_date(row.decide_by),
            complete=format_date(row.complete_by),
        )
        return pages.redirect(visit, f"/me/records/{department}/{source_record_id}", flash)

    @app.post("/me/objections/{objection_id}/extension", include_in_schema=False)
    def extend(request: Request, objection_id: Id, form: Annotated[TextForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "organisation")
        try:
            texts(new_information=form.text)
            row = service.extend_objection(
                objection_id, new_information=form.text, filed_by=visit.session.actor
            )
        except REFUSALS as exc:
            return me_page(request, visit, refusal(exc))
        flash = _(
            "New information added to objection %(id)s: the answer is now due by %(day)s.",
            id=row.id,
            day=format_date(row.due_on),
        )
        return pages.redirect(visit, "/me", flash)

    @app.post("/me/list-entries/{entry_id}/answer", include_in_schema=False)
    def answer_listing(request: Request, entry_id: Id, form: Annotated[TextForm, Form()]) -> Response:
        visit = pages.posted(request, form.csrf, "organisation")
        try:
            texts(statement=form.text)
            registry.lists.answer(
                entry_id, statement=form.text, hearing=bool(form.hearing), filed_by=visit.session.actor
            )
        except REFUSALS as exc:
            return me_page(request, visit, refusal(exc))
        said = _("Your answer to the proposed listing %(id)s is recorded.", id=entry_id)
        if form.hearing:
            asked = _("You asked for a hearing.")
            said = f"{said} {asked}"
        return pages.redirect(visit, "/me", said)


class Ended(ValueError):
    """A step on a record that has ended: refused as a conflict (409), like the service's own refusals."""


def ended_text(why: str | None) -> str | None:
    """What an ended record's page says instead of its forms."""
    if why is None:
        return None
    return _(
        "The record has ended: %(why)s. It is no longer published or shared, counts in no grade and grounds "
        "no measure, so there is nothing to object to or to repair.",
        why=why,
    )
